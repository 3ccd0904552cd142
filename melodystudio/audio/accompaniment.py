"""The chord accompaniment: how the song's chord track is played, as notes in ticks.

One description serves live playback (``playback.sequence``) and offline rendering
(``audio.schedule``), so a WAV sounds like what was heard while editing. Two textures:

- block: every chord tone struck together at the chord's onset and again on each bar line the
  chord holds across (a held piano chord would otherwise die away over a long chord);
- broken: one chord tone per step of the bar, a pattern read from the meter (``broken_pattern``):
  root-fifth-third-fifth in 4/4 (an Alberti bass), root-third-fifth in 3/4 and on each dotted beat
  of 6/8, 9/8 and 12/8. Steps are counted from the bar line, so a chord starting on beat 3 plays
  the bar's third and fourth steps; a chord always starts on its bass, wherever it starts.

No note ever sounds past its chord's end.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from melodystudio.audio.errors import AudioError
from melodystudio.core.chords import QUALITY_BY_NAME, Chord
from melodystudio.core.song import Song
from melodystudio.core.timeline import Timeline, TimeSignature

BLOCK, BROKEN, OFF = "block", "broken", "off"
STYLES = (BLOCK, BROKEN, OFF)
OCTAVE_RANGE = (1, 5)  # voicings from C1-B1 up to C5-B5 (their top stays below MIDI 100)

# Chord tones a broken-chord step can play: the bass (the slash bass, else the root), the third,
# the fifth, and the colour tone (seventh or sixth; the fifth again in a triad). A tone the chord
# lacks (the third of a power chord) falls back to its highest tone.
BASS, THIRD, FIFTH, COLOUR = 0, 1, 2, 3
FOUR_STEPS = (BASS, FIFTH, THIRD, COLOUR)  # 4/4, and cycled for 2/4, 5/4, 6/4 ...: root-fifth-third-fifth
THREE_STEPS = (BASS, THIRD, COLOUR)  # 3/4, 3/8, and each dotted beat of a compound meter


@dataclass(frozen=True, slots=True)
class AccompanimentStyle:
    """How chords sound; every field has a check, so a bad setting fails before playing starts."""

    style: str = BLOCK  # one of STYLES
    program: int = 0  # GM program of the chord channel (0: Acoustic Grand Piano)
    velocity: int = 60  # under the melody's default 90
    octave: int = 3  # octave of the chord's root: 3 puts C major on C3-E3-G3 (MIDI 48, 52, 55)

    def __post_init__(self) -> None:
        if self.style not in STYLES:
            raise AudioError(f"chord style '{self.style}' is not one of {', '.join(STYLES)}")
        if not 0 <= self.program <= 127:
            raise AudioError(f"GM chord program {self.program} is outside 0-127")
        if not 1 <= self.velocity <= 127:
            raise AudioError(f"chord velocity {self.velocity} is outside 1-127")
        if not OCTAVE_RANGE[0] <= self.octave <= OCTAVE_RANGE[1]:
            raise AudioError(f"chord octave {self.octave} is outside {OCTAVE_RANGE[0]}-{OCTAVE_RANGE[1]}")

    @property
    def sounds(self) -> bool:
        return self.style != OFF


@dataclass(frozen=True, slots=True, order=True)
class ChordNote:
    """One accompaniment note, in song ticks [onset, end)."""

    onset: int
    end: int
    pitch: int
    velocity: int


def broken_pattern(ts: TimeSignature) -> tuple[int, tuple[int, ...]]:
    """(ticks per step, chord tone of each step) for a bar of ``ts``; the steps fill the bar.

    Simple meters take one step per beat; compound meters (6/8, 9/8, 12/8) one per eighth, in
    groups of three per dotted beat.
    """
    beats = ts.beats_per_bar
    unit = ts.bar_ticks // ts.numerator  # the denominator's note value
    if ts.beat_ticks != unit:  # compound: the felt beat is a dotted note of three units
        return unit, THREE_STEPS * beats
    if beats == 3:
        return unit, THREE_STEPS
    return unit, tuple(FOUR_STEPS[i % len(FOUR_STEPS)] for i in range(beats))


def chord_notes(chord: Chord, timeline: Timeline, style: AccompanimentStyle) -> list[ChordNote]:
    """The notes that play ``chord`` in ``style``, sorted by onset then pitch."""
    if not style.sounds:
        return []
    voicing = chord.symbol.voicing(style.octave)
    upper = voicing[-len(QUALITY_BY_NAME[chord.symbol.quality].intervals):]  # root position, no slash bass
    strikes = _broken_strikes(chord, timeline) if style.style == BROKEN else _block_strikes(chord, timeline)
    notes: list[ChordNote] = []
    for i, (tick, tone) in enumerate(strikes):
        end = strikes[i + 1][0] if i + 1 < len(strikes) else chord.end
        pitches = voicing if tone is None else [voicing[0] if tone == BASS else upper[min(tone, len(upper) - 1)]]
        notes.extend(ChordNote(tick, end, p, style.velocity) for p in pitches)
    return notes


def accompaniment_notes(song: Song, style: AccompanimentStyle, start: int = 0,
                        end: int | None = None) -> list[ChordNote]:
    """The whole accompaniment of ``song`` in [start, end) (``end`` None: to the song's end),
    sorted; a note sounding at ``start`` begins there and one running past ``end`` stops there."""
    stop = song.end_tick if end is None else end
    notes: list[ChordNote] = []
    for chord in song.chords_between(start, stop):
        notes.extend(clip(chord_notes(chord, song.timeline, style), start, stop))
    return sorted(notes)


def clip(notes: Iterable[ChordNote], start: int, end: int) -> list[ChordNote]:
    """``notes`` cut to [start, end); notes wholly outside are dropped."""
    return [ChordNote(max(n.onset, start), min(n.end, end), n.pitch, n.velocity)
            for n in notes if n.onset < end and n.end > start]


def _block_strikes(chord: Chord, timeline: Timeline) -> list[tuple[int, int | None]]:
    """(tick, None: every tone) at the onset and at each bar line inside the chord."""
    strikes: list[tuple[int, int | None]] = [(chord.onset, None)]
    bar = timeline.bar_at(chord.onset) + 1
    while (tick := timeline.bar_start(bar)) < chord.end:
        strikes.append((tick, None))
        bar += 1
    return strikes


def _broken_strikes(chord: Chord, timeline: Timeline) -> list[tuple[int, int | None]]:
    """(tick, chord tone) at the onset (the bass) and at every step of the bars inside the chord."""
    strikes: list[tuple[int, int | None]] = [(chord.onset, BASS)]
    bar = timeline.bar_at(chord.onset)
    while (bar_start := timeline.bar_start(bar)) < chord.end:
        step, tones = broken_pattern(timeline.signature_at_bar(bar))
        for k, tone in enumerate(tones):
            tick = bar_start + k * step
            if chord.onset < tick < chord.end:
                strikes.append((tick, tone))
        bar += 1
    return strikes
