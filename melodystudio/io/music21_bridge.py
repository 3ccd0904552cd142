"""Between music21 and the song model: a Score becomes plain records, the records become a Song.

Shared by the MusicXML and ABC readers (the reverse direction, Song -> Score, is in
``music21_export``). Rules applied on the way in:

- the melody part: ``part=`` (0-based) when given; else the first part whose name contains voice,
  vocal, melody, soprano or lead; else the first part with notes. Other parts go to the report.
- one voice: tied notes are merged first (the first note's pitch wins, which is what ABC means by
  a tie over a bar line); chords keep their top note; a note starting under a higher sounding note
  is dropped, one starting over a lower note cuts it (``report.dropped_notes`` counts both).
  Grace notes are dropped; rests are just gaps.
- bars stay regular: a short first measure (an anacrusis) is padded at the front with a rest.
- lyrics, phrases and melismas: see ``melodystudio.io.m21_lyrics``.
- chord symbols: see ``m21_chords``.
- defaults: 4/4 without a time signature, 120 bpm without a metronome mark, major for a key
  whose mode is not major/minor, velocity 90 unless the note or a dynamic mark says otherwise.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction

from music21 import chord, dynamics, harmony, key, meter, note, stream, tempo

from melodystudio.core.chords import Chord
from melodystudio.core.errors import FileFormatError, MelodyStudioError
from melodystudio.core.pitch import KeySignature
from melodystudio.core.song import Note, Song
from melodystudio.core.timeline import PPQ, TempoChange, Timeline, TimeSignature
from melodystudio.io.m21_chords import chords_of
from melodystudio.io.m21_lyrics import SyllableMark, resolve_lyrics, syllable_mark
from melodystudio.io.report import ImportReport

MELODY_PART_WORDS = re.compile(r"voice|vocal|melody|soprano|lead", re.IGNORECASE)
DEFAULT_VELOCITY = 90
DEFAULT_TEMPO = TempoChange(0, 500_000)  # 120 bpm


@dataclass(frozen=True, slots=True)
class NoteEvent:
    """One sounding note as written (a chord already reduced to its top note)."""

    onset: int
    duration: int
    pitch: int
    staff_pitch: tuple[str, int]  # step and octave: a tie joins notes on the same staff position
    tie: str | None  # music21 tie type: 'start', 'continue', 'stop' or None
    velocity: int
    syllable: SyllableMark | None
    source: int  # index among the part's notes in file order, once tied notes are merged

    @property
    def end(self) -> int:
        return self.onset + self.duration


@dataclass
class SongRecords:
    """Everything read from a score before the Song is built."""

    title: str = ""
    tempos: list[TempoChange] = field(default_factory=list)
    time_signatures: list[TimeSignature] = field(default_factory=list)
    keys: list[KeySignature] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    phrase_starts: list[bool] = field(default_factory=list)  # per note: a phrase (lyric line) starts here
    chords: list[Chord] = field(default_factory=list)
    source_notes: int = 0  # notes in the chosen part after merging ties, before reducing to one voice


def ticks(quarter_length: float | Fraction) -> int:
    return round(Fraction(quarter_length) * PPQ)


# -- choosing the part -------------------------------------------------------------------------
def choose_part(score: stream.Score, part: int | None, report: ImportReport, source: str) -> stream.Stream:
    parts: list[stream.Stream] = list(score.parts) or [score]
    names = [_part_label(p, i) for i, p in enumerate(parts)]
    if part is not None:
        if not 0 <= part < len(parts):
            raise FileFormatError(f"{source}: there is no part {part} (the file has parts 0-{len(parts) - 1})")
        index, why = part, "chosen by the caller"
    else:
        index, why = _default_part(parts)
    report.chosen_part = f"{names[index]} ({why})"
    report.other_parts = [n for i, n in enumerate(names) if i != index]
    return parts[index]


def _part_label(p: stream.Stream, index: int) -> str:
    name = (getattr(p, "partName", None) or "").strip() or "unnamed"
    return f"part {index} '{name}' ({_note_count(p)} notes)"


def _note_count(p: stream.Stream) -> int:
    return sum(not isinstance(n, harmony.Harmony) for n in p.recurse().notes)  # chord symbols are chords too


def _default_part(parts: Sequence[stream.Stream]) -> tuple[int, str]:
    for i, p in enumerate(parts):
        if MELODY_PART_WORDS.search(getattr(p, "partName", None) or ""):
            return i, "named as a melody part"
    for i, p in enumerate(parts):
        if _note_count(p):
            return i, "the first part with notes"
    return 0, "no part has notes"


# -- the whole score ---------------------------------------------------------------------------
def records_from_score(score: stream.Score, report: ImportReport, *, part: int | None = None,
                       source: str = "", meter_changes: bool = True,
                       line_note_counts: list[int] | None = None) -> SongRecords:
    """Read the melody, meter, keys, tempos and chords of ``score``.

    ``meter_changes=False`` keeps only the first time signature (music21's ABC re-barring invents
    time signatures for overfull bars). ``line_note_counts``: sounding notes per source line
    (ABC), whose first notes start phrases.
    """
    melody = choose_part(score, part, report, source)
    flat = melody.flatten()
    pad = _pickup_padding(melody, report)
    signatures = _time_signatures(flat, pad, meter_changes, report)
    tied = _merge_ties(_note_events(flat, pad, report))
    marks = _line_starts(line_note_counts, len(tied), report)
    merged = _one_voice(tied, report)
    lyrics, phrase_flags = resolve_lyrics(merged, marks, report)
    notes = [Note(e.onset, e.duration, e.pitch, e.velocity, lyr) for e, lyr in zip(merged, lyrics)]
    end = max(pad + ticks(melody.highestTime), notes[-1].end if notes else 0)
    return SongRecords(
        title=_title(score), tempos=_tempos(score, pad, notes, report), time_signatures=signatures,
        keys=_keys(flat, pad, report), notes=notes, phrase_starts=phrase_flags,
        chords=chords_of(score, melody, pad, end, report), source_notes=len(tied))


def build_song(records: SongRecords, source: str) -> Song:
    try:
        return Song(records.title, tempos=records.tempos, time_signatures=records.time_signatures,
                    keys=records.keys, notes=records.notes, chords=records.chords)
    except MelodyStudioError as e:
        raise FileFormatError(f"{source}: {e}") from None


def _title(score: stream.Score) -> str:
    md = score.metadata
    if md is None:
        return ""
    return str(md.title or md.movementName or "").strip()


# -- meter and pickup --------------------------------------------------------------------------
def _time_signatures(flat: stream.Stream, pad: int, meter_changes: bool,
                     report: ImportReport) -> list[TimeSignature]:
    """The meter map; ``pad`` shifts every change after the first (see ``_pickup_padding``)."""
    sigs: list[TimeSignature] = []
    for ts in flat.getElementsByClass(meter.TimeSignature):
        try:
            sig = TimeSignature(0, ts.numerator, ts.denominator)
        except MelodyStudioError as e:
            report.warn(f"time signature {ts.ratioString} left out: {e}")
            continue
        if not sigs:
            sigs.append(sig)
            continue
        if not meter_changes:
            break
        if (sig.numerator, sig.denominator) != (sigs[-1].numerator, sigs[-1].denominator):
            sigs = _add_meter_change(sigs, sig, pad + ticks(ts.offset), report)
    if not sigs:
        report.warn("no time signature: bars are 4/4")
        sigs = [TimeSignature(0, 4, 4)]
    return sigs


def _add_meter_change(sigs: list[TimeSignature], sig: TimeSignature, tick: int,
                      report: ImportReport) -> list[TimeSignature]:
    timeline = Timeline(sigs, [DEFAULT_TEMPO])
    bar = timeline.bar_at(tick)
    if not timeline.is_bar_line(tick):
        bar += 1
        report.warn(f"time signature {sig} does not fall on a bar line; it starts at bar {bar + 1}")
    kept = [s for s in sigs if s.bar < bar]
    return [*kept, TimeSignature(bar, sig.numerator, sig.denominator)]


def _pickup_padding(melody: stream.Stream, report: ImportReport) -> int:
    """Ticks of rest to put before a short first measure so that later bar lines fall on bars."""
    measures = melody.getElementsByClass(stream.Measure)
    first = measures[0].timeSignature if measures else None
    if len(measures) < 2 or first is None:
        return 0
    try:
        bar = TimeSignature(0, first.numerator, first.denominator).bar_ticks
    except MelodyStudioError:
        return 0  # a meter we cannot hold is replaced by 4/4, which says nothing about this bar
    filled = ticks(measures[0].highestTime)
    if not 0 < filled < bar:
        return 0
    report.warn(f"the pickup bar was padded with a {Fraction(bar - filled, PPQ)}-quarter rest "
                "so that bars stay regular")
    return bar - filled


# -- notes -------------------------------------------------------------------------------------
def _note_events(flat: stream.Stream, pad: int, report: ImportReport) -> list[NoteEvent]:
    verse = _first_verse(flat, report)
    loudness = _dynamics(flat, pad)
    events: list[NoteEvent] = []
    graces = dropped = 0
    for n in flat.notes:
        if isinstance(n, harmony.Harmony) or not isinstance(n, (note.Note, chord.Chord)):
            continue
        if n.duration.isGrace:
            graces += 1
            continue
        top = n if isinstance(n, note.Note) else max(n.notes, key=lambda x: x.pitch.ps)
        if isinstance(n, chord.Chord):
            report.dropped_notes += len(n.notes) - 1
        onset, end = pad + ticks(n.offset), pad + ticks(n.offset + n.quarterLength)
        midi = round(top.pitch.ps)
        if end <= onset or not 0 <= midi <= 127:
            dropped += 1
            continue
        tie = top.tie or n.tie
        events.append(NoteEvent(onset, end - onset, midi, (top.pitch.step, top.pitch.octave or 4),
                                tie.type if tie is not None else None, _velocity(n, onset, loudness),
                                syllable_mark(n, verse, report), -1))
    if graces:
        report.warn(f"{graces} grace notes left out")
    if dropped:
        report.warn(f"{dropped} notes of zero length or outside the MIDI range left out")
    return events


def _first_verse(flat: stream.Stream, report: ImportReport) -> int | None:
    numbers = {ly.number for n in flat.notes for ly in n.lyrics if ly.text}
    if len(numbers) > 1:
        report.warn(f"only the first of {len(numbers)} verses of lyrics was imported")
    return min(numbers) if numbers else None


def _dynamics(flat: stream.Stream, pad: int) -> tuple[list[int], list[int]]:
    """Tick and velocity of each dynamic mark (pp, mf, ff ...), in order."""
    marks = [(pad + ticks(d.offset), round(d.volumeScalar * 127)) for d in flat.getElementsByClass(dynamics.Dynamic)
             if d.volumeScalar is not None]
    return [t for t, _ in marks], [min(127, max(1, v)) for _, v in marks]


def _velocity(n: note.NotRest, onset: int, loudness: tuple[list[int], list[int]]) -> int:
    if n.hasVolumeInformation() and n.volume.velocityScalar is not None:
        return min(127, max(1, round(n.volume.velocityScalar * 127)))
    i = bisect.bisect_right(loudness[0], onset) - 1
    return loudness[1][i] if i >= 0 else DEFAULT_VELOCITY


def _merge_ties(events: list[NoteEvent]) -> list[NoteEvent]:
    """Join each tie continuation to the note it continues (same staff position, touching);
    ``source`` then numbers the merged notes."""
    out: list[NoteEvent] = []
    waiting: dict[tuple[str, int], int] = {}  # staff position -> index in out of a note whose tie goes on
    for ev in events:
        j = waiting.pop(ev.staff_pitch, None)
        if ev.tie in ("stop", "continue") and j is not None and out[j].end == ev.onset:
            out[j] = replace(out[j], duration=out[j].duration + ev.duration)
            if ev.tie == "continue":
                waiting[ev.staff_pitch] = j
            continue
        out.append(replace(ev, source=len(out)))
        if ev.tie in ("start", "continue"):
            waiting[ev.staff_pitch] = len(out) - 1
    return out


def _one_voice(events: list[NoteEvent], report: ImportReport) -> list[NoteEvent]:
    """Skyline: keep the highest note at each moment (see the module docstring)."""
    out: list[NoteEvent] = []
    for ev in sorted(events, key=lambda e: (e.onset, -e.pitch)):
        if out and ev.onset < out[-1].end:
            last = out[-1]
            if ev.onset == last.onset or ev.pitch <= last.pitch:
                report.dropped_notes += 1
                continue
            out[-1] = replace(last, duration=ev.onset - last.onset)
        out.append(ev)
    return out


def _line_starts(counts: list[int] | None, sounding: int, report: ImportReport) -> set[int]:
    """Source indices of the first note of each line, when the counts agree with the notes read."""
    if counts is None:
        return set()
    if sum(counts) != sounding:
        report.warn(f"phrases could not be recovered from the line breaks ({sum(counts)} notes in the lines, "
                    f"{sounding} read)")
        return {0}
    starts, total = set(), 0
    for c in counts:
        if c:
            starts.add(total)
        total += c
    return starts


# -- maps: tempo, key --------------------------------------------------------------------------
def _tempos(score: stream.Score, pad: int, notes: list[Note], report: ImportReport) -> list[TempoChange]:
    by_tick: dict[int, TempoChange] = {}
    for mm in score.flatten().getElementsByClass(tempo.MetronomeMark):
        bpm = mm.getQuarterBPM()
        tick = pad + ticks(mm.offset) if mm.offset else 0
        if bpm is None or tick in by_tick:
            continue
        try:
            by_tick[tick] = TempoChange.from_bpm(tick, bpm)
        except MelodyStudioError as e:
            report.warn(f"metronome mark left out: {e}")
    out = sorted(by_tick.values(), key=lambda t: t.tick)
    first_onset = notes[0].onset if notes else 0
    if out and out[0].tick <= first_onset:
        out[0] = TempoChange(0, out[0].us_per_quarter)  # a mark over the pickup holds from the start
    if not out or out[0].tick > 0:
        out.insert(0, DEFAULT_TEMPO)
    return out


def _keys(flat: stream.Stream, pad: int, report: ImportReport) -> list[KeySignature]:
    out: list[KeySignature] = []
    for ks in flat.getElementsByClass(key.KeySignature):
        mode = getattr(ks, "mode", None)
        tick = pad + ticks(ks.offset) if ks.offset else 0
        try:
            k = KeySignature.from_sharps(tick, ks.sharps, "minor" if mode == "minor" else "major")
        except MelodyStudioError as e:
            report.warn(f"key signature left out: {e}")
            continue
        if out and (out[-1].tonic, out[-1].mode) == (k.tonic, k.mode):
            continue
        if out and out[-1].tick == tick:
            out.pop()
        out.append(k)
    return out
