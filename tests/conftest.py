"""Shared fixtures: small real melodies built in code."""

from __future__ import annotations

import pytest

from melodystudio.core import (
    PPQ,
    Chord,
    ChordSymbol,
    KeySignature,
    Lyric,
    Note,
    Song,
    Syllabic,
    TempoChange,
    TimeSignature,
)

Q = PPQ  # a quarter note in ticks


def twinkle() -> Song:
    """'Twinkle, twinkle, little star' (C major, 4/4) with lyrics and chords: 2 bars + a meter change."""
    words = [("Twin", Syllabic.BEGIN), ("kle", Syllabic.END), ("twin", Syllabic.BEGIN), ("kle", Syllabic.END),
             ("lit", Syllabic.BEGIN), ("tle", Syllabic.END), ("star", Syllabic.SINGLE)]
    pitches = [60, 60, 67, 67, 69, 69, 67]
    notes = []
    for i, ((text, syl), p) in enumerate(zip(words, pitches)):
        dur = 2 * Q if i == 6 else Q
        notes.append(Note(i * Q, dur, p, 80 + i, Lyric(text, syl, phrase_start=(i == 0))))
    # bar 3 is in 3/4: "how I won-der" with a melisma on "won"
    b3 = 8 * Q
    notes += [
        Note(b3, Q, 65, 90, Lyric("How", Syllabic.SINGLE, phrase_start=True)),
        Note(b3 + Q, Q // 2, 65, 90, Lyric("I", Syllabic.SINGLE)),
        Note(b3 + 3 * Q // 2, Q // 2, 64, 90, Lyric("won", Syllabic.BEGIN)),
        Note(b3 + 2 * Q, Q // 2, 64, 90, Lyric.continuation()),
        Note(b3 + 5 * Q // 2, Q // 2, 62, 90, Lyric("der", Syllabic.END)),
    ]
    chords = [Chord(0, 4 * Q, ChordSymbol("C")), Chord(4 * Q, 2 * Q, ChordSymbol("F", "maj", "A")),
              Chord(6 * Q, 2 * Q, ChordSymbol("C")), Chord(b3, 3 * Q, ChordSymbol("G", "7"))]
    return Song("Twinkle", program=73,
                tempos=[TempoChange.from_bpm(0, 100), TempoChange.from_bpm(b3, 90)],
                time_signatures=[TimeSignature(0, 4, 4), TimeSignature(2, 3, 4)],
                keys=[KeySignature(0, "C", "major")], notes=notes, chords=chords)


@pytest.fixture
def song() -> Song:
    return twinkle()
