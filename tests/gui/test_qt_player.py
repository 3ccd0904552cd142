"""QtPlayer: the player's reports arrive as signals on the GUI thread; no audio device is no crash."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QThread
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from melodystudio.core import PPQ, Note, Song, TempoChange
from melodystudio.gui.qt_player import QtPlayer
from melodystudio.playback import AudioSettings, NoAudioDevice, NullSynth, Player

TIMEOUT_MS = 3000


def fast_song(n: int = 4) -> Song:
    """n quarter notes at 600 bpm: 0.1 s each."""
    return Song(tempos=[TempoChange.from_bpm(0, 600)], notes=[Note(i * PPQ, PPQ, 60 + i) for i in range(n)])


@pytest.fixture
def qt_player(qapp: QApplication, synth: NullSynth) -> Iterator[QtPlayer]:
    p = QtPlayer(Player(backend_factory=lambda: synth))
    yield p
    p.close()


def test_an_open_device_is_available(qt_player: QtPlayer) -> None:
    assert qt_player.available and qt_player.unavailable_reason == ""
    assert qt_player.device_name == "null"


def test_state_and_position_arrive_on_the_gui_thread(qtbot: QtBot, qt_player: QtPlayer) -> None:
    gui = QApplication.instance().thread()
    states: list[tuple[bool, bool]] = []
    ticks: list[int] = []
    qt_player.state_changed.connect(lambda playing: states.append((playing, QThread.currentThread() is gui)))
    qt_player.position_changed.connect(lambda tick: ticks.append(tick) if QThread.currentThread() is gui else None)
    with qtbot.waitSignal(qt_player.state_changed, timeout=TIMEOUT_MS, check_params_cb=lambda playing: not playing):
        assert qt_player.play(fast_song())
    qtbot.wait(20)
    assert states == [(True, True), (False, True)]
    assert 5 <= len(ticks) <= 20  # ~30 Hz over 0.4 s
    assert ticks == sorted(ticks) and ticks[-1] == 4 * PPQ


def test_position_reports_are_coalesced_when_the_gui_is_busy(qtbot: QtBot, qt_player: QtPlayer) -> None:
    ticks: list[int] = []
    qt_player.position_changed.connect(ticks.append)

    def flood() -> None:
        for tick in range(1000):
            qt_player._on_player_position(tick)  # what the sequencer thread does

    thread = threading.Thread(target=flood)
    thread.start()
    thread.join()
    qtbot.waitUntil(lambda: bool(ticks), timeout=TIMEOUT_MS)
    qtbot.wait(20)
    assert ticks == [999]  # one delivery carrying the latest tick


def test_toggle_plays_then_stops(qtbot: QtBot, qt_player: QtPlayer, synth: NullSynth) -> None:
    long_song = fast_song(50)
    assert qt_player.toggle(long_song)
    assert qt_player.is_playing
    with qtbot.waitSignal(qt_player.state_changed, timeout=TIMEOUT_MS):
        assert not qt_player.toggle(long_song)
    assert not qt_player.is_playing
    assert synth.notes()[-1].name == "note_off"


def test_notes_are_forwarded(qt_player: QtPlayer, synth: NullSynth) -> None:
    qt_player.set_live_program(73)
    qt_player.note_on(64, 80)
    qt_player.note_off(64)
    qt_player.audition(67, 90, ms=1)
    assert [(c.name, c.args[1]) for c in synth.notes()][:3] == [("note_on", 64), ("note_off", 64), ("note_on", 67)]


def test_bad_values_become_an_error_signal(qtbot: QtBot, qt_player: QtPlayer) -> None:
    with qtbot.waitSignal(qt_player.error, timeout=TIMEOUT_MS) as blocker:
        qt_player.audition(200)
    assert blocker.args == ["pitch 200 is outside 0-127"]


def no_device() -> NullSynth:
    raise NoAudioDevice("no audio output: FluidSynth could not start the pulseaudio audio driver")


def test_without_a_device_the_app_keeps_working(qtbot: QtBot, qapp: QApplication) -> None:
    qt_player = QtPlayer(Player(backend_factory=no_device))
    assert not qt_player.available
    assert qt_player.unavailable_reason.startswith("no audio output")
    assert qt_player.device_name == ""
    qt_player.audition(60)  # silently nothing
    qt_player.note_on(60)
    qt_player.note_off(60)
    with qtbot.waitSignal(qt_player.error, timeout=TIMEOUT_MS) as blocker:
        assert not qt_player.play(fast_song())
    assert blocker.args[0].startswith("cannot play: no audio output")
    assert not qt_player.is_playing
    qt_player.close()


def test_reopening_with_new_settings(qapp: QApplication, synth: NullSynth) -> None:
    attempts: list[str] = []

    def factory() -> NullSynth:
        attempts.append(player.settings.driver)
        if player.settings.driver != "jack":
            raise NoAudioDevice("no audio output")
        return synth

    player = Player(backend_factory=factory)
    qt_player = QtPlayer(player)
    assert not qt_player.available
    assert qt_player.open(AudioSettings(driver="jack"))
    assert qt_player.available and attempts == ["", "jack"]
    qt_player.close()


@pytest.mark.skipif(Path("/dev/snd").exists(), reason="this machine has a sound card")
def test_the_real_player_reports_no_sound_card(qapp: QApplication) -> None:
    pytest.importorskip("fluidsynth", reason="libfluidsynth3 is not installed")
    qt_player = QtPlayer()  # FluidSynth with the platform's drivers
    try:
        assert not qt_player.available
        assert "no audio output" in qt_player.unavailable_reason or "sound font" in qt_player.unavailable_reason
    finally:
        qt_player.close()
