"""The playback plan: a region of a song turned into timed synthesiser events, bar by bar.

Times are seconds from the moment playing starts (count-in included), taken from the song's tempo
map as ``audio.schedule`` does for offline rendering. Events are made lazily, one bar at a time,
so an endless loop or an open-ended recording take costs nothing up front.

Chords are played as ``audio.accompaniment`` describes, in the style read when each chord is due:
a chord's notes are made only once the sequencer has reached its onset (a CHORD_DUE marker), so a
change of style while playing is heard from the next chord on.
"""

from __future__ import annotations

import bisect
import heapq
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from melodystudio.audio.accompaniment import AccompanimentStyle, chord_notes, clip
from melodystudio.audio.errors import AudioError
from melodystudio.audio.schedule import CHORD_CHANNEL, DEFAULT_ACCOMPANIMENT, MELODY_CHANNEL
from melodystudio.core import PPQ, Chord, Song
from melodystudio.core.timeline import MAX_BARS, Timeline

METRONOME_CHANNEL = 9  # GM percussion (MIDI channel 10)
ACCENT_PITCH = 76  # GM Hi Wood Block: the first beat of a bar
BEAT_PITCH = 77  # GM Low Wood Block: the other beats
ACCENT_VELOCITY = 120
BEAT_VELOCITY = 80
CLICK_SECONDS = 0.05  # how long a click is held (halved beats are used for very fast beats)
MAX_COUNT_IN_BARS = 8

# TimedEvent.role values; PASS and CHORD_DUE are markers (channel -1) that sound nothing
MELODY, CHORD, CLICK, COUNT_IN, PASS, CHORD_DUE = "melody", "chord", "click", "count_in", "pass", "chord_due"


@dataclass(frozen=True, slots=True, order=True)
class TimedEvent:
    """A note switching on (velocity > 0) or off (velocity 0) ``time`` seconds after play started.

    Sorting puts note-offs before note-ons at the same time, so a repeated pitch is released
    before it is struck again. A PASS marker (channel -1) starts every pass through the region; a
    CHORD_DUE marker (channel -1, carrying ``chord``) comes where a chord starts sounding.
    """

    time: float
    velocity: int
    channel: int
    pitch: int
    tick: int = field(compare=False)  # the song tick it belongs to (count-in clicks: the start tick)
    role: str = field(default=MELODY, compare=False)
    chord: Chord | None = field(default=None, compare=False)  # CHORD_DUE markers only

    @property
    def is_on(self) -> bool:
        return self.velocity > 0

    @property
    def is_marker(self) -> bool:
        return self.channel < 0


class PlaybackPlan:
    """What one press of Play sounds like: count-in, then ``start_tick`` onwards, maybe looping.

    With ``loop=(a, b)`` the region [a, b) repeats forever after the first pass (which starts at
    ``start_tick`` if it lies inside the loop, else at ``a``). Without a loop, playing ends at the
    song's end, or never when ``stop_at_end`` is False (a recording take with the metronome).
    ``accompaniment`` is the chord style, or a function giving the style in force now (the
    player's, which the user can change while playing).
    """

    def __init__(self, song: Song, start_tick: int = 0, *, loop: tuple[int, int] | None = None,
                 count_in_bars: int = 0, include_chords: bool = True, stop_at_end: bool = True,
                 accompaniment: AccompanimentStyle | Callable[[], AccompanimentStyle] = DEFAULT_ACCOMPANIMENT,
                 ) -> None:
        _check(start_tick, loop, count_in_bars)
        self.song = song
        self.loop = loop
        self.include_chords = include_chords
        self._style = accompaniment if callable(accompaniment) else (lambda: accompaniment)
        self.count_in_bars = count_in_bars
        tl = song.timeline
        if loop is not None and not loop[0] <= start_tick < loop[1]:
            start_tick = loop[0]
        self.start_tick = start_tick
        if loop is not None:
            end = loop[1]
        else:
            end = song.end_tick if stop_at_end else tl.bar_start(MAX_BARS)
        self.first_end = max(end, start_tick)  # end of the first pass
        self.count_in_seconds = count_in_bars * _seconds_per_bar(song, start_tick)
        self._first_seconds = tl.seconds_at(self.first_end) - tl.seconds_at(start_tick)
        self._chord_onsets = [c.onset for c in song.chords]

    @property
    def total_seconds(self) -> float | None:
        """How long playing lasts, count-in included; None when it only ends by stopping."""
        if self.loop is not None or self.first_end >= self.song.timeline.bar_start(MAX_BARS):
            return None
        return self.count_in_seconds + self._first_seconds

    # -- events ---------------------------------------------------------------------------------
    def events(self) -> Iterator[TimedEvent]:
        """Every event in time order; endless when looping."""
        yield from self._count_in()
        pending: list[TimedEvent] = []  # heap: note-offs can fall bars after their note-ons
        tl = self.song.timeline
        for a, b, offset in self._passes():
            heapq.heappush(pending, TimedEvent(offset, 0, -1, -1, a, PASS))
            at = _clock(tl, a, offset)
            for c0, c1 in _bar_chunks(self.song, a, b):
                for event in self._chunk(a, b, c0, c1, at):
                    heapq.heappush(pending, event)
                horizon = at(c1)  # later chunks start here
                while pending and pending[0].time < horizon:
                    event = heapq.heappop(pending)
                    yield event
                    if event.chord is not None:  # resumed once the sequencer reached the chord
                        for chord_event in self._chord_events(event.chord, a, b, at):
                            heapq.heappush(pending, chord_event)
        while pending:
            yield heapq.heappop(pending)

    def _passes(self) -> Iterator[tuple[int, int, float]]:
        """(first tick, end tick, start time in seconds) of each pass through the region."""
        yield self.start_tick, self.first_end, self.count_in_seconds
        if self.loop is None:
            return
        a, b = self.loop
        tl = self.song.timeline
        offset = self.count_in_seconds + self._first_seconds
        while True:
            yield a, b, offset
            offset = offset + (tl.seconds_at(b) - tl.seconds_at(a))

    def _count_in(self) -> Iterator[TimedEvent]:
        ts = self.song.timeline.signature_at(self.start_tick)
        beat = _seconds_for(self.song, self.start_tick, ts.beat_ticks)
        bar = _seconds_per_bar(self.song, self.start_tick)
        for k in range(self.count_in_bars):
            for i in range(ts.beats_per_bar):
                yield from _click(k * bar + i * beat, beat, i == 0, self.start_tick, COUNT_IN)

    def _chunk(self, a: int, b: int, c0: int, c1: int, at: Callable[[int], float]) -> Iterator[TimedEvent]:
        """Events starting in [c0, c1) of the pass [a, b); at the pass start, also what sounds there."""
        song, tl = self.song, self.song.timeline
        notes = song.notes_between(c0, c1)
        held = song.note_at(a) if c0 == a else None
        for n in ([held] if held is not None and held.onset < a else []) + notes:
            on, off = max(n.onset, a), min(n.end, b)
            yield TimedEvent(at(on), n.velocity, MELODY_CHANNEL, n.pitch, on, MELODY)
            yield TimedEvent(at(off), 0, MELODY_CHANNEL, n.pitch, off, MELODY)
        if self.include_chords:
            yield from self._chords_due(a, c0, c1, at)
        ts = tl.signature_at(c0)
        beat = _seconds_for(song, c0, ts.beat_ticks)
        bar = tl.bar_at(c0)
        for t in tl.beat_ticks_in_bar(bar):
            if c0 <= t < c1:
                yield from _click(at(t), beat, t == tl.bar_start(bar), t, CLICK)

    def _chords_due(self, a: int, c0: int, c1: int, at: Callable[[int], float]) -> Iterator[TimedEvent]:
        """A CHORD_DUE marker for each chord starting in [c0, c1), and at the pass start for the
        chord already sounding there."""
        chords = self.song.chords
        lo = bisect.bisect_left(self._chord_onsets, c0)
        hi = bisect.bisect_left(self._chord_onsets, c1)
        picked = list(chords[lo:hi])
        if c0 == a and lo > 0 and chords[lo - 1].end > a:
            picked.insert(0, chords[lo - 1])
        for c in picked:
            on = max(c.onset, a)
            yield TimedEvent(at(on), 0, -1, -1, on, CHORD_DUE, c)

    def _chord_events(self, chord: Chord, a: int, b: int, at: Callable[[int], float]) -> Iterator[TimedEvent]:
        """The notes of ``chord`` in the style in force now, cut to the pass [a, b)."""
        for n in clip(chord_notes(chord, self.song.timeline, self._style()), a, b):
            yield TimedEvent(at(n.onset), n.velocity, CHORD_CHANNEL, n.pitch, n.onset, CHORD)
            yield TimedEvent(at(n.end), 0, CHORD_CHANNEL, n.pitch, n.end, CHORD)

    # -- position -------------------------------------------------------------------------------
    def tick_at(self, elapsed: float) -> int:
        """The song tick sounding ``elapsed`` seconds after play started (the start tick during count-in)."""
        tl = self.song.timeline
        e = elapsed - self.count_in_seconds
        if e <= 0:
            return self.start_tick
        if e < self._first_seconds or self.loop is None:
            e = min(e, self._first_seconds)
            return min(tl.tick_at_seconds(tl.seconds_at(self.start_tick) + e), self.first_end)
        a, b = self.loop
        length = tl.seconds_at(b) - tl.seconds_at(a)
        e = (e - self._first_seconds) % length
        return max(a, min(tl.tick_at_seconds(tl.seconds_at(a) + e), b - 1))


def _check(start_tick: int, loop: tuple[int, int] | None, count_in_bars: int) -> None:
    if start_tick < 0:
        raise AudioError(f"cannot start playing before the song (tick {start_tick})")
    if loop is not None and not 0 <= loop[0] < loop[1]:
        raise AudioError(f"the loop {loop[0]}-{loop[1]} (ticks) is empty or starts before the song")
    if not 0 <= count_in_bars <= MAX_COUNT_IN_BARS:
        raise AudioError(f"count-in of {count_in_bars} bars is outside 0-{MAX_COUNT_IN_BARS}")


def _seconds_for(song: Song, tick: int, ticks: int) -> float:
    """Seconds that ``ticks`` last at the tempo in force at ``tick``."""
    return ticks * song.timeline.tempo_at(tick).us_per_quarter / 1e6 / PPQ


def _seconds_per_bar(song: Song, tick: int) -> float:
    return _seconds_for(song, tick, song.timeline.signature_at(tick).bar_ticks)


def _clock(tl: Timeline, a: int, offset: float) -> Callable[[int], float]:
    """Seconds after play started at which ``tick`` of the pass starting at tick ``a`` (at
    ``offset`` seconds) sounds."""
    sec_a = tl.seconds_at(a)

    def at(tick: int) -> float:  # same expression as the next pass's offset, so times tie exactly
        return offset + (tl.seconds_at(tick) - sec_a)

    return at


def _bar_chunks(song: Song, a: int, b: int) -> Iterator[tuple[int, int]]:
    """[a, b) cut at bar lines."""
    tl = song.timeline
    c0 = a
    while c0 < b:
        c1 = min(b, tl.bar_start(tl.bar_at(c0) + 1))
        yield c0, c1
        c0 = c1


def _click(time: float, beat_seconds: float, accent: bool, tick: int, role: str) -> Iterator[TimedEvent]:
    pitch, velocity = (ACCENT_PITCH, ACCENT_VELOCITY) if accent else (BEAT_PITCH, BEAT_VELOCITY)
    yield TimedEvent(time, velocity, METRONOME_CHANNEL, pitch, tick, role)
    yield TimedEvent(time + min(CLICK_SECONDS, beat_seconds / 2), 0, METRONOME_CHANNEL, pitch, tick, role)
