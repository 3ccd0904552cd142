"""The whole composer's loop with the real shipped model (models/melody), no fakes: open a real
Essen tune, select four bars, Ctrl+G, four variations, keep one, undo, export."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import music21
import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtTest import QTest

from melodystudio.gui.generation import load_engine_job
from melodystudio.gui.main_window import MainWindow, Services
from melodystudio.io import load_song
from tests.gui.fixtures import shown_window
from tests.gui.helpers import ScriptedPrompts

SHIPPED = Path(__file__).resolve().parents[2] / "models" / "melody"
TUNE = Path(music21.__file__).parent / "corpus" / "essenFolksong" / "altdeu20.abc"


@pytest.fixture
def real_window(qtbot: object, tmp_path: Path) -> Iterator[MainWindow]:
    services = Services(store=QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat),
                        recovery_dir=tmp_path / "recovery", player=lambda settings: None,
                        engine_loader=lambda settings: (lambda: load_engine_job(str(SHIPPED), "cpu")),
                        prompts=lambda parent: ScriptedPrompts(), start_devices=False)
    yield from shown_window(qtbot, services)


def test_inpaint_four_bars_with_the_shipped_model_accept_undo_export(qtbot: object, real_window: MainWindow,
                                                                      tmp_path: Path) -> None:
    window, doc = real_window, real_window.document
    song, _ = load_song(TUNE)
    doc.replace_song(song)
    original = doc.song.copy()
    doc.select_bars((2, 5))
    with qtbot.waitSignal(window.panel.variation_selected, timeout=60_000):  # type: ignore[attr-defined]
        QTest.keyClick(window, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)
    start, end = doc.song.bar_range_ticks(2, 5)
    ghost = window.roll.scene.ghost.notes
    assert ghost and all(start <= n.onset and n.end <= end for n in ghost)
    assert window.status.model_label.text() == "model: ready (CPU)"
    QTest.keyClick(window, Qt.Key.Key_2)
    chosen = list(window.roll.scene.ghost.notes)
    QTest.keyClick(window, Qt.Key.Key_Return)
    assert doc.song.notes_between(start, end) == chosen
    assert doc.song.notes_between(0, start) == original.notes_between(0, start)
    assert doc.song.notes_between(end, 10**9) == original.notes_between(end, 10**9)
    doc.undo_stack.undo()
    assert doc.song == original
    doc.undo_stack.redo()
    out = tmp_path / "kept.mid"
    assert window.files.export_to(out)
    exported, _ = load_song(out)
    assert exported.notes == doc.song.notes and exported.notes_between(start, end) == chosen
