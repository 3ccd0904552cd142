"""GUI responsiveness: start-up to a shown window, repainting a 10,000-note roll after zoom and
scroll, and the longest stall of the GUI thread while a background job (generation, or a WAV render
when no model is installed) runs.

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_gui.py [--notes 10000] [--runs 3]

Repaint times are synchronous ``viewport().repaint()`` calls (all visible items painted once).
The stall is the longest gap between ticks of a 5 ms heartbeat timer on the GUI thread.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QElapsedTimer, QTimer
from PySide6.QtWidgets import QApplication

from melodystudio.core import PPQ, MelodyStudioError, Note, Song
from melodystudio.core.progress import Job
from melodystudio.gui.document import Document
from melodystudio.gui.piano_roll import PianoRoll
from melodystudio.jobs import JobRunner

REPO = Path(__file__).resolve().parents[1]


def startup_seconds(runs: int, command: list[str] | None = None) -> list[float]:
    """Process launch to the window shown and the event loop idle, in a fresh process each run.

    Uses the app's own probe (MELODYSTUDIO_STARTUP_PROBE); HOME points at a temporary folder so
    the user's settings and recovery files are left alone.
    """
    command = command or [sys.executable, "-m", "melodystudio.cli.main"]
    out = []
    for _ in range(runs):
        home = tempfile.mkdtemp(prefix="melodystudio-bench-")
        env = dict(os.environ, HOME=home, XDG_CONFIG_HOME=home, XDG_DATA_HOME=home, PYTHONPATH=str(REPO),
                   MELODYSTUDIO_STARTUP_PROBE=str(time.time()))
        done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=REPO, timeout=120)
        lines = [ln for ln in done.stdout.splitlines() if ln.startswith("startup_seconds=")]
        if not lines:
            raise RuntimeError(f"no start-up report from {command}: {done.stderr[-500:]}")
        out.append(float(lines[-1].split("=")[1]))
    return out


def long_melody(count: int) -> Song:
    """``count`` eighth notes walking up and down two octaves (no overlaps: a real monophonic line)."""
    notes = [Note(i * PPQ // 2, PPQ // 2, 55 + abs((i % 48) - 24)) for i in range(count)]
    return Song("bench", notes=notes)


def repaint_ms(roll: PianoRoll, runs: int) -> float:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        roll.view.viewport().repaint()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def bench_roll(count: int, runs: int) -> dict[str, float]:
    started = time.perf_counter()
    roll = PianoRoll(Document(long_melody(count)))
    roll.resize(1400, 700)
    roll.show()
    QApplication.processEvents()
    results = {"build_s": time.perf_counter() - started}
    view = roll.view
    results["repaint_default_ms"] = repaint_ms(roll, runs)
    started = time.perf_counter()
    view.zoom_by(1.25 ** 4)
    results["zoom_in_ms"] = (time.perf_counter() - started) * 1000 + repaint_ms(roll, 1)
    view.set_zoom(px_per_tick=view.viewport().width() / roll.song.end_tick)  # the whole song on screen
    results["repaint_whole_song_ms"] = repaint_ms(roll, runs)
    view.set_zoom(px_per_tick=64 / PPQ)
    bar = view.horizontalScrollBar()
    samples = []
    for k in range(runs * 4):
        bar.setValue(bar.maximum() * (k + 1) // (runs * 4 + 1))
        samples.append(repaint_ms(roll, 1))
    results["scroll_repaint_ms"] = statistics.median(samples)
    roll.close()
    return results


def cpu_job() -> tuple[str, Job[object]]:
    """The real generation job when a model loads, else a WAV render of a long song (CPU-bound)."""
    try:
        from melodystudio.engine import GenerationOptions, MelodyEngine

        engine = MelodyEngine.load()
        job = engine.inpaint(long_melody(256), 4, 7, GenerationOptions(variations=8, seed=1))
        return f"generation (inpaint 4 bars x 8 variations) on {engine.provider}", job
    except MelodyStudioError as e:  # no model installed here: fall back to real CPU work
        from melodystudio.audio import render_wav

        target = Path(tempfile.mkdtemp()) / "bench.wav"
        return f"WAV render (model unavailable: {str(e)[:60]})", render_wav(long_melody(2000), target)


def stall_ms() -> tuple[str, float, float]:
    """(what ran, longest heartbeat gap in ms, job seconds) while a job runs on the worker pool."""
    app = QApplication.instance()
    assert app is not None
    runner = JobRunner()
    label, job = cpu_job()
    gaps: list[float] = []
    clock = QElapsedTimer()
    clock.start()
    last = [clock.elapsed()]

    def beat() -> None:
        now = clock.elapsed()
        gaps.append(now - last[0])
        last[0] = now

    heartbeat = QTimer(interval=5)
    heartbeat.timeout.connect(beat)
    heartbeat.start()
    started = time.perf_counter()
    handle = runner.submit(lambda: job, name="bench")
    while handle.is_running:
        app.processEvents()
        time.sleep(0.001)
    heartbeat.stop()
    runner.shutdown()
    return label, max(gaps, default=0.0), time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--frozen", type=Path, help="also time a PyInstaller build (dist/MelodyStudio/melodystudio)")
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    builds = [("python -m melodystudio", None)]
    if args.frozen is not None:
        builds.append((str(args.frozen), [str(args.frozen.resolve())]))
    for label, command in builds:
        starts = startup_seconds(args.runs, command)
        shown = ", ".join(f"{s:.2f}" for s in starts)
        print(f"start-up to window shown ({label}): median {statistics.median(starts):.2f} s ({shown})")
    for name, value in bench_roll(args.notes, args.runs).items():
        print(f"{args.notes} notes: {name} = {value:.1f}")
    label, worst, seconds = stall_ms()
    print(f"GUI-thread stall during {label}: longest heartbeat gap {worst:.1f} ms (5 ms timer) over {seconds:.1f} s")
    del app


if __name__ == "__main__":
    main()
