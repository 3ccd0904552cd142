"""Choosing one chord per segment: Viterbi over the model's chord probabilities and a chord bigram.

Transitions come from ``ChordBigrams``: counts of consecutive segment chords in the training
data, kept transposition-invariant as (quality of the first chord, root interval to the second,
quality of the second); no chord is an eleventh quality with no root. Expanding them gives the
(121, 121) log-transition matrix: P(b | a) from the counts of (q(a), root(b) - root(a), q(b)),
smoothed. Counts differ per segment size (a beat holds its chord far more often than a bar), so
there is one table per rule of ``segments.RULES``.

Options at decoding time:
- ``rich`` False: each segment's probabilities are summed onto the major/minor readings and only
  maj and min chords can be chosen (no chord is never chosen; locked chords are always allowed).
- ``change_rate``: 1 is the model's default; below 1 fewer changes, above 1 more. It adds
  ``hold_offset - CHANGE_SCALE * ln(change_rate)`` to every "hold the chord" transition, which makes
  the number of changes of the best path non-increasing as the rate falls.
- ``transition_weight`` scales the bigram log-probabilities. The model's probabilities already see
  the neighbouring segments (its head is a bidirectional GRU), so the full bigram counts twice and
  holds chords too long: a shipped model stores the weight and hold offset chosen on the
  validation split in its manifest (``Decoding``).
- ``locked`` (S,) int: a class >= 0 fixes that segment's chord (constrained decoding); -1 is free.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from melodystudio.core import MelodyStudioError
from melodystudio.harmony.segments import RULES
from melodystudio.harmony.vocabulary import (
    N_CHORD_CLASSES,
    N_QUALITY_SLOTS,
    QUALITY,
    ROOT,
    allowed_classes,
    to_simple_probs,
)

CHANGE_SCALE = 2.0  # nats of hold bonus per e-fold of change_rate
MIN_CHANGE_RATE, MAX_CHANGE_RATE = 0.05, 20.0
_NEG = -1e9  # a log-probability that never wins (finite, so sums stay finite)


@dataclass
class ChordBigrams:
    """counts[r, qa, d, qb]: rule r, quality slot of chord a, root interval a -> b (0 with no chord), quality of b."""

    counts: np.ndarray  # (len(RULES), 11, 12, 11) float64

    @staticmethod
    def empty() -> ChordBigrams:
        return ChordBigrams(np.zeros((len(RULES), N_QUALITY_SLOTS, 12, N_QUALITY_SLOTS)))

    def add(self, per: str, classes: Iterable[int] | np.ndarray) -> None:
        """Count the consecutive pairs of one song's segment chords."""
        c = np.asarray(list(classes) if not isinstance(classes, np.ndarray) else classes, np.int64)
        if len(c) < 2:
            return
        a, b = c[:-1], c[1:]
        d = np.where((ROOT[a] >= 0) & (ROOT[b] >= 0), (ROOT[b] - ROOT[a]) % 12, 0)
        np.add.at(self.counts[RULES.index(per)], (QUALITY[a], d, QUALITY[b]), 1.0)

    def log_transitions(self, per: str, smoothing: float = 0.5) -> np.ndarray:
        """(121, 121) float64 log P(next class | class) for segments of rule ``per``."""
        table = self.counts[RULES.index(per)]
        qa, qb = QUALITY[:, None], QUALITY[None, :]
        both = (ROOT[:, None] >= 0) & (ROOT[None, :] >= 0)
        d = np.where(both, (ROOT[None, :] - ROOT[:, None]) % 12, 0)
        counts = table[qa, d, qb]
        # from no chord to a rooted chord: the counts of all 12 roots were pooled at interval 0
        counts = np.where((ROOT[:, None] < 0) & (ROOT[None, :] >= 0), counts / 12.0, counts)
        counts = counts + smoothing
        return np.log(counts / counts.sum(axis=1, keepdims=True))


@dataclass(frozen=True)
class Decoding:
    """How strongly the chord bigram and the hold bonus act (1.0 / 0.0: the plain bigram)."""

    transition_weight: float = 1.0
    hold_offset: float = 0.0  # nats added to holding a chord at change rate 1


def hold_bonus(change_rate: float, offset: float = 0.0) -> float:
    if not MIN_CHANGE_RATE <= change_rate <= MAX_CHANGE_RATE:
        raise MelodyStudioError(f"chord change rate {change_rate:g} is outside {MIN_CHANGE_RATE:g}-{MAX_CHANGE_RATE:g} "
                                "(1 = the model's default, lower = fewer changes)")
    return offset - CHANGE_SCALE * math.log(change_rate)


def viterbi(emission: np.ndarray, log_trans: np.ndarray, bonus: float = 0.0) -> np.ndarray:
    """Best class path: emission (S, C) log scores, log_trans (C, C), ``bonus`` added to holding a chord."""
    s_len, n = emission.shape
    if s_len == 0:
        return np.zeros(0, np.int64)
    trans = log_trans + bonus * np.eye(n)
    score = emission[0].copy()
    back = np.zeros((s_len, n), np.int64)
    for t in range(1, s_len):
        cand = score[:, None] + trans  # (from, to)
        back[t] = np.argmax(cand, axis=0)
        score = cand[back[t], np.arange(n)] + emission[t]
    path = np.zeros(s_len, np.int64)
    path[-1] = int(np.argmax(score))
    for t in range(s_len - 1, 0, -1):
        path[t - 1] = back[t, path[t]]
    return path


def decode(probs: np.ndarray, log_trans: np.ndarray, *, rich: bool = True, change_rate: float = 1.0,
           locked: np.ndarray | None = None, decoding: Decoding | None = None) -> np.ndarray:
    """(S,) chord classes for segment probabilities ``probs`` (S, 121) under the options above."""
    if probs.ndim != 2 or probs.shape[1] != N_CHORD_CLASSES:
        raise ValueError(f"expected (segments, {N_CHORD_CLASSES}) probabilities, got {probs.shape}")
    p = probs if rich else to_simple_probs(probs)
    with np.errstate(divide="ignore"):
        emission = np.where(allowed_classes(rich)[None, :], np.log(np.maximum(p, 1e-12)), _NEG)
    if locked is not None:
        fixed = locked >= 0
        emission[fixed] = _NEG
        emission[np.flatnonzero(fixed), locked[fixed]] = 0.0
    d = decoding or Decoding()
    return viterbi(emission, d.transition_weight * log_trans, hold_bonus(change_rate, d.hold_offset))


def changes(classes: np.ndarray) -> int:
    """Number of chord changes along a segment sequence."""
    return int(np.count_nonzero(np.diff(classes))) if len(classes) else 0
