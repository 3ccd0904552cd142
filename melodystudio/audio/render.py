"""Offline rendering of a song to audio: cancellable jobs that yield progress (no sound card needed).

``render_samples`` synthesises the melody (channel 0) and the chord accompaniment (channel 1, block
or broken chords as ``audio.accompaniment`` describes, the same as live playback) in float, then
peak-normalises to -1 dBFS and returns 16-bit stereo; ``render_wav`` writes that to a WAV
file atomically, so a cancelled or failed render never leaves a file behind.
"""

from __future__ import annotations

import os
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np

from melodystudio.audio.accompaniment import AccompanimentStyle
from melodystudio.audio.errors import AudioError
from melodystudio.audio.schedule import (
    CHORD_CHANNEL,
    CHORD_VOLUME,
    DEFAULT_ACCOMPANIMENT,
    MELODY_CHANNEL,
    MELODY_VOLUME,
    SynthEvent,
    frame_at,
    song_events,
)
from melodystudio.audio.soundfont import find_soundfont
from melodystudio.audio.synth import OfflineSynth
from melodystudio.core import Song
from melodystudio.core.atomic import atomic_file
from melodystudio.core.progress import Job, Progress

R = TypeVar("R")

TARGET_PEAK_DBFS = -1.0
TARGET_PEAK = 10 ** (TARGET_PEAK_DBFS / 20)  # ~0.891 of full scale: headroom for resampling players
BLOCK_FRAMES = 4096  # most frames synthesised per FluidSynth call (~93 ms at 44.1 kHz)
WRITE_FRAMES = 1 << 18  # frames per WAV write between progress reports (~6 s at 44.1 kHz)
RENDER_SHARE = 0.9  # part of render_wav's progress bar spent synthesising; writing takes the rest
MAX_SECONDS = 3600.0  # the float mix takes ~1.3 GB per hour at 44.1 kHz
SAMPLE_RATES = (8000, 96000)  # FluidSynth's accepted range, Hz
FULL_SCALE = 32767


@dataclass(frozen=True, slots=True)
class RenderResult:
    path: Path
    seconds: float  # length of the audio, tail included
    peak: float  # peak of the written samples as a fraction of full scale (0-1)
    soundfont: Path
    sample_rate: int


def render_samples(song: Song, *, soundfont: str | os.PathLike[str] | None = None, program: int | None = None,
                   sample_rate: int = 44100, include_chords: bool = True,
                   accompaniment: AccompanimentStyle = DEFAULT_ACCOMPANIMENT,
                   tail_seconds: float = 1.0) -> Job[np.ndarray]:
    """Synthesise ``song``; returns int16 samples of shape (frames, 2), peak at -1 dBFS.

    ``program`` (GM 0-127) overrides ``song.program``. Chords sound as ``accompaniment`` says
    (texture, GM program, velocity, octave); ``include_chords=False`` is the same as its style
    "off". The audio runs from the song's start to its last note or chord, plus ``tail_seconds``
    for the release.
    """
    program = song.program if program is None else program
    _check_settings(program, sample_rate, tail_seconds)
    include_chords = include_chords and accompaniment.sounds
    font = find_soundfont(soundfont)
    events = song_events(song, sample_rate, include_chords=include_chords, accompaniment=accompaniment)
    if not any(e.is_on for e in events):
        what = "notes or chords" if include_chords else "notes (chords are switched off)"
        raise AudioError(f"nothing to render: the song has no {what}")
    frames = frame_at(song, song.end_tick, sample_rate) + round(tail_seconds * sample_rate)
    if frames > MAX_SECONDS * sample_rate:
        raise AudioError(f"the song is {frames / sample_rate / 60:.0f} minutes long; "
                         f"rendering stops at {MAX_SECONDS / 60:.0f} minutes")
    mix = np.zeros((frames, 2), dtype=np.float32)  # (frames, [left, right]), full scale 1.0
    with OfflineSynth(font, sample_rate) as synth:
        synth.select_program(MELODY_CHANNEL, program)
        synth.set_volume(MELODY_CHANNEL, MELODY_VOLUME)
        if include_chords:
            synth.select_program(CHORD_CHANNEL, accompaniment.program)
            synth.set_volume(CHORD_CHANNEL, CHORD_VOLUME)
        yield from _synthesise(synth, events, mix)
    return _normalised_int16(mix, font)


def render_wav(song: Song, path: str | os.PathLike[str], *, soundfont: str | os.PathLike[str] | None = None,
               program: int | None = None, sample_rate: int = 44100, include_chords: bool = True,
               accompaniment: AccompanimentStyle = DEFAULT_ACCOMPANIMENT,
               tail_seconds: float = 1.0) -> Job[RenderResult]:
    """Render ``song`` to a 16-bit stereo WAV at ``path`` (replaced atomically); see ``render_samples``.

    Close the generator to cancel: no file and no temporary file is left.
    """
    target = Path(path).expanduser()
    if not target.parent.is_dir():
        raise AudioError(f"cannot write {target}: the folder {target.parent} does not exist")
    font = find_soundfont(soundfont)
    job = render_samples(song, soundfont=font, program=program, sample_rate=sample_rate,
                         include_chords=include_chords, accompaniment=accompaniment,
                         tail_seconds=tail_seconds)
    samples = yield from _scaled(job, 0.0, RENDER_SHARE)
    yield from _write_wav_atomically(target, samples, sample_rate)
    peak = max(int(samples.max()), -int(samples.min())) / FULL_SCALE
    return RenderResult(target, len(samples) / sample_rate, peak, font, sample_rate)


def _check_settings(program: int, sample_rate: int, tail_seconds: float) -> None:
    if not 0 <= program <= 127:
        raise AudioError(f"GM program {program} is outside 0-127")
    if not SAMPLE_RATES[0] <= sample_rate <= SAMPLE_RATES[1]:
        raise AudioError(f"sample rate {sample_rate} Hz is outside {SAMPLE_RATES[0]}-{SAMPLE_RATES[1]} Hz")
    if not 0.0 <= tail_seconds <= 60.0:
        raise AudioError(f"tail of {tail_seconds} s is outside 0-60 s")


def _synthesise(synth: OfflineSynth, events: list[SynthEvent], mix: np.ndarray) -> Job[None]:
    """Fill ``mix`` block by block, applying each event exactly at its frame."""
    total = len(mix)
    report_every = synth.sample_rate  # a progress report per second of audio keeps the GUI calm
    cursor = reported = 0
    stops = [min(e.frame, total) for e in events] + [total]
    for i, stop in enumerate(stops):
        while cursor < stop:
            end = min(stop, cursor + BLOCK_FRAMES)
            synth.render_into(mix[cursor:end])
            cursor = end
            if cursor - reported >= report_every:
                reported = cursor
                yield Progress(cursor / total, "Rendering audio")
        if i < len(events):
            e = events[i]
            if e.is_on:
                synth.note_on(e.channel, e.pitch, e.velocity)
            else:
                synth.note_off(e.channel, e.pitch)
    if reported < total:
        yield Progress(1.0, "Rendering audio")


def _normalised_int16(mix: np.ndarray, font: Path) -> np.ndarray:
    """Scale so the peak sits at TARGET_PEAK and convert to int16; nothing can clip."""
    peak = float(max(mix.max(), -mix.min()))  # avoids a full-size abs() copy
    if peak <= 0.0:
        raise AudioError(f"the sound font {font.name} produced silence; try another GM program or sound font")
    gain = TARGET_PEAK * FULL_SCALE / peak
    out = np.empty(mix.shape, dtype=np.int16)
    for start in range(0, len(mix), WRITE_FRAMES):  # chunked to avoid a second float copy
        chunk = mix[start:start + WRITE_FRAMES]
        out[start:start + WRITE_FRAMES] = np.rint(chunk * gain)
    return out


def _write_wav_atomically(target: Path, samples: np.ndarray, sample_rate: int) -> Job[None]:
    """Write the WAV through core.atomic: closing this job midway leaves no file and no temporary."""
    with atomic_file(target) as f, wave.open(f, "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)  # bytes: 16-bit PCM
        w.setframerate(sample_rate)
        for start in range(0, len(samples), WRITE_FRAMES):
            w.writeframes(samples[start:start + WRITE_FRAMES].astype("<i2", copy=False).tobytes())
            yield Progress(RENDER_SHARE + (1 - RENDER_SHARE) * start / len(samples), "Writing WAV file")
    yield Progress(1.0, "Done")


def _scaled(job: Job[R], start: float, stop: float) -> Job[R]:
    """Run ``job``, mapping its progress 0-1 onto start-stop; closing this closes ``job``."""
    try:
        while True:
            try:
                p = next(job)
            except StopIteration as done:
                return done.value
            yield Progress(start + (stop - start) * p.fraction, p.message)
    finally:
        job.close()
