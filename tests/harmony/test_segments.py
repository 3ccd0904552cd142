"""Segments in 4/4, 3/4, 6/8 and 5/4, and which chord an annotated segment carries."""

from __future__ import annotations

import numpy as np
import pytest

from melodystudio.core import PPQ, Chord, ChordSymbol, MelodyStudioError, Note, Song, TimeSignature
from melodystudio.harmony.segments import note_overlaps, pitch_class_profile, segment_classes, segments
from melodystudio.harmony.vocabulary import label_class

Q = PPQ


def spans(song: Song, per: str) -> list[tuple[int, int]]:
    return [(s.start, s.end) for s in segments(song, per)]


def test_three_four_has_three_beats_and_no_half_bar() -> None:
    song = Song(time_signatures=[TimeSignature(0, 3, 4)], notes=[Note(0, 6 * Q, 67)])
    assert spans(song, "beat") == [(0, Q), (Q, 2 * Q), (2 * Q, 3 * Q), (3 * Q, 4 * Q), (4 * Q, 5 * Q), (5 * Q, 6 * Q)]
    assert spans(song, "half-bar") == [(0, 3 * Q), (3 * Q, 6 * Q)]
    assert spans(song, "bar") == [(0, 3 * Q), (3 * Q, 6 * Q)]


def test_six_eight_beats_are_dotted_quarters() -> None:
    song = Song(time_signatures=[TimeSignature(0, 6, 8)], notes=[Note(0, 3 * Q, 67)])
    assert spans(song, "beat") == [(0, 720), (720, 1440)]
    assert spans(song, "half-bar") == [(0, 720), (720, 1440)]
    assert [(s.index, s.count) for s in segments(song, "beat")] == [(0, 2), (1, 2)]


def test_meter_change_and_odd_bar() -> None:
    song = Song(time_signatures=[TimeSignature(0, 4, 4), TimeSignature(1, 5, 4)], notes=[Note(0, 9 * Q, 60)])
    assert spans(song, "half-bar") == [(0, 2 * Q), (2 * Q, 4 * Q), (4 * Q, 7 * Q), (7 * Q, 9 * Q)]
    assert segments(song, "half-bar", 1, 1)[0].bar == 1
    with pytest.raises(MelodyStudioError, match="segment size"):
        segments(song, "quarter")


def test_segment_chord_is_the_longest_sounding_one() -> None:
    c, g = ChordSymbol("C"), ChordSymbol("G", "7")
    song = Song(notes=[Note(0, 8 * Q, 60)], chords=[Chord(0, 3 * Q, c), Chord(3 * Q, Q, g), Chord(5 * Q, 2 * Q, g)])
    bars = segments(song, "bar")
    halves = segments(song, "half-bar")
    assert segment_classes(song.chords, bars).tolist() == [label_class("C"), label_class("G7")]
    # half 2 of bar 1: C and G7 sound one beat each, the earlier wins; bar 2's first half: G7 over 1 of 2 beats
    assert segment_classes(song.chords, halves).tolist() == [label_class("C"), label_class("C"),
                                                             label_class("G7"), label_class("G7")]
    assert segment_classes(song.chords, segments(song, "beat"))[4] == 0  # beat 5: no chord sounds


def test_pitch_class_profile_weights_by_sounding_time() -> None:
    notes = [Note(0, Q, 60), Note(Q, 3 * Q, 64), Note(4 * Q, Q, 67)]
    song = Song(notes=notes)
    segs = segments(song, "half-bar")
    overlaps = note_overlaps(song.notes, segs)
    assert overlaps.tolist() == [[Q, Q, 0], [0, 2 * Q, 0], [0, 0, Q], [0, 0, 0]]
    prof = pitch_class_profile(song.notes, overlaps)
    assert prof[0, [0, 4]].tolist() == [0.5, 0.5] and prof[1, 4] == 1.0 and not prof[3].any()
    assert np.allclose(prof[:3].sum(axis=1), 1.0)
