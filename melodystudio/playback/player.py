"""Real-time playback: a plain threaded player over a real-time synthesiser (FluidSynth).

A sequencer thread walks a ``PlaybackPlan``, sleeping on the wall clock (``time.perf_counter``)
until each event is due. The playhead is read from the same clock, less the driver's buffer
latency, so what is drawn matches what is heard. Position, state and errors are reported through
core ``Event``s, called on the sequencer thread; ``gui.qt_player`` carries them to the GUI thread.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from melodystudio.audio.accompaniment import AccompanimentStyle
from melodystudio.audio.errors import AudioError
from melodystudio.audio.schedule import CHORD_CHANNEL, CHORD_VOLUME, MELODY_CHANNEL, MELODY_VOLUME
from melodystudio.core import Song
from melodystudio.core.errors import MelodyStudioError
from melodystudio.core.events import Event
from melodystudio.playback.backends import AudioSettings, FluidSynthOutput, SynthBackend
from melodystudio.playback.releaser import NoteReleaser
from melodystudio.playback.sequence import CLICK, METRONOME_CHANNEL, PlaybackPlan, TimedEvent

log = logging.getLogger(__name__)

AUDITION_CHANNEL = 2  # clicked notes: apart from the melody so a click never cuts a playing note
LIVE_CHANNEL = 3  # the MIDI keyboard
METRONOME_VOLUME = 100  # CC 7
POSITION_INTERVAL = 1 / 30  # seconds between playhead reports (~30 Hz)
JOIN_SECONDS = 1.0  # longest wait for the sequencer thread to end; it normally takes < 1 ms


class Player:
    """Plays songs, auditions clicked notes and sounds a MIDI keyboard through one synthesiser.

    ``open()`` raises NoAudioDevice when no audio driver starts; never assume playback works.
    Events: ``position_changed(tick)`` about 30 times a second while playing,
    ``state_changed(playing)``, ``error(message)`` when playing fails midway.
    """

    def __init__(self, settings: AudioSettings | None = None, *,
                 backend_factory: Callable[[], SynthBackend] | None = None,
                 clock: Callable[[], float] = time.perf_counter,
                 position_interval: float = POSITION_INTERVAL) -> None:
        self.settings = settings or AudioSettings()
        self._factory = backend_factory or (lambda: FluidSynthOutput(self.settings))
        self._clock = clock
        self._interval = position_interval
        self.position_changed: Event[int] = Event()
        self.state_changed: Event[bool] = Event()
        self.error: Event[str] = Event()
        self._synth: SynthBackend | None = None
        self._releaser: NoteReleaser | None = None
        self._lock = threading.Lock()  # guards the transport fields below
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._plan: PlaybackPlan | None = None
        self._started_at = 0.0  # clock time when the current plan started (count-in included)
        self._playing = False
        self._last_tick = 0
        self._metronome = False  # read by the sequencer per click, so M works while playing
        self._accompaniment = AccompanimentStyle()  # read by the sequencer per chord
        self._chords_muted = False
        self._live_program = 0

    # -- device -------------------------------------------------------------------------------
    def open(self) -> None:
        """Start the synthesiser and its audio driver (no-op when open); raises AudioError."""
        if self._synth is not None:
            return
        synth = self._factory()
        self._synth = synth
        self._releaser = NoteReleaser(lambda pitch: synth.note_off(AUDITION_CHANNEL, pitch), self._clock)
        for channel in (MELODY_CHANNEL, AUDITION_CHANNEL, LIVE_CHANNEL):
            synth.set_volume(channel, MELODY_VOLUME)
        synth.set_volume(METRONOME_CHANNEL, METRONOME_VOLUME)
        self.set_live_program(self._live_program)
        self.set_accompaniment(self._accompaniment)
        self.set_chords_muted(self._chords_muted)

    @property
    def is_open(self) -> bool:
        return self._synth is not None

    @property
    def device_name(self) -> str:
        """The audio driver in use ("pulseaudio", ...), "" when closed."""
        return self._synth.name if self._synth is not None else ""

    def close(self) -> None:
        """Stop, release every note and the audio device; the thread is gone when this returns."""
        self.stop()
        if self._releaser is not None:
            self._releaser.close()
            self._releaser = None
        if self._synth is not None:
            self._synth.close()
            self._synth = None

    # -- transport ----------------------------------------------------------------------------
    def play(self, song: Song, start_tick: int = 0, *, loop: tuple[int, int] | None = None,
             metronome: bool = False, count_in_bars: int = 0, program: int | None = None,
             include_chords: bool = True, accompaniment: AccompanimentStyle | None = None,
             chords_muted: bool | None = None, stop_at_end: bool = True) -> None:
        """Play ``song`` from ``start_tick`` (restarting if already playing).

        ``loop`` (start, end) ticks repeats that range until ``stop()``; ``count_in_bars`` bars of
        clicks come first; ``program`` overrides ``song.program``. ``accompaniment`` and
        ``chords_muted``, when given, replace the player's chord settings (as the setters do). The
        song is copied, so edits made while playing are heard from the next ``play()``.
        """
        plan = PlaybackPlan(song.copy(), start_tick, loop=loop, count_in_bars=count_in_bars,
                            include_chords=include_chords, stop_at_end=stop_at_end,
                            accompaniment=lambda: self._accompaniment)
        self.open()
        self.stop()
        synth = self._synth
        assert synth is not None
        synth.select_program(MELODY_CHANNEL, song.program if program is None else program)
        self.set_accompaniment(self._accompaniment if accompaniment is None else accompaniment)
        self.set_chords_muted(self._chords_muted if chords_muted is None else chords_muted)
        self._metronome = metronome
        self._stop.clear()
        thread = threading.Thread(target=self._run, args=(synth, plan), name="melodystudio-sequencer", daemon=True)
        with self._lock:
            self._plan, self._thread, self._playing = plan, thread, True
            self._started_at = self._clock()
        self.state_changed.emit(True)
        thread.start()

    def stop(self) -> None:
        """Stop playing; every sounding note is released before this returns (within a few ms)."""
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is None:
            return
        self._stop.set()
        if thread is not threading.current_thread():
            thread.join(JOIN_SECONDS)
        self._set_stopped()

    @property
    def is_playing(self) -> bool:
        return self._playing

    @property
    def started_at(self) -> float:
        """Clock time when the current (or last) play started, count-in included."""
        return self._started_at

    @property
    def start_tick_time(self) -> float:
        """Clock time at which the start tick is heard (after count-in and output latency): the
        ``start_time`` of a ``midiin.RealtimeRecorder`` taking keys played along."""
        count_in = self._plan.count_in_seconds if self._plan is not None else 0.0
        return self._started_at + count_in + self._latency()

    def position_tick(self) -> int:
        """The tick being heard now; where playing stopped when idle."""
        with self._lock:
            if not self._playing or self._plan is None:
                return self._last_tick
            plan, started = self._plan, self._started_at
        return plan.tick_at(self._clock() - started - self._latency())

    def set_metronome(self, on: bool) -> None:
        self._metronome = on

    # -- chords -------------------------------------------------------------------------------
    @property
    def accompaniment(self) -> AccompanimentStyle:
        return self._accompaniment

    def set_accompaniment(self, style: AccompanimentStyle) -> None:
        """The chord style: its instrument changes at once, its texture from the next chord."""
        self._accompaniment = style
        if self._synth is not None:
            self._synth.select_program(CHORD_CHANNEL, style.program)

    @property
    def chords_muted(self) -> bool:
        return self._chords_muted

    def set_chords_muted(self, muted: bool) -> None:
        """Silence (or bring back) the chord channel at once, sounding chords included."""
        self._chords_muted = muted
        if self._synth is not None:
            self._synth.set_volume(CHORD_CHANNEL, 0 if muted else CHORD_VOLUME)

    # -- notes outside the song ---------------------------------------------------------------
    def set_live_program(self, program: int) -> None:
        """GM program for auditioned and keyboard notes (usually the song's instrument)."""
        _check_range("GM program", program, 0, 127)
        self._live_program = program
        if self._synth is not None:
            self._synth.select_program(AUDITION_CHANNEL, program)
            self._synth.select_program(LIVE_CHANNEL, program)

    def audition(self, pitch: int, velocity: int = 90, ms: int = 300) -> None:
        """Sound one note for ``ms`` milliseconds (a clicked or dragged note)."""
        _check_note(pitch, velocity)
        _check_range("audition length (ms)", ms, 1, 10_000)
        self.open()
        assert self._synth is not None and self._releaser is not None
        self._synth.note_on(AUDITION_CHANNEL, pitch, velocity)
        self._releaser.schedule(pitch, ms / 1000)

    def note_on(self, pitch: int, velocity: int = 90) -> None:
        """A key pressed on the MIDI keyboard."""
        _check_note(pitch, velocity)
        self.open()
        assert self._synth is not None
        self._synth.note_on(LIVE_CHANNEL, pitch, velocity)

    def note_off(self, pitch: int) -> None:
        _check_note(pitch, 1)
        if self._synth is not None:
            self._synth.note_off(LIVE_CHANNEL, pitch)

    # -- the sequencer thread -----------------------------------------------------------------
    def _latency(self) -> float:
        return self._synth.latency if self._synth is not None else 0.0

    def _run(self, synth: SynthBackend, plan: PlaybackPlan) -> None:
        sounding: set[tuple[int, int]] = set()  # (channel, pitch); released however playing ends
        clock = _Clock(self, self._started_at)
        try:
            for event in plan.events():
                if not clock.wait_until(event.time):
                    return
                self._deliver(synth, event, sounding)
            total = plan.total_seconds
            if total is not None:
                clock.wait_until(total + self._latency())  # let the playhead reach the end
        except Exception as e:  # any failure must end playing cleanly and reach the user
            if not isinstance(e, MelodyStudioError):
                log.exception("playback failed")
            self.error.emit(str(e) if isinstance(e, MelodyStudioError) else f"internal error in playback: {e}")
        finally:
            for channel, pitch in sounding:
                synth.note_off(channel, pitch)
            if not self._stop.is_set():
                self._set_stopped()

    def _deliver(self, synth: SynthBackend, event: TimedEvent, sounding: set[tuple[int, int]]) -> None:
        key = (event.channel, event.pitch)
        if event.is_marker or (event.role == CLICK and event.is_on and not self._metronome):
            return
        if event.is_on:
            synth.note_on(event.channel, event.pitch, event.velocity)
            sounding.add(key)
        elif key in sounding:
            synth.note_off(event.channel, event.pitch)
            sounding.discard(key)

    def _set_stopped(self) -> None:
        """Mark playing as over and tell listeners once, whoever gets here first."""
        tick = self.position_tick()
        with self._lock:
            was_playing, self._playing = self._playing, False
            self._last_tick = tick
        if was_playing:
            self.position_changed.emit(tick)
            self.state_changed.emit(False)


class _Clock:
    """Sleeps the sequencer until an event is due, reporting the playhead on the way."""

    def __init__(self, player: Player, started_at: float) -> None:
        self._player = player
        self._started_at = started_at
        self._next_report = started_at

    def wait_until(self, seconds: float) -> bool:
        """Wait until ``seconds`` after the start; False when stopped first."""
        p = self._player
        deadline = self._started_at + seconds
        while True:
            now = p._clock()
            if now >= self._next_report:
                p.position_changed.emit(p.position_tick())
                self._next_report = now + p._interval
            if now >= deadline:
                return True
            if p._stop.wait(min(deadline, self._next_report) - now):
                return False


def _check_range(what: str, value: int, lo: int, hi: int) -> None:
    if not lo <= value <= hi:
        raise AudioError(f"{what} {value} is outside {lo}-{hi}")


def _check_note(pitch: int, velocity: int) -> None:
    _check_range("pitch", pitch, 0, 127)
    _check_range("velocity", velocity, 1, 127)
