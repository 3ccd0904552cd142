"""Autosave while there are unsaved changes, and recovery after a crash (a real killed process too)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from melodystudio.core import PPQ, Note, edits
from melodystudio.gui.autosave import orphaned_recoveries
from melodystudio.gui.main_window import MainWindow, Services
from melodystudio.io import load_song, save_song
from tests.conftest import twinkle
from tests.gui.helpers import ScriptedPrompts

Q = PPQ
REPO = Path(__file__).resolve().parents[2]


def dead_pid() -> int:
    """The id of a process that has certainly exited."""
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True)
    return int(proc.stdout)


def test_autosave_writes_only_when_there_is_something_new(window: MainWindow) -> None:
    saver, doc = window.autosaver, window.document
    assert not saver.autosave_if_needed()  # nothing changed yet
    doc.perform(edits.insert_notes(doc.song, [Note(0, Q, 60)]))
    assert saver.autosave_if_needed()
    assert load_song(saver.song_path)[0].notes == (Note(0, Q, 60),)
    meta = json.loads(saver.meta_path.read_text())
    assert meta["pid"] == os.getpid() and meta["original"] is None
    assert not saver.autosave_if_needed()  # no change since
    assert window.status.autosave_label.text().startswith("autosaved ")


def test_saving_removes_the_recovery_file(window: MainWindow, tmp_path: Path) -> None:
    doc = window.document
    doc.perform(edits.insert_notes(doc.song, [Note(0, Q, 60)]))
    window.autosaver.autosave_now()
    assert window.autosaver.song_path.exists()
    assert window.files.write(tmp_path / "saved.mstudio")
    assert not window.autosaver.song_path.exists() and not window.autosaver.meta_path.exists()


def test_a_live_windows_recovery_file_is_not_offered(window: MainWindow) -> None:
    doc = window.document
    doc.perform(edits.insert_notes(doc.song, [Note(0, Q, 60)]))
    window.autosaver.autosave_now()
    assert orphaned_recoveries(window.services.recovery_dir) == []  # our own process is alive


def leave_crash_behind(directory: Path, original: Path | None) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    save_song(twinkle(), directory / "1234-abcd.mstudio")
    meta = {"pid": dead_pid(), "original": str(original) if original else None, "saved_at": "2024-05-01T12:03:00"}
    (directory / "1234-abcd.json").write_text(json.dumps(meta))


def test_recovery_is_offered_and_restored_on_the_next_start(qtbot: object, services: Services,
                                                           prompts: ScriptedPrompts, tmp_path: Path) -> None:
    original = tmp_path / "song.mstudio"
    leave_crash_behind(services.recovery_dir, original)
    window = MainWindow(services)
    qtbot.addWidget(window)  # type: ignore[attr-defined]
    window.start()
    assert prompts.asked == ["restore song.mstudio (autosaved 2024-05-01 12:03)"]
    assert window.document.song == twinkle()
    assert window.document.is_modified and window.document.path == original
    assert not (services.recovery_dir / "1234-abcd.mstudio").exists()  # taken over by this window
    assert window.autosaver.song_path.exists()
    window.document.undo_stack.setClean()
    window.files.write(original)
    window.shutdown()


def test_declining_recovery_removes_the_file(qtbot: object, services: Services, prompts: ScriptedPrompts) -> None:
    leave_crash_behind(services.recovery_dir, None)
    prompts.restore_answer = False
    window = MainWindow(services)
    qtbot.addWidget(window)  # type: ignore[attr-defined]
    window.start()
    assert prompts.asked == ["restore an unsaved song (autosaved 2024-05-01 12:03)"]
    assert window.document.song.notes == () and orphaned_recoveries(services.recovery_dir) == []
    window.shutdown()


CRASHING_APP = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtWidgets import QApplication
    app = QApplication([])
    from melodystudio.core import Note, edits
    from melodystudio.gui.main_window import MainWindow, Services
    tmp = Path(sys.argv[1])
    store = QSettings(str(tmp / "settings.ini"), QSettings.Format.IniFormat)
    store.setValue("autosave_seconds", 1)
    w = MainWindow(Services(store=store, recovery_dir=tmp / "recovery", player=lambda s: None,
                            start_devices=False))
    w.show()
    w.document.perform(edits.insert_notes(w.document.song, [Note(0, 480, 64), Note(480, 240, 67)]))
    w.autosaver.autosaved.connect(lambda when: print("AUTOSAVED", flush=True))
    app.exec()
""")


def test_a_killed_process_leaves_work_that_the_next_start_restores(qtbot: object, services: Services,
                                                                  prompts: ScriptedPrompts, tmp_path: Path) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(REPO))
    child = subprocess.Popen([sys.executable, "-c", CRASHING_APP, str(tmp_path)], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True, env=env, cwd=REPO)
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "AUTOSAVED"  # the 1 s timer fired
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    window = MainWindow(services)  # same recovery folder as the killed process
    qtbot.addWidget(window)  # type: ignore[attr-defined]
    window.start()
    assert prompts.asked and prompts.asked[0].startswith("restore an unsaved song")
    assert window.document.song.notes == (Note(0, 480, 64), Note(480, 240, 67))
    window.document.undo_stack.setClean()
    window.shutdown()
