"""A mido ``MidiFile`` as plain records in PPQ ticks, and the rules that pick and reduce the melody part.

Nothing here builds a ``Song``: ``melodystudio.io.midi`` does that from these records.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import mido

from melodystudio.core.timeline import PPQ

DRUM_CHANNEL = 9  # General MIDI channel 10
CHORD_TRACK_NAME = "Chords"  # our own chord track: block chords plus a marker naming each symbol
MELODY_TRACK_NAME = "Melody"
KARAOKE_TAG = "@KMIDI"  # first text of a Soft Karaoke file
MELODY_NAME_RE = re.compile(r"\b(melod(y|ie)|vocals?|voice|lead|soprano|tune)\b", re.IGNORECASE)
MIN_SHARE_FOR_PITCH_RULE = 0.2  # parts with fewer notes than this share of the busiest are fills


@dataclass(frozen=True, slots=True)
class RawNote:
    onset: int
    end: int
    pitch: int
    velocity: int


@dataclass
class Part:
    """The notes of one (track, channel) pair."""

    track: int
    channel: int
    name: str
    program: int = 0
    notes: list[RawNote] = field(default_factory=list)
    zero_length: int = 0  # note-on and note-off at the same tick: dropped
    unterminated: int = 0  # no note-off before the end of the track: ended there

    def label(self, index: int) -> str:
        name = f" '{self.name}'" if self.name else ""
        count = f"{len(self.notes)} note" + ("" if len(self.notes) == 1 else "s")
        return f"part {index} (track {self.track + 1}{name}, channel {self.channel + 1}, {count})"

    @property
    def mean_pitch(self) -> float:
        return sum(n.pitch for n in self.notes) / len(self.notes)


@dataclass(frozen=True, slots=True)
class TextEvent:
    tick: int
    track: int
    text: str


@dataclass
class MidiRecords:
    """Everything read from a file, ticks already rescaled to PPQ."""

    title: str = ""
    karaoke: bool = False
    tempos: list[tuple[int, int]] = field(default_factory=list)  # (tick, microseconds per quarter)
    meters: list[tuple[int, int, int]] = field(default_factory=list)  # (tick, numerator, denominator)
    keys: list[tuple[int, str]] = field(default_factory=list)  # (tick, mido key such as 'Bb', 'F#m')
    parts: list[Part] = field(default_factory=list)
    lyrics: list[TextEvent] = field(default_factory=list)  # 'lyrics' meta events
    texts: list[TextEvent] = field(default_factory=list)  # 'text' meta events
    markers: list[tuple[int, str]] = field(default_factory=list)  # chord track only
    chord_notes: list[RawNote] = field(default_factory=list)
    chord_track_end: int = 0
    drum_notes: int = 0
    programs: dict[tuple[int, int], int] = field(default_factory=dict)  # (track, channel) -> first program
    rounded: bool = False  # some time did not fall on a PPQ tick and was rounded

    def lyric_pool(self) -> list[TextEvent]:
        """Lyric meta events; in karaoke files without any, the text events that are not '@' headers."""
        if self.lyrics:
            return self.lyrics
        if self.karaoke:
            return [e for e in self.texts if not e.text.startswith("@")]
        return []


def decode_text(text: str) -> str:
    """mido read the bytes as Latin-1 (one character per byte): undo that and prefer UTF-8."""
    raw = text.encode("latin-1", errors="replace")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return text


class _Scale:
    """File ticks -> PPQ ticks, rounding half up on absolute times so errors never accumulate."""

    def __init__(self, ticks_per_beat: int) -> None:
        self.tpb = ticks_per_beat
        self.rounded = False

    def __call__(self, tick: int) -> int:
        if tick * PPQ % self.tpb:
            self.rounded = True
        return (2 * tick * PPQ + self.tpb) // (2 * self.tpb)


def read_records(mid: mido.MidiFile, *, karaoke: bool) -> MidiRecords:
    rec = MidiRecords(karaoke=karaoke)
    scale = _Scale(mid.ticks_per_beat)
    names = [_track_name(t) for t in mid.tracks]
    for index, track in enumerate(mid.tracks):
        is_chords = names[index] == CHORD_TRACK_NAME and any(m.type == "marker" for m in track)
        _read_track(rec, index, track, names[index], scale, is_chords)
    rec.parts = [p for p in rec.parts if p.notes]
    for p in rec.parts:  # the part's own track first: some files set every program in the conductor track
        anywhere = next((prog for (_, ch), prog in rec.programs.items() if ch == p.channel), 0)
        p.program = rec.programs.get((p.track, p.channel), anywhere)
    rec.rounded = scale.rounded
    rec.karaoke = rec.karaoke or any(e.text.startswith(KARAOKE_TAG) for e in rec.texts)
    if names and (mid.type == 0 or not any(p.track == 0 for p in rec.parts)):
        rec.title = names[0]
    if not rec.title and rec.karaoke:
        rec.title = next((e.text[2:].strip() for e in rec.texts if e.text.startswith("@T")), "")
    return rec


def _track_name(track: mido.MidiTrack) -> str:
    return next((decode_text(m.name) for m in track if m.type == "track_name"), "")


def _read_track(rec: MidiRecords, index: int, track: mido.MidiTrack, name: str, scale: _Scale,
                is_chords: bool) -> None:
    parts: dict[int, Part] = {}
    sounding: dict[tuple[int, int], tuple[int, int]] = {}  # (channel, pitch) -> (onset, velocity)

    def close(channel: int, pitch: int, tick: int) -> None:
        started = sounding.pop((channel, pitch), None)
        if started is None:
            return  # a note-off with no note-on: nothing to end
        if channel == DRUM_CHANNEL and not is_chords:
            rec.drum_notes += 1
            return
        note = RawNote(started[0], tick, pitch, started[1])
        if is_chords:
            if tick > note.onset:
                rec.chord_notes.append(note)
            return
        part = parts.setdefault(channel, Part(index, channel, name))
        if tick > note.onset:
            part.notes.append(note)
        else:
            part.zero_length += 1

    abs_tick = 0
    for msg in track:
        abs_tick += msg.time
        tick = scale(abs_tick)
        kind = msg.type
        if kind == "note_on" and msg.velocity > 0:
            if (msg.channel, msg.note) in sounding:
                close(msg.channel, msg.note, tick)  # re-struck before its note-off: the first one ends here
            sounding[(msg.channel, msg.note)] = (tick, msg.velocity)
        elif kind in ("note_off", "note_on"):
            close(msg.channel, msg.note, tick)
        elif kind == "program_change":
            rec.programs.setdefault((index, msg.channel), msg.program)
        else:
            _read_meta(rec, index, msg, tick, is_chords)
    end = scale(abs_tick)
    for channel, pitch in list(sounding):
        close(channel, pitch, end)
        if channel in parts:  # drums and chord notes are not counted
            parts[channel].unterminated += 1
    if is_chords:
        rec.chord_track_end = end
    rec.parts.extend(part for _, part in sorted(parts.items()))


def _read_meta(rec: MidiRecords, index: int, msg: mido.MetaMessage, tick: int, is_chords: bool) -> None:
    kind = msg.type
    if kind == "set_tempo":
        rec.tempos.append((tick, msg.tempo))
    elif kind == "time_signature":
        rec.meters.append((tick, msg.numerator, msg.denominator))
    elif kind == "key_signature":
        rec.keys.append((tick, msg.key))
    elif kind == "lyrics":
        rec.lyrics.append(TextEvent(tick, index, decode_text(msg.text)))
    elif kind == "text":
        rec.texts.append(TextEvent(tick, index, decode_text(msg.text)))
    elif kind == "marker" and is_chords:
        rec.markers.append((tick, decode_text(msg.text)))


# -- choosing and reducing the melody ------------------------------------------------------------
def choose_melody(parts: Sequence[Part], lyric_ticks: Sequence[int]) -> tuple[int, str]:
    """Index of the melody part and why: see the rule in ``melodystudio.io.midi``'s docstring."""
    if len(parts) == 1:
        return 0, "the only part with notes"
    candidates = list(range(len(parts)))
    sung = [_count_on_onsets(p, lyric_ticks) for p in parts]
    if max(sung) > 0:
        candidates = [i for i in candidates if sung[i] == max(sung)]
        if len(candidates) == 1:
            return candidates[0], f"its notes carry the most lyrics ({max(sung)})"
    named = [i for i in candidates if MELODY_NAME_RE.search(parts[i].name)]
    if named:
        candidates = named
        if len(candidates) == 1:
            return candidates[0], f"its track is named '{parts[candidates[0]].name}'"
    most = max(len(parts[i].notes) for i in candidates)
    busy = [i for i in candidates if len(parts[i].notes) >= MIN_SHARE_FOR_PITCH_RULE * most]
    best = max(busy, key=lambda i: (parts[i].mean_pitch, -i))
    return best, f"it has the highest mean pitch ({parts[best].mean_pitch:.1f})"


def _count_on_onsets(part: Part, ticks: Sequence[int]) -> int:
    onsets = {n.onset for n in part.notes}
    return sum(1 for t in ticks if t in onsets)


def top_voice(notes: Sequence[RawNote]) -> tuple[list[RawNote], int, int]:
    """Skyline: at each onset keep the highest note; a note still sounding when the next starts is cut.

    Returns the melody, the number of notes dropped under the top voice, the number shortened.
    """
    kept: list[RawNote] = []
    dropped = shortened = 0
    for n in sorted(notes, key=lambda n: (n.onset, -n.pitch)):
        if kept and kept[-1].onset == n.onset:
            dropped += 1
            continue
        if kept and kept[-1].end > n.onset:
            kept[-1] = replace(kept[-1], end=n.onset)
            shortened += 1
        kept.append(n)
    return kept, dropped, shortened
