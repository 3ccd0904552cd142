"""Qt test set-up: offscreen platform, and no test may leave a worker thread running."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any QApplication exists

import pytest
from PySide6.QtCore import QThreadPool

THREAD_GRACE_MS = 200  # a worker posts `finished` just before its run() returns


@pytest.fixture(autouse=True)
def no_thread_left_running(qapp: object) -> Iterator[None]:  # the pool needs the application
    """Fail the test if a QThreadPool worker or a Python thread it started is still running."""
    before = set(threading.enumerate())
    yield
    pool = QThreadPool.globalInstance()
    if not pool.waitForDone(THREAD_GRACE_MS):
        pytest.fail(f"{pool.activeThreadCount()} QThreadPool thread(s) still running after the test")
    started = [t for t in threading.enumerate()
               if t not in before and not isinstance(t, threading._DummyThread)]
    for t in started:
        t.join(THREAD_GRACE_MS / 1000)
    alive = [t.name for t in started if t.is_alive()]
    if alive:
        pytest.fail(f"thread(s) still running after the test: {', '.join(alive)}")


@pytest.fixture(autouse=True)
def empty_clipboard_afterwards(qapp: object) -> Iterator[None]:
    """Clear the clipboard after each test: mime data still owned by the offscreen platform's
    clipboard when the QApplication is torn down at exit crashes the interpreter (SIGSEGV)."""
    yield
    from PySide6.QtGui import QGuiApplication

    QGuiApplication.clipboard().clear()


# MelodyStudio main-window fixtures, kept in fixtures.py so this file stays about threads.
from tests.gui.fixtures import empty_roll, engine, prompts, roll, services, synth, window  # noqa: E402, F401
