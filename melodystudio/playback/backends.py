"""Where the player's notes go: FluidSynth with a real audio driver, or a recorder for tests.

Both implement ``SynthBackend``. ``NullSynth`` only records calls with timestamps; it exists so the
scheduling can be tested without a sound card. The app always plays through ``FluidSynthOutput``.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from melodystudio.audio.soundfont import find_soundfont
from melodystudio.audio.synth import SynthChannels, load_fluidsynth
from melodystudio.playback.errors import NoAudioDevice

AUTO = ""  # AudioSettings.driver value: try the platform's drivers in order
# FluidSynth audio drivers tried in order when the setting is AUTO, by sys.platform prefix.
PLATFORM_DRIVERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("linux", ("pulseaudio", "pipewire", "alsa")),
    ("darwin", ("coreaudio",)),
    ("win32", ("wasapi", "dsound")),
    ("cygwin", ("wasapi", "dsound")),
)
FALLBACK_DRIVERS = ("pulseaudio", "alsa", "oss", "sdl2")  # other Unixes


@dataclass(frozen=True)
class AudioSettings:
    driver: str = AUTO  # a FluidSynth audio driver name ("pulseaudio", "alsa", "jack", ...) or AUTO
    soundfont: str | None = None  # None: audio.soundfont.find_soundfont's search
    sample_rate: int = 44100  # Hz
    gain: float = 0.6  # FluidSynth master gain; 0.2 (its default) is too quiet for one melody line


def default_drivers(platform: str | None = None) -> tuple[str, ...]:
    """The drivers tried, in order, when the setting is AUTO."""
    platform = sys.platform if platform is None else platform
    for prefix, drivers in PLATFORM_DRIVERS:
        if platform.startswith(prefix):
            return drivers
    return FALLBACK_DRIVERS


class SynthBackend(Protocol):
    """A real-time General MIDI synthesiser; every call takes effect now."""

    name: str  # what the status bar shows, e.g. "pulseaudio"
    latency: float  # seconds from a call to the sound leaving the speakers

    def select_program(self, channel: int, program: int) -> None: ...
    def set_volume(self, channel: int, volume: int) -> None: ...
    def note_on(self, channel: int, pitch: int, velocity: int) -> None: ...
    def note_off(self, channel: int, pitch: int) -> None: ...
    def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class SynthCall:
    """One recorded call: ``time`` from the recorder's clock (seconds), ``args`` as passed."""

    time: float
    name: str  # "select_program", "set_volume", "note_on", "note_off", "close"
    args: tuple[int, ...]


class NullSynth:
    """Records every call with a timestamp instead of making sound (for tests only)."""

    name = "null"
    latency = 0.0

    def __init__(self, clock: Callable[[], float] = time.perf_counter) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._calls: list[SynthCall] = []
        self.closed = False

    @property
    def calls(self) -> list[SynthCall]:
        with self._lock:
            return list(self._calls)

    def notes(self) -> list[SynthCall]:
        """Only the note_on / note_off calls."""
        return [c for c in self.calls if c.name in ("note_on", "note_off")]

    def _record(self, name: str, *args: int) -> None:
        with self._lock:
            self._calls.append(SynthCall(self._clock(), name, args))

    def select_program(self, channel: int, program: int) -> None:
        self._record("select_program", channel, program)

    def set_volume(self, channel: int, volume: int) -> None:
        self._record("set_volume", channel, volume)

    def note_on(self, channel: int, pitch: int, velocity: int) -> None:
        self._record("note_on", channel, pitch, velocity)

    def note_off(self, channel: int, pitch: int) -> None:
        self._record("note_off", channel, pitch)

    def close(self) -> None:
        self._record("close")
        self.closed = True


class FluidSynthOutput(SynthChannels):
    """FluidSynth playing through the first audio driver that starts.

    ``Synth.start()`` reports success even when no driver opened, so the driver is created
    directly and checked; failing every candidate raises NoAudioDevice.
    """

    def __init__(self, settings: AudioSettings | None = None) -> None:
        settings = settings or AudioSettings()
        fs = load_fluidsynth()
        self._fs = fs
        super().__init__(fs, find_soundfont(settings.soundfont), settings.sample_rate, settings.gain)
        drivers = (settings.driver,) if settings.driver != AUTO else default_drivers()
        self.name = self._start_driver(drivers)
        frames = int(self._synth.get_setting("audio.period-size")) * int(self._synth.get_setting("audio.periods"))
        self.latency = frames / settings.sample_rate

    def _start_driver(self, drivers: tuple[str, ...]) -> str:
        for name in drivers:
            self._synth.setting("audio.driver", name)
            driver = self._fs.new_fluid_audio_driver(self._synth.settings, self._synth.synth)
            if driver:
                self._synth.audio_driver = driver  # Synth.delete() deletes it
                return name
        self.close()
        tried = ", ".join(drivers)
        raise NoAudioDevice(f"no audio output: FluidSynth could not start the {tried} audio driver "
                            f"(no sound card or sound server?). Choose another driver in the settings; "
                            f"editing, generation and WAV export still work")

