"""Off-grid timing (as abc2midi and live recordings write it) still exports to MusicXML."""

from __future__ import annotations

from pathlib import Path

from melodystudio.core import Chord, ChordSymbol, Note, Song
from melodystudio.io import load_song, save_song
from melodystudio.io.notation_grid import off_grid_notes, snapped_for_notation


def test_off_grid_notes_are_snapped_and_written(tmp_path: Path) -> None:
    # abc2midi style: each note starts one tick late and is one tick short
    song = Song(notes=[Note(1 + 480 * i, 479, 60 + i) for i in range(4)] + [Note(1921, 437, 67)],
                chords=[Chord(1, 1919, ChordSymbol("C"))])
    assert off_grid_notes(song) == 5
    path = tmp_path / "x.musicxml"
    save_song(song, path)
    back, _ = load_song(path)
    assert [(n.onset, n.duration, n.pitch) for n in back.notes] == [
        (0, 480, 60), (480, 480, 61), (960, 480, 62), (1440, 480, 63), (1920, 440, 67)]
    assert [(c.onset, c.duration) for c in back.chords] == [(0, 1920)]


def test_snapping_keeps_the_melody_monophonic_and_never_empties_a_note() -> None:
    song = Song(notes=[Note(0, 5, 60), Note(5, 27, 62), Note(32, 100, 64)])
    snapped = snapped_for_notation(song)
    assert [(n.onset, n.duration, n.pitch) for n in snapped.notes] == [(0, 40, 62), (40, 100, 64)]


def test_a_song_on_the_grid_is_left_alone() -> None:
    song = Song(notes=[Note(0, 160, 60), Note(160, 160, 62)])
    assert snapped_for_notation(song) is song and off_grid_notes(song) == 0
