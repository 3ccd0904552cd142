"""Offline rendering: real melodies through FluidSynth with the TimGM6mb sound font."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from melodystudio.audio import AudioError, render_samples, render_wav, song_events
from melodystudio.audio.render import TARGET_PEAK
from melodystudio.audio.schedule import CHORD_CHANNEL, DEFAULT_ACCOMPANIMENT, MELODY_CHANNEL
from melodystudio.core import PPQ, Note, Song
from melodystudio.core.progress import Progress, run_to_end

RATE = 44100
TWINKLE_SECONDS = 8.0  # 16 quarter notes at 120 bpm


def read_wav(path: Path) -> tuple[tuple[int, int, int], np.ndarray]:
    """(channels, bytes per sample, frame rate) and the samples as (frames, channels) int16."""
    with wave.open(str(path), "rb") as w:
        params = w.getparams()
        data = np.frombuffer(w.readframes(params.nframes), dtype="<i2").reshape(-1, params.nchannels)
    return (params.nchannels, params.sampwidth, params.framerate), data


def rms(samples: np.ndarray) -> float:
    return float(np.sqrt(np.mean((samples.astype(np.float64) / 32768) ** 2)))


def samples(song: Song, soundfont: Path, **kwargs: object) -> np.ndarray:
    return run_to_end(render_samples(song, soundfont=soundfont, **kwargs))  # type: ignore[arg-type]


# -- the WAV file -------------------------------------------------------------------------------
def test_wav_of_a_real_melody_is_44100_hz_stereo_16_bit_and_audible(twinkle, soundfont, tmp_path):
    out = tmp_path / "twinkle.wav"
    progress: list[Progress] = []
    result = run_to_end(render_wav(twinkle, out, soundfont=soundfont), progress.append)

    format_, data = read_wav(out)
    assert format_ == (2, 2, 44100)
    assert len(data) == round((TWINKLE_SECONDS + 1.0) * RATE)  # song + 1 s tail, exactly
    assert rms(data) > 0.05
    assert result.path == out
    assert result.seconds == TWINKLE_SECONDS + 1.0
    assert result.soundfont == soundfont.resolve()
    assert result.peak == pytest.approx(TARGET_PEAK, abs=1e-4)
    assert [p.name for p in tmp_path.iterdir()] == ["twinkle.wav"]  # no temporary file left
    fractions = [p.fraction for p in progress]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0


def test_peak_is_normalised_to_minus_1_dbfs_without_clipping(twinkle, soundfont):
    audio = samples(twinkle, soundfont)
    assert audio.dtype == np.int16 and audio.shape == (round(9.0 * RATE), 2)
    assert int(np.abs(audio.astype(np.int32)).max()) == round(TARGET_PEAK * 32767)


def test_a_note_sounds_from_its_onset_frame(soundfont):
    # One quarter note on beat 3 of bar 1 at 120 bpm: it starts at 1.0 s = frame 44100.
    song = Song("one note", notes=[Note(2 * PPQ, PPQ, 72)])
    audio = samples(song, soundfont, include_chords=False)
    first = int(np.flatnonzero(np.abs(audio).max(axis=1))[0])
    # FluidSynth applies events at its next 64-frame block; its attack adds a few frames more.
    assert 44100 <= first < 44100 + 128


# -- timing -------------------------------------------------------------------------------------
def test_tempo_change_changes_the_length_as_the_tempo_map_says(make_song, soundfont, tmp_path):
    # Bars 1-2 at 120 bpm (4 s), bars 3-4 at 60 bpm (8 s).
    song = make_song(120.0, tempo_changes=((8 * PPQ, 60.0),))
    assert song.duration_seconds == 12.0
    out = tmp_path / "slow.wav"
    result = run_to_end(render_wav(song, out, soundfont=soundfont, tail_seconds=0.5))
    assert len(read_wav(out)[1]) == round(12.5 * RATE)
    assert result.seconds == 12.5


def test_events_fall_on_the_frames_of_the_tempo_map(make_song):
    song = make_song(120.0, tempo_changes=((8 * PPQ, 60.0),), chords=False)
    onsets = [e.frame for e in song_events(song, RATE) if e.is_on]
    # Quarters last 0.5 s before bar 3 and 1 s from it on; the halves start at 3 s and 10 s.
    seconds = [0, 0.5, 1, 1.5, 2, 2.5, 3, 4, 5, 6, 7, 8, 9, 10]
    assert onsets == [round(s * RATE) for s in seconds]


def test_a_repeated_pitch_is_released_before_it_is_struck_again(twinkle):
    events = song_events(twinkle, RATE, include_chords=False)
    at_half_second = [(e.is_on, e.pitch) for e in events if e.frame == RATE // 2]
    assert at_half_second == [(False, 60), (True, 60)]


# -- chords -------------------------------------------------------------------------------------
def test_chords_play_quieter_on_channel_1_and_melody_on_channel_0(twinkle):
    events = song_events(twinkle, RATE)
    chord_ons = [e for e in events if e.is_on and e.channel == CHORD_CHANNEL]
    melody_ons = [e for e in events if e.is_on and e.channel == MELODY_CHANNEL]
    assert len(melody_ons) == 14
    assert [e.pitch for e in chord_ons[:3]] == [48, 52, 55]  # C major around C3
    assert all(e.velocity == DEFAULT_ACCOMPANIMENT.velocity < n.velocity for e in chord_ons for n in twinkle.notes)


def test_chords_change_the_signal(twinkle, soundfont):
    with_chords = samples(twinkle, soundfont)
    melody_only = samples(twinkle, soundfont, include_chords=False)
    assert with_chords.shape == melody_only.shape
    difference = with_chords.astype(np.int32) - melody_only.astype(np.int32)  # int32: no wrap-around
    assert rms(difference) > 0.02


def test_a_chord_only_song_renders_and_needs_its_chords(make_song, soundfont):
    chords_only = make_song(notes=False)
    assert rms(samples(chords_only, soundfont)) > 0.05
    with pytest.raises(AudioError, match=r"nothing to render.*chords are switched off"):
        samples(chords_only, soundfont, include_chords=False)


# -- programs -----------------------------------------------------------------------------------
def test_program_argument_overrides_the_songs_program(twinkle, soundfont):
    piano = samples(twinkle, soundfont, include_chords=False)
    violin = samples(twinkle, soundfont, include_chords=False, program=40)
    twinkle.program = 40
    from_song = samples(twinkle, soundfont, include_chords=False)
    assert not np.array_equal(piano, violin)
    assert np.array_equal(violin, from_song)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"program": 128}, "GM program 128 is outside 0-127"),
    ({"sample_rate": 4000}, "sample rate 4000 Hz"),
    ({"tail_seconds": -1.0}, "tail of -1.0 s"),
])
def test_bad_settings_are_refused(twinkle, soundfont, kwargs, message):
    with pytest.raises(AudioError, match=message):
        samples(twinkle, soundfont, **kwargs)


# -- errors and cancellation --------------------------------------------------------------------
def test_empty_song_has_nothing_to_render(soundfont, tmp_path):
    out = tmp_path / "empty.wav"
    with pytest.raises(AudioError, match="nothing to render: the song has no notes or chords"):
        run_to_end(render_wav(Song("empty"), out, soundfont=soundfont))
    assert list(tmp_path.iterdir()) == []


def test_missing_output_folder_is_reported_before_rendering(twinkle, soundfont, tmp_path):
    with pytest.raises(AudioError, match=r"folder .*nowhere does not exist"):
        run_to_end(render_wav(twinkle, tmp_path / "nowhere" / "x.wav", soundfont=soundfont))


def test_cancelling_while_rendering_leaves_no_file(twinkle, soundfont, tmp_path):
    out = tmp_path / "cancelled.wav"
    job = render_wav(twinkle, out, soundfont=soundfont)
    first = next(job)
    assert first.message == "Rendering audio" and first.fraction < 0.5
    job.close()
    assert list(tmp_path.iterdir()) == []


def test_cancelling_while_writing_removes_the_temp_file_and_keeps_the_old_wav(twinkle, soundfont, tmp_path):
    out = tmp_path / "song.wav"
    out.write_bytes(b"the previous render")
    job = render_wav(twinkle, out, soundfont=soundfont)
    while next(job).message != "Writing WAV file":
        pass
    assert len(list(tmp_path.iterdir())) == 2  # mid-write: the temporary file is there
    job.close()
    assert list(tmp_path.iterdir()) == [out]
    assert out.read_bytes() == b"the previous render"


def test_a_finished_render_replaces_an_old_file(twinkle, soundfont, tmp_path):
    out = tmp_path / "song.wav"
    out.write_bytes(b"the previous render")
    out.chmod(0o640)
    run_to_end(render_wav(twinkle, out, soundfont=soundfont))
    assert len(read_wav(out)[1]) == round(9.0 * RATE)
    assert out.stat().st_mode & 0o777 == 0o640
