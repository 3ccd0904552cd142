"""The chord accompaniment controls: they reach the player at once, persist, and come back at start."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMenu

from melodystudio.audio import AccompanimentStyle
from melodystudio.audio.schedule import CHORD_CHANNEL, CHORD_VOLUME
from melodystudio.gui.accompaniment import AccompanimentBar
from melodystudio.gui.main_window import MainWindow, Services
from melodystudio.gui.qt_player import QtPlayer
from melodystudio.gui.settings import AccompanimentSettings, load_settings
from melodystudio.playback import NullSynth, Player
from tests.conftest import twinkle
from tests.gui.fixtures import shown_window, sounding


@pytest.fixture
def played(qtbot: object, services: Services, synth: NullSynth) -> Iterator[MainWindow]:
    """A window whose player sounds through the recording NullSynth."""
    shown = shown_window(qtbot, sounding(services, synth))
    window = next(shown)
    qtbot.waitUntil(lambda: window.transport.available, timeout=10_000)  # type: ignore[attr-defined]
    window.document.replace_song(twinkle())
    yield window
    next(shown, None)  # shuts the window down


def bar_of(window: MainWindow) -> AccompanimentBar:
    bar = window.findChild(AccompanimentBar)
    assert bar is not None
    return bar


def chord_setup(synth: NullSynth) -> list[tuple[str, tuple[int, ...]]]:
    return [(c.name, c.args) for c in synth.calls
            if c.name in ("select_program", "set_volume") and c.args[0] == CHORD_CHANNEL]


def test_c_mutes_and_unmutes_the_chords_at_once_while_playing(played: MainWindow, synth: NullSynth) -> None:
    chords = played.transport.accompaniment
    played.transport.play_stop()
    assert played.player is not None and played.player.is_playing
    QTest.keyClick(played, Qt.Key.Key_C)
    assert not chords.chords_action.isChecked() and chords.settings.muted
    assert chord_setup(synth)[-1] == ("set_volume", (CHORD_CHANNEL, 0))
    QTest.keyClick(played, Qt.Key.Key_C)
    assert chord_setup(synth)[-1] == ("set_volume", (CHORD_CHANNEL, CHORD_VOLUME))
    played.transport.stop()


def test_the_toolbar_sets_texture_and_instrument_on_the_player(played: MainWindow, synth: NullSynth) -> None:
    bar = bar_of(played)
    bar.texture.setCurrentIndex(bar.texture.findData("broken"))
    bar.texture.activated.emit(bar.texture.currentIndex())
    bar.instrument.setCurrentIndex(24)
    bar.instrument.activated.emit(24)
    assert played.player is not None
    assert played.player.player.accompaniment == AccompanimentStyle("broken", program=24)
    assert chord_setup(synth)[-1] == ("select_program", (CHORD_CHANNEL, 24))  # heard at once
    broken = [a for a in played.transport.accompaniment.texture_group.actions() if a.data() == "broken"]
    assert broken[0].isChecked()  # the menu follows the toolbar


def test_a_muted_export_leaves_the_chords_out() -> None:
    state = AccompanimentSettings(muted=True, style="broken", program=24)
    assert state.export_style() == AccompanimentStyle("off", program=24)
    assert state.playback_style() == AccompanimentStyle("broken", program=24)  # ready to be unmuted
    assert AccompanimentSettings(style="broken").export_style() == AccompanimentStyle("broken")


def test_choices_are_saved_and_restored_at_the_next_start(qtbot: object, services: Services) -> None:
    for window in shown_window(qtbot, services):
        chords = window.transport.accompaniment
        chords.set_texture("broken")
        chords.set_program(24)
        window.transport.accompaniment.chords_action.trigger()  # mute from the menu
    assert load_settings(services.store).accompaniment == AccompanimentSettings(True, "broken", 24)
    for window in shown_window(qtbot, services):
        chords = window.transport.accompaniment
        assert chords.settings == AccompanimentSettings(True, "broken", 24)
        assert not chords.chords_action.isChecked()
        bar = bar_of(window)
        assert bar.texture.currentData() == "broken" and bar.instrument.currentIndex() == 24
        assert not bar.toggle.isChecked() and bar.toggle.text() == "Chords"


def test_restored_choices_reach_the_player_before_it_plays(qtbot: object, services: Services,
                                                          synth: NullSynth) -> None:
    services.store.setValue("accompaniment/style", "broken")
    services.store.setValue("accompaniment/program", "32")
    services.store.setValue("accompaniment/muted", "true")
    services.player = lambda settings: QtPlayer(Player(backend_factory=lambda: synth), open_device=False)
    for window in shown_window(qtbot, services):
        assert window.player is not None
        assert window.player.player.accompaniment == AccompanimentStyle("broken", program=32)
        assert window.player.player.chords_muted


def test_bad_stored_choices_fall_back_to_the_defaults(qtbot: object, services: Services) -> None:
    services.store.setValue("accompaniment/style", "stride")
    services.store.setValue("accompaniment/program", "300")
    assert load_settings(services.store).accompaniment == AccompanimentSettings()


def test_the_chords_shortcut_clashes_with_no_other(window: MainWindow) -> None:
    keys = [k.toString() for act in window.findChildren(QAction) for k in act.shortcuts()]
    assert keys.count(QKeySequence("C").toString()) == 1
    transport_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Transport")
    assert isinstance(transport_menu, QMenu)
    texts = [a.text() for a in transport_menu.actions()]
    assert {"Play chords", "Block chords", "Broken chords"} <= set(texts)
