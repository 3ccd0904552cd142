"""MIDI keyboard input for the window: keys are heard at once and, with step recording on, each key
becomes a note at the playhead (one grid step long), one undo step per note. While a real-time take
is running (gui.recording), keys go to it instead, keeping the time they arrived.

The port's callback runs on the MIDI backend's thread; a queued signal brings each message to the
GUI thread before anything touches the song or a widget.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import QObject, Qt, Signal

from melodystudio.core import edits
from melodystudio.gui.document import Document
from melodystudio.gui.piano_roll import PianoRoll
from melodystudio.gui.qt_player import QtPlayer
from melodystudio.gui.snap import step_ticks
from melodystudio.midiin import (
    MidiInput,
    MidiInputError,
    NoteMessage,
    RealtimeRecorder,
    StepRecorder,
    list_input_ports,
)

NOT_OPENED = "no MIDI input opened"


class InputPort(Protocol):
    """What the keyboard needs of an open port (a ``midiin.MidiInput``; tests pass a fake)."""

    def close(self) -> None: ...


PortFactory = Callable[[str, Callable[[NoteMessage], None]], InputPort]  # (name, callback) -> port


class MidiKeyboard(QObject):
    status = Signal(str, str)  # short text, tooltip
    port_changed = Signal(bool, str)  # a port is open; why not when none is
    _received = Signal(object)  # NoteMessage; emitted on the MIDI thread

    def __init__(self, document: Document, roll: PianoRoll, player: QtPlayer | None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document, self.roll, self.player = document, roll, player
        self.port: InputPort | None = None
        self.unavailable_reason = NOT_OPENED
        self.port_factory: PortFactory = MidiInput
        self.step_recording = False
        self.take: RealtimeRecorder | None = None  # set by gui.recording while a take runs
        # Queued even from the GUI thread, so every key takes the path a real keyboard's key takes.
        self._received.connect(self._on_message, Qt.ConnectionType.QueuedConnection)

    @property
    def is_open(self) -> bool:
        return self.port is not None

    def open(self, name: str) -> bool:
        """Open port ``name`` ("" closes it); the status bar says what happened."""
        self._close_port()
        if not name:
            names, reason = list_input_ports()
            self.status.emit("none", ", ".join(names) if names else reason)
            self._set_unavailable(reason or "no MIDI input chosen in Preferences")
            return False
        try:
            self.port = self.port_factory(name, self.receive)
        except MidiInputError as e:
            self.status.emit("none", str(e))
            self._set_unavailable(str(e))
            return False
        self.unavailable_reason = ""
        self.status.emit(name, "")
        self.port_changed.emit(True, "")
        return True

    def close(self) -> None:
        if self._close_port():
            self._set_unavailable("MIDI input closed")

    def _close_port(self) -> bool:
        if self.port is None:
            return False
        self.port.close()
        self.port = None
        return True

    def _set_unavailable(self, reason: str) -> None:
        self.unavailable_reason = reason
        self.port_changed.emit(False, reason)

    def set_step_recording(self, on: bool) -> None:
        self.step_recording = on

    def receive(self, message: NoteMessage) -> None:
        """The port's callback (any thread): hand the message to the GUI thread."""
        self._received.emit(message)

    def _on_message(self, message: NoteMessage) -> None:
        if self.take is not None:
            self.take.feed(message)
        self._on_key(message.pitch, message.velocity)

    def _on_key(self, pitch: int, velocity: int) -> None:
        if self.player is not None:
            if velocity:
                self.player.note_on(pitch, velocity)
            else:
                self.player.note_off(pitch)
        if velocity and self.step_recording and self.take is None:
            self.record_step(pitch, velocity)

    def record_step(self, pitch: int, velocity: int) -> bool:
        recorder = StepRecorder(self.roll.playhead, step_ticks(self.roll.view.snap))
        note = recorder.note_on(pitch, velocity)
        if self.document.perform_planned(edits.insert_notes, [note]):
            self.roll.set_playhead(recorder.cursor, follow=True)
            return True
        return False
