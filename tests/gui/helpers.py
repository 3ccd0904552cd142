"""Test doubles for the window: answers to its questions, and a tiny deterministic engine."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from melodystudio.core import Note, Song
from melodystudio.core.errors import MelodyStudioError
from melodystudio.core.progress import Job, Progress
from melodystudio.engine.api import GenerationOptions, Variation
from melodystudio.gui.piano_roll import PianoRoll
from melodystudio.gui.prompts import DISCARD


@dataclass
class ScriptedPrompts:
    """Answers the window's questions from fields and records what was asked."""

    parent: object = None
    unsaved_answer: str = DISCARD
    restore_answer: bool = True
    open_answer: Path | None = None
    save_answer: Path | None = None
    asked: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def unsaved_changes(self, name: str) -> str:
        self.asked.append(f"unsaved {name}")
        return self.unsaved_answer

    def restore_recovery(self, description: str, count: int) -> bool:
        self.asked.append(f"restore {description}")
        return self.restore_answer

    def open_path(self, start_dir: str = "") -> Path | None:
        self.asked.append("open")
        return self.open_answer

    def save_path(self, title: str, suggested: str, file_filter: str) -> Path | None:
        self.asked.append(f"save {title}")
        return self.save_answer

    def error(self, title: str, message: str) -> None:
        self.errors.append(f"{title}: {message}")


class FakeEngine:
    """Fills the requested bars with one note per beat, a different pitch per variation."""

    provider = "CPU"

    def __init__(self) -> None:
        self.requests: list[tuple[str, int, int]] = []
        self.gate = threading.Event()  # cleared: each variation waits (on the worker) until it is set
        self.gate.set()

    def inpaint(self, song: Song, first_bar: int, last_bar: int, options: GenerationOptions) -> Job[list[Variation]]:
        self.requests.append(("inpaint", first_bar, last_bar))
        return self._fill(song, first_bar, last_bar, options)

    def continuation(self, song: Song, n_bars: int, options: GenerationOptions) -> Job[list[Variation]]:
        first = song.bar_count
        self.requests.append(("continue", first, first + n_bars - 1))
        return self._fill(song, first, first + n_bars - 1, options)

    def _fill(self, song: Song, first: int, last: int, options: GenerationOptions) -> Job[list[Variation]]:
        out = []
        for k in range(options.variations):
            self.gate.wait(5.0)
            notes = []
            for bar in range(first, last + 1):
                for beat in song.timeline.beat_ticks_in_bar(bar):
                    notes.append(Note(beat, song.timeline.signature_at_bar(bar).beat_ticks, 60 + k))
            yield Progress((k + 1) / options.variations, "Generating")
            out.append(Variation(tuple(notes), first, last, seed=k, mean_nll=1.0 + k))
        return out


def engine_job(engine: FakeEngine) -> Job[FakeEngine]:
    yield Progress(0.5, "Loading the model")
    return engine


def missing_model_job() -> Job[FakeEngine]:
    yield Progress(0.0, "Loading the model")
    raise MelodyStudioError("no model found in models/melody: reinstall MelodyStudio's models")


def drag(roll: PianoRoll, start: QPoint, end: QPoint, modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier,
         button: Qt.MouseButton = Qt.MouseButton.LeftButton) -> None:
    """Press at ``start``, move to ``end`` in two steps, release: a real drag on the roll's viewport."""
    viewport = roll.view.viewport()
    QTest.mousePress(viewport, button, modifiers, start)
    middle = QPoint((start.x() + end.x()) // 2, (start.y() + end.y()) // 2)
    QTest.mouseMove(viewport, middle)
    QTest.mouseMove(viewport, end)
    QTest.mouseRelease(viewport, button, modifiers, end)


def click(roll: PianoRoll, at: QPoint, modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier,
          button: Qt.MouseButton = Qt.MouseButton.LeftButton) -> None:
    QTest.mouseClick(roll.view.viewport(), button, modifiers, at)
