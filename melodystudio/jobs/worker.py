"""Long jobs off the GUI thread: a generator per job, driven by a QRunnable on a QThreadPool.

A job factory (``Callable[[], Job[R]]``, see core.progress) is called on the worker thread, so
even slow set-up never blocks the window. The worker checks the cancel flag between yields and
closes the generator on cancel (it sees GeneratorExit at its ``yield`` and cleans up).

Each job's ``JobHandle`` lives on the GUI thread. The worker posts to it through private queued
signals and the handle re-emits its public signals there, so every slot connected to them, plain
functions and lambdas included, runs on the GUI thread.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from melodystudio.core.errors import MelodyStudioError
from melodystudio.core.progress import Job, Progress

log = logging.getLogger(__name__)

PROGRESS_INTERVAL = 0.03  # seconds; progress reported more often is dropped to keep the GUI calm
RESULT, ERROR, CANCELLED = "result", "error", "cancelled"

JobFactory = Callable[[], Job[Any]]
class JobHandle(QObject):
    """One submitted job. Signals (GUI thread): ``progress(fraction, message)``, then either
    ``result(value)`` or ``error(message)`` (nothing after a cancel), then always ``finished()``."""

    progress = Signal(float, str)
    result = Signal(object)
    error = Signal(str)
    finished = Signal()

    # Emitted on the worker thread; queued to this object's (the GUI) thread.
    _posted_progress = Signal(float, str)
    _posted_outcome = Signal(str, object)

    def __init__(self, name: str = "") -> None:
        super().__init__()
        self.name = name
        self._cancel = threading.Event()
        self._running = True
        self._cancelled = False
        self._posted_progress.connect(self._deliver_progress)
        self._posted_outcome.connect(self._deliver_outcome)

    def cancel(self) -> None:
        """Ask the job to stop; it does at its next yield (jobs yield at least every ~50 ms)."""
        self._cancel.set()

    @property
    def is_running(self) -> bool:
        """True until ``finished`` has been emitted."""
        return self._running

    @property
    def was_cancelled(self) -> bool:
        """True when the job ended because of ``cancel()`` (no result or error was emitted)."""
        return self._cancelled

    @Slot(float, str)
    def _deliver_progress(self, fraction: float, message: str) -> None:
        if not self._cancel.is_set():
            self.progress.emit(fraction, message)

    @Slot(str, object)
    def _deliver_outcome(self, kind: str, value: object) -> None:
        self._running = False
        self._cancelled = kind == CANCELLED
        if kind == RESULT:
            self.result.emit(value)
        elif kind == ERROR:
            self.error.emit(str(value))
        self.finished.emit()


def drive(factory: JobFactory, cancelled: threading.Event,
          report: Callable[[Progress], None]) -> tuple[str, object]:
    """Run a job to its end or until ``cancelled`` is set; returns (RESULT|ERROR|CANCELLED, value).

    User-facing failures (MelodyStudioError) keep their message; anything else is logged and
    becomes "internal error: ...".
    """
    job: Job[Any] | None = None
    try:
        if cancelled.is_set():
            return CANCELLED, None
        job = factory()
        last_report = -math.inf
        while True:
            if cancelled.is_set():
                job.close()
                return CANCELLED, None
            try:
                p = next(job)
            except StopIteration as stop:
                return RESULT, stop.value
            now = time.monotonic()
            if now - last_report >= PROGRESS_INTERVAL or p.fraction >= 1.0:
                last_report = now
                report(p)
    except MelodyStudioError as e:
        return ERROR, str(e)
    except Exception as e:
        log.exception("job failed")
        return ERROR, f"internal error: {e}"


class _Worker(QRunnable):
    def __init__(self, factory: JobFactory, handle: JobHandle) -> None:
        super().__init__()
        self._factory = factory
        self._handle = handle

    def run(self) -> None:
        handle = self._handle
        kind, value = drive(self._factory, handle._cancel,
                            lambda p: handle._posted_progress.emit(p.fraction, p.message))
        handle._posted_outcome.emit(kind, value)


class JobRunner(QObject):
    """Submits jobs to a thread pool (the global one by default) and keeps their handles alive.

    Call ``submit`` from the GUI thread. At shutdown call ``shutdown()``: it cancels every job and
    waits for the threads, so none is left running.
    """

    def __init__(self, parent: QObject | None = None, pool: QThreadPool | None = None) -> None:
        super().__init__(parent)
        self._pool = pool or QThreadPool.globalInstance()
        self._active: list[JobHandle] = []  # strong references until each job has finished

    def submit(self, factory: JobFactory, name: str = "") -> JobHandle:
        handle = JobHandle(name)
        self._active.append(handle)
        handle.finished.connect(self._forget_finished)
        self._pool.start(_Worker(factory, handle))
        return handle

    def active_jobs(self) -> list[JobHandle]:
        """Jobs whose ``finished`` has not been emitted yet."""
        return list(self._active)

    def cancel_all(self) -> None:
        for handle in self._active:
            handle.cancel()

    def wait_all(self, timeout: float = 5.0) -> bool:
        """Block until no worker thread of the pool runs (True) or ``timeout`` seconds pass (False).

        Signals already posted are delivered by the event loop afterwards.
        """
        return bool(self._pool.waitForDone(max(0, round(timeout * 1000))))

    def shutdown(self, timeout: float = 5.0) -> bool:
        """Cancel every job and wait for the threads; True when none is left running."""
        self.cancel_all()
        return self.wait_all(timeout)

    @Slot()
    def _forget_finished(self) -> None:
        self._active = [h for h in self._active if h.is_running]
