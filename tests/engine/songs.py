"""Hypothesis strategies: random songs (meters, keys, rests, off-grid notes), selections, options."""

from __future__ import annotations

from hypothesis import strategies as st

from melodystudio.core import KeySignature, Note, Song, TimeSignature
from melodystudio.engine import GenerationOptions

METERS = [(4, 4), (3, 4), (6, 8), (2, 4), (5, 8), (7, 16), (2, 2)]
DURATIONS = [120, 240, 480, 960, 360, 160, 80, 30, 1440]  # ticks: 30 is off the 40-tick grid
GAPS = [0, 0, 0, 0, 120, 240, 480, 100]


@st.composite
def songs(draw: st.DrawFn, min_notes: int = 1) -> Song:
    meters = [TimeSignature(0, *draw(st.sampled_from(METERS)))]
    bars = draw(st.integers(2, 9))
    if draw(st.booleans()):  # a meter change somewhere inside
        meters.append(TimeSignature(draw(st.integers(1, bars - 1)), *draw(st.sampled_from(METERS))))
    song = Song("random", time_signatures=meters)
    end = song.timeline.bar_start(bars)
    notes, tick = [], 0
    while True:
        onset = tick + draw(st.sampled_from(GAPS))
        dur = draw(st.sampled_from(DURATIONS))
        if onset + dur > end:
            break
        notes.append(Note(onset, dur, draw(st.integers(48, 84)), draw(st.integers(40, 110))))
        tick = onset + dur
    if len(notes) < min_notes:
        notes = [Note(0, 240, 60)]
    keys = []
    if draw(st.integers(0, 3)):  # mostly with a key, sometimes two
        keys.append(KeySignature(0, draw(st.sampled_from(["C", "G", "D", "F", "Bb", "A", "E"])),
                                 draw(st.sampled_from(["major", "minor"]))))
        if draw(st.booleans()):
            keys.append(KeySignature(song.timeline.bar_start(draw(st.integers(1, bars))), "Eb"))
    return Song("random", time_signatures=meters, keys=keys, notes=notes)


@st.composite
def selections(draw: st.DrawFn, song: Song) -> tuple[int, int]:
    first = draw(st.integers(0, song.bar_count - 1))
    last = draw(st.integers(first, min(song.bar_count - 1, first + 4)))
    return first, last


@st.composite
def options(draw: st.DrawFn, keep_rhythm: bool | None = None) -> GenerationOptions:
    low = draw(st.integers(40, 80))
    pitch_range = (low, low + draw(st.integers(0, 30))) if draw(st.booleans()) else None
    return GenerationOptions(
        variations=draw(st.integers(1, 4)), temperature=draw(st.sampled_from([0.3, 0.9, 1.5, 3.0])),
        top_p=draw(st.sampled_from([0.3, 0.9, 1.0])), seed=draw(st.integers(0, 2**31 - 1)),
        key_lock=draw(st.booleans()), pitch_range=pitch_range,
        keep_rhythm=draw(st.booleans()) if keep_rhythm is None else keep_rhythm)
