"""Editing chords in the chord lane: the right-click menu (write, insert at a beat, edit, remove),
checking a symbol while it is typed, and one undo step per edit. Twinkle's chords: C (bar 1),
F/A and C (bar 2), G7 (bar 3, in 3/4); bar 4 is empty."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMenu

from melodystudio.core import PPQ, Chord, ChordSymbol
from melodystudio.gui.piano_roll import PianoRoll
from melodystudio.gui.piano_roll.chord_lane import ERROR_STYLE

Q = PPQ


def texts(menu: QMenu) -> list[str]:
    return [a.text() for a in menu.actions()]


def trigger(menu: QMenu, starts_with: str) -> None:
    next(a for a in menu.actions() if a.text().startswith(starts_with)).trigger()


def test_right_click_on_an_empty_beat_writes_a_chord_from_that_beat(roll: PianoRoll) -> None:
    lane = roll.chord_lane
    menu = lane.context_menu(12 * Q + 10)  # bar 4 (3/4) starts at 11Q: beat 2
    assert texts(menu) == ["Write a chord at bar 4, beat 2..."]
    trigger(menu, "Write")
    assert lane.editor is not None and lane.editor.text() == ""
    QTest.keyClicks(lane.editor, "Dm")
    QTest.keyClick(lane.editor, Qt.Key.Key_Return)
    assert roll.song.chord_at(12 * Q) == Chord(12 * Q, 2 * Q, ChordSymbol("D", "min"))  # to the bar's end


def test_insert_at_a_beat_splits_the_chord_there_in_one_undo_step(roll: PianoRoll) -> None:
    lane, stack = roll.chord_lane, roll.document.undo_stack
    menu = lane.context_menu(2 * Q + 30)  # inside C, on beat 3
    assert texts(menu) == ["Insert a chord at bar 1, beat 3...", "Edit C...", "Remove C"]
    trigger(menu, "Insert")
    assert lane.editor is not None and lane.editor.text() == "C"  # starts as the chord it splits
    lane.editor.setText("Am")
    assert lane.commit_edit()
    assert roll.song.chords[:2] == (Chord(0, 2 * Q, ChordSymbol("C")), Chord(2 * Q, 2 * Q, ChordSymbol("A", "min")))
    assert stack.count() == 1
    stack.undo()
    assert roll.song.chords[0] == Chord(0, 4 * Q, ChordSymbol("C"))


def test_a_chord_cannot_be_inserted_on_its_own_first_beat(roll: PianoRoll) -> None:
    assert texts(roll.chord_lane.context_menu(4 * Q + 10)) == ["Edit F/A...", "Remove F/A"]


def test_edit_from_the_menu_rewrites_the_whole_chord(roll: PianoRoll) -> None:
    lane = roll.chord_lane
    trigger(lane.context_menu(9 * Q), "Edit G7")
    assert lane.editor is not None and lane.editor.text() == "G7"
    lane.editor.setText("G9")
    assert lane.commit_edit()
    assert roll.song.chord_at(8 * Q) == Chord(8 * Q, 3 * Q, ChordSymbol("G", "9"))


def test_remove_from_the_menu_is_one_undo_step(roll: PianoRoll) -> None:
    lane, stack = roll.chord_lane, roll.document.undo_stack
    trigger(lane.context_menu(7 * Q), "Remove C")
    assert roll.song.chord_at(7 * Q) is None and len(roll.song.chords) == 3
    assert stack.count() == 1 and stack.undoText() == "Set chords"
    stack.undo()
    assert roll.song.chord_at(7 * Q) == Chord(6 * Q, 2 * Q, ChordSymbol("C"))


def test_a_symbol_is_checked_while_it_is_typed(roll: PianoRoll) -> None:
    lane = roll.chord_lane
    editor = lane.start_edit(12 * Q)
    QTest.keyClicks(editor, "Hm")
    assert editor.styleSheet() == ERROR_STYLE and "'Hm' is not a chord symbol" in editor.toolTip()
    QTest.keyClick(editor, Qt.Key.Key_Backspace)
    QTest.keyClick(editor, Qt.Key.Key_Backspace)
    QTest.keyClicks(editor, "Ebm7b5")
    assert editor.styleSheet() == "" and "chord symbol" in editor.toolTip()
    QTest.keyClicks(editor, "x")
    assert "unknown chord quality 'm7b5x'" in editor.toolTip()
    assert roll.document.undo_stack.count() == 0  # nothing written while typing
    lane.finish_edit()


def test_a_right_click_opens_the_menu(qtbot: object, roll: PianoRoll) -> None:
    lane = roll.chord_lane
    shown: list[list[str]] = []

    def close_popup() -> None:
        popup = QApplication.activePopupWidget()
        if isinstance(popup, QMenu):
            shown.append(texts(popup))
            popup.close()

    QTimer.singleShot(50, close_popup)
    x = round(roll.view.x_of_tick(9 * Q))
    event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, QPoint(x, 5), lane.mapToGlobal(QPoint(x, 5)))
    QApplication.sendEvent(lane, event)
    assert shown == [["Insert a chord at bar 3, beat 2...", "Edit G7...", "Remove G7"]]
    assert lane.selected == Chord(8 * Q, 3 * Q, ChordSymbol("G", "7"))
