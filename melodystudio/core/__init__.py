"""The Qt-free song model: ticks are the truth, everything else is derived.

Import the public names from here: ``from melodystudio.core import Song, Note``.
"""

from melodystudio.core.chords import QUALITIES, Chord, ChordSymbol
from melodystudio.core.edits import Edit
from melodystudio.core.errors import MelodyStudioError
from melodystudio.core.events import Event
from melodystudio.core.pitch import KeySignature, note_name, parse_note_name
from melodystudio.core.song import (
    PPQ,
    Lyric,
    Note,
    Song,
    SongChange,
    Syllabic,
    TempoChange,
    TimeSignature,
)

__all__ = [
    "PPQ",
    "QUALITIES",
    "Chord",
    "ChordSymbol",
    "Edit",
    "Event",
    "KeySignature",
    "Lyric",
    "MelodyStudioError",
    "Note",
    "Song",
    "SongChange",
    "Syllabic",
    "TempoChange",
    "TimeSignature",
    "note_name",
    "parse_note_name",
]
