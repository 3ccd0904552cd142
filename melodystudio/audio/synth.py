"""A thin offline wrapper around pyfluidsynth: no audio driver, samples pulled block by block.

``fluidsynth`` is imported lazily so that the rest of the app (and its tests) runs without the
native library; a missing library becomes an AudioError with the fix in its message.
"""

from __future__ import annotations

import ctypes
import importlib
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from melodystudio.audio.errors import AudioError

LIBRARY_HINT = "install libfluidsynth3 (Debian/Ubuntu), fluid-synth (Homebrew) or fluidsynth (Windows)"
DEFAULT_GAIN = 0.5  # FluidSynth's master gain; output is float, so this only sets the working level
VOLUME_CC = 7  # MIDI channel volume controller


def load_fluidsynth() -> ModuleType:
    """Import pyfluidsynth, turning a missing module or native library into AudioError."""
    try:
        return importlib.import_module("fluidsynth")
    except ModuleNotFoundError as e:
        if e.name != "fluidsynth":
            raise
        raise AudioError("the pyfluidsynth package is not installed: pip install pyfluidsynth") from e
    except (ImportError, OSError) as e:
        # pyfluidsynth raises ImportError("Couldn't find the FluidSynth library.") when
        # find_library fails, and ctypes raises OSError when the library is found but cannot load.
        raise AudioError(f"FluidSynth library not found ({e}): {LIBRARY_HINT}") from e


def _float_writer(fs: ModuleType) -> Any | None:
    """``fluid_synth_write_float`` from the library pyfluidsynth loaded, or None.

    pyfluidsynth only wraps the 16-bit writer, which clips before we can normalise; float output
    lets the renderer choose the gain afterwards.
    """
    try:
        fn = ctypes.CDLL(fs.lib).fluid_synth_write_float
    except (AttributeError, OSError, TypeError):
        return None
    fn.argtypes = [ctypes.c_void_p, ctypes.c_int,
                   ctypes.c_void_p, ctypes.c_int, ctypes.c_int,  # left buffer, offset, stride
                   ctypes.c_void_p, ctypes.c_int, ctypes.c_int]  # right buffer, offset, stride
    fn.restype = ctypes.c_int
    return fn


class SynthChannels:
    """A FluidSynth instance with one sound font loaded, driven channel by channel.

    Shared by offline rendering (``OfflineSynth``) and real-time playback (the playback package's
    audio-driver output), which differ only in where the samples go.
    """

    def __init__(self, fs: ModuleType, soundfont: Path, sample_rate: int, gain: float) -> None:
        self.soundfont = soundfont
        self._synth: Any = fs.Synth(gain=gain, samplerate=sample_rate)
        self._sfid = self._synth.sfload(str(soundfont))
        if self._sfid < 0:
            self.close()
            raise AudioError(f"FluidSynth could not load the sound font {soundfont}: try another .sf2 file")

    def select_program(self, channel: int, program: int, bank: int | None = None) -> None:
        if bank is None:
            bank = 128 if channel == 9 else 0  # GM: channel 10 is the drum kit
        if self._synth.program_select(channel, self._sfid, bank, program) < 0:
            raise AudioError(f"the sound font {self.soundfont.name} has no GM program {program} (bank {bank})")

    def set_volume(self, channel: int, volume: int) -> None:
        self._synth.cc(channel, VOLUME_CC, volume)

    def note_on(self, channel: int, pitch: int, velocity: int) -> None:
        self._synth.noteon(channel, pitch, velocity)

    def note_off(self, channel: int, pitch: int) -> None:
        self._synth.noteoff(channel, pitch)

    def close(self) -> None:
        if self._synth is not None:
            self._synth.delete()
            self._synth = None


class OfflineSynth(SynthChannels):
    """One FluidSynth instance with one sound font, rendered on demand without a sound card.

    Events take effect at FluidSynth's next internal 64-frame block (at most 1.5 ms at 44.1 kHz),
    the same delay for every event, so relative timing stays exact to that grain.
    """

    def __init__(self, soundfont: Path, sample_rate: int = 44100, gain: float = DEFAULT_GAIN) -> None:
        fs = load_fluidsynth()
        self.sample_rate = sample_rate
        self._write_float = _float_writer(fs)
        super().__init__(fs, soundfont, sample_rate, gain)

    def render_into(self, out: np.ndarray) -> None:
        """Fill ``out`` (frames, 2) float32, C-contiguous, with the next frames; full scale is 1.0."""
        frames = out.shape[0]
        if frames == 0:
            return
        if self._write_float is not None:
            address = out.ctypes.data  # left at offset 0, right at offset 1, both with stride 2
            if self._write_float(self._synth.synth, frames, address, 0, 2, address, 1, 2) != 0:
                raise AudioError("FluidSynth failed while rendering audio")
            return
        pcm = self._synth.get_samples(frames)  # (2 * frames,) interleaved int16
        out[:] = pcm.reshape(frames, 2).astype(np.float32) / 32768.0

    def __enter__(self) -> OfflineSynth:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
