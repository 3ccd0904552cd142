"""Song -> music21 Score, laid out and notated so that music21 can write it as it stands and
``music21_bridge`` reads it back to the same Song.

One part named "Melody" (so the reader picks it by name), one measure per bar of the song's
timeline. Notes crossing a bar line become tied notes, as do notes no single written value can
spell (2.5 quarters: a half tied to an eighth; see ``note_values``); gaps become rests, spelled the
same way; chord symbols sit at their onsets and a no-chord mark ends a chord that is not followed
straight away by another one.
Velocities other than 90 go into the note's ``dynamics`` attribute. Lyrics: see ``m21_lyrics``
(extend lines, held notes and line ends travel as tags that ``musicxml`` turns into XML elements).
The GM program is not written: it takes its default when the file is read back.
"""

from __future__ import annotations

import bisect
from fractions import Fraction

from music21 import base, harmony, key, metadata, meter, note, pitch, stream, tempo, tie
from music21.stream import makeNotation

from melodystudio.core.song import Lyric, Note, Song
from melodystudio.core.timeline import PPQ
from melodystudio.io.m21_chords import m21_chord_symbol, m21_name
from melodystudio.io.m21_lyrics import END_LINE, EXTEND, HELD, LAST, tag
from melodystudio.io.music21_bridge import DEFAULT_VELOCITY
from melodystudio.io.note_values import spelled

MELODY_PART_NAME = "Melody"
# (piece starts the note, piece ends the note) -> the piece's tie
_TIE_TYPES = {(True, True): None, (True, False): "start", (False, False): "continue", (False, True): "stop"}


def quarters(tick_count: int) -> Fraction:
    return Fraction(tick_count, PPQ)


def score_from_song(song: Song) -> stream.Score:
    score = stream.Score()
    md = metadata.Metadata()
    md.title = song.title
    score.insert(0, md)
    part = stream.Part()
    part.id = "P1"
    part.partName = MELODY_PART_NAME
    bars = _bars_needed(song)
    timeline = song.timeline
    score_end = timeline.bar_start(bars)
    marks = _marks_by_bar(song, score_end)
    pieces = _pieces_by_bar(song)
    key_ticks = [k.tick for k in song.keys]
    for bar in range(bars):
        start, end = timeline.bar_start(bar), timeline.bar_start(bar + 1)
        m = stream.Measure(number=bar + 1)
        sig = next((s for s in song.time_signatures if s.bar == bar), None)
        if sig is not None:
            m.timeSignature = meter.TimeSignature(f"{sig.numerator}/{sig.denominator}")
        for tick, obj in marks.get(bar, []):
            m.insert(quarters(tick - start), obj)
        _add_notes(m, pieces.get(bar, []), start, end, key_ticks)
        makeNotation.makeTupletBrackets(m, inPlace=True)
        part.append(m)
    part.makeAccidentals(inPlace=True)  # which accidentals to print, given the key and the bar
    score.insert(0, part)
    return score


def _bars_needed(song: Song) -> int:
    """Bars holding every note, chord, key, tempo and time signature (at least one)."""
    last = max([song.end_tick, *(k.tick + 1 for k in song.keys), *(t.tick + 1 for t in song.tempos)])
    return max(song.timeline.bars_to_hold(last), song.time_signatures[-1].bar + 1)


def _marks_by_bar(song: Song, score_end: int) -> dict[int, list[tuple[int, base.Music21Object]]]:
    """Keys, metronome marks and chord symbols (and no-chord marks), by bar, with their ticks."""
    marks: list[tuple[int, base.Music21Object]] = []
    marks += [(k.tick, key.Key(m21_name(k.tonic), k.mode)) for k in song.keys]
    marks += [(t.tick, tempo.MetronomeMark(number=_plain_bpm(t.us_per_quarter), referent=1.0))
              for t in song.tempos]
    chords = song.chords
    for i, c in enumerate(chords):
        marks.append((c.onset, m21_chord_symbol(c.symbol)))
        next_onset = chords[i + 1].onset if i + 1 < len(chords) else score_end
        if c.end != next_onset:
            marks.append((c.end, harmony.NoChord()))
    by_bar: dict[int, list[tuple[int, base.Music21Object]]] = {}
    for tick, obj in marks:
        by_bar.setdefault(song.timeline.bar_at(tick), []).append((tick, obj))
    return by_bar


def _plain_bpm(us_per_quarter: int) -> float:
    """The shortest decimal bpm that reads back to exactly ``us_per_quarter``."""
    exact = 60_000_000 / us_per_quarter
    for digits in range(7):
        bpm = round(exact, digits)
        if round(60_000_000 / bpm) == us_per_quarter:
            return int(bpm) if bpm == int(bpm) else bpm
    return exact


Piece = tuple[int, int, note.Note]  # onset tick, end tick, the music21 note


def _pieces_by_bar(song: Song) -> dict[int, list[Piece]]:
    """Each note cut into tied pieces at bar lines and key changes, and spelled in written values
    (``note_values``); the first piece carries the lyric.

    A key change is a MusicXML <attributes> element, which can only stand between notes.
    """
    lyrics = _lyrics(song.notes)
    timeline = song.timeline
    key_ticks = [k.tick for k in song.keys]
    by_bar: dict[int, list[Piece]] = {}
    for n, lyric in zip(song.notes, lyrics):
        bar = timeline.bar_at(n.onset)
        onset = n.onset
        while onset < n.end:
            bar_start, bar_end = timeline.bar_start(bar), timeline.bar_start(bar + 1)
            stop = min(n.end, _next_cut(key_ticks, onset, bar_end))
            for value in spelled(stop - onset, onset - bar_start):
                by_bar.setdefault(bar, []).append((onset, onset + value, _piece(n, onset, onset + value, lyric)))
                onset += value
            if onset == bar_end:
                bar += 1
    return by_bar


def _next_cut(key_ticks: list[int], tick: int, bar_end: int) -> int:
    i = bisect.bisect_right(key_ticks, tick)
    return min(bar_end, key_ticks[i]) if i < len(key_ticks) else bar_end


def _add_notes(m: stream.Measure, pieces: list[Piece], start: int, end: int, key_ticks: list[int]) -> None:
    cursor = start
    for onset, stop, piece in pieces:
        _add_rests(m, start, cursor, onset, key_ticks)
        m.insert(quarters(onset - start), piece)
        cursor = stop
    _add_rests(m, start, cursor, end, key_ticks)


def _add_rests(m: stream.Measure, bar_start: int, start: int, end: int, key_ticks: list[int]) -> None:
    """Rests filling [start, end), cut at key changes like the notes and spelled in written values."""
    while start < end:
        stop = _next_cut(key_ticks, start, end)
        for value in spelled(stop - start, start - bar_start):
            m.insert(quarters(start - bar_start), note.Rest(quarterLength=quarters(value)))
            start += value


def _piece(n: Note, onset: int, stop: int, lyric: note.Lyric | None) -> note.Note:
    """The part of ``n`` between ``onset`` and ``stop`` (one written value), tied to the rest of it."""
    # by MIDI number: music21 reads a bare 0-11 as a pitch class in octave 4
    piece = note.Note(pitch.Pitch(midi=n.pitch), quarterLength=quarters(stop - onset))
    tie_type = _TIE_TYPES[(onset == n.onset, stop == n.end)]
    if tie_type is not None:
        piece.tie = tie.Tie(tie_type)
    if n.velocity != DEFAULT_VELOCITY:
        piece.volume.velocity = n.velocity
    if onset == n.onset and lyric is not None:
        piece.lyrics.append(lyric)
    return piece


def _lyrics(notes: tuple[Note, ...]) -> list[note.Lyric | None]:
    """Per note, the music21 lyric to write on its first piece, tagged as ``m21_lyrics`` describes."""
    line_ends = _line_ends(notes)
    out: list[note.Lyric | None] = []
    for i, n in enumerate(notes):
        lyr = n.lyric
        if lyr is None:
            out.append(None)
            continue
        following = notes[i + 1].lyric if i + 1 < len(notes) else None
        flags = [END_LINE] if line_ends[i] else []
        if lyr.melisma:
            if following is None or not following.melisma:
                flags.append(LAST)
            out.append(note.Lyric(text="_", number=1, identifier=tag([HELD, *flags])))
            continue
        if following is not None and following.melisma and not lyr.syllabic.continues:
            flags.append(EXTEND)
        # applyRaw: a syllable written "-er" keeps its hyphen (music21 would take it for the syllabic)
        out.append(note.Lyric(text=lyr.text, number=1, applyRaw=True, syllabic=lyr.syllabic.value,
                              identifier=tag(flags)))
    return out


def _line_ends(notes: tuple[Note, ...]) -> list[bool]:
    """Per note: it is the last one with a lyric before a syllable that starts a phrase."""
    out = [False] * len(notes)
    pending = False  # a later syllable starts a phrase and no lyric note since has taken the mark
    for i in range(len(notes) - 1, -1, -1):
        lyr: Lyric | None = notes[i].lyric
        if lyr is None:
            continue
        out[i], pending = pending, False
        if not lyr.melisma and lyr.phrase_start:
            pending = True
    return out
