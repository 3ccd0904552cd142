"""Melody metrics for comparing generated tunes with human ones.

Two kinds: distribution similarity between two sets of values (pitch classes, durations, onset
intervals pooled over many tunes), and per-tune measures (key fit, bar fit, repetition, melodic
distance). Everything takes core ``Note``s or plain arrays; ticks are at ``PPQ`` per quarter.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from melodystudio.core import KeySignature, Note

PITCH_CLASS_BINS = np.arange(13)  # edges: one bin per pitch class 0..11


# -- distribution similarity ------------------------------------------------------------------
def histogram_overlap(a_values: Sequence[float], b_values: Sequence[float],
                      bins: int | Sequence[float]) -> float:
    """Sum over bins of min(h_a, h_b) for the two histograms normalised to sum 1: 1.0 for
    identical distributions, 0.0 for disjoint ones. ``bins`` is a bin count (spread over the
    joint range) or explicit edges as in ``np.histogram``; values outside given edges are dropped.
    """
    a, b = _nonempty(a_values, "a_values"), _nonempty(b_values, "b_values")
    if isinstance(bins, int):
        edges = np.histogram_bin_edges(np.concatenate([a, b]), bins=bins)
    else:
        edges = np.asarray(bins, dtype=np.float64)
    ha, hb = np.histogram(a, edges)[0], np.histogram(b, edges)[0]
    if ha.sum() == 0 or hb.sum() == 0:
        raise ValueError("no value falls inside the histogram bins")
    return float(np.minimum(ha / ha.sum(), hb / hb.sum()).sum())


def overlapping_area(a_values: Sequence[float], b_values: Sequence[float],
                     bandwidth: float | None = None, grid_points: int = 2048) -> float:
    """Overlapping area (OA, percent) of the two empirical distributions, as used for pitch and
    duration distribution similarity in TeleMelody / SongGLM style evaluation (after Yang & Lerch
    2018): each set is smoothed by a Gaussian kernel density estimate and OA = 100 * integral of
    min(f_a, f_b), by the trapezoid rule on a shared grid.

    Bandwidth: ``bandwidth`` (value units) for both sets, or Scott's rule sigma * n ** (-1/5) per
    set; a set with no spread (sigma 0) gets 0.5 units, half a semitone or grid step.
    """
    a, b = _nonempty(a_values, "a_values"), _nonempty(b_values, "b_values")
    bw_a, bw_b = (bandwidth, bandwidth) if bandwidth is not None else (_scott(a), _scott(b))
    reach = 5 * max(bw_a, bw_b)  # beyond 5 bandwidths a Gaussian kernel is negligible
    x = np.linspace(min(a.min(), b.min()) - reach, max(a.max(), b.max()) + reach, grid_points)
    overlap = np.minimum(_kde(a, bw_a, x), _kde(b, bw_b, x))
    return float(100.0 * np.sum((overlap[1:] + overlap[:-1]) / 2 * np.diff(x)))


def _scott(values: np.ndarray) -> float:
    sigma = float(values.std(ddof=1)) if values.size > 1 else 0.0
    return sigma * values.size ** -0.2 if sigma > 0 else 0.5


def _kde(values: np.ndarray, bandwidth: float, x: np.ndarray) -> np.ndarray:
    """Gaussian kernel density of ``values`` evaluated at ``x``: (len(x),)."""
    z = (x[:, None] - values[None, :]) / bandwidth  # (X, N)
    return np.exp(-0.5 * z * z).sum(axis=1) / (values.size * bandwidth * math.sqrt(2 * math.pi))


def _nonempty(values: Sequence[float], name: str) -> np.ndarray:
    arr = np.asarray(values, dtype=np.float64).ravel()
    if arr.size == 0:
        raise ValueError(f"{name} is empty: nothing to compare")
    return arr


# -- values and histograms of notes ---------------------------------------------------------------
def pitch_classes(notes: Iterable[Note]) -> np.ndarray:
    """Pitch class 0..11 of each note: (N,) int."""
    return np.array([n.pitch % 12 for n in notes], dtype=np.int64)


def duration_units(notes: Iterable[Note], grid: int = 40, max_units: int = 96) -> np.ndarray:
    """Each note's duration in grid units (rounded, at least 1, held at ``max_units``), the
    compound tokens' DUR field: (N,) int."""
    units = [min(max(1, round(n.duration / grid)), max_units) for n in notes]
    return np.array(units, dtype=np.int64)


def pitch_class_histogram(notes: Iterable[Note]) -> np.ndarray:
    """Share of notes on each pitch class: (12,) summing to 1 (all zero for no notes)."""
    return _shares(np.bincount(pitch_classes(notes), minlength=12))


def duration_histogram(notes: Iterable[Note], grid: int = 40, max_units: int = 96) -> np.ndarray:
    """Share of notes by duration in grid units (see ``duration_units``): (max_units + 1,),
    index = units (index 0 always empty); all zero for no notes."""
    return _shares(np.bincount(duration_units(notes, grid, max_units), minlength=max_units + 1))


def _shares(counts: np.ndarray) -> np.ndarray:
    total = counts.sum()
    return counts / total if total else counts.astype(np.float64)


def ioi_values(notes: Iterable[Note]) -> np.ndarray:
    """Inter-onset intervals of consecutive notes in onset order: (N-1,) ticks."""
    onsets = np.sort(np.array([n.onset for n in notes], dtype=np.int64))
    return np.diff(onsets)


# -- per-tune measures ------------------------------------------------------------------------------
def in_key_ratio(notes: Iterable[Note], key: KeySignature) -> float:
    """Share of notes whose pitch class is in ``key``'s scale (natural minor for minor keys);
    NaN for no notes."""
    pcs = pitch_classes(notes)
    if pcs.size == 0:
        return math.nan
    return float(np.isin(pcs, list(key.scale_pitch_classes)).mean())


def bar_fit(notes: Iterable[Note], start_tick: int, end_tick: int) -> bool:
    """True when every note sounds within [start_tick, end_tick) and no two notes overlap
    (a note may end exactly where the next begins, or at end_tick)."""
    if end_tick <= start_tick:
        raise ValueError(f"a bar must end after it starts ({start_tick}..{end_tick})")
    ordered = sorted(notes, key=lambda n: n.onset)
    if any(n.onset < start_tick or n.end > end_tick for n in ordered):
        return False
    return all(a.end <= b.onset for a, b in pairwise(ordered))


@dataclass(frozen=True)
class BarSimilarity:
    """Repetition structure of a tune.

    ``matrix`` (B, B): Jaccard similarity of the bars' (onset in bar, interval from the bar's
    first note) sets, so a transposed bar scores 1. ``mean_similarity``: mean off-diagonal entry.
    ``exact_repeats`` / ``transposed_repeats``: bars equal to an earlier bar in onsets and
    pitches / in onsets and intervals only. ``repeat_share``: both kinds over non-empty bars.
    """

    matrix: np.ndarray
    mean_similarity: float
    exact_repeats: int
    transposed_repeats: int
    repeat_share: float


def bar_self_similarity(notes: Iterable[Note], bar_starts: Sequence[int]) -> BarSimilarity:
    """Bar-to-bar similarity of a melody. ``bar_starts`` holds each bar line in ticks plus the
    end of the last bar (B + 1 values, as ``TuneTokens.bar_starts``); a note belongs to the bar
    its onset falls in. Empty bars score 0 against everything: rests are not repetition."""
    starts = np.asarray(bar_starts, dtype=np.int64)
    if starts.size < 2 or np.any(np.diff(starts) <= 0):
        raise ValueError("bar_starts needs at least two increasing bar lines")
    bars = _bar_contents(notes, starts)
    shapes = [_shape(bar, relative=True) for bar in bars]
    n_bars = len(bars)
    matrix = np.array([[_jaccard(a, b) for b in shapes] for a in shapes]).reshape(n_bars, n_bars)
    off_diagonal = matrix[~np.eye(n_bars, dtype=bool)]
    exact = transposed = 0
    for i in range(1, n_bars):
        if not bars[i]:
            continue
        if _shape(bars[i], relative=False) in {_shape(b, relative=False) for b in bars[:i]}:
            exact += 1
        elif shapes[i] in shapes[:i]:
            transposed += 1
    filled = sum(1 for bar in bars if bar)
    return BarSimilarity(matrix, float(off_diagonal.mean()) if off_diagonal.size else math.nan,
                         exact, transposed, (exact + transposed) / filled if filled else math.nan)


def _bar_contents(notes: Iterable[Note], starts: np.ndarray) -> list[list[tuple[int, int]]]:
    """(onset within bar in ticks, pitch) of the notes of each bar, in onset order."""
    bars: list[list[tuple[int, int]]] = [[] for _ in range(starts.size - 1)]
    for n in sorted(notes, key=lambda n: n.onset):
        b = int(np.searchsorted(starts, n.onset, side="right")) - 1
        if 0 <= b < len(bars):
            bars[b].append((n.onset - int(starts[b]), n.pitch))
    return bars


def _shape(bar: list[tuple[int, int]], relative: bool) -> frozenset[tuple[int, int]]:
    base = bar[0][1] if bar and relative else 0
    return frozenset((pos, pitch - base) for pos, pitch in bar)


def _jaccard(a: frozenset, b: frozenset) -> float:
    union = len(a | b)
    return len(a & b) / union if union else 0.0


def pitch_series(notes: Iterable[Note], step: int = 120) -> np.ndarray:
    """The melody sampled every ``step`` ticks from its first onset (each note's pitch repeated
    over its duration, rests skipped), the frame-level contour that melody distance compares:
    (T,) float."""
    frames: list[float] = []
    for n in sorted(notes, key=lambda n: n.onset):
        frames += [float(n.pitch)] * max(1, round(n.duration / step))
    return np.array(frames)


def melody_distance_dtw(a_pitches: Sequence[float], b_pitches: Sequence[float]) -> float:
    """Melody distance (MD) as in SongMASS-style lyric-to-melody evaluation: dynamic time warping
    between the two pitch sequences after subtracting each one's mean pitch, so a transposed
    melody is at distance 0. Local cost |a_i - b_j| in semitones; steps (1,1), (1,0), (0,1).
    Normalisation: the optimal path's total cost divided by its length, i.e. the mean semitone
    gap between aligned pitches, so sequences of different lengths stay comparable.
    """
    a, b = _nonempty(a_pitches, "a_pitches"), _nonempty(b_pitches, "b_pitches")
    cost = np.abs((a - a.mean())[:, None] - (b - b.mean())[None, :])  # (A, B) semitones
    total = _dtw_accumulated(cost)
    return float(total[-1, -1] / _path_length(total))


def _dtw_accumulated(cost: np.ndarray) -> np.ndarray:
    """D[i, j] = cost[i, j] + min(D[i-1, j-1], D[i-1, j], D[i, j-1]), one row at a time: the
    within-row term min_k (from_above[k] + cost[i, k+1..j]) is a running minimum over cumsums."""
    acc = np.empty_like(cost)
    acc[0] = np.cumsum(cost[0])
    for i in range(1, cost.shape[0]):
        prev = acc[i - 1]
        above = np.concatenate([[prev[0]], np.minimum(prev[1:], prev[:-1])]) + cost[i]
        run = np.cumsum(cost[i])
        acc[i] = np.minimum.accumulate(above - run) + run
    return acc


def _path_length(acc: np.ndarray) -> int:
    """Steps on the optimal warping path, traced back from the end (ties prefer the diagonal)."""
    i, j, steps = acc.shape[0] - 1, acc.shape[1] - 1, 1
    while i or j:
        moves = [(i - 1, j - 1), (i - 1, j), (i, j - 1)]
        i, j = min((m for m in moves if m[0] >= 0 and m[1] >= 0), key=lambda m: acc[m])
        steps += 1
    return steps
