"""The job runner: results on the GUI thread, progress, clear errors, fast cancel, many jobs."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QThread
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from melodystudio.core.errors import MelodyStudioError
from melodystudio.core.progress import Job, Progress
from melodystudio.jobs import JobHandle, JobRunner, drive

TIMEOUT_MS = 5000


@pytest.fixture
def runner(qapp: QApplication) -> Iterator[JobRunner]:
    r = JobRunner()
    yield r
    assert r.shutdown(5.0)


def counting(n: int, pause: float = 0.0) -> Job[int]:
    for i in range(n):
        if pause:
            time.sleep(pause)
        yield Progress((i + 1) / n, f"step {i + 1}")
    return n * 10


def forever(pause: float, log: list[str]) -> Job[None]:
    try:
        while True:
            time.sleep(pause)
            yield Progress(0.5, "working")
    finally:
        log.append("closed")


def test_the_result_arrives_on_the_gui_thread(qtbot: QtBot, runner: JobRunner) -> None:
    seen: list[tuple[object, bool]] = []
    handle = runner.submit(lambda: counting(3), "count")
    gui_thread = QApplication.instance().thread()
    handle.result.connect(lambda value: seen.append((value, QThread.currentThread() is gui_thread)))
    with qtbot.waitSignal(handle.finished, timeout=TIMEOUT_MS):
        pass
    assert seen == [(30, True)]
    assert not handle.is_running and not handle.was_cancelled
    assert runner.active_jobs() == []


def test_progress_is_reported_in_order(qtbot: QtBot, runner: JobRunner) -> None:
    reports: list[tuple[float, str]] = []
    handle = runner.submit(lambda: counting(4, pause=0.04))
    handle.progress.connect(lambda f, m: reports.append((round(f, 2), m)))
    with qtbot.waitSignal(handle.finished, timeout=TIMEOUT_MS):
        pass
    assert reports == [(0.25, "step 1"), (0.5, "step 2"), (0.75, "step 3"), (1.0, "step 4")]


def test_rapid_progress_is_thinned_but_the_last_report_stays(qtbot: QtBot, runner: JobRunner) -> None:
    reports: list[float] = []
    handle = runner.submit(lambda: counting(10_000))
    handle.progress.connect(lambda f, _m: reports.append(f))
    with qtbot.waitSignal(handle.finished, timeout=TIMEOUT_MS):
        pass
    assert 1 <= len(reports) < 100
    assert reports[-1] == 1.0


def failing(error: Exception) -> Job[None]:
    yield Progress(0.1, "starting")
    raise error


def test_a_user_error_keeps_its_message(qtbot: QtBot, runner: JobRunner) -> None:
    handle = runner.submit(lambda: failing(MelodyStudioError("bars 3-4 are outside the song")))
    seen: list[object] = []
    handle.result.connect(lambda value: seen.append(("result", value)))
    handle.error.connect(lambda message: seen.append(("error", message)))
    handle.finished.connect(lambda: seen.append("finished"))
    with qtbot.waitSignal(handle.finished, timeout=TIMEOUT_MS):
        pass
    assert seen == [("error", "bars 3-4 are outside the song"), "finished"]


def test_an_unexpected_exception_is_an_internal_error_and_logged(qtbot: QtBot, runner: JobRunner,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    handle = runner.submit(lambda: failing(ZeroDivisionError("division by zero")))
    with caplog.at_level(logging.ERROR, logger="melodystudio.jobs.worker"), \
            qtbot.waitSignal(handle.error, timeout=TIMEOUT_MS) as blocker:
        pass
    assert blocker.args == ["internal error: division by zero"]
    assert "ZeroDivisionError" in caplog.text


def test_a_factory_that_fails_before_the_first_yield_reports_too(qtbot: QtBot, runner: JobRunner) -> None:
    def factory() -> Job[None]:
        raise MelodyStudioError("no model loaded")

    handle = runner.submit(factory)
    with qtbot.waitSignal(handle.error, timeout=TIMEOUT_MS) as blocker:
        pass
    assert blocker.args == ["no model loaded"]


def test_cancel_takes_effect_within_100_ms(qtbot: QtBot, runner: JobRunner) -> None:
    log: list[str] = []
    handle = runner.submit(lambda: forever(0.005, log))
    results: list[object] = []
    handle.result.connect(results.append)
    with qtbot.waitSignal(handle.progress, timeout=TIMEOUT_MS):
        pass
    qtbot.wait(30)
    start = time.perf_counter()
    handle.cancel()
    with qtbot.waitSignal(handle.finished, timeout=TIMEOUT_MS):
        pass
    latency = time.perf_counter() - start
    assert latency < 0.1
    assert handle.was_cancelled and results == []
    assert log == ["closed"]  # the generator saw GeneratorExit and cleaned up


def test_many_jobs_all_deliver(qtbot: QtBot, runner: JobRunner) -> None:
    results: list[object] = []
    handles: list[JobHandle] = []
    for i in range(40):
        h = runner.submit(lambda i=i: counting(i % 5 + 1, pause=0.001))
        h.result.connect(results.append)
        handles.append(h)
    qtbot.waitUntil(lambda: not runner.active_jobs(), timeout=TIMEOUT_MS)
    assert sorted(results) == sorted((i % 5 + 1) * 10 for i in range(40))
    assert all(not h.is_running for h in handles)


def test_shutdown_cancels_everything_and_leaves_no_thread(qtbot: QtBot, runner: JobRunner) -> None:
    started: list[int] = []
    logs: list[list[str]] = [[] for _ in range(6)]  # more jobs than pool threads: some never start

    def job(i: int) -> Job[None]:
        started.append(i)
        return forever(0.005, logs[i])

    handles = [runner.submit(lambda i=i: job(i)) for i in range(len(logs))]
    qtbot.waitUntil(lambda: bool(started), timeout=TIMEOUT_MS)
    start = time.perf_counter()
    assert runner.shutdown(timeout=2.0)
    assert time.perf_counter() - start < 0.1
    assert [logs[i] for i in started] == [["closed"]] * len(started)  # every started job cleaned up
    qtbot.waitUntil(lambda: all(not h.is_running for h in handles), timeout=TIMEOUT_MS)
    assert all(h.was_cancelled for h in handles)


# -- the driving loop on its own, no Qt ----------------------------------------------------------
def test_drive_returns_the_result_and_reports_progress() -> None:
    reports: list[Progress] = []
    assert drive(lambda: counting(2), threading.Event(), reports.append) == ("result", 20)
    assert reports == [Progress(0.5, "step 1"), Progress(1.0, "step 2")]


def test_drive_does_not_start_a_job_cancelled_before_it_ran() -> None:
    cancelled = threading.Event()
    cancelled.set()
    started: list[bool] = []
    assert drive(lambda: (started.append(True), counting(1))[1], cancelled, print) == ("cancelled", None)
    assert started == []


def test_emitting_keeps_reference_counts_intact(qapp: QApplication) -> None:
    """PySide6 6.12.0 leaks a reference to True per emit (fatal before Python 3.12): the installed
    PySide6 must not (pyproject.toml excludes that release)."""
    import sys

    from PySide6.QtCore import QObject, Signal

    class Source(QObject):
        changed = Signal(int)

    source = Source()
    before = sys.getrefcount(True)
    for i in range(1000):
        source.changed.emit(i)
    change = sys.getrefcount(True) - before
    assert abs(change) < 100  # the leak would be -1000; other code may hold a few references meanwhile
