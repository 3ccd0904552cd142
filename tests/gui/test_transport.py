"""Transport through a player whose synthesiser only records: play/stop, loop, metronome,
auditioning, and the variation preview song."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from melodystudio.core import PPQ, Note
from melodystudio.gui.main_window import MainWindow, Services
from melodystudio.gui.transport import preview_song
from melodystudio.playback import NullSynth
from tests.conftest import twinkle
from tests.gui.fixtures import sounding

Q = PPQ


@pytest.fixture
def played(qtbot: object, services: Services, synth: NullSynth) -> Iterator[MainWindow]:
    window = MainWindow(sounding(services, synth))
    qtbot.addWidget(window)  # type: ignore[attr-defined]
    window.show()
    window.start()
    qtbot.waitUntil(lambda: window.transport.available, timeout=10_000)  # type: ignore[attr-defined]
    window.document.replace_song(twinkle())
    yield window
    window.document.undo_stack.setClean()
    window.shutdown()


def test_space_plays_and_stops(qtbot: object, played: MainWindow) -> None:
    QTest.keyClick(played, Qt.Key.Key_Space)
    assert played.player is not None and played.player.is_playing
    qtbot.waitUntil(lambda: played.roll.playhead > 0, timeout=5_000)  # type: ignore[attr-defined]
    QTest.keyClick(played, Qt.Key.Key_Space)
    assert not played.player.is_playing
    assert played.status.audio_label.text() == "audio: null"


def test_loop_plays_the_selected_bars(played: MainWindow) -> None:
    played.document.select_bars((1, 1))
    QTest.keyClick(played, Qt.Key.Key_L)
    assert played.transport.loop_range() == (4 * Q, 8 * Q)
    played.roll.set_playhead(0)
    played.transport.play_stop()
    assert played.player is not None and played.player.is_playing
    played.transport.stop()


def test_metronome_key_toggles(played: MainWindow) -> None:
    QTest.keyClick(played, Qt.Key.Key_M)
    assert played.transport.metronome_action.isChecked()


def test_drawing_a_note_auditions_it(qtbot: object, played: MainWindow, synth: NullSynth) -> None:
    roll = played.roll
    QTest.mouseClick(roll.view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     roll.viewport_point(20 * Q + 10, 72))
    qtbot.waitUntil(lambda: any(c.args[1:2] == (72,) for c in synth.notes()), timeout=5_000)  # type: ignore


def test_without_audio_space_says_so(window: MainWindow) -> None:
    window.transport.play_stop()
    assert "audio" in window.status.currentMessage().lower()


def test_preview_song_holds_the_variation_and_stops_after_it() -> None:
    fill = (Note(4 * Q, 2 * Q, 72), Note(6 * Q, 2 * Q, 74))
    song, start = preview_song(twinkle(), 1, 1, fill)
    assert start == 0  # one bar of lead-in
    assert song.notes[-1] == fill[-1] and song.notes_between(4 * Q, 8 * Q) == list(fill)
    assert all(c.end <= 8 * Q for c in song.chords)
