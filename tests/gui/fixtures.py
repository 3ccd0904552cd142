"""Fixtures for the main-window and piano-roll tests (imported by conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from melodystudio.core import Song
from melodystudio.gui.document import Document
from melodystudio.gui.main_window import MainWindow, Services
from melodystudio.gui.piano_roll import PianoRoll
from melodystudio.gui.qt_player import QtPlayer
from melodystudio.playback import NullSynth, Player
from tests.conftest import twinkle
from tests.gui.helpers import FakeEngine, ScriptedPrompts, engine_job


@pytest.fixture
def prompts() -> ScriptedPrompts:
    return ScriptedPrompts()


@pytest.fixture
def engine() -> FakeEngine:
    return FakeEngine()


@pytest.fixture
def services(tmp_path: Path, prompts: ScriptedPrompts, engine: FakeEngine) -> Services:
    """A window's services with nothing outside tmp_path: no audio, no MIDI, a fake engine."""
    return Services(store=QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat),
                    recovery_dir=tmp_path / "recovery", player=lambda settings: None,
                    engine_loader=lambda settings: (lambda: engine_job(engine)),
                    prompts=lambda parent: prompts, start_devices=False)


@pytest.fixture
def synth() -> NullSynth:
    """A synthesiser that only records what it is asked to play."""
    return NullSynth()


def sounding(services: Services, synth: NullSynth) -> Services:
    """``services`` with a player that sounds through ``synth``, opened in the background at start."""
    services.player = lambda settings: QtPlayer(Player(backend_factory=lambda: synth), open_device=False)
    services.start_devices = True
    return services


@pytest.fixture
def window(qtbot: object, services: Services) -> Iterator[MainWindow]:
    yield from shown_window(qtbot, services)


def shown_window(qtbot: object, services: Services) -> Iterator[MainWindow]:
    """A started main window on ``services``, shut down (without asking to save) afterwards."""
    w = MainWindow(services)
    qtbot.addWidget(w)  # type: ignore[attr-defined]
    w.resize(1200, 800)
    w.show()
    w.start()
    yield w
    w.document.undo_stack.setClean()  # the test decides about saving; teardown must not ask
    w.shutdown()


def shown_roll(qtbot: object, song: Song, centre_pitch: int) -> PianoRoll:
    widget = PianoRoll(Document(song))
    qtbot.addWidget(widget)  # type: ignore[attr-defined]
    widget.resize(1000, 500)
    widget.show()
    qtbot.waitExposed(widget)  # type: ignore[attr-defined]
    widget.view.center_on_pitch(centre_pitch)
    return widget


@pytest.fixture
def roll(qtbot: object) -> PianoRoll:
    """A piano roll on Twinkle, shown at a known size and zoom."""
    return shown_roll(qtbot, twinkle(), 66)


@pytest.fixture
def empty_roll(qtbot: object) -> PianoRoll:
    return shown_roll(qtbot, Song(), 64)
