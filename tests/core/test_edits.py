"""Edits keep the melody monophonic and sorted, emit changes, and undo exactly (hypothesis)."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from melodystudio.core import PPQ, Chord, ChordSymbol, KeySignature, Note, Song, SongChange, edits
from melodystudio.core.errors import EditError

Q = PPQ
GRID = Q // 4

notes_st = st.builds(
    Note,
    onset=st.integers(0, 64).map(lambda k: k * GRID),
    duration=st.integers(1, 16).map(lambda k: k * GRID),
    pitch=st.integers(48, 84),
    velocity=st.integers(1, 127),
)


@st.composite
def songs(draw: st.DrawFn) -> Song:
    song = Song()
    for n in draw(st.lists(notes_st, max_size=12)):
        song.insert_note(n)
    return song


@st.composite
def planned_edit(draw: st.DrawFn, song: Song) -> edits.Edit:
    notes = list(song.notes)
    kind = draw(st.sampled_from(["insert", "delete", "move", "resize", "transpose", "bars"] if notes else ["insert"]))
    if kind == "insert":
        return edits.insert_notes(song, [draw(notes_st)])
    chosen = draw(st.lists(st.sampled_from(notes), min_size=1, max_size=3, unique_by=lambda n: n.onset))
    if kind == "delete":
        return edits.delete_notes(song, chosen)
    if kind == "move":
        shift = draw(st.integers(-8, 8)) * GRID
        if min(n.onset for n in chosen) + shift < 0:
            shift = 0
        return edits.move_notes(song, chosen, shift, draw(st.integers(-3, 3)))
    if kind == "resize":
        return edits.resize_note(song, chosen[0], draw(st.integers(1, 20)) * GRID)
    if kind == "transpose":
        return edits.move_notes(song, chosen, 0, draw(st.integers(-12, 12)))
    first = draw(st.integers(0, 3))
    last = first + draw(st.integers(0, 2))
    start, end = song.bar_range_ticks(first, last)
    fill = [Note(t, GRID * 2, 60 + i % 5) for i, t in enumerate(range(start, end, GRID * 2))]
    return edits.replace_bars(song, first, last, fill)


def assert_monophonic_and_sorted(song: Song) -> None:
    notes = song.notes
    assert list(notes) == sorted(notes)
    for a, b in itertools.pairwise(notes):
        assert a.end <= b.onset


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_random_edit_sequences_stay_monophonic_and_undo_exactly(data: st.DataObject) -> None:
    song = data.draw(songs())
    history = [song.copy()]
    inverses = []
    for _ in range(data.draw(st.integers(1, 8))):
        edit = data.draw(planned_edit(song))
        inverses.append(song.apply(edit))
        assert_monophonic_and_sorted(song)
        history.append(song.copy())
    # undo everything, checking each intermediate state, then redo it all
    redos = []
    for inverse, before in zip(reversed(inverses), reversed(history[:-1])):
        redos.append(song.apply(inverse))
        assert song == before
    for redo, after in zip(reversed(redos), history[1:]):
        song.apply(redo)
        assert song == after


@given(song=songs(), new=notes_st)
@settings(max_examples=100, deadline=None)
def test_an_inserted_note_wins_its_span(song: Song, new: Note) -> None:
    song.insert_note(new)
    assert new in song.notes
    assert all(n.end <= new.onset or n.onset >= new.end for n in song.notes if n is not new and n != new)


def test_insert_cuts_the_earlier_note_and_removes_covered_ones() -> None:
    song = Song(notes=[Note(0, 960, 60), Note(960, 480, 62), Note(1440, 480, 64)])
    song.insert_note(Note(480, 1200, 67))
    # 60 is cut at the new onset; 62 and 64 start under the new note and give way
    assert [(n.onset, n.duration, n.pitch) for n in song.notes] == [(0, 480, 60), (480, 1200, 67)]


def test_resize_stops_at_the_next_note() -> None:
    song = Song(notes=[Note(0, 480, 60), Note(960, 480, 62)])
    song.resize_note(song.notes[0], 4000)
    assert song.notes[0].duration == 960


def test_replace_bars_rejects_notes_outside_the_range() -> None:
    song = Song(notes=[Note(0, 480, 60)])
    with pytest.raises(EditError, match="outside bars 2-2"):
        song.replace_bars(1, 1, [Note(0, 480, 60)])


def test_replace_bars_cuts_a_note_reaching_in() -> None:
    song = Song(notes=[Note(0, 2400, 60), Note(2400, 480, 62)])
    song.replace_bars(1, 1, [Note(1920, 960, 65)])
    assert [(n.onset, n.duration, n.pitch) for n in song.notes] == [(0, 1920, 60), (1920, 960, 65)]


def test_changes_are_emitted_with_their_range() -> None:
    song = Song(notes=[Note(0, 480, 60)])
    seen: list[SongChange] = []
    song.changed.connect(seen.append)
    song.move_notes([song.notes[0]], 960, 2)
    song.set_tempo(0, 90)
    song.set_key(KeySignature(0, "G"))
    song.set_time_signature(1, 3, 4)
    song.set_chords([Chord(0, 960, ChordSymbol("G"))])
    assert seen == [SongChange("notes", 0, 1440), SongChange("tempo"), SongChange("key"), SongChange("meter"),
                    SongChange("chords", 0, 960)]


def test_deleting_a_note_that_is_not_there_fails_cleanly() -> None:
    song = Song(notes=[Note(0, 480, 60)])
    with pytest.raises(EditError, match="not in the song"):
        song.delete_notes([Note(0, 480, 61)])
    assert len(song.notes) == 1


def test_set_chords_cuts_chords_across_the_edges() -> None:
    song = Song(chords=[Chord(0, 1920, ChordSymbol("C")), Chord(1920, 1920, ChordSymbol("F"))])
    inverse = song.set_chords([Chord(960, 1920, ChordSymbol("G", "7"))], 960, 2880)
    assert [(c.onset, c.duration, str(c.symbol)) for c in song.chords] == [
        (0, 960, "C"), (960, 1920, "G7"), (2880, 960, "F")]
    song.apply(inverse)
    assert [(c.onset, c.duration, str(c.symbol)) for c in song.chords] == [(0, 1920, "C"), (1920, 1920, "F")]


def test_compound_edit_is_one_step_and_rolls_back_on_failure() -> None:
    song = Song(notes=[Note(0, 480, 60)])
    before = song.copy()
    bad = edits.Compound((edits.insert_notes(song, [Note(960, 480, 62)]), edits.delete_notes(song, [Note(5, 5, 5)])))
    with pytest.raises(EditError):
        song.apply(bad)
    assert song == before
    good = edits.Compound((edits.insert_notes(song, [Note(960, 480, 62)]), edits.SetMeta(title="x")), "Accept")
    inverse = song.apply(good)
    assert song.title == "x" and len(song.notes) == 2
    song.apply(inverse)
    assert song == before
