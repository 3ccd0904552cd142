"""Melody metrics on small real tunes, with values worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from melodystudio.core import PPQ, KeySignature, Note
from melodystudio.evaluation.metrics import (
    PITCH_CLASS_BINS,
    bar_fit,
    bar_self_similarity,
    duration_histogram,
    histogram_overlap,
    in_key_ratio,
    ioi_values,
    melody_distance_dtw,
    overlapping_area,
    pitch_class_histogram,
    pitch_classes,
    pitch_series,
)

Q = PPQ  # a quarter note in ticks
BAR = 4 * Q  # a 4/4 bar

# "Twinkle, twinkle, little star": C C G G A A G(half)
TWINKLE = [Note(i * Q, 2 * Q if i == 6 else Q, p) for i, p in enumerate([60, 60, 67, 67, 69, 69, 67])]


def test_histogram_overlap_identical_disjoint_and_partial() -> None:
    pcs = pitch_classes(TWINKLE)  # C C G G A A G
    assert histogram_overlap(pcs, pcs, PITCH_CLASS_BINS) == pytest.approx(1.0)
    assert histogram_overlap([0, 0, 4], [1, 5, 5], PITCH_CLASS_BINS) == 0.0
    # shares C 2/7, G 3/7, A 2/7 vs C 1/2, G 1/2 -> min: 2/7 + 3/7 = 5/7
    assert histogram_overlap(pcs, [0, 7], PITCH_CLASS_BINS) == pytest.approx(5 / 7)


def test_histogram_overlap_needs_values() -> None:
    with pytest.raises(ValueError, match="a_values is empty"):
        histogram_overlap([], [1, 2], 4)
    with pytest.raises(ValueError, match="inside the histogram bins"):
        histogram_overlap([20], [1], PITCH_CLASS_BINS)


def test_overlapping_area_in_percent() -> None:
    rng = np.random.default_rng(0)
    pitches = rng.normal(65, 4, 500)
    assert overlapping_area(pitches, pitches) == pytest.approx(100.0, abs=0.01)
    assert overlapping_area(pitches, pitches + 60) == pytest.approx(0.0, abs=0.01)
    # (nearly) uniform densities on [-4, 4] and [-3, 5] share 7 of their 8 units
    x = np.linspace(-4, 4, 4001)
    assert overlapping_area(x, x + 1.0, bandwidth=0.02) == pytest.approx(100 * 7 / 8, abs=0.5)
    assert overlapping_area([60.0], [60.0]) == pytest.approx(100.0, abs=0.01)


def test_pitch_class_and_duration_histograms() -> None:
    pc = pitch_class_histogram(TWINKLE)
    assert pc.shape == (12,)
    np.testing.assert_allclose(pc[[0, 7, 9]], [2 / 7, 3 / 7, 2 / 7])
    dur = duration_histogram(TWINKLE, grid=40)  # quarter = 12 units, half = 24
    assert dur.shape == (97,)
    assert (dur[12], dur[24], dur.sum()) == pytest.approx((6 / 7, 1 / 7, 1.0))
    assert pitch_class_histogram([]).sum() == 0.0


def test_in_key_ratio() -> None:
    assert in_key_ratio(TWINKLE, KeySignature(0, "C")) == 1.0
    # F# major lacks C, G and A naturals; A major has A but neither C nor G natural
    assert in_key_ratio(TWINKLE, KeySignature(0, "F#")) == 0.0
    assert in_key_ratio(TWINKLE, KeySignature(0, "A")) == pytest.approx(2 / 7)
    assert in_key_ratio(TWINKLE, KeySignature(0, "E", "minor")) == 1.0  # E F# G A B C D
    assert math.isnan(in_key_ratio([], KeySignature(0, "C")))


def test_bar_fit_catches_a_note_crossing_the_bar_line_and_overlaps() -> None:
    bar1 = TWINKLE[:4]
    assert bar_fit(bar1, 0, BAR)
    assert bar_fit([Note(3 * Q, Q, 60)], 0, BAR)  # ends exactly on the bar line
    assert not bar_fit([Note(0, Q, 60), Note(3 * Q, 2 * Q, 72)], 0, BAR)  # runs into the next bar
    assert not bar_fit([Note(0, 2 * Q, 60), Note(Q, Q, 62)], 0, BAR)  # overlap
    assert not bar_fit([Note(BAR - Q, Q, 60)], BAR, 2 * BAR)  # starts before the bar
    assert bar_fit([], 0, BAR)
    with pytest.raises(ValueError, match="end after it starts"):
        bar_fit(bar1, BAR, BAR)


def _bar(start: int, pitches: list[int]) -> list[Note]:
    return [Note(start + i * Q, Q, p) for i, p in enumerate(pitches)]


def test_self_similarity_finds_exact_and_transposed_repeats() -> None:
    # bars: motif, the motif a fifth up, something else, the motif again, an empty bar
    notes = (_bar(0, [60, 62, 64, 60]) + _bar(BAR, [67, 69, 71, 67]) + _bar(2 * BAR, [72, 71, 69, 67])
             + _bar(3 * BAR, [60, 62, 64, 60]))
    sim = bar_self_similarity(notes, [0, BAR, 2 * BAR, 3 * BAR, 4 * BAR, 5 * BAR])
    assert sim.matrix.shape == (5, 5)
    assert sim.matrix[0, 1] == sim.matrix[0, 3] == 1.0
    # (onset in quarters, interval): bar 3 {(0,0), (1,-1), (2,-3), (3,-5)} vs {(0,0), (1,2), (2,4), (3,0)}
    assert sim.matrix[0, 2] == pytest.approx(1 / 7)
    assert sim.matrix[4].tolist() == [0.0] * 5
    assert (sim.exact_repeats, sim.transposed_repeats) == (1, 1)
    assert sim.repeat_share == pytest.approx(2 / 4)
    # off-diagonal: pairs among bars 0, 1, 3 score 1 (x6), with bar 2 1/7 (x6), with bar 4 0 (x8)
    assert sim.mean_similarity == pytest.approx((6 + 6 / 7) / 20)


def test_self_similarity_errors() -> None:
    with pytest.raises(ValueError, match="increasing bar lines"):
        bar_self_similarity(TWINKLE, [0])
    with pytest.raises(ValueError, match="increasing bar lines"):
        bar_self_similarity(TWINKLE, [0, BAR, BAR])


def test_melody_distance_is_zero_for_identical_and_transposed_melodies() -> None:
    pitches = [n.pitch for n in TWINKLE]
    assert melody_distance_dtw(pitches, pitches) == 0.0
    assert melody_distance_dtw(pitches, [p + 5 for p in pitches]) == pytest.approx(0.0, abs=1e-12)
    # time warping absorbs held notes (both means are 64 here)
    assert melody_distance_dtw([60, 64, 68], [60, 60, 64, 68, 68]) == pytest.approx(0.0, abs=1e-12)


def test_melody_distance_by_hand() -> None:
    # centred: [-1, 1] vs [1, -1]; the diagonal path costs 2 + 2 over 2 steps
    # ((0,0),(0,1),(1,1) also costs 2 + 0 + 2 = 4, over 3 steps: ties prefer the diagonal)
    assert melody_distance_dtw([59, 61], [61, 59]) == pytest.approx(2.0)
    # centred [0, 0, 0] vs [-1, 1]: every cell costs 1, the shortest path has 3 steps -> 3 / 3
    assert melody_distance_dtw([60, 60, 60], [59, 61]) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="b_pitches is empty"):
        melody_distance_dtw([60], [])


def test_pitch_series_and_ioi() -> None:
    series = pitch_series(TWINKLE, step=Q)
    assert series.tolist() == [60, 60, 67, 67, 69, 69, 67, 67]
    assert ioi_values(TWINKLE).tolist() == [Q] * 6
    assert ioi_values([Note(Q, Q, 60), Note(0, Q, 62)]).tolist() == [Q]
    assert ioi_values([]).tolist() == []
