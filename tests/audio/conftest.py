"""Shared fixtures: a real sound font (the small TimGM6mb for speed) and a real short melody."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from melodystudio.core import PPQ, Chord, ChordSymbol, Note, Song, TempoChange

FONTS = (Path("/usr/share/sounds/sf2/TimGM6mb.sf2"), Path("/usr/share/sounds/sf2/FluidR3_GM.sf2"))

# "Twinkle, Twinkle, Little Star", first phrase: (MIDI pitch, quarter notes) per note.
TWINKLE = [(60, 1), (60, 1), (67, 1), (67, 1), (69, 1), (69, 1), (67, 2),
           (65, 1), (65, 1), (64, 1), (64, 1), (62, 1), (62, 1), (60, 2)]
# (symbol, quarter notes): one or two chords per 4/4 bar.
TWINKLE_CHORDS = [("C", 4), ("F", 2), ("C", 2), ("F", 2), ("C", 2), ("G", 2), ("C", 2)]


@pytest.fixture(scope="session")
def soundfont() -> Path:
    for font in FONTS:
        if font.is_file():
            return font
    pytest.skip("no sound font: apt-get install timgm6mb-soundfont (or fluid-soundfont-gm)")


def build_song(bpm: float = 120.0, tempo_changes: tuple[tuple[int, float], ...] = (),
               chords: bool = True, notes: bool = True) -> Song:
    """Twinkle's first phrase (4 bars of 4/4), optionally with tempo changes (tick, bpm)."""
    melody, tick = [], 0
    for pitch, quarters in TWINKLE:
        melody.append(Note(tick, quarters * PPQ, pitch))
        tick += quarters * PPQ
    harmony, tick = [], 0
    for text, quarters in TWINKLE_CHORDS:
        symbol = ChordSymbol.parse(text)
        assert symbol is not None
        harmony.append(Chord(tick, quarters * PPQ, symbol))
        tick += quarters * PPQ
    tempos = [TempoChange.from_bpm(0, bpm)] + [TempoChange.from_bpm(t, b) for t, b in tempo_changes]
    return Song("Twinkle", tempos=tempos, notes=melody if notes else (), chords=harmony if chords else ())


@pytest.fixture
def twinkle() -> Song:
    return build_song()


@pytest.fixture
def make_song() -> Callable[..., Song]:
    return build_song
