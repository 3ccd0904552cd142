"""Editing from the keyboard and the Edit commands of the roll: arrows, clipboard, duplicate,
quantize, velocity, zoom; each a single undo step."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtTest import QTest

from melodystudio.core import PPQ, Note, edits
from melodystudio.gui.piano_roll import PianoRoll

Q = PPQ
Key, Mods = Qt.Key, Qt.KeyboardModifier


def select(roll: PianoRoll, *onsets: int) -> None:
    roll.scene.select(onsets)
    roll.view.setFocus()


def test_arrow_keys_move_by_the_grid_and_transpose(roll: PianoRoll) -> None:
    select(roll, 6 * Q)  # "star", G4 half note
    vp = roll.view
    QTest.keyClick(vp, Key.Key_Up)
    assert roll.song.note_at(6 * Q).pitch == 68
    QTest.keyClick(vp, Key.Key_Up, Mods.ShiftModifier)
    assert roll.song.note_at(6 * Q).pitch == 80
    QTest.keyClick(vp, Key.Key_Down, Mods.ShiftModifier)
    QTest.keyClick(vp, Key.Key_Right)  # one 1/16 step
    assert roll.song.notes_between(6 * Q, 8 * Q)[0].onset == 6 * Q + Q // 4
    assert roll.scene.selected_onsets == {6 * Q + Q // 4}
    stack = roll.document.undo_stack
    assert stack.count() == 4
    for _ in range(4):
        stack.undo()
    assert roll.song.note_at(6 * Q) == Note(6 * Q, 2 * Q, 67, 86)


def test_arrows_without_a_selection_scroll_instead(roll: PianoRoll) -> None:
    bar = roll.view.verticalScrollBar()
    value = bar.value()
    QTest.keyClick(roll.view, Key.Key_Down)
    assert roll.document.undo_stack.count() == 0
    assert bar.value() != value


def test_delete_removes_the_selection(roll: PianoRoll) -> None:
    before = roll.song.content()
    select(roll, 0, Q)
    assert roll.delete_selection()
    assert roll.song.notes[0].onset == 2 * Q
    roll.document.undo_stack.undo()
    assert roll.song.content() == before


def test_copy_then_paste_at_a_tick_places_the_notes_there(roll: PianoRoll) -> None:
    select(roll, 0, Q)
    assert roll.copy_selection()
    assert roll.paste(at_tick=16 * Q + 7)  # snapped to the grid
    pasted = roll.song.notes_between(16 * Q, 18 * Q)
    assert [(n.onset, n.pitch, n.duration) for n in pasted] == [(16 * Q, 60, Q), (17 * Q, 60, Q)]
    assert pasted[0].lyric is not None and pasted[0].lyric.text == "Twin"  # the syllables come along
    assert roll.scene.selected_onsets == {16 * Q, 17 * Q}
    assert roll.document.undo_stack.undoText() == "Paste 2 notes"


def test_cut_deletes_and_copies(roll: PianoRoll) -> None:
    select(roll, 0)
    assert roll.cut_selection()
    assert roll.song.note_at(0) is None
    assert roll.paste(at_tick=0)
    assert roll.song.note_at(0).pitch == 60


def test_duplicate_places_a_copy_right_after_the_selection(roll: PianoRoll) -> None:
    roll.document.perform(edits.delete_notes(roll.song, roll.song.notes_between(2 * Q, 8 * Q)))
    select(roll, 0, Q)
    assert roll.duplicate_selection()
    assert [(n.onset, n.pitch) for n in roll.song.notes_between(0, 4 * Q)] == [(0, 60), (Q, 60), (2 * Q, 60),
                                                                               (3 * Q, 60)]
    assert roll.scene.selected_onsets == {2 * Q, 3 * Q}


def test_quantize_snaps_onsets_and_lengths_to_the_grid(empty_roll: PianoRoll) -> None:
    doc = empty_roll.document
    doc.perform(edits.insert_notes(doc.song, [Note(130, 100, 60), Note(250, 50, 62), Note(470, 200, 64)]))
    empty_roll.scene.select([130, 250, 470])
    assert empty_roll.quantize_selection()
    assert [(n.onset, n.duration) for n in doc.song.notes] == [(120, 120), (240, 120), (480, 240)]
    assert doc.undo_stack.undoText() == "Quantize 3 notes"
    assert not empty_roll.quantize_selection()  # already on the grid: no empty undo step
    assert doc.undo_stack.count() == 2


def test_velocity_of_the_selection(roll: PianoRoll) -> None:
    select(roll, 0, Q)
    assert roll.set_selection_velocity(40)
    assert [n.velocity for n in roll.song.notes[:3]] == [40, 40, 82]


def test_plus_minus_and_ctrl_wheel_zoom_time(roll: PianoRoll) -> None:
    view = roll.view
    start = view.px_per_tick
    QTest.keyClick(view, Key.Key_Plus)
    assert view.px_per_tick > start
    QTest.keyClick(view, Key.Key_Minus)
    assert abs(view.px_per_tick - start) < 1e-9
    anchor = QPointF(300, 100)
    tick_under_mouse = view.tick_at_x(anchor.x())
    wheel = QWheelEvent(anchor, view.viewport().mapToGlobal(anchor), QPoint(), QPoint(0, 120),
                        Qt.MouseButton.NoButton, Mods.ControlModifier, Qt.ScrollPhase.NoScrollPhase, False)
    view.wheelEvent(wheel)
    assert view.px_per_tick > start
    assert abs(view.tick_at_x(anchor.x()) - tick_under_mouse) <= 2  # zoom keeps the tick under the mouse


def test_shift_wheel_scrolls_time(roll: PianoRoll) -> None:
    view = roll.view
    view.zoom_by(4)
    bar = view.horizontalScrollBar()
    bar.setValue(bar.maximum() // 2)
    value = bar.value()
    wheel = QWheelEvent(QPointF(100, 100), QPointF(100, 100), QPoint(), QPoint(0, -120),
                        Qt.MouseButton.NoButton, Mods.ShiftModifier, Qt.ScrollPhase.NoScrollPhase, False)
    view.wheelEvent(wheel)
    assert bar.value() > value
