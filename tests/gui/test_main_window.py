"""The main window: files, shortcuts, closing with unsaved changes, settings and song settings."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QToolButton

from melodystudio.core import PPQ, KeySignature, Note, Song, edits
from melodystudio.gui.main_window import MainWindow
from melodystudio.gui.prompts import CANCEL, DISCARD, SAVE
from melodystudio.gui.settings import load_settings
from melodystudio.io import ImportReport, load_song, save_song
from tests.conftest import twinkle
from tests.gui.helpers import ScriptedPrompts

Q = PPQ
Key, Mods = Qt.Key, Qt.KeyboardModifier


def open_and_wait(qtbot: object, window: MainWindow, path: Path) -> None:
    with qtbot.waitSignal(window.files.opened, timeout=10_000):  # type: ignore[attr-defined]
        window.files.open_path(path, ask=False)


def test_open_edit_save_round_trip(qtbot: object, window: MainWindow, tmp_path: Path) -> None:
    path = tmp_path / "twinkle.mstudio"
    save_song(twinkle(), path)
    open_and_wait(qtbot, window, path)
    assert window.document.song == twinkle() and window.document.path == path.resolve()
    assert window.windowTitle().startswith("twinkle.mstudio")
    window.roll.scene.select([0])
    window.roll.move_selection(0, 2)
    assert window.isWindowModified()
    QTest.keyClick(window, Key.Key_S, Mods.ControlModifier)
    assert not window.document.is_modified
    reloaded, _ = load_song(path)
    assert reloaded == window.document.song and reloaded.notes[0].pitch == 62
    assert load_settings(window.services.store).recent_files[0] == str(path.resolve())
    assert window.recent_menu is not None and window.recent_menu.actions()[0].text() == "twinkle.mstudio"


def test_save_as_asks_for_a_name_and_adds_the_project_suffix(window: MainWindow, prompts: ScriptedPrompts,
                                                             tmp_path: Path) -> None:
    window.document.replace_song(twinkle())
    prompts.save_answer = tmp_path / "mine"
    assert window.files.save()  # no file yet: Save behaves as Save As
    assert (tmp_path / "mine.mstudio").is_file() and window.document.path == (tmp_path / "mine.mstudio").resolve()


def test_opening_a_midi_file_keeps_it_as_the_documents_file(qtbot: object, window: MainWindow,
                                                            tmp_path: Path) -> None:
    path = tmp_path / "twinkle.mid"
    save_song(twinkle(), path)
    open_and_wait(qtbot, window, path)
    assert [n.pitch for n in window.document.song.notes] == [n.pitch for n in twinkle().notes]
    assert window.document.path == path.resolve()


def test_a_broken_file_is_reported_and_the_song_kept(qtbot: object, window: MainWindow, prompts: ScriptedPrompts,
                                                      tmp_path: Path) -> None:
    path = tmp_path / "broken.mid"
    path.write_bytes(b"not a midi file at all")
    window.document.replace_song(twinkle())
    handle = window.files.open_path(path, ask=False)
    assert handle is not None
    qtbot.waitUntil(lambda: not handle.is_running, timeout=10_000)  # type: ignore[attr-defined]
    assert prompts.errors and prompts.errors[0].startswith("Cannot open broken.mid")
    assert window.document.song == twinkle()


def test_import_report_is_shown_without_blocking(window: MainWindow, tmp_path: Path) -> None:
    report = ImportReport(source="x.mid", chosen_part="track 2 'Flute' (most notes)", dropped_notes=3)
    report.warn("tempo changes after bar 10 were merged")
    window.files.show_report(tmp_path / "x.mid", report)
    box = window.files.report_box
    assert box is not None and box.isVisible() and not box.isModal()
    assert "3 notes below the top voice" in box.detailedText()
    assert "x.mid" in window.status.currentMessage()
    box.close()


def test_dropping_a_file_opens_it(qtbot: object, window: MainWindow, tmp_path: Path) -> None:
    path = tmp_path / "dropped.mstudio"
    save_song(twinkle(), path)
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDropEvent(QPoint(10, 10).toPointF(), Qt.DropAction.CopyAction, data, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(window.files.opened, timeout=10_000):  # type: ignore[attr-defined]
        window.dropEvent(event)
    assert window.document.path == path.resolve()


@pytest.mark.parametrize("answer", [CANCEL, DISCARD])
def test_closing_with_unsaved_changes_asks(window: MainWindow, prompts: ScriptedPrompts, answer: str) -> None:
    window.document.perform(edits.insert_notes(window.document.song, [Note(0, Q, 60)]))
    prompts.unsaved_answer = answer
    closed = window.close()
    assert prompts.asked == ["unsaved Untitled"]
    assert closed == (answer == DISCARD)
    assert window.isVisible() == (answer == CANCEL)


def test_closing_with_save_writes_the_file_first(window: MainWindow, prompts: ScriptedPrompts,
                                                 tmp_path: Path) -> None:
    window.document.perform(edits.insert_notes(window.document.song, [Note(0, Q, 60)]))
    prompts.unsaved_answer, prompts.save_answer = SAVE, tmp_path / "kept.mstudio"
    assert window.close()
    assert load_song(tmp_path / "kept.mstudio")[0].notes == (Note(0, Q, 60),)


def test_closing_an_unchanged_song_asks_nothing(window: MainWindow, prompts: ScriptedPrompts) -> None:
    assert window.close()
    assert prompts.asked == []


def test_undo_redo_delete_duplicate_quantize_shortcuts(window: MainWindow) -> None:
    doc, roll = window.document, window.roll
    doc.replace_song(twinkle())
    roll.scene.select([0])
    roll.view.setFocus()
    QTest.keyClick(window, Key.Key_Delete)
    assert doc.song.note_at(0) is None
    QTest.keyClick(window, Key.Key_Z, Mods.ControlModifier)
    assert doc.song.note_at(0) is not None
    QTest.keyClick(window, Key.Key_Z, Mods.ControlModifier | Mods.ShiftModifier)
    assert doc.song.note_at(0) is None
    QTest.keyClick(window, Key.Key_Z, Mods.ControlModifier)
    roll.scene.select([8 * Q])
    QTest.keyClick(window, Key.Key_D, Mods.ControlModifier)
    assert doc.undo_stack.undoText() == "Duplicate note"
    doc.perform(edits.insert_notes(doc.song, [Note(20 * Q + 30, 100, 60)]))  # off the grid
    roll.scene.select([20 * Q + 30])
    QTest.keyClick(window, Key.Key_Q)
    assert doc.undo_stack.undoText() == "Quantize note"
    assert doc.song.note_at(20 * Q) == Note(20 * Q, Q // 4, 60)
    assert window.undo_action.text().startswith("&Undo")


def test_typing_in_the_lyric_editor_does_not_trigger_shortcuts(window: MainWindow) -> None:
    window.document.replace_song(twinkle())
    editor = window.lyric_editor.text
    editor.setFocus()
    editor.clear()
    QTest.keyClicks(editor, "q m 1")  # Q quantizes, M is the metronome, 1 picks a variation elsewhere
    assert editor.toPlainText() == "q m 1"
    assert window.document.undo_stack.count() == 0
    assert not window.transport.metronome_action.isChecked()


def test_song_settings_are_undoable_commands(window: MainWindow) -> None:
    doc, bar = window.document, window.song_settings
    doc.replace_song(twinkle())
    bar.tempo.setValue(132)
    assert round(doc.song.tempos[0].bpm) == 132
    bar.tempo.setValue(140)  # a second step merges with the first
    assert doc.undo_stack.count() == 1
    bar.key.setCurrentIndex(bar.key.findText("D major"))
    bar.key.activated.emit(bar.key.currentIndex())
    assert doc.song.keys[0] == KeySignature(0, "D")
    bar.instrument.activated.emit(40)
    assert doc.song.program == 40
    bar.meter.setEditText("6/8")
    bar.meter.lineEdit().editingFinished.emit()
    assert str(doc.song.time_signatures[0]) == "6/8"
    assert doc.undo_stack.count() == 4
    for _ in range(4):
        doc.undo_stack.undo()
    assert doc.song == twinkle()
    assert bar.tempo.value() == 100 and bar.instrument.currentIndex() == 73  # the widgets follow the song


def test_an_invalid_meter_is_refused(window: MainWindow) -> None:
    bar = window.song_settings
    bar.meter.setEditText("5/7")
    bar.meter.lineEdit().editingFinished.emit()
    assert str(window.document.song.time_signatures[0]) == "4/4"
    assert "5/7" in window.status.currentMessage() or "denominator" in window.status.currentMessage()


def test_snap_setting_is_shared_by_menu_toolbar_and_settings(window: MainWindow) -> None:
    window.set_snap("1/8T")
    assert window.roll.view.snap.ticks == Q // 3
    assert window.snap_combo.currentText() == "1/8T"
    assert [a.text() for a in window.snap_actions.actions() if a.isChecked()] == ["1/8T"]
    window.shutdown()
    assert load_settings(window.services.store).snap == "1/8T"


def test_new_song_after_discarding(window: MainWindow, prompts: ScriptedPrompts) -> None:
    window.document.replace_song(twinkle(), modified=True)
    assert window.files.new_song()
    assert window.document.song == Song() and prompts.asked == ["unsaved Twinkle"]


def test_lyrics_prompt_and_harmonize_sit_beside_inpaint_and_in_the_generate_menu(window: MainWindow) -> None:
    menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Generate")
    texts = [a.text() for a in menu.actions()]
    assert texts[:6] == ["Inpaint selection", "Continue", "Melody from lyrics", "Regenerate phrase",
                         "Melody from prompt", "Harmonize"]
    buttons = [b.text() for b in window.panel.findChildren(QToolButton)]
    assert {"Inpaint selection", "Continue", "Lyrics", "Prompt", "Harmonize"} <= set(buttons)
    assert [a.shortcut().toString() for a in (window.lyrics.generate_action, window.harmonize.action)] == [
        "Ctrl+Shift+L", "Ctrl+Shift+H"]
