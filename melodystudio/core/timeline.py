"""Tempo changes and time signatures, and the derived bar/beat/seconds arithmetic.

Ticks (``PPQ`` per quarter note) are the truth. Time signatures are indexed by bar, so a meter
change always falls on a bar line and bar lines are derived, never stored.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from melodystudio.core.errors import MelodyStudioError

PPQ = 480  # ticks per quarter note; holds 1/32 notes (60) and sixteenth triplets (40)
MAX_BARS = 10_000
VALID_DENOMINATORS = (1, 2, 4, 8, 16, 32)
MIN_BPM, MAX_BPM = 10.0, 1000.0


@dataclass(frozen=True, slots=True)
class TempoChange:
    """Tempo from ``tick`` on, in microseconds per quarter note (MIDI's own unit, so it round-trips)."""

    tick: int
    us_per_quarter: int

    def __post_init__(self) -> None:
        if self.tick < 0:
            raise MelodyStudioError("a tempo change cannot start before the beginning of the song")
        if self.us_per_quarter <= 0:
            raise MelodyStudioError("tempo must be greater than 0 bpm")
        if not MIN_BPM <= self.bpm <= MAX_BPM:
            raise MelodyStudioError(f"tempo {self.bpm:.1f} bpm is outside {MIN_BPM:g}-{MAX_BPM:g} bpm")

    @property
    def bpm(self) -> float:
        return 60_000_000 / self.us_per_quarter

    @staticmethod
    def from_bpm(tick: int, bpm: float) -> TempoChange:
        if not bpm > 0:
            raise MelodyStudioError("tempo must be greater than 0 bpm")
        return TempoChange(tick, round(60_000_000 / bpm))


@dataclass(frozen=True, slots=True)
class TimeSignature:
    """Meter from bar ``bar`` (0-based) on."""

    bar: int
    numerator: int
    denominator: int

    def __post_init__(self) -> None:
        if self.bar < 0:
            raise MelodyStudioError("a time signature cannot start before the first bar")
        if not 1 <= self.numerator <= 64:
            raise MelodyStudioError(f"time signature numerator {self.numerator} is outside 1-64")
        if self.denominator not in VALID_DENOMINATORS:
            raise MelodyStudioError(f"time signature denominator {self.denominator} is not one of 1, 2, 4, 8, 16, 32")

    @property
    def bar_ticks(self) -> int:
        return self.numerator * PPQ * 4 // self.denominator

    @property
    def beat_ticks(self) -> int:
        """The felt beat: a dotted note in compound meters (6/8, 9/8, 12/8), else the denominator."""
        unit = PPQ * 4 // self.denominator
        if self.numerator % 3 == 0 and self.numerator > 3 and self.denominator >= 8:
            return unit * 3
        return unit

    @property
    def beats_per_bar(self) -> int:
        return self.bar_ticks // self.beat_ticks

    def metrical_level(self, offset: int) -> int:
        """How strong a place ``offset`` ticks after the bar line is, strongest first:
        0 the bar line; 1 the half bar, in a bar of an even number (four or more) of felt beats
        (4/4: beat 3, 12/8: the third dotted quarter); 2 another felt beat; 3 an eighth note, in a
        meter whose felt beat is longer than one; 4 anything finer (offsets wrap round the bar)."""
        offset %= self.bar_ticks
        if offset == 0:
            return 0
        beats = self.beats_per_bar
        if beats >= 4 and beats % 2 == 0 and offset * 2 == self.bar_ticks:
            return 1
        if offset % self.beat_ticks == 0:
            return 2
        if self.beat_ticks > PPQ // 2 and offset % (PPQ // 2) == 0:
            return 3
        return 4

    def __str__(self) -> str:
        return f"{self.numerator}/{self.denominator}"


class Timeline:
    """Read-only arithmetic over a song's time signatures and tempo changes."""

    def __init__(self, time_signatures: list[TimeSignature], tempos: list[TempoChange]) -> None:
        self._signatures = time_signatures
        self._tempos = tempos
        # Start tick of each time-signature section; sections are contiguous and bar-aligned.
        self._section_ticks: list[int] = []
        tick = 0
        for i, ts in enumerate(time_signatures):
            if i:
                prev = time_signatures[i - 1]
                tick += (ts.bar - prev.bar) * prev.bar_ticks
            self._section_ticks.append(tick)
        self._tempo_ticks = [t.tick for t in tempos]
        self._tempo_seconds: list[float] = []
        seconds = 0.0
        for i, t in enumerate(tempos):
            if i:
                prev_t = tempos[i - 1]
                seconds += (t.tick - prev_t.tick) * prev_t.us_per_quarter / 1e6 / PPQ
            self._tempo_seconds.append(seconds)

    # -- bars -------------------------------------------------------------------------------
    def _section_of_bar(self, bar: int) -> int:
        return bisect.bisect_right([ts.bar for ts in self._signatures], bar) - 1

    def _section_of_tick(self, tick: int) -> int:
        return bisect.bisect_right(self._section_ticks, tick) - 1

    def signature_at_bar(self, bar: int) -> TimeSignature:
        return self._signatures[max(0, self._section_of_bar(bar))]

    def signature_at(self, tick: int) -> TimeSignature:
        return self._signatures[max(0, self._section_of_tick(tick))]

    def bar_start(self, bar: int) -> int:
        """Tick where bar ``bar`` (0-based) starts; bars continue past the last note."""
        i = max(0, self._section_of_bar(bar))
        ts = self._signatures[i]
        return self._section_ticks[i] + (bar - ts.bar) * ts.bar_ticks

    def bar_at(self, tick: int) -> int:
        """Index of the bar containing ``tick``."""
        i = max(0, self._section_of_tick(tick))
        ts = self._signatures[i]
        return ts.bar + (tick - self._section_ticks[i]) // ts.bar_ticks

    def bars_to_hold(self, end_tick: int) -> int:
        """Number of whole bars needed to hold material ending at ``end_tick`` (at least 1)."""
        if end_tick <= 0:
            return 1
        last = self.bar_at(end_tick - 1)
        return last + 1

    def is_bar_line(self, tick: int) -> bool:
        return self.bar_start(self.bar_at(tick)) == tick

    def beat_ticks_in_bar(self, bar: int) -> list[int]:
        """Ticks of the beats of bar ``bar``."""
        start, ts = self.bar_start(bar), self.signature_at_bar(bar)
        return [start + k * ts.beat_ticks for k in range(ts.beats_per_bar)]

    # -- seconds ----------------------------------------------------------------------------
    def seconds_at(self, tick: int) -> float:
        i = max(0, bisect.bisect_right(self._tempo_ticks, tick) - 1)
        t = self._tempos[i]
        return self._tempo_seconds[i] + (tick - t.tick) * t.us_per_quarter / 1e6 / PPQ

    def tick_at_seconds(self, seconds: float) -> int:
        i = max(0, bisect.bisect_right(self._tempo_seconds, seconds) - 1)
        t = self._tempos[i]
        return t.tick + round((seconds - self._tempo_seconds[i]) * 1e6 * PPQ / t.us_per_quarter)

    def tempo_at(self, tick: int) -> TempoChange:
        return self._tempos[max(0, bisect.bisect_right(self._tempo_ticks, tick) - 1)]
