"""Chord tones on strong beats, root-relative distributions and stress placement, on a real tune."""

from __future__ import annotations

import pytest

from melodystudio.evaluation import chord_fit
from tests.conftest import twinkle


def test_strong_beats_follow_the_meter() -> None:
    song = twinkle()  # bars 1-2 in 4/4 (1920 ticks), bar 3 in 3/4 from tick 3840
    assert [chord_fit.is_strong(song, t) for t in (0, 480, 960, 1920, 3840, 4320, 4560)] == \
        [True, False, True, True, True, False, False]


def test_chord_tones_of_twinkle() -> None:
    song = twinkle()
    notes = chord_fit.sung_notes(song, song.notes)
    # C C G G | A A G (C, F/A, C) | F F E E D (G7): C-chord notes are tones, A over F/A is, F over G7 is,
    # E over G7 is not, D is
    assert [n.pitch % 12 in n.chord for n in notes if n.chord] == \
        [True, True, True, True, True, True, True, True, True, False, False, True]
    assert chord_fit.chord_tone_counts(notes, strong_only=False) == (10, 12)
    assert chord_fit.chord_tone_counts(notes, strong_only=True) == (5, 5)
    assert chord_fit.root_intervals(notes)[:4].tolist() == [0, 0, 7, 7]


def test_overlap_and_stress_shares() -> None:
    song = twinkle()
    notes = chord_fit.sung_notes(song, song.notes, stresses=[2, 1, 2, 1, 2, 1, 2, 2, 1, 2, 0, 1])
    same = chord_fit.overlap_with(notes, notes)
    assert same == {"pitch_class": pytest.approx(1.0), "root_relative_pitch": pytest.approx(1.0),
                    "duration": pytest.approx(1.0)}
    shares = chord_fit.stress_alignment([notes])
    # stressed: Twin, twin, lit, star, How on strong beats, 'won' (beat 2.5 of the 3/4 bar) not
    assert shares["stressed_on_strong"] == pytest.approx(5 / 6)
    assert shares["unstressed_on_strong"] == pytest.approx(0.0)  # kle, kle, tle, I, der: all off the beat
    assert chord_fit.pitch_peaks([60, 67, 67, 69, 65]).tolist() == [False, True, False, True, False]
