"""Real-time recording in the window, without audio or MIDI hardware: keys enter through the port's
callback (as the MIDI backend calls it), stamped by a test clock, and the take is checked to the tick.

Twinkle plays at 100 bpm in 4/4: a quarter lasts 0.6 s, a bar 2.4 s, a tick 1.25 ms.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtTest import QTest

from melodystudio.core import PPQ, Note
from melodystudio.gui.main_window import MainWindow, Services
from melodystudio.gui.qt_player import QtPlayer
from melodystudio.gui.recording import RealtimeRecording
from melodystudio.gui.settings import load_settings
from melodystudio.midiin import NoteMessage
from melodystudio.playback import NullSynth, Player
from melodystudio.playback.sequence import METRONOME_CHANNEL
from tests.conftest import twinkle

Q = PPQ
START = 100.0  # the test clock's time when Record is pressed
BAR = 2.4  # seconds per 4/4 bar at 100 bpm


class Clock:
    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class FakePort:
    """An open MIDI input: the keyboard hands it the callback the backend thread would call."""

    def __init__(self, name: str, callback: Callable[[NoteMessage], None]) -> None:
        self.name, self.callback, self.closed = name, callback, False

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def rec(window: MainWindow) -> RealtimeRecording:
    window.document.replace_song(twinkle())
    recording = window.transport.recording
    recording.clock = Clock()
    return recording


@pytest.fixture
def port(window: MainWindow) -> FakePort:
    window.midi.port_factory = FakePort
    assert window.midi.open("Test Keys")
    assert isinstance(window.midi.port, FakePort)
    return window.midi.port


def play(port: FakePort, start_time: float, *keys: tuple[int, int, float]) -> None:
    """Send (pitch, velocity, seconds after the start tick) through the port; let the GUI thread
    take the queued messages."""
    for pitch, velocity, at in keys:
        port.callback(NoteMessage(pitch, velocity, start_time + at))
    QCoreApplication.processEvents()


def stop_at(rec: RealtimeRecording, seconds: float) -> None:
    assert isinstance(rec.clock, Clock)
    rec.clock.now = seconds
    rec.record_action.trigger()  # Record again


def test_a_take_lands_quantised_on_the_grid_over_what_was_there(window: MainWindow, rec: RealtimeRecording,
                                                                 port: FakePort) -> None:
    rec.record_action.trigger()
    assert rec.is_recording and rec.record_action.isChecked()
    assert "without audio" in window.status.currentMessage()
    t0 = START + BAR  # after the default count-in of one bar
    play(port, t0, (72, 100, 0.02), (72, 0, 0.55),  # a hair late, released a little early
         (74, 90, 0.61), (74, 0, 0.88))
    stop_at(rec, t0 + 2.0)
    assert not rec.is_recording and not rec.record_action.isChecked()
    recorded = [Note(0, Q, 72, 100), Note(Q, Q // 2, 74, 90)]
    assert window.document.song.notes == tuple(recorded) + twinkle().notes[2:]
    assert window.status.currentMessage() == "Recorded 2 notes"


def test_a_take_is_one_undo_step(window: MainWindow, rec: RealtimeRecording, port: FakePort) -> None:
    rec.start()
    t0 = START + BAR
    play(port, t0, (72, 100, 0.0), (72, 0, 0.6), (76, 100, 0.6), (76, 0, 1.2), (79, 100, 1.2))
    stop_at(rec, t0 + 1.8)  # the held key ends where recording stops
    stack = window.document.undo_stack
    assert stack.count() == 1 and stack.undoText() == "Record 3 notes"
    taken = window.document.song.notes
    stack.undo()
    assert window.document.song == twinkle()
    stack.redo()
    assert window.document.song.notes == taken


def test_count_in_keys_are_dropped_and_the_take_starts_at_the_selected_bar(
        window: MainWindow, rec: RealtimeRecording, port: FakePort) -> None:
    window.document.select_bars((1, 1))
    window.roll.set_playhead(0)
    rec.set_count_in(2)
    rec.start()
    assert rec.take is not None and rec.take.start_tick == 4 * Q
    t0 = START + 2 * BAR
    play(port, t0, (64, 100, -2.0), (64, 0, -1.8),  # in the count-in
         (65, 70, -0.05), (65, 0, 0.3))  # just before the downbeat: it belongs to the take
    stop_at(rec, t0 + 1.0)
    expected = twinkle()
    notes = [n for n in expected.notes if n.onset != 4 * Q] + [Note(4 * Q, Q // 2, 65, 70)]
    assert window.document.song.notes == tuple(sorted(notes))


@pytest.mark.parametrize(("snap", "expected"), [("1/8", Note(0, Q // 2, 60)), ("Off", Note(Q // 4, Q // 2, 60))])
def test_the_grid_is_the_snap_or_a_sixteenth_when_snap_is_off(window: MainWindow, rec: RealtimeRecording,
                                                              port: FakePort, snap: str, expected: Note) -> None:
    window.set_snap(snap)
    rec.set_count_in(0)
    rec.start()
    play(port, START, (60, 90, 0.1), (60, 0, 0.4))  # ticks 80 to 320
    assert isinstance(rec.clock, Clock)
    rec.clock.now = START + 1.0
    assert rec.stop() == [expected]


@pytest.mark.parametrize("key", [Qt.Key.Key_R, Qt.Key.Key_Space, Qt.Key.Key_Escape])
def test_record_space_and_esc_stop_and_place_the_take(window: MainWindow, rec: RealtimeRecording,
                                                      port: FakePort, key: Qt.Key) -> None:
    QTest.keyClick(window, Qt.Key.Key_R)
    assert rec.is_recording
    t0 = START + BAR
    play(port, t0, (72, 100, 0.0))  # held until recording stops
    assert isinstance(rec.clock, Clock)
    rec.clock.now = t0 + 1.2
    QTest.keyClick(window, key)
    assert not rec.is_recording
    assert window.document.song.notes == (Note(0, 2 * Q, 72, 100), *twinkle().notes[2:])
    assert window.document.undo_stack.count() == 1


def test_keys_from_the_midi_thread_reach_the_take(qtbot: object, window: MainWindow, rec: RealtimeRecording,
                                                  port: FakePort) -> None:
    rec.set_count_in(0)
    rec.start()
    keys = threading.Thread(target=play, args=(port, START, (67, 100, 0.0), (67, 0, 0.6)), name="fake-midi")
    keys.start()
    keys.join()
    QCoreApplication.processEvents()  # the queued messages cross to the GUI thread
    assert isinstance(rec.clock, Clock)
    rec.clock.now = START + 2.0
    assert rec.stop() == [Note(0, Q, 67, 100)]


def test_record_is_disabled_without_a_midi_input(window: MainWindow, rec: RealtimeRecording) -> None:
    action = rec.record_action
    assert not action.isEnabled()
    assert "No MIDI input is available" in action.toolTip()
    QTest.keyClick(window, Qt.Key.Key_R)
    assert not rec.is_recording and not rec.start()
    assert "no MIDI input is available" in window.status.currentMessage()
    window.midi.port_factory = FakePort
    window.midi.open("Test Keys")
    assert action.isEnabled()
    window.midi.close()
    assert not action.isEnabled() and "MIDI input closed" in action.toolTip()


def test_losing_the_midi_input_keeps_what_was_played(window: MainWindow, rec: RealtimeRecording,
                                                     port: FakePort) -> None:
    rec.start()
    play(port, START + BAR, (72, 100, 0.0), (72, 0, 0.6))
    window.midi.close()
    assert not rec.is_recording
    assert window.document.song.notes[0] == Note(0, Q, 72, 100)
    assert "MIDI input closed" in window.status.currentMessage()


def test_the_count_in_is_a_remembered_setting(window: MainWindow, rec: RealtimeRecording) -> None:
    two_bars = next(a for a in rec.count_in_group.actions() if a.data() == 2)
    two_bars.trigger()
    assert rec.count_in_bars == 2 and window.settings.count_in_bars == 2
    assert load_settings(window.services.store).count_in_bars == 2



@pytest.fixture
def synth() -> NullSynth:
    return NullSynth()


@pytest.fixture
def with_audio(qtbot: object, services: Services, synth: NullSynth) -> Iterator[MainWindow]:
    """A window whose player sounds into ``synth``, with Twinkle and a keyboard open."""
    services.player = lambda settings: QtPlayer(Player(backend_factory=lambda: synth), open_device=False)
    window = MainWindow(services)
    qtbot.addWidget(window)  # type: ignore[attr-defined]
    window.show()
    window.transport.start_audio(window.runner)
    qtbot.waitUntil(lambda: window.transport.available, timeout=10_000)  # type: ignore[attr-defined]
    window.document.replace_song(twinkle())
    window.midi.port_factory = FakePort
    window.midi.open("Test Keys")
    yield window
    window.document.undo_stack.setClean()
    window.shutdown()


def test_with_audio_the_take_is_timed_by_the_player_and_counted_in(qtbot: object, with_audio: MainWindow,
                                                                   synth: NullSynth) -> None:
    rec, player = with_audio.transport.recording, with_audio.player
    assert player is not None and rec.start() and player.is_playing
    assert rec.take is not None and rec.take.start_time == player.player.start_tick_time
    assert rec.take.start_time - player.player.started_at == pytest.approx(BAR)  # one bar of count-in
    assert "without audio" not in with_audio.status.currentMessage()
    qtbot.waitUntil(lambda: any(c.args[0] == METRONOME_CHANNEL for c in synth.notes()),  # type: ignore
                    timeout=5_000)
    QTest.keyClick(with_audio, Qt.Key.Key_Space)
    assert not rec.is_recording and not player.is_playing
