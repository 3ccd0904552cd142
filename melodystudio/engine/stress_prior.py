"""Stress-to-meter prior: where in the bar a syllable of each stress tends to start.

The lyric-conditioned model hears each syllable's stress, but most of its lyric data
(lyrics_melody) has no bar lines, so it never learnt to put stressed syllables on strong beats
(``models/melody/MODEL_CARD.md``). This prior is learnt from the lead sheets that have both lyrics
and real bar lines (OpenEWLD training split; ``training.stress_prior`` builds it) and joins the
model as a product of experts while a lyric is set:

    P(onset) ∝ P_model(onset) * exp(weight * log_ratio[stress, level(onset)])

``level`` is ``TimeSignature.metrical_level`` of the onset (0 bar line .. 4 finer than an eighth)
and ``log_ratio[s, l] = log P(level l | stress s) - log P(level l | any syllable)`` (add-one
smoothed counts). With weight 1 and a model that knew nothing of stress this is Bayes' rule; the
shipped weight is chosen on the validation lead sheets. The prior reshapes where notes start, never
which onsets are allowed (the constraints still decide that), and the reported NLL stays the raw
model's.

File ``stress_prior.json`` in the model directory (listed with its sha256 in manifest.json)::

    {"format": "melodystudio-stress-prior", "version": 1, "weight": w,
     "stresses": ["unstressed", "primary", "secondary"],      # rows, lyrics.Stress 1, 2, 3
     "levels": 5, "log_ratio": [[...5], [...5], [...5]], "counts": [[...], ...], "data": "..."}
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from melodystudio.core import TimeSignature
from melodystudio.engine.model_files import checked_table, read_table_file

PRIOR_FILE = "stress_prior.json"
PRIOR_FORMAT = "melodystudio-stress-prior"
PRIOR_VERSION = 1
LEVELS = 5  # TimeSignature.metrical_level values
STRESS_ROWS = ("unstressed", "primary", "secondary")  # lyrics.Stress 1, 2, 3 (0: melisma, no prior)


@dataclass(frozen=True)
class StressPrior:
    log_ratio: np.ndarray  # (4, LEVELS) float64: row 0 (a held note, no syllable) all zero
    weight: float

    @staticmethod
    def from_json(data: dict[str, Any]) -> StressPrior:
        table = checked_table(data, PRIOR_FORMAT, PRIOR_VERSION, (len(STRESS_ROWS), LEVELS), "stress prior")
        weight = float(data["weight"])
        if not 0.0 <= weight <= 10.0:
            raise ValueError(f"weight {weight}")
        return StressPrior(np.vstack([np.zeros(LEVELS), table]), weight)

    @staticmethod
    def load(path: Path) -> StressPrior:
        return read_table_file(path, "stress prior", StressPrior.from_json)

    def to_json(self, counts: np.ndarray, data: str) -> dict[str, Any]:
        return {"format": PRIOR_FORMAT, "version": PRIOR_VERSION, "weight": self.weight,
                "stresses": list(STRESS_ROWS), "levels": LEVELS,
                "log_ratio": np.round(self.log_ratio[1:], 4).tolist(), "counts": counts.astype(int).tolist(),
                "data": data}

    @staticmethod
    def fit(counts: np.ndarray, weight: float) -> StressPrior:
        """From (3, LEVELS) syllable counts (rows STRESS_ROWS) by metrical level, add-one smoothed."""
        c = np.asarray(counts, dtype=np.float64) + 1.0
        given = c / c.sum(axis=1, keepdims=True)
        anywhere = c.sum(axis=0) / c.sum()
        return StressPrior(np.vstack([np.zeros(LEVELS), np.log(given / anywhere[None])]), weight)

    def onset_weights(self, stresses: Sequence[int], levels: np.ndarray) -> np.ndarray:
        """(n, *levels.shape) log-weights of each onset cell for each of n syllables (``lyrics.Stress``
        values, 0 for a held note); ``levels`` holds each cell's metrical level, -1 where closed (0)."""
        rows = self.weight * self.log_ratio[np.asarray(stresses, dtype=np.int64)]  # (n, LEVELS)
        return np.where(levels[None] >= 0, rows[:, np.clip(levels, 0, LEVELS - 1)], 0.0)


def onset_levels(onsets: np.ndarray, bar_starts: np.ndarray, meters: Sequence[TimeSignature]) -> np.ndarray:
    """(bars, positions) metrical level of each onset cell (ticks, < 0 closed -> -1) of the bars
    starting at ``bar_starts`` with meters ``meters``."""
    out = np.full(onsets.shape, -1, dtype=np.int64)
    for b, (start, meter) in enumerate(zip(bar_starts, meters)):
        for p in np.flatnonzero(onsets[b] >= 0):
            out[b, p] = meter.metrical_level(int(onsets[b, p]) - int(start))
    return out
