"""SongGLM's lyric-to-melody metrics and stress placement on small hand-computed examples."""

from __future__ import annotations

import math

import numpy as np
import pytest

from melodystudio.core import PPQ, KeySignature, Lyric, Note, Syllabic, TimeSignature
from melodystudio.core.timeline import TempoChange, Timeline
from melodystudio.evaluation.lyrics_metrics import (
    DURATION_BINS,
    MD_STEP_TICKS,
    duration_shares,
    interior_phrase_ends,
    lengthened,
    mean_ioi,
    melodic_peaks,
    melody_distance,
    notes_per_word,
    on_tonic_triad,
    set_figures,
    set_overlap,
    songglm_figures,
    stress_on_peaks,
    stress_on_strong_beats,
    word_ids,
)

Q = PPQ


def melody(pitches: list[int], lengths: list[int], lyrics: list[Lyric] | None = None) -> list[Note]:
    notes, at = [], 0
    for i, (p, d) in enumerate(zip(pitches, lengths)):
        notes.append(Note(at, d, p, lyric=lyrics[i] if lyrics else None))
        at += d
    return notes


def test_duration_bins_and_md_step() -> None:
    assert len(DURATION_BINS) == 69 and DURATION_BINS[:4] == (30, 40, 60, 80) and DURATION_BINS[-1] == 1920
    assert MD_STEP_TICKS == 10


def test_notes_per_word_counts_words_by_their_notes() -> None:
    assert notes_per_word([0, 0, 1, 2, 2, 2, None]).tolist() == [1, 1, 1, 0, 0, 0]
    assert notes_per_word([4] * 7 + [5]).tolist() == [1, 0, 0, 0, 0, 1]  # 7 notes fall in the 6+ bin
    assert notes_per_word([]).tolist() == [0] * 6


def test_word_ids_follow_the_lyrics() -> None:
    lyrics = [Lyric("won", Syllabic.BEGIN, phrase_start=True), Lyric.continuation(), Lyric("der", Syllabic.END),
              Lyric("what")]
    assert word_ids(melody([60, 62, 64, 65], [Q] * 4, lyrics)) == [0, 0, 0, 1]
    assert notes_per_word(word_ids(melody([60, 62, 64, 65], [Q] * 4, lyrics))).tolist() == [1, 0, 1, 0, 0, 0]


def test_duration_shares_count_exact_bins_only() -> None:
    notes = melody([60, 62, 64], [Q // 2, Q // 2, 16 * Q])  # two eighths (240 ticks) and a note past a whole
    shares = duration_shares(notes)
    assert shares[DURATION_BINS.index(240)] == pytest.approx(2 / 3)
    assert shares.sum() == pytest.approx(2 / 3)
    assert duration_shares([]).sum() == 0


def test_mean_ioi() -> None:
    assert mean_ioi(melody([60, 62, 64], [Q, Q // 2, Q])) == 720 / 2
    assert mean_ioi(melody([60], [Q])) == 0.0


def test_set_overlap_of_identical_sets_matches_the_kernel_integral() -> None:
    # distances within and across {0, 1}: [0, 1, 1, 0] both ways; Scott's bandwidth sigma * 4 ** -0.2
    bandwidth = math.sqrt(1 / 3) * 4 ** -0.2
    # mass of the two-kernel mixture between the data's min 0 and max 1: Phi(1 / bw) - 1/2
    expected = 100 * (0.5 * (1 + math.erf(1 / bandwidth / math.sqrt(2))) - 0.5)
    assert set_overlap(np.array([0.0, 1.0]), np.array([0.0, 1.0])) == pytest.approx(expected, abs=1e-3)
    assert expected == pytest.approx(48.886, abs=1e-3)


def test_set_overlap_edge_cases() -> None:
    assert set_overlap(np.array([[1.0, 2.0]]), np.array([[1.0, 2.0]])) == 100.0  # one distance value: identical
    assert set_overlap(np.array([0.0, 0.0]), np.array([10.0, 10.0])) < 1e-6  # far apart: no overlap
    with pytest.raises(ValueError, match="features differ in size"):
        set_overlap(np.zeros((2, 3)), np.zeros((2, 4)))
    with pytest.raises(ValueError, match="at least one song"):
        set_overlap(np.zeros((0, 3)), np.zeros((2, 3)))


def test_melody_distance_hand_examples() -> None:
    human = melody([60, 64], [Q, Q])  # centred: 48 frames of -2, 48 of +2
    assert melody_distance(melody([60], [2 * Q]), human) == pytest.approx(2.0)  # 96 frames of 0: cost 2 each
    assert melody_distance(melody([67, 71], [Q // 2, Q // 2]), human) == 0.0  # transposed, faster: warps to 0
    assert melody_distance(human, human) == 0.0
    # off the 10-tick grid: floor(25 / 10) = 2 frames each; centred 2x -1, 2x +1 against 48x -2, 48x +2
    assert melody_distance(melody([60, 62], [25, 25]), human) == pytest.approx((48 * 1 + 48 * 1) / 4)
    with pytest.raises(ValueError, match="without notes"):
        melody_distance(melody([60], [5]), human)


def test_songglm_figures_of_a_melody_set_against_itself() -> None:
    songs = [melody([60, 62, 64, 65], [Q, Q, Q, Q]), melody([67, 65, 64, 62, 60], [Q // 2] * 4 + [2 * Q]),
             melody([60, 60, 67, 67, 69], [Q] * 5)]
    figures = songglm_figures(songs, songs)
    assert figures["MD"] == 0.0
    assert figures["DA"] == 100.0  # no lyrics: every song's histogram is all zero
    for name in ("DP", "DD", "DIOI"):
        assert 0 < figures[name] < 100  # SongGLM's bounds cut the kernel tails even for identical sets
    with pytest.raises(ValueError, match="pair up"):
        songglm_figures(songs, songs[:2])


def test_set_figures_compare_sets_of_any_size_as_songglm_figures_do() -> None:
    songs = [melody([60, 62, 64, 65], [Q, Q, Q, Q]), melody([67, 65, 64, 62, 60], [Q // 2] * 4 + [2 * Q]),
             melody([60, 60, 67, 67, 69], [Q] * 5)]
    paired = songglm_figures(songs, songs[::-1])
    assert set_figures(songs, songs[::-1]) == {k: v for k, v in paired.items() if k != "MD"}
    assert set_figures(songs, songs[::-1]) == set_figures(songs, songs)  # order does not count: sets
    assert set_figures(songs[:2], songs)["DD"] != set_figures(songs, songs)["DD"]  # sizes may differ
    with pytest.raises(ValueError, match="empty"):
        set_figures([], songs)


def test_stress_on_strong_beats_and_peaks() -> None:
    timeline = Timeline([TimeSignature(0, 4, 4), TimeSignature(1, 3, 4)], [TempoChange(0, 500_000)])
    notes = melody([60, 64, 62, 65, 65, 60, 67], [Q] * 7)  # bar 1: onsets 0..3 Q; bar 2 (3/4) from 4 Q
    stressed = [True, True, False, True, True, False, True]
    assert stress_on_strong_beats(notes, stressed, timeline) == pytest.approx(2 / 5)  # onsets 0 and 4 Q
    assert melodic_peaks(notes) == [False, True, False, True, False, False, False]
    assert stress_on_peaks(notes, stressed) == pytest.approx(2 / 5)
    assert math.isnan(stress_on_peaks(notes, [False] * 7))
    with pytest.raises(ValueError, match="6 stress flags for 7 notes"):
        stress_on_peaks(notes, [True] * 6)


def test_phrase_ends_lengthening_and_tonic_triad() -> None:
    assert interior_phrase_ends([0, 0, 0, 1, 1, 2]) == [False, False, True, False, True, False]
    assert interior_phrase_ends([]) == []
    # IOIs Q, Q, 2Q (a half note), Q, 2Q (a quarter and a quarter rest), Q: median Q, threshold 2Q
    onsets, lengths = (0, 1, 2, 4, 5, 7, 8), (1, 1, 2, 1, 1, 1, 1)
    notes = [Note(o * Q, d * Q, 60 + i) for i, (o, d) in enumerate(zip(onsets, lengths))]
    assert lengthened(notes) == [False, False, True, False, True, False, False]
    assert lengthened(notes[:1]) == [False]
    a_minor, d_major = KeySignature(0, "A", "minor"), KeySignature(0, "D")
    pitches = [Note(0, Q, p) for p in (57, 60, 64, 61, 66, 69, 74)]  # A C E C# F# A D
    assert on_tonic_triad(pitches, a_minor) == [True, True, True, False, False, True, False]
    assert on_tonic_triad(pitches, d_major) == [True, False, False, False, True, True, True]
