"""MIDI keyboard input for the window: keys are heard at once and, with step recording on, each key
becomes a note at the playhead (one grid step long), one undo step per note.

The port's callback runs on the MIDI backend's thread; a queued signal brings each message to the
GUI thread before anything touches the song or a widget.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from melodystudio.core import edits
from melodystudio.gui.document import Document
from melodystudio.gui.piano_roll import PianoRoll
from melodystudio.gui.qt_player import QtPlayer
from melodystudio.gui.snap import step_ticks
from melodystudio.midiin import MidiInput, MidiInputError, NoteMessage, StepRecorder, list_input_ports


class MidiKeyboard(QObject):
    status = Signal(str, str)  # short text, tooltip
    _received = Signal(int, int)  # pitch, velocity (0: released); emitted on the MIDI thread

    def __init__(self, document: Document, roll: PianoRoll, player: QtPlayer | None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document, self.roll, self.player = document, roll, player
        self.port: MidiInput | None = None
        self.step_recording = False
        self._received.connect(self._on_key)

    def open(self, name: str) -> bool:
        """Open port ``name`` ("" closes it); the status bar says what happened."""
        self.close()
        if not name:
            names, reason = list_input_ports()
            self.status.emit("none", ", ".join(names) if names else reason)
            return False
        try:
            self.port = MidiInput(name, self._from_backend)
        except MidiInputError as e:
            self.status.emit("none", str(e))
            return False
        self.status.emit(name, "")
        return True

    def close(self) -> None:
        if self.port is not None:
            self.port.close()
            self.port = None

    def set_step_recording(self, on: bool) -> None:
        self.step_recording = on

    def _from_backend(self, message: NoteMessage) -> None:
        self._received.emit(message.pitch, message.velocity)

    def _on_key(self, pitch: int, velocity: int) -> None:
        if self.player is not None:
            if velocity:
                self.player.note_on(pitch, velocity)
            else:
                self.player.note_off(pitch)
        if velocity and self.step_recording:
            self.record_step(pitch, velocity)

    def record_step(self, pitch: int, velocity: int) -> bool:
        recorder = StepRecorder(self.roll.playhead, step_ticks(self.roll.view.snap))
        note = recorder.note_on(pitch, velocity)
        if self.document.perform_planned(edits.insert_notes, [note]):
            self.roll.set_playhead(recorder.cursor, follow=True)
            return True
        return False
