"""Cascaded attribute heads in numpy: one compound token from the transformer's hidden state.

The model samples a token attribute by attribute in ``CASCADE`` order (kind -> bar -> pos -> dur ->
pitch) so the engine can constrain each attribute given the ones already chosen (an END needs no
pitch; a note must start inside the blank). The head for stage k is a small MLP::

    x_k = h + sum_{j<k} E_j[value_j]          # (B, d): h plus embeddings of earlier attributes
    x_pitch += C[chord]                       # chord-conditioned models: the CHORD at the note's onset
    logits_k = W2 @ gelu_tanh(W1 @ x_k + b1) + b2   # (B, size_k)
    logits_pitch += P[chord]                  # and its chord-tone prior (CHORD values, 128)

The weights come from ``melodystudio.training.export`` as an .npz (names below); training checks
this implementation against torch. numpy only: the engine runs this next to onnxruntime. Version 2
added the optional ``emb.pitch_chord`` (C) and ``bias.pitch_chord`` (P); version 1 files (no chords)
still load.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np

from melodystudio.core.errors import MelodyStudioError
from melodystudio.tokens.compound import BAR, DUR, FIELDS, KIND, PITCH, POS

HEADS_VERSION = 2
READABLE_HEADS_VERSIONS = (1, 2)
CASCADE = (KIND, BAR, POS, DUR, PITCH)  # token columns, in the order the attributes are sampled
CASCADE_NAMES = tuple(FIELDS[f] for f in CASCADE)  # ("kind", "bar", "pos", "dur", "pitch")

BAR_STAGE, POS_STAGE, PITCH_STAGE = (CASCADE.index(f) for f in (BAR, POS, PITCH))  # stage numbers

# allow(stage, chosen) -> bool mask (B, size) of allowed values at this stage, or None for all;
# chosen (B, stage) holds the values picked at the earlier stages, in cascade order.
Constraint = Callable[[int, np.ndarray], np.ndarray | None]
# chord_at(chosen) -> (B,) CHORD condition values at the onsets chosen (B, PITCH_STAGE) (bar, pos ...)
ChordLookup = Callable[[np.ndarray], np.ndarray]


_GELU_C, _GELU_A = np.float32(np.sqrt(2.0 / np.pi)), np.float32(0.044715)


def gelu_tanh(x: np.ndarray) -> np.ndarray:
    """GELU, tanh approximation (torch ``nn.GELU(approximate="tanh")``); no scipy needed.
    0.5 x (1 + tanh(c x (1 + a x^2))), in place on one new array: half the time of the plain
    expression with ``x**3`` at the heads' sizes (it runs five times per decoding step)."""
    out = x * x
    out *= _GELU_A
    out += 1.0
    out *= x
    out *= _GELU_C
    np.tanh(out, out=out)
    out += 1.0
    out *= x
    out *= 0.5
    return out


class CascadeHeads:
    """The head MLPs and attribute embeddings, float32 numpy arrays keyed as in the exported .npz."""

    def __init__(self, weights: Mapping[str, np.ndarray]) -> None:
        try:
            self.emb = [np.asarray(weights[f"emb.{n}"], np.float32) for n in CASCADE_NAMES[:-1]]
            w1 = [np.asarray(weights[f"head.{n}.w1"], np.float32).T for n in CASCADE_NAMES]  # (d, hidden)
            self.b1 = [np.asarray(weights[f"head.{n}.b1"], np.float32) for n in CASCADE_NAMES]
            self.w2 = [np.asarray(weights[f"head.{n}.w2"], np.float32) for n in CASCADE_NAMES]  # (size, hidden)
            self.b2 = [np.asarray(weights[f"head.{n}.b2"], np.float32) for n in CASCADE_NAMES]
        except KeyError as missing:
            raise MelodyStudioError(f"head weights lack {missing}") from None
        self.sizes = tuple(w.shape[0] for w in self.w2)
        # transposed once: (hidden, size), contiguous for the per-step products
        self._w2t = [np.ascontiguousarray(w.T) for w in self.w2]
        chord, bias = weights.get("emb.pitch_chord"), weights.get("bias.pitch_chord")
        self.pitch_chord = None if chord is None else np.asarray(chord, np.float32)  # (chord values, d)
        self.pitch_bias = None if bias is None else np.asarray(bias, np.float32)  # (chord values, 128)
        # The first layer is linear, so W1_k (h + sum_j E_j[v_j]) = W1_k h + sum_j (E_j W1_k^T)[v_j]:
        # every stage's W1_k h in one product per step (``first_layer``), the embeddings as lookups of
        # tables projected once here (stage k, earlier stage j: (size_j, hidden_k); 0.5 MB in all).
        self._w1_all = np.ascontiguousarray(np.concatenate(w1, axis=1))  # (d, sum of hidden)
        self._cols = np.cumsum([0] + [w.shape[1] for w in w1])  # each stage's columns in it
        self._emb_w1 = [[self.emb[j] @ w1[k] for j in range(k)] for k in range(len(CASCADE))]
        self._chord_w1 = None if self.pitch_chord is None else self.pitch_chord @ w1[PITCH_STAGE]

    @staticmethod
    def load(path: str | Path) -> CascadeHeads:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"])) if "meta" in data else {}
            if meta.get("heads_version") not in READABLE_HEADS_VERSIONS:
                raise MelodyStudioError(f"{path}: head weights version {meta.get('heads_version')} "
                                        f"is not one of {READABLE_HEADS_VERSIONS}")
            return CascadeHeads({k: data[k] for k in data.files if k != "meta"})

    def first_layer(self, h: np.ndarray) -> np.ndarray:
        """h (B, d) -> (B, sum of hidden): W1_k h of every stage, for ``logits(..., first=)``."""
        return np.asarray(h, np.float32) @ self._w1_all

    def logits(self, stage: int, h: np.ndarray, chosen: np.ndarray, chord: np.ndarray | None = None,
               first: np.ndarray | None = None) -> np.ndarray:
        """h (B, d) float32, chosen (B, >= stage) int earlier attributes -> (B, sizes[stage]) logits;
        ``chord`` (B,) CHORD values of the notes (used by the pitch stage of a chord model); ``first``
        this h's ``first_layer`` when the caller computed it once for all stages (else done here)."""
        lo, hi = self._cols[stage], self._cols[stage + 1]
        x = (first[:, lo:hi] if first is not None else np.asarray(h, np.float32) @ self._w1_all[:, lo:hi]) \
            + self.b1[stage]
        for j in range(stage):
            x += self._emb_w1[stage][j][chosen[:, j]]
        chorded = stage == PITCH_STAGE and chord is not None
        if chorded and self._chord_w1 is not None:
            x += self._chord_w1[chord]
        logits = gelu_tanh(x) @ self._w2t[stage]
        logits += self.b2[stage]
        if chorded and self.pitch_bias is not None:
            logits += self.pitch_bias[chord]
        return logits

    def sample(self, h: np.ndarray, rng: np.random.Generator, temperature: float = 1.0,
               allow: Constraint | None = None, chord_at: ChordLookup | None = None) -> np.ndarray:
        """Sample (B, 5) attribute values in cascade order; temperature 0 takes the most likely value."""
        chosen = np.zeros((h.shape[0], len(CASCADE)), dtype=np.int64)
        for stage in range(len(CASCADE)):
            chord = chord_at(chosen[:, :stage]) if chord_at is not None and stage == PITCH_STAGE else None
            logits = self.logits(stage, h, chosen, chord).astype(np.float64)
            mask = allow(stage, chosen[:, :stage]) if allow is not None else None
            if mask is not None:
                if not mask.any(axis=1).all():
                    raise MelodyStudioError(f"no allowed value for {CASCADE_NAMES[stage]}")
                logits = np.where(mask, logits, -np.inf)
            chosen[:, stage] = _draw(logits, rng, temperature)
        return chosen


def _draw(logits: np.ndarray, rng: np.random.Generator, temperature: float) -> np.ndarray:
    """One index per row of (B, V) logits (-inf = forbidden)."""
    if temperature <= 0:
        return logits.argmax(axis=1)
    z = logits / temperature
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    c = p.cumsum(axis=1)
    idx = np.minimum((c < rng.random((p.shape[0], 1)) * c[:, -1:]).sum(axis=1), p.shape[1] - 1)
    rows = np.arange(p.shape[0])
    # rounding can land on a forbidden (p = 0) value past the last allowed one: take the likeliest then
    return np.where(p[rows, idx] > 0, idx, p.argmax(axis=1))
