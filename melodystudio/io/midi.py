"""Standard MIDI files (.mid, .midi, .kar) via mido.

Files we write (type 1, 480 ticks per quarter note):

- track 0, the conductor: track name = song title, tempos, time signatures, key signatures;
- track 1 "Melody": a program change, then the melody on channel 1 (index 0) with one lyric event
  at each sung note's onset;
- track 2 "Chords", only when the song has chords: block chords (``ChordSymbol.voicing()``) on
  channel 2 (index 1) and a marker with the chord symbol (``str(symbol)``) at each chord onset.
  Reading a file with such a track rebuilds the chords from the markers, each lasting as long as
  the chord notes that start with it (else up to the next marker), so our files read back equal.

Lyric conventions (written exactly so, and read back identically):

- one lyric meta event per sung note, at its onset; text is written UTF-8 and read as UTF-8, with
  Latin-1 as the fallback for bytes that are not UTF-8;
- a syllable whose word goes on ends with '-' ("Twin-" "kle"); BEGIN/MIDDLE/END are derived;
- a melisma note (holding the previous syllable) carries "_";
- the first syllable of a lyric line starts with '/' (karaoke .kar style); on import '\\' (a new
  karaoke paragraph) and a trailing '\\r' or '\\n' on the previous syllable also start a line;
- karaoke: in .kar files and files whose text starts with '@KMIDI', text events are lyrics too
  (unless the file has lyric events), '@' header lines are skipped ('@T' gives the title), and
  when no syllable ends with '-', spaces mark words: syllables not separated by a space form one
  word (" Hel" "lo" or "Twin" "kle ").
- lyrics come from the melody's own track when it has any, else from the whole file (karaoke
  "Words" tracks); an event attaches to the melody note starting at its tick, else to the note
  sounding then (two events on one note are joined).

Choosing the melody. A part is a (track, channel) pair with notes; drums (channel 10) and our own
chord track are not parts. Parts are numbered in track, then channel order, as the report lists
them, and ``track=`` picks one by that number. Otherwise, narrowing the candidates step by step:

1. lyrics: the parts whose note onsets coincide with the most lyric events, wherever they are
   (if any coincide);
2. name: among those, the parts whose track name contains melody, melodie, vocal, voice, lead,
   soprano or tune;
3. pitch: among those with at least 20% as many notes as the busiest, the highest mean pitch
   (the earlier part on a tie).

The chosen part is reduced to one voice by the skyline rule: at each onset the highest note stays
(the others are counted in ``report.dropped_notes``), and a note still sounding when the next one
starts is cut there. Notes of zero length are dropped, with a warning.

Timing: ticks are rescaled to 480 per quarter note (rounded). Time signatures are placed by bar: one
that falls inside a bar moves to the next bar line, except that tempo, key and time-signature events
up to a 64th note after a bar line move back onto it (abc2midi's karaoke files start a tick late).
"""

from __future__ import annotations

import io
from pathlib import Path

import mido

from melodystudio.core.chords import Chord, ChordSymbol
from melodystudio.core.errors import FileFormatError, MelodyStudioError
from melodystudio.core.pitch import KeySignature
from melodystudio.core.song import MAX_LYRIC_CHARS, MAX_NOTES, Lyric, Note, Song
from melodystudio.core.timeline import MAX_BARS, MAX_BPM, MIN_BPM, PPQ, TempoChange, Timeline, TimeSignature
from melodystudio.io.atomic import write_atomically
from melodystudio.io.midi_lyrics import attach_syllables, build_lyrics, lyric_event_text, parse_syllables
from melodystudio.io.midi_tracks import (
    CHORD_TRACK_NAME,
    MELODY_TRACK_NAME,
    MidiRecords,
    Part,
    RawNote,
    choose_melody,
    read_records,
    top_voice,
)
from melodystudio.io.report import ImportReport

MAX_MIDI_BYTES = 4 * 1024 * 1024  # mido parses ~0.4 MB/s; a song's MIDI file is far smaller
DEFAULT_US_PER_QUARTER = 500_000  # MIDI's tempo until the first set_tempo: 120 bpm
MELODY_CHANNEL, CHORD_CHANNEL = 0, 1
CHORD_VELOCITY = 60  # chords accompany: softer than a typical melody note
# A 64th note: conductor events this close after a bar line belong on it (abc2midi's karaoke files
# start every track one tick late).
SNAP_TICKS = PPQ // 16


# -- reading ------------------------------------------------------------------------------------
def read_midi(path: Path, *, track: int | None = None) -> tuple[Song, ImportReport]:
    """Read a MIDI file; ``track`` picks the melody by its part number in the report."""
    path = Path(path)
    try:
        mid = _load(path)
        records = read_records(mid, karaoke=path.suffix.lower() == ".kar")
        report = ImportReport(source=path.name)
        return _build_song(records, track, report), report
    except MelodyStudioError as e:
        raise FileFormatError(f"{path.name}: {e}") from None


def _load(path: Path) -> mido.MidiFile:
    try:
        if path.stat().st_size > MAX_MIDI_BYTES:
            raise FileFormatError(f"{path.stat().st_size / 1e6:.1f} MB is too large for a MIDI song "
                                  f"(limit {MAX_MIDI_BYTES / 1e6:.0f} MB)")
        data = path.read_bytes()
    except OSError as e:
        raise FileFormatError(f"cannot read the file ({e.strerror or e})") from None
    if not data:
        raise FileFormatError("the file is empty")
    if not data.startswith(b"MThd"):
        raise FileFormatError("not a MIDI file (it does not start with 'MThd')")
    try:
        mid = mido.MidiFile(file=io.BytesIO(data), charset="latin1")  # Latin-1 keeps every byte
    except EOFError:
        raise FileFormatError("the file is truncated (it ends in the middle of a track)") from None
    except Exception as e:  # mido raises whatever its decoders hit on damaged bytes (IndexError, KeyError...)
        raise FileFormatError(f"damaged MIDI data ({type(e).__name__}: {_first_line(e)})") from None
    if mid.type not in (0, 1):
        raise FileFormatError(f"MIDI type {mid.type} files are not supported (only types 0 and 1)")
    if mid.ticks_per_beat <= 0:
        raise FileFormatError("the file counts time in SMPTE frames, not beats; this is not supported")
    return mid


def _first_line(e: BaseException) -> str:
    return (str(e).splitlines() or [""])[0][:120]


def _build_song(rec: MidiRecords, track: int | None, report: ImportReport) -> Song:
    if not rec.parts and not rec.markers:
        raise FileFormatError("no notes" + (" (only drums on channel 10)" if rec.drum_notes else ""))
    signatures = _meter_map(rec.meters, report)
    snap = _BarSnap(signatures)
    tempos = _tempo_map([(snap(t), us) for t, us in rec.tempos])
    keys = _key_map([(snap(t), key) for t, key in rec.keys])
    if snap.moved:
        report.warn(f"tempo or key changes moved back onto the bar line just before them: {snap.moved}")
    notes, program = _melody(rec, track, report) if rec.parts else ([], 0)
    chords = _chords(rec, report)
    limit = Timeline(signatures, tempos).bar_start(MAX_BARS)
    late = [n.onset for n in notes if n.end > limit] + [c.onset for c in chords if c.end > limit]
    if late:
        raise FileFormatError(f"a note at tick {min(late)} lies beyond the {MAX_BARS}-bar limit")
    if rec.rounded:
        report.warn(f"times were rounded to {PPQ} ticks per quarter note")
    if rec.drum_notes:
        report.warn(f"drum notes on channel 10 skipped: {rec.drum_notes}")
    return Song(rec.title, program=program, tempos=tempos, time_signatures=signatures, keys=keys,
                notes=notes, chords=chords)


def _tempo_map(events: list[tuple[int, int]]) -> list[TempoChange]:
    by_tick = {0: DEFAULT_US_PER_QUARTER}
    for tick, us in sorted(events, key=lambda e: e[0]):  # stable: the later event at a tick wins
        by_tick[tick] = us
    out = []
    for tick, us in sorted(by_tick.items()):
        if us == 0:
            raise FileFormatError(f"the tempo at tick {tick} is 0 (a tempo must be above 0 bpm)")
        bpm = 60_000_000 / us
        if not MIN_BPM <= bpm <= MAX_BPM:
            raise FileFormatError(f"tempo {bpm:.1f} bpm at tick {tick} is outside {MIN_BPM:g}-{MAX_BPM:g} bpm")
        out.append(TempoChange(tick, us))
    return out


def _meter_map(events: list[tuple[int, int, int]], report: ImportReport) -> list[TimeSignature]:
    """Tick-placed time signatures -> bar-indexed ones; one inside a bar moves to the next bar line."""
    sigs = [TimeSignature(0, 4, 4)]  # MIDI's meter until the first time signature
    section_tick = 0  # where sigs[-1] starts
    for tick, num, den in sorted(events, key=lambda e: e[0]):
        try:
            new = TimeSignature(0, num, den)
        except MelodyStudioError as e:
            report.warn(f"time signature at tick {tick} ignored: {e}")
            continue
        cur = sigs[-1]
        bars, rest = divmod(max(0, tick - section_tick), cur.bar_ticks)
        if rest > SNAP_TICKS:
            bars += 1
            report.warn(f"time signature {new} at tick {tick} was not on a bar line: "
                        f"it now starts at bar {cur.bar + bars + 1}")
        elif rest:
            report.warn(f"time signature {new} at tick {tick} was moved back to the start of bar {cur.bar + bars + 1}")
        new = TimeSignature(cur.bar + bars, num, den)
        if bars == 0:
            sigs[-1] = new  # several at one bar line: the last one counts
        else:
            sigs.append(new)
            section_tick += bars * cur.bar_ticks
    return sigs


class _BarSnap:
    """Moves a tick lying up to ``SNAP_TICKS`` after a bar line onto it, counting the moves."""

    def __init__(self, signatures: list[TimeSignature]) -> None:
        self._timeline = Timeline(signatures, [TempoChange(0, DEFAULT_US_PER_QUARTER)])
        self.moved = 0

    def __call__(self, tick: int) -> int:
        start = self._timeline.bar_start(self._timeline.bar_at(tick))
        if 0 < tick - start <= SNAP_TICKS:
            self.moved += 1
            return start
        return tick


def _key_map(events: list[tuple[int, str]]) -> list[KeySignature]:
    by_tick: dict[int, KeySignature] = {}
    for tick, key in sorted(events, key=lambda e: e[0]):
        minor = key.endswith("m")
        by_tick[tick] = KeySignature(tick, key[:-1] if minor else key, "minor" if minor else "major")
    return [by_tick[t] for t in sorted(by_tick)]


def _melody(rec: MidiRecords, track: int | None, report: ImportReport) -> tuple[list[Note], int]:
    index = _pick_part(rec, track, report)
    part = rec.parts[index]
    raw, dropped, shortened = top_voice(part.notes)
    if len(raw) > MAX_NOTES:
        raise FileFormatError(f"the melody has {len(raw)} notes; a song holds at most {MAX_NOTES}")
    report.dropped_notes = dropped
    _warn_counts(report, part, shortened)
    lyrics = _lyrics(rec, part, raw, report)
    notes = [Note(n.onset, n.end - n.onset, n.pitch, n.velocity, lyrics.get(i)) for i, n in enumerate(raw)]
    return notes, part.program


def _pick_part(rec: MidiRecords, track: int | None, report: ImportReport) -> int:
    if track is None:
        index, why = choose_melody(rec.parts, [e.tick for e in rec.lyric_pool()])
    elif 0 <= track < len(rec.parts):
        index, why = track, f"chosen by the caller (track={track})"
    else:
        raise FileFormatError(f"there is no part {track}; the file has parts 0-{len(rec.parts) - 1}")
    report.chosen_part = f"{rec.parts[index].label(index)}: {why}"
    report.other_parts = [p.label(i) for i, p in enumerate(rec.parts) if i != index]
    return index


def _warn_counts(report: ImportReport, part: Part, shortened: int) -> None:
    if part.zero_length:
        report.warn(f"zero-length notes dropped (note-on and note-off at the same tick): {part.zero_length}")
    if part.unterminated:
        report.warn(f"notes without a note-off, ended at the end of their track: {part.unterminated}")
    if shortened:
        report.warn(f"overlapping notes shortened to end where the next note starts: {shortened}")


def _lyrics(rec: MidiRecords, part: Part, notes: list[RawNote], report: ImportReport) -> dict[int, Lyric]:
    pool = rec.lyric_pool()
    own = [e for e in pool if e.track == part.track]  # a part's own lyrics beat another voice's
    events = sorted(own or pool, key=lambda e: e.tick)
    syllables = parse_syllables((e.tick, e.text) for e in events)
    by_note, missed = attach_syllables(syllables, [n.onset for n in notes], [n.end for n in notes])
    lyrics, cut = build_lyrics(by_note)
    if missed:
        report.warn(f"lyric events on no melody note, left out: {missed}")
    if cut:
        report.warn(f"syllables cut to {MAX_LYRIC_CHARS} characters: {cut}")
    return lyrics


def _chords(rec: MidiRecords, report: ImportReport) -> list[Chord]:
    """Chords from our chord track's markers; each lasts as long as the notes starting with it."""
    markers = sorted(rec.markers, key=lambda m: m[0])
    out: list[Chord] = []
    for i, (tick, text) in enumerate(markers):
        nxt = next((t for t, _ in markers[i + 1:] if t > tick), None)
        if i and markers[i - 1][0] == tick:
            report.warn(f"a second chord marker at tick {tick} ('{text}') was ignored")
            continue
        try:
            symbol = ChordSymbol.parse(text)
        except MelodyStudioError as e:
            report.warn(f"chord marker at tick {tick} ignored: {e}")
            continue
        ends = [n.end for n in rec.chord_notes if n.onset == tick]
        end = max(ends) if ends else (nxt if nxt is not None else rec.chord_track_end)
        end = min(end, nxt) if nxt is not None else end
        if symbol is not None and end > tick:
            out.append(Chord(tick, end - tick, symbol))
    return out


# -- writing ------------------------------------------------------------------------------------
_Timed = tuple[int, int, mido.Message | mido.MetaMessage]  # (tick, order at that tick, message)


def write_midi(song: Song, path: Path) -> None:
    """Write ``song`` as a type-1 MIDI file (layout in the module docstring), atomically."""
    path = Path(path)
    if not 0 <= song.program <= 127:
        raise FileFormatError(f"{path.name}: program {song.program} is outside the General MIDI range 0-127")
    mid = mido.MidiFile(type=1, ticks_per_beat=PPQ, charset="utf-8")
    buf = io.BytesIO()
    try:
        mid.tracks.append(_track(_conductor_events(song)))
        mid.tracks.append(_track(_melody_events(song)))
        if song.chords:
            mid.tracks.append(_track(_chord_events(song)))
        mid.save(file=buf)
    except ValueError as e:  # mido refuses a value, e.g. text with a lone surrogate that UTF-8 cannot hold
        raise FileFormatError(f"{path.name}: cannot write MIDI ({_first_line(e)})") from None
    try:
        write_atomically(path, buf.getvalue())
    except OSError as e:
        raise FileFormatError(f"{path}: cannot write ({e.strerror or e})") from None


def _track(events: list[_Timed]) -> mido.MidiTrack:
    track = mido.MidiTrack()
    now = 0
    for tick, _, msg in sorted(events, key=lambda e: (e[0], e[1])):
        msg.time = tick - now  # each message was built for this one track: set, don't copy (copy re-validates)
        track.append(msg)
        now = tick
    return track


def _conductor_events(song: Song) -> list[_Timed]:
    events: list[_Timed] = [(0, 0, mido.MetaMessage("track_name", name=song.title))]
    for t in song.tempos:
        events.append((t.tick, 1, mido.MetaMessage("set_tempo", tempo=t.us_per_quarter)))
    for ts in song.time_signatures:
        events.append((song.timeline.bar_start(ts.bar), 1, mido.MetaMessage(
            "time_signature", numerator=ts.numerator, denominator=ts.denominator,
            clocks_per_click=24 * ts.beat_ticks // PPQ, notated_32nd_notes_per_beat=8)))
    for k in song.keys:
        key = k.tonic + ("m" if k.mode == "minor" else "")
        events.append((k.tick, 1, mido.MetaMessage("key_signature", key=key)))
    return events


# At one tick: notes end first (so a repeated pitch re-sounds), then the lyric or marker, then notes start.
_OFF, _TEXT, _ON = 1, 2, 3


def _melody_events(song: Song) -> list[_Timed]:
    events: list[_Timed] = [
        (0, 0, mido.MetaMessage("track_name", name=MELODY_TRACK_NAME)),
        (0, 0, mido.Message("program_change", channel=MELODY_CHANNEL, program=song.program)),
    ]
    for n in song.notes:
        if n.lyric is not None:
            events.append((n.onset, _TEXT, mido.MetaMessage("lyrics", text=lyric_event_text(n.lyric))))
        events.append((n.onset, _ON, mido.Message("note_on", channel=MELODY_CHANNEL, note=n.pitch,
                                                  velocity=n.velocity)))
        events.append((n.end, _OFF, mido.Message("note_off", channel=MELODY_CHANNEL, note=n.pitch)))
    return events


def _chord_events(song: Song) -> list[_Timed]:
    events: list[_Timed] = [(0, 0, mido.MetaMessage("track_name", name=CHORD_TRACK_NAME))]
    for c in song.chords:
        events.append((c.onset, _TEXT, mido.MetaMessage("marker", text=str(c.symbol))))
        for pitch in c.symbol.voicing():
            events.append((c.onset, _ON, mido.Message("note_on", channel=CHORD_CHANNEL, note=pitch,
                                                      velocity=CHORD_VELOCITY)))
            events.append((c.end, _OFF, mido.Message("note_off", channel=CHORD_CHANNEL, note=pitch)))
    return events
