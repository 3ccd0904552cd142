"""The roll's extra planners (Qt-free), the snap grid and the clipboard format."""

from __future__ import annotations

from melodystudio.core import PPQ, Note, Song, TimeSignature
from melodystudio.gui import note_edits
from melodystudio.gui.gm import GM_PROGRAMS, program_name
from melodystudio.gui.snap import snap_length, snap_tick, snap_value
from tests.conftest import twinkle

Q = PPQ


def test_snapping_counts_from_the_bar_line_in_odd_meters() -> None:
    song = Song(time_signatures=[TimeSignature(0, 7, 8)])  # bars of 7 eighths = 1680 ticks
    quarter = snap_value("1/4")
    assert snap_tick(song.timeline, 1680 + 500, quarter) == 1680 + 480
    assert snap_tick(song.timeline, 1600, quarter, floor=True) == 1440  # not past the bar line
    assert snap_tick(song.timeline, 77, snap_value("Off")) == 77


def test_triplet_grid_and_lengths() -> None:
    eighth_triplet = snap_value("1/8T")
    assert eighth_triplet.ticks == 160
    assert snap_length(10, eighth_triplet) == 160 and snap_length(250, eighth_triplet) == 320
    assert snap_value("nonsense").label == "1/16"


def test_quantize_resolves_notes_landing_on_the_same_grid_line() -> None:
    song = Song(notes=[Note(100, 50, 60), Note(170, 100, 62), Note(300, 200, 64)])
    edit = note_edits.quantize(song, song.notes, snap_value("1/8"))
    assert edit is not None
    song.apply(edit)
    # 170 and 300 both round to 240: the first one there stays
    assert [(n.onset, n.duration, n.pitch) for n in song.notes] == [(0, 240, 60), (240, 240, 62)]


def test_velocity_edits_keep_lyrics_and_clamp() -> None:
    song = twinkle()
    song.apply(note_edits.scale_velocity(song, song.notes[:2], 100))
    assert [n.velocity for n in song.notes[:2]] == [127, 127]
    assert song.notes[0].lyric is not None and song.notes[0].lyric.text == "Twin"
    assert note_edits.set_velocity(song, song.notes[:2], 127) is None  # no change, no undo step


def test_clip_round_trip_and_foreign_text() -> None:
    notes = list(twinkle().notes[7:12])
    clip = note_edits.clip_of(notes)
    assert clip[0].onset == 0
    assert note_edits.decode_clip(note_edits.encode_clip(clip)) == clip
    assert [n.lyric for n in note_edits.decode_clip(note_edits.encode_clip(clip))] == [n.lyric for n in clip]
    assert note_edits.decode_clip("hello") == []
    zero_length = '{"format": "melodystudio-notes", "version": 1, "notes": [[0, 0, 60, 90, null]]}'
    assert note_edits.decode_clip(zero_length) == []


def test_general_midi_table() -> None:
    assert len(GM_PROGRAMS) == 128
    assert program_name(73) == "Flute" and program_name(0) == "Acoustic Grand Piano"
