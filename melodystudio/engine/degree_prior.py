"""Scale-degree prior: how often a lyric's notes, and the last notes of its phrases, sit on each
degree of the key.

The lyric-conditioned model learnt its lyrics from lyrics_melody, whose songs carry no key, so
while it sets a lyric it follows the song's key less than while it fills bars. Counted by
``training.degree_prior`` over 600 training songs, each set in the key estimated from its human
melody: in major keys 16% of the model's notes are tonics (the human settings of the same lines:
35%), in minor keys 15% lie outside the natural minor scale (human 6%), and its phrase endings are
on the tonic triad hardly more often than its other notes (49% vs 47% in major; human 66% vs 61%).
This prior corrects the model's own degree distribution towards the human one as a
product of experts, only while a lyric is set:

    P(pitch) ∝ P_model(pitch) * exp(weight[place] * log_ratio[mode, place, (pitch - tonic) % 12])

``place`` is 1 for the last note of a phrase (the lyric's line) and 0 for the others, and
``log_ratio = log P_human(degree | mode, place) - log P_model(degree | mode, place)``: both counted
over the same training-split cases (``training.degree_prior``: the model sets each case's syllables
in the key estimated from its human melody; add-one smoothed), so with weight 1 the degree
distribution of the model's settings moves to the human one. Each place has its own weight, chosen
on the validation songs. Songs without a key get no prior; the reported NLL stays the raw model's.

The shipped table (``python -m melodystudio.training.degree_prior --weights 0 1``) weighs phrase ends
only. On 400 validation songs (``melodystudio eval lyrics --split valid --cases 400 --seed 2``) the
phrase-end weight 1 puts 62% of line ends on the tonic triad (human 65%; no prior 46%) at no cost to
SongGLM's figures, while any weight inside phrases cost pitch similarity (weight 0.5 inside and at the
ends: DP 86.6 against 96.1), because the settings of different songs then grow alike
(``models/melody/MODEL_CARD.md``, "Scale degrees").

File ``degree_prior.json`` in the model directory (listed with its sha256 in manifest.json)::

    {"format": "melodystudio-degree-prior", "version": 1, "weights": [inside, end], "modes": ["major", "minor"],
     "places": ["inside a phrase", "phrase end"], "log_ratio": [[[...12], [...12]], [[...], [...]]],
     "human_counts": [...], "model_counts": [...], "data": "..."}
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from melodystudio.core import KeySignature
from melodystudio.engine.model_files import checked_table, read_table_file

DEGREE_PRIOR_FILE = "degree_prior.json"
DEGREE_PRIOR_FORMAT = "melodystudio-degree-prior"
DEGREE_PRIOR_VERSION = 1
MODES = ("major", "minor")
PLACES = ("inside a phrase", "phrase end")
TABLE_SHAPE = (len(MODES), len(PLACES), 12)
PITCHES = 128


@dataclass(frozen=True)
class DegreePrior:
    log_ratio: np.ndarray  # TABLE_SHAPE float64
    weights: tuple[float, float]  # inside a phrase, at its end

    @staticmethod
    def fit(human: np.ndarray, model: np.ndarray, weights: tuple[float, float]) -> DegreePrior:
        """From TABLE_SHAPE note counts of the human settings and of the model's, add-one smoothed."""
        h = np.asarray(human, dtype=np.float64) + 1.0
        m = np.asarray(model, dtype=np.float64) + 1.0
        if h.shape != TABLE_SHAPE or m.shape != TABLE_SHAPE:
            raise ValueError(f"degree counts must have shape {TABLE_SHAPE}")
        return DegreePrior(np.log(h / h.sum(axis=2, keepdims=True)) - np.log(m / m.sum(axis=2, keepdims=True)),
                           (float(weights[0]), float(weights[1])))

    @staticmethod
    def from_json(data: dict[str, Any]) -> DegreePrior:
        table = checked_table(data, DEGREE_PRIOR_FORMAT, DEGREE_PRIOR_VERSION, TABLE_SHAPE, "degree prior")
        weights = tuple(float(w) for w in data["weights"])
        if len(weights) != len(PLACES) or not all(0.0 <= w <= 10.0 for w in weights):
            raise ValueError(f"weights {weights}")
        return DegreePrior(table, (weights[0], weights[1]))

    @staticmethod
    def load(path: Path) -> DegreePrior:
        return read_table_file(path, "degree prior", DegreePrior.from_json)

    def to_json(self, human: np.ndarray, model: np.ndarray, data: str) -> dict[str, Any]:
        return {"format": DEGREE_PRIOR_FORMAT, "version": DEGREE_PRIOR_VERSION, "weights": list(self.weights),
                "modes": list(MODES), "places": list(PLACES), "log_ratio": np.round(self.log_ratio, 4).tolist(),
                "human_counts": np.asarray(human).astype(int).tolist(),
                "model_counts": np.asarray(model).astype(int).tolist(), "data": data}

    def pitch_weights(self, key: KeySignature) -> np.ndarray:
        """(len(PLACES), 128) log-weights of every pitch for a note inside a phrase and at its end."""
        row = self.log_ratio[MODES.index(key.mode)]  # (places, 12 degrees)
        degrees = (np.arange(PITCHES) - key.tonic_pc) % 12
        return np.asarray(self.weights)[:, None] * row[:, degrees]


def degree_counts(pitches: np.ndarray, key: KeySignature, phrase_end: np.ndarray) -> np.ndarray:
    """TABLE_SHAPE counts of one melody's notes (``pitches`` (n,) MIDI numbers, ``phrase_end`` (n,)
    bools) by the key's mode, their place and their degree."""
    counts = np.zeros(TABLE_SHAPE, dtype=np.int64)
    degrees = (np.asarray(pitches, dtype=np.int64) - key.tonic_pc) % 12
    np.add.at(counts[MODES.index(key.mode)], (np.asarray(phrase_end, dtype=np.int64), degrees), 1)
    return counts
