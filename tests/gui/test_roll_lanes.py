"""The ruler, chord and lyric lanes, the ghost overlay, and redrawing only what changed."""

from __future__ import annotations

import time

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from melodystudio.core import PPQ, Chord, ChordSymbol, KeySignature, Note, Song, edits
from melodystudio.gui.document import Document
from melodystudio.gui.piano_roll import PianoRoll
from melodystudio.gui.piano_roll.grid import IN_SCALE, OUT_OF_SCALE, TONIC_ROW, row_color

Q = PPQ


def ruler_x(roll: PianoRoll, tick: int) -> int:
    return round(roll.view.x_of_tick(tick))


def test_dragging_on_the_ruler_selects_bars(roll: PianoRoll) -> None:
    ruler, y = roll.ruler, roll.ruler.height() // 2
    QTest.mousePress(ruler, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(ruler_x(roll, Q), y))
    QTest.mouseMove(ruler, QPoint(ruler_x(roll, 9 * Q), y))  # bar 3 (3/4) starts at 8 quarters
    QTest.mouseRelease(ruler, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                       QPoint(ruler_x(roll, 9 * Q), y))
    assert roll.document.bar_selection == (0, 2)
    assert roll.view.bar_span == (0, 11 * Q)  # two 4/4 bars and one 3/4 bar
    QTest.mouseClick(ruler, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ShiftModifier,
                     QPoint(ruler_x(roll, 4 * Q + 10), y))
    assert roll.document.bar_selection == (0, 1)  # shift-click moves the far end
    QTest.mouseClick(ruler, Qt.MouseButton.RightButton, Qt.KeyboardModifier.NoModifier, QPoint(10, y))
    assert roll.document.bar_selection is None
    assert roll.document.undo_stack.count() == 0


def test_double_click_on_the_ruler_moves_the_playhead(roll: PianoRoll) -> None:
    moved: list[int] = []
    roll.playhead_moved.connect(moved.append)
    QTest.mouseDClick(roll.ruler, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                      QPoint(ruler_x(roll, 5 * Q), 10))
    assert moved == [4 * Q] and roll.playhead == 4 * Q


def test_writing_a_chord_in_the_chord_lane(roll: PianoRoll) -> None:
    lane = roll.chord_lane
    editor = lane.start_edit(11 * Q + 10)  # bar 4, no chord yet
    QTest.keyClicks(editor, "Am7")
    QTest.keyClick(editor, Qt.Key.Key_Return)
    assert roll.song.chord_at(11 * Q) == Chord(11 * Q, 3 * Q, ChordSymbol("A", "min7"))  # to the end of the 3/4 bar
    assert lane.editor is None
    roll.document.undo_stack.undo()
    assert roll.song.chord_at(11 * Q) is None


def test_an_invalid_chord_keeps_the_editor_open(roll: PianoRoll) -> None:
    messages: list[str] = []
    roll.document.edit_failed.connect(messages.append)
    editor = roll.chord_lane.start_edit(10)
    editor.setText("Hm7")
    assert not roll.chord_lane.commit_edit()
    assert roll.chord_lane.editor is editor and "not a chord symbol" in editor.toolTip()
    assert messages and roll.song.chord_at(0).symbol == ChordSymbol("C")
    editor.setText("Cmaj7")
    assert roll.chord_lane.commit_edit()
    assert roll.song.chord_at(0) == Chord(0, 4 * Q, ChordSymbol("C", "maj7"))


def test_double_click_edits_and_delete_removes_a_chord(roll: PianoRoll) -> None:
    lane = roll.chord_lane
    x = ruler_x(roll, 4 * Q + 50)
    QTest.mouseDClick(lane, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(x, 10))
    assert lane.editor is not None and lane.editor.text() == "F/A"
    QTest.keyClick(lane.editor, Qt.Key.Key_Escape)
    assert lane.editor is None
    QTest.mouseClick(lane, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(x, 10))
    QTest.keyClick(lane, Qt.Key.Key_Delete)
    assert roll.song.chord_at(4 * Q) is None
    assert len(roll.song.chords) == 3


def test_lyric_lane_and_ruler_paint(roll: PianoRoll) -> None:
    for lane in (roll.lyric_lane, roll.ruler, roll.chord_lane, roll.keyboard):
        assert not lane.grab().isNull()


def test_ghost_notes_are_shown_and_cleared_without_touching_the_song(roll: PianoRoll) -> None:
    ghost = [Note(4 * Q, Q, 72), Note(5 * Q, Q, 74)]
    roll.show_ghost(ghost)
    assert roll.scene.ghost.notes == ghost
    roll.show_ghost(ghost[:1])
    assert roll.scene.ghost.notes == ghost[:1]
    roll.clear_ghost()
    assert roll.scene.ghost.notes == []
    assert roll.document.undo_stack.count() == 0


def test_an_edit_rebuilds_only_the_items_in_its_range(roll: PianoRoll) -> None:
    untouched = {onset: roll.scene.item_at_onset(onset) for onset in (0, Q, 8 * Q, 9 * Q)}
    roll.document.perform(edits.move_notes(roll.song, [roll.song.note_at(4 * Q)], 0, 2))
    for onset, item in untouched.items():
        assert roll.scene.item_at_onset(onset) is item
    assert roll.scene.item_at_onset(4 * Q).note.pitch == 71
    assert roll.scene.items_count() == len(roll.song.notes)


def test_replacing_the_song_rebuilds_the_scene(roll: PianoRoll) -> None:
    roll.scene.select([0])
    roll.document.replace_song(Song(notes=[Note(0, Q, 50)]))
    assert roll.scene.items_count() == 1 and roll.scene.selected_onsets == frozenset()
    assert roll.view.song is roll.document.song


def test_rows_are_tinted_by_the_key() -> None:
    d_major = KeySignature(0, "D")
    assert row_color(62, d_major) == TONIC_ROW
    assert row_color(66, d_major) == IN_SCALE  # F#
    assert row_color(65, d_major) == OUT_OF_SCALE  # F natural
    assert row_color(61, None) == OUT_OF_SCALE  # no key: black keys darker


def test_ten_thousand_notes_build_and_zoom_quickly(qtbot: object) -> None:
    notes = [Note(i * Q // 2, Q // 2, 60 + i % 12) for i in range(10_000)]
    song = Song(notes=notes)
    started = time.perf_counter()
    roll = PianoRoll(Document(song))
    qtbot.addWidget(roll)  # type: ignore[attr-defined]
    roll.resize(1000, 500)
    roll.show()
    built = time.perf_counter() - started
    assert roll.scene.items_count() == 10_000
    started = time.perf_counter()
    roll.view.zoom_by(0.25)
    roll.view.horizontalScrollBar().setValue(roll.view.horizontalScrollBar().maximum() // 2)
    roll.grab()
    repaint = time.perf_counter() - started
    assert built < 5.0 and repaint < 2.0  # generous: CI machines are slow; see benchmarks/bench_gui.py
