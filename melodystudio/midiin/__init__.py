"""MIDI keyboard input (no Qt): port listing and opening through mido, step and real-time recording."""

from melodystudio.midiin.messages import NoteMessage
from melodystudio.midiin.ports import MidiInput, MidiInputError, list_input_ports, open_input
from melodystudio.midiin.recording import RealtimeRecorder, StepRecorder, monophonic

__all__ = [
    "MidiInput",
    "MidiInputError",
    "NoteMessage",
    "RealtimeRecorder",
    "StepRecorder",
    "list_input_ports",
    "monophonic",
    "open_input",
]
