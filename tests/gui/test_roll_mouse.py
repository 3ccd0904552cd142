"""Editing the melody with the mouse on the roll's viewport; every edit is one undo step."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt

from melodystudio.core import PPQ, Note, edits
from melodystudio.gui.piano_roll import PianoRoll
from tests.conftest import twinkle
from tests.gui.helpers import click, drag

Q = PPQ
Mods = Qt.KeyboardModifier


def at(roll: PianoRoll, tick: int, pitch: int) -> QPoint:
    return roll.viewport_point(tick, pitch)


def assert_undo_redo(roll: PianoRoll, before: tuple[object, ...]) -> None:
    """One undo restores ``before`` exactly; redo brings the edit back."""
    after = roll.song.content()
    stack = roll.document.undo_stack
    assert stack.count() == 1
    stack.undo()
    assert roll.song.content() == before
    stack.redo()
    assert roll.song.content() == after


def test_drag_in_empty_space_draws_a_note_of_the_dragged_length(empty_roll: PianoRoll) -> None:
    before = empty_roll.song.content()
    drag(empty_roll, at(empty_roll, 4 * Q + 10, 64), at(empty_roll, 6 * Q + 10, 64))
    assert empty_roll.song.notes == (Note(4 * Q, 2 * Q, 64, 90),)
    assert empty_roll.scene.selected_onsets == {4 * Q}  # the new note is selected
    assert empty_roll.document.undo_stack.undoText() == "Add note"
    assert_undo_redo(empty_roll, before)


def test_click_in_empty_space_draws_one_grid_step(empty_roll: PianoRoll) -> None:
    heard: list[tuple[int, int]] = []
    empty_roll.set_audition(lambda pitch, velocity: heard.append((pitch, velocity)))
    empty_roll.set_snap("1/8")
    click(empty_roll, at(empty_roll, Q + Q // 2 + 30, 62))
    assert empty_roll.song.notes == (Note(Q + Q // 2, Q // 2, 62, 90),)
    assert heard == [(62, 90)]  # drawing auditions the note


def test_drag_a_note_moves_it_by_whole_grid_steps_and_semitones(roll: PianoRoll) -> None:
    before = roll.song.content()
    star = Note(6 * Q, 2 * Q, 67, 86)  # the half note on "star"
    drag(roll, at(roll, 6 * Q + 100, 67), at(roll, 6 * Q + 100 + 2 * Q, 69))
    notes = roll.song.notes_between(6 * Q, 9 * Q)
    assert (notes[0].onset, notes[0].pitch, notes[0].duration) == (8 * Q, 69, 2 * Q)
    assert star not in roll.song.notes
    assert roll.scene.selected_onsets == {8 * Q}  # the selection follows the moved note
    assert roll.document.undo_stack.undoText() == "Move note"
    assert_undo_redo(roll, before)


def test_drag_right_edge_resizes(roll: PianoRoll) -> None:
    before = roll.song.content()
    end_x = round(roll.view.x_of_tick(8 * Q)) - 2
    y = at(roll, 6 * Q, 67).y()
    drag(roll, QPoint(end_x, y), at(roll, 7 * Q, 67))
    assert roll.song.note_at(6 * Q) == Note(6 * Q, Q, 67, 86)
    assert roll.document.undo_stack.undoText() == "Resize note"
    assert_undo_redo(roll, before)


def test_right_click_deletes_a_note(roll: PianoRoll) -> None:
    before = roll.song.content()
    click(roll, at(roll, 2 * Q + 50, 67), button=Qt.MouseButton.RightButton)
    assert roll.song.note_at(2 * Q) is None
    assert len(roll.song.notes) == 11
    assert_undo_redo(roll, before)


def test_click_selects_and_shift_click_toggles(roll: PianoRoll) -> None:
    click(roll, at(roll, 50, 60))
    assert roll.scene.selected_onsets == {0}
    click(roll, at(roll, 2 * Q + 50, 67), Mods.ShiftModifier)
    assert roll.scene.selected_onsets == {0, 2 * Q}
    click(roll, at(roll, 50, 60), Mods.ShiftModifier)
    assert roll.scene.selected_onsets == {2 * Q}
    assert roll.document.undo_stack.count() == 0  # selecting is not an edit


def test_shift_drag_in_empty_space_selects_with_a_rubber_band(roll: PianoRoll) -> None:
    # bars 1-2, pitches 66..70: the G4 and A4 notes of "twin-kle lit-tle star"
    drag(roll, at(roll, 2 * Q - 40, 70), at(roll, 8 * Q - 40, 66), Mods.ShiftModifier)
    assert roll.scene.selected_onsets == {2 * Q, 3 * Q, 4 * Q, 5 * Q, 6 * Q}
    assert roll.song.notes == twinkle().notes  # nothing drawn


def test_alt_drag_changes_the_velocity_of_the_selection(roll: PianoRoll) -> None:
    before = roll.song.content()
    click(roll, at(roll, 50, 60))
    click(roll, at(roll, Q + 50, 60), Mods.ShiftModifier)
    start = at(roll, Q + 50, 60)
    drag(roll, start, start - QPoint(0, 20), Mods.AltModifier)  # 20 px up: +10
    assert [n.velocity for n in roll.song.notes[:2]] == [90, 91]
    assert [n.onset for n in roll.song.notes[:2]] == [0, Q]
    assert_undo_redo(roll, before)


def test_moving_a_note_below_the_midi_range_is_refused_with_a_message(empty_roll: PianoRoll) -> None:
    messages: list[str] = []
    empty_roll.document.edit_failed.connect(messages.append)
    empty_roll.document.perform_planned(edits.insert_notes, [Note(0, Q, 1)])
    empty_roll.scene.select([0])
    assert not empty_roll.move_selection(0, -12)
    assert messages and "outside the MIDI range" in messages[0]
    assert empty_roll.song.notes == (Note(0, Q, 1),)
