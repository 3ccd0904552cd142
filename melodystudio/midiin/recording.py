"""Turning keys played on a MIDI keyboard into melody notes.

Step recording writes one note of the current step length per key and moves the cursor on.
Real-time recording timestamps keys against the song's tempo map, quantises onsets and ends to a
grid that restarts at every bar line, and resolves overlaps into one monophonic line.
"""

from __future__ import annotations

import itertools
import threading

from melodystudio.core import Note
from melodystudio.core.errors import MelodyStudioError
from melodystudio.core.timeline import Timeline
from melodystudio.midiin.messages import NoteMessage


def _velocity(velocity: int) -> int:
    return max(1, min(127, velocity))


class StepRecorder:
    """Each key pressed becomes a note of ``step`` ticks at the cursor, and the cursor moves on.

    The recorder only makes notes; the caller inserts them into the song as undoable edits.
    """

    def __init__(self, cursor: int, step: int) -> None:
        self.cursor = cursor
        self.step = step

    @property
    def cursor(self) -> int:
        return self._cursor

    @cursor.setter
    def cursor(self, tick: int) -> None:
        if tick < 0:
            raise MelodyStudioError(f"the step cursor cannot go before the song (tick {tick})")
        self._cursor = tick

    @property
    def step(self) -> int:
        return self._step

    @step.setter
    def step(self, ticks: int) -> None:
        if ticks <= 0:
            raise MelodyStudioError(f"the step length must be positive, not {ticks} ticks")
        self._step = ticks

    def note_on(self, pitch: int, velocity: int = 90) -> Note:
        note = Note(self._cursor, self._step, pitch, _velocity(velocity))
        self._cursor += self._step
        return note

    def rest(self) -> int:
        """Skip one step (a rest); returns the new cursor."""
        self._cursor += self._step
        return self._cursor

    def feed(self, message: NoteMessage) -> Note | None:
        """A note for a key press, None for a release."""
        return self.note_on(message.pitch, message.velocity) if message.is_on else None


class RealtimeRecorder:
    """Collects keys played from ``start_tick`` on; ``finish`` returns the quantised melody.

    ``start_time`` is the clock time (seconds, same clock as the messages) at which ``start_tick``
    was heard. Keys may arrive on another thread (the MIDI backend's), hence the lock.
    """

    def __init__(self, timeline: Timeline, start_tick: int, grid: int, start_time: float = 0.0) -> None:
        if grid <= 0:
            raise MelodyStudioError(f"the quantise grid must be positive, not {grid} ticks")
        if start_tick < 0:
            raise MelodyStudioError(f"recording cannot start before the song (tick {start_tick})")
        self.timeline = timeline
        self.start_tick = start_tick
        self.grid = grid
        self.start_time = start_time
        self._lock = threading.Lock()
        self._held: dict[int, tuple[float, int]] = {}  # pitch -> (time on, velocity)
        self._played: list[tuple[float, float, int, int]] = []  # (time on, time off, pitch, velocity)

    def note_on(self, pitch: int, velocity: int, time: float) -> None:
        with self._lock:
            if pitch in self._held:  # a repeated note-on without release ends the earlier one
                self._release(pitch, time)
            self._held[pitch] = (time, velocity)

    def note_off(self, pitch: int, time: float) -> None:
        with self._lock:
            if pitch in self._held:
                self._release(pitch, time)

    def feed(self, message: NoteMessage) -> None:
        if message.is_on:
            self.note_on(message.pitch, message.velocity, message.time)
        else:
            self.note_off(message.pitch, message.time)

    def _release(self, pitch: int, time: float) -> None:
        on, velocity = self._held.pop(pitch)
        self._played.append((on, time, pitch, velocity))

    def finish(self, end_time: float) -> list[Note]:
        """Release held keys at ``end_time`` and return the take as a monophonic, quantised melody."""
        with self._lock:
            for pitch in list(self._held):
                self._release(pitch, end_time)
            played = list(self._played)
        notes = []
        for on, off, pitch, velocity in played:
            onset = self.quantise(self.tick_at(on))
            if onset < self.start_tick:
                continue  # played during the count-in, too early to belong to the take
            end = max(self.quantise(self.tick_at(off)), onset + self.grid)
            notes.append(Note(onset, end - onset, pitch, _velocity(velocity)))
        return monophonic(notes)

    def tick_at(self, time: float) -> int:
        """Song tick heard at clock ``time`` (before ``start_tick`` for keys played early)."""
        tl = self.timeline
        return tl.tick_at_seconds(tl.seconds_at(self.start_tick) + (time - self.start_time))

    def quantise(self, tick: int) -> int:
        """Nearest grid line, the grid restarting at each bar line (half a step rounds up)."""
        if tick < 0:
            return -((-tick + self.grid // 2) // self.grid) * self.grid
        tl = self.timeline
        bar = tl.bar_at(tick)
        start = tl.bar_start(bar)
        down = start + (tick - start) // self.grid * self.grid
        up = min(down + self.grid, tl.bar_start(bar + 1))  # the bar line is a grid line too
        return up if tick - down >= up - tick else down


def monophonic(notes: list[Note]) -> list[Note]:
    """One line from overlapping notes: at a shared onset the highest note wins; otherwise the
    later note wins, cutting the earlier one short where it starts."""
    ordered = sorted(notes, key=lambda n: (n.onset, -n.pitch))
    line = [next(group) for _, group in itertools.groupby(ordered, key=lambda n: n.onset)]
    out = []
    for note, following in itertools.zip_longest(line, line[1:]):
        if following is not None and note.end > following.onset:
            note = Note(note.onset, following.onset - note.onset, note.pitch, note.velocity, note.lyric)
        out.append(note)
    return out
