"""The one kind of MIDI input the app uses: a key going down or up, stamped with when it arrived."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class NoteMessage:
    pitch: int  # MIDI note number 0-127
    velocity: int  # 1-127; 0 means the key was released
    time: float  # seconds on time.perf_counter's clock when the message arrived
    channel: int = 0  # 0-15

    @property
    def is_on(self) -> bool:
        return self.velocity > 0

    @staticmethod
    def from_mido(message: Any, time: float) -> NoteMessage | None:
        """A note message from a mido message; None for anything else (clock, controllers, ...).

        A note_on with velocity 0 is a release, as the MIDI standard allows for running status.
        """
        kind = getattr(message, "type", None)
        if kind == "note_on":
            return NoteMessage(message.note, message.velocity, time, message.channel)
        if kind == "note_off":
            return NoteMessage(message.note, 0, time, message.channel)
        return None
