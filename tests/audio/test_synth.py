"""The FluidSynth wrapper: lazy import, and clear errors when the native library is missing."""

from __future__ import annotations

import ctypes
import ctypes.util
import subprocess
import sys

import numpy as np
import pytest

from melodystudio.audio import AudioError, render_samples
from melodystudio.audio import synth as synth_module
from melodystudio.audio.synth import OfflineSynth, load_fluidsynth
from melodystudio.core.progress import run_to_end


@pytest.fixture
def fresh_import(monkeypatch):
    """Make the next ``import fluidsynth`` run pyfluidsynth's module code again."""
    monkeypatch.delitem(sys.modules, "fluidsynth", raising=False)
    monkeypatch.delenv("HOMEBREW_PREFIX", raising=False)


def test_importing_the_audio_package_does_not_load_fluidsynth():
    code = "import sys, melodystudio.audio; print('fluidsynth' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_missing_library_becomes_an_audio_error(fresh_import, monkeypatch, twinkle, soundfont):
    monkeypatch.setattr(ctypes.util, "find_library", lambda name: None)
    with pytest.raises(AudioError, match=r"^FluidSynth library not found .*install libfluidsynth3"):
        run_to_end(render_samples(twinkle, soundfont=soundfont))


def test_library_that_fails_to_load_becomes_an_audio_error(fresh_import, monkeypatch):
    def broken_cdll(name: str, *args: object, **kwargs: object) -> None:
        raise OSError(f"{name}: cannot open shared object file")

    monkeypatch.setattr(ctypes, "CDLL", broken_cdll)
    with pytest.raises(AudioError, match=r"FluidSynth library not found .*cannot open shared object"):
        load_fluidsynth()


def test_missing_python_package_becomes_an_audio_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "fluidsynth", None)  # what Python does for an absent module
    with pytest.raises(AudioError, match="pip install pyfluidsynth"):
        load_fluidsynth()


def test_a_file_fluidsynth_rejects_is_an_audio_error(tmp_path):
    path = tmp_path / "fake.sf2"
    path.write_bytes(b"RIFF" + (4).to_bytes(4, "little") + b"sfbk")  # header only, no chunks
    with pytest.raises(AudioError, match="could not load the sound font"):
        OfflineSynth(path)


def test_missing_program_is_an_audio_error(soundfont):
    with OfflineSynth(soundfont) as synth, pytest.raises(AudioError, match=r"has no GM program 0 \(bank 5\)"):
        synth.select_program(0, 0, bank=5)


def test_16_bit_fallback_renders_the_same_length(monkeypatch, twinkle, soundfont):
    float_audio = run_to_end(render_samples(twinkle, soundfont=soundfont))
    monkeypatch.setattr(synth_module, "_float_writer", lambda fs: None)  # an older pyfluidsynth
    int_audio = run_to_end(render_samples(twinkle, soundfont=soundfont))
    assert int_audio.shape == float_audio.shape
    assert np.corrcoef(int_audio[:, 0], float_audio[:, 0])[0, 1] > 0.99
