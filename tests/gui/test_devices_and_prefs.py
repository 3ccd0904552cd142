"""MIDI keyboard step recording, the preferences dialog, and the PySide6 reference-count guard."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject

from melodystudio.core import PPQ, Note
from melodystudio.gui.main_window import MainWindow
from melodystudio.gui.preferences import AUTO_LABEL, PreferencesDialog
from melodystudio.gui.settings import AppSettings

Q = PPQ


def test_step_recording_adds_a_note_per_key_at_the_playhead(window: MainWindow) -> None:
    midi, roll = window.midi, window.roll
    window.set_snap("1/8")
    roll.set_playhead(4 * Q)
    midi.set_step_recording(True)
    midi._on_key(64, 100)  # what the queued signal delivers on the GUI thread
    midi._on_key(64, 0)  # a release adds nothing
    midi._on_key(67, 80)
    assert window.document.song.notes == (Note(4 * Q, Q // 2, 64, 100), Note(4 * Q + Q // 2, Q // 2, 67, 80))
    assert roll.playhead == 5 * Q
    assert window.document.undo_stack.count() == 2


def test_keys_are_only_heard_when_step_recording_is_off(window: MainWindow) -> None:
    window.midi._on_key(60, 90)
    assert window.document.song.notes == ()


def test_an_unknown_midi_port_is_reported_not_raised(window: MainWindow) -> None:
    assert not window.midi.open("No Such Keyboard")
    assert window.status.midi_label.text() == "MIDI in: none"
    assert window.status.midi_label.toolTip()


def test_preferences_dialog_edits_a_copy(qtbot: object) -> None:
    settings = AppSettings(provider="cpu", autosave_seconds=90)
    dialog = PreferencesDialog(settings)
    qtbot.addWidget(dialog)  # type: ignore[attr-defined]
    assert dialog.driver.currentText() == AUTO_LABEL and dialog.autosave.value() == 90
    dialog.provider.setCurrentText("cuda")
    dialog.autosave.setValue(0)
    dialog.soundfont.setText(" /fonts/gm.sf2 ")
    result = dialog.result_settings()
    assert (result.provider, result.autosave_seconds, result.soundfont, result.audio_driver) == \
        ("cuda", 0, "/fonts/gm.sf2", "")
    assert settings.provider == "cpu"  # the original is untouched


def test_applying_settings_switches_autosave_off_and_reloads_the_engine_later(window: MainWindow) -> None:
    window.generation.engine = object()
    window.apply_settings(AppSettings(autosave_seconds=0, provider="cpu"))
    assert not window.autosaver.active and window.status.autosave_label.text() == "autosave: off"
    assert window.generation.engine is None


def test_void_qt_calls_keep_the_reference_count_of_none() -> None:
    """PySide6 6.12.0 drops a reference to None on every void call (fatal before Python 3.12)."""

    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(1000):
        probe.setObjectName("probe")
    assert abs(sys.getrefcount(None) - before) < 100  # the leak would be -1000
