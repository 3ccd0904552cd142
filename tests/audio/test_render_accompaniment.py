"""Rendering the chord accompaniment: block, broken and off read back from real WAV files."""

from __future__ import annotations

import numpy as np

from melodystudio.audio import AccompanimentStyle, accompaniment_notes, render_wav, song_events
from melodystudio.audio.schedule import CHORD_CHANNEL
from melodystudio.core import Note, Song
from melodystudio.core.progress import run_to_end
from tests.audio.test_render import RATE, read_wav, rms, samples

BLOCK, BROKEN, OFF = (AccompanimentStyle(s) for s in ("block", "broken", "off"))


def test_broken_chords_render_differently_from_block_chords(twinkle, soundfont, tmp_path):
    block_result = run_to_end(render_wav(twinkle, tmp_path / "block.wav", soundfont=soundfont, accompaniment=BLOCK))
    broken_result = run_to_end(render_wav(twinkle, tmp_path / "broken.wav", soundfont=soundfont,
                                          accompaniment=BROKEN))
    _, block = read_wav(block_result.path)
    _, broken = read_wav(broken_result.path)
    assert block.shape == broken.shape == (9 * RATE, 2)  # 4 bars at 120 bpm plus the 1 s tail
    assert rms(block.astype(np.int32) - broken.astype(np.int32)) > 0.02  # int32: no wrap-around


def test_broken_chords_sound_exactly_like_the_arpeggio_written_out_as_notes(make_song, soundfont):
    """The chords of Twinkle rendered broken equal their notes played as a melody on the same
    instrument: the WAV holds the notes ``accompaniment_notes`` promises, at their frames."""
    chords_only = make_song(notes=False)
    arpeggio = accompaniment_notes(chords_only, BROKEN)
    assert len(arpeggio) == 16  # one note per beat of 4 bars
    written_out = Song("arpeggio", notes=[Note(n.onset, n.end - n.onset, n.pitch, n.velocity) for n in arpeggio])
    rendered = samples(chords_only, soundfont, accompaniment=BROKEN)
    as_melody = samples(written_out, soundfont)
    # Channel volumes differ (chords sit lower); peak normalisation cancels that, leaving rounding.
    assert rendered.shape == as_melody.shape
    assert np.abs(rendered.astype(np.int32) - as_melody.astype(np.int32)).max() <= 2


def test_off_renders_exactly_the_melody_alone(twinkle, soundfont):
    assert np.array_equal(samples(twinkle, soundfont, accompaniment=OFF),
                          samples(twinkle, soundfont, include_chords=False))


def test_the_chord_program_changes_only_the_chords(make_song, soundfont):
    chords_only = make_song(notes=False)
    piano = samples(chords_only, soundfont, accompaniment=BLOCK)
    guitar = samples(chords_only, soundfont, accompaniment=AccompanimentStyle("block", program=24))
    assert rms(guitar) > 0.05 and not np.array_equal(piano, guitar)
    melody_only = make_song(chords=False)
    assert np.array_equal(samples(melody_only, soundfont, accompaniment=AccompanimentStyle(program=24)),
                          samples(melody_only, soundfont))


def test_the_schedule_uses_the_style(twinkle):
    broken = [e for e in song_events(twinkle, RATE, accompaniment=BROKEN) if e.channel == CHORD_CHANNEL and e.is_on]
    assert [e.frame for e in broken[:4]] == [0, RATE // 2, RATE, 3 * RATE // 2]  # a note per beat at 120 bpm
    assert [e.pitch for e in broken[:4]] == [48, 55, 52, 55]
    assert not [e for e in song_events(twinkle, RATE, accompaniment=OFF) if e.channel == CHORD_CHANNEL]

