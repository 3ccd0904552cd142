"""The generation flow through the window: select bars, Ctrl+G, variations as ghosts, 1-4/Tab,
Enter accepts as one undo step, Esc discards; a missing model is reported and editing goes on."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from melodystudio.core import PPQ, Note, edits
from melodystudio.gui.main_window import MainWindow, Services
from tests.conftest import twinkle
from tests.gui.helpers import FakeEngine, missing_model_job

Q = PPQ
Key, Mods = Qt.Key, Qt.KeyboardModifier


def generate(qtbot: object, window: MainWindow) -> None:
    with qtbot.waitSignal(window.panel.variation_selected, timeout=10_000):  # type: ignore[attr-defined]
        QTest.keyClick(window, Key.Key_G, Mods.ControlModifier)


def test_inpaint_shows_ghosts_and_enter_accepts_one_undo_step(qtbot: object, window: MainWindow,
                                                              engine: FakeEngine) -> None:
    doc = window.document
    doc.replace_song(twinkle())
    doc.select_bars((1, 1))
    generate(qtbot, window)
    assert engine.requests == [("inpaint", 1, 1)]
    assert window.roll.scene.ghost.notes == [Note(4 * Q + k * Q, Q, 60) for k in range(4)]
    assert window.status.model_label.text() == "model: ready (CPU)"
    QTest.keyClick(window, Key.Key_2)
    assert window.roll.scene.ghost.notes[0].pitch == 61
    QTest.keyClick(window, Key.Key_Tab)
    assert window.roll.scene.ghost.notes[0].pitch == 62
    QTest.keyClick(window, Key.Key_Return)
    assert [n.pitch for n in doc.song.notes_between(4 * Q, 8 * Q)] == [62, 62, 62, 62]
    assert window.roll.scene.ghost.notes == []
    assert doc.undo_stack.count() == 1 and doc.undo_stack.undoText() == "Accept variation C"
    doc.undo_stack.undo()
    assert doc.song == twinkle()


def test_escape_discards_and_the_engine_is_loaded_once(qtbot: object, window: MainWindow,
                                                       engine: FakeEngine) -> None:
    doc = window.document
    doc.replace_song(twinkle())
    doc.select_bars((0, 0))
    generate(qtbot, window)
    QTest.keyClick(window, Key.Key_Escape)
    assert window.roll.scene.ghost.notes == [] and doc.song == twinkle()
    assert doc.undo_stack.count() == 0
    loaded = window.generation.engine
    generate(qtbot, window)
    assert window.generation.engine is loaded and len(engine.requests) == 2


def test_continue_adds_bars_after_the_end(qtbot: object, window: MainWindow, engine: FakeEngine) -> None:
    doc = window.document
    doc.replace_song(twinkle())
    window.panel.bars_spin.setValue(2)
    with qtbot.waitSignal(window.panel.variation_selected, timeout=10_000):  # type: ignore[attr-defined]
        window.panel.continue_action.trigger()
    assert engine.requests == [("continue", 3, 4)]
    assert window.generation.accept(0)
    assert doc.song.bar_count == 5 and doc.undo_stack.count() == 1


def test_without_a_selection_inpaint_is_not_offered(window: MainWindow) -> None:
    window.document.replace_song(twinkle())
    assert not window.panel.inpaint_action.isEnabled()
    window.document.select_bars((0, 1))
    assert window.panel.inpaint_action.isEnabled()


def test_a_missing_model_is_reported_and_editing_goes_on(qtbot: object, services: Services) -> None:
    services.engine_loader = lambda settings: missing_model_job
    window = MainWindow(services)
    qtbot.addWidget(window)  # type: ignore[attr-defined]
    window.show()
    doc = window.document
    doc.replace_song(twinkle())
    doc.select_bars((1, 1))
    window.panel.inpaint_action.trigger()
    qtbot.waitUntil(lambda: not window.generation.busy, timeout=10_000)  # type: ignore[attr-defined]
    assert "no model found" in window.panel.error_label.text()
    assert window.status.model_label.text() == "model: unavailable"
    assert doc.perform(edits.insert_notes(doc.song, [Note(20 * Q, Q, 72)]))  # editing still works
    doc.undo_stack.setClean()
    window.shutdown()


def test_cancel_stops_a_running_generation(qtbot: object, window: MainWindow, engine: FakeEngine) -> None:
    doc = window.document
    doc.replace_song(twinkle())
    doc.select_bars((1, 1))
    engine.gate.clear()  # the job stops before its first variation
    window.panel.inpaint_action.trigger()
    qtbot.waitUntil(lambda: window.generation.engine is not None, timeout=10_000)  # type: ignore[attr-defined]
    window.panel.cancel_action.trigger()
    engine.gate.set()
    qtbot.waitUntil(lambda: not window.generation.busy, timeout=10_000)  # type: ignore[attr-defined]
    assert window.generation.variations == [] and window.roll.scene.ghost.notes == []
    assert window.panel.inpaint_action.isEnabled()  # ready for the next request
    assert doc.song == twinkle()


def test_variations_for_a_song_that_was_closed_are_dropped(qtbot: object, window: MainWindow,
                                                           engine: FakeEngine) -> None:
    doc = window.document
    doc.replace_song(twinkle())
    doc.select_bars((1, 1))
    engine.gate.clear()
    window.panel.inpaint_action.trigger()
    qtbot.waitUntil(lambda: window.generation.engine is not None, timeout=10_000)  # type: ignore[attr-defined]
    doc.replace_song(twinkle())  # File > New or Open while generating
    engine.gate.set()
    qtbot.waitUntil(lambda: not window.generation.busy, timeout=10_000)  # type: ignore[attr-defined]
    assert window.generation.variations == [] and window.roll.scene.ghost.notes == []
