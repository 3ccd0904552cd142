"""The song: one monophonic melody with lyrics, a chord track, meter, key and tempo maps.

A ``Song`` is changed only through ``Song.apply(edit)`` (or the convenience methods that build an
edit and apply it); every change emits ``Song.changed`` with what changed and where, and every
applied edit returns its inverse, so undo needs nothing but the model.
"""

from __future__ import annotations

import bisect
import enum
import itertools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from melodystudio.core.chords import Chord
from melodystudio.core.errors import EditError, MelodyStudioError
from melodystudio.core.events import Event
from melodystudio.core.pitch import KeySignature
from melodystudio.core.timeline import MAX_BARS, PPQ, TempoChange, Timeline, TimeSignature

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from melodystudio.core.edits import Edit

MAX_NOTES = 100_000
MAX_LYRIC_CHARS = 64
GM_PROGRAM_DEFAULT = 0  # Acoustic Grand Piano


class Syllabic(enum.Enum):
    """Where a syllable stands in its word (MusicXML's ``<syllabic>``)."""

    SINGLE = "single"
    BEGIN = "begin"
    MIDDLE = "middle"
    END = "end"

    @property
    def continues(self) -> bool:
        """True when the word goes on after this syllable (it is written with a hyphen)."""
        return self in (Syllabic.BEGIN, Syllabic.MIDDLE)


@dataclass(frozen=True, slots=True)
class Lyric:
    """What is sung on one note.

    ``melisma`` marks a note that carries on the previous note's syllable (text is empty then);
    ``phrase_start`` marks the first syllable of a lyric line. Word and phrase ids are derived
    (``Song.lyric_alignment``), so they can never disagree with the syllables.
    """

    text: str
    syllabic: Syllabic = Syllabic.SINGLE
    phrase_start: bool = False
    melisma: bool = False

    def __post_init__(self) -> None:
        if self.melisma:
            if self.text:
                raise MelodyStudioError("a melisma note carries no syllable text")
        elif not self.text.strip():
            raise MelodyStudioError("a syllable needs some text (use a melisma for a held syllable)")
        if len(self.text) > MAX_LYRIC_CHARS:
            raise MelodyStudioError(f"syllable '{self.text[:20]}...' is longer than {MAX_LYRIC_CHARS} characters")
        if any(ch in self.text for ch in "\r\n\t\x00"):
            raise MelodyStudioError(f"syllable {self.text!r} contains a control character")

    @staticmethod
    def continuation() -> Lyric:
        return Lyric("", Syllabic.SINGLE, melisma=True)


@dataclass(frozen=True, slots=True, order=True)
class Note:
    """A melody note: onset and duration in ticks, MIDI pitch and velocity, and its lyric."""

    onset: int
    duration: int
    pitch: int
    velocity: int = 90
    lyric: Lyric | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.onset < 0:
            raise EditError(f"a note cannot start before the song (tick {self.onset})")
        if self.duration <= 0:
            raise EditError(f"note at tick {self.onset} has zero or negative length")
        if not 0 <= self.pitch <= 127:
            raise EditError(f"pitch {self.pitch} is outside the MIDI range 0-127")
        if not 1 <= self.velocity <= 127:
            raise EditError(f"velocity {self.velocity} is outside 1-127")

    @property
    def end(self) -> int:
        return self.onset + self.duration

    def same(self, other: Note) -> bool:
        """Equal in every field, the lyric included (``==`` ignores the lyric for sorting)."""
        return self == other and self.lyric == other.lyric


@dataclass(frozen=True, slots=True)
class SongChange:
    """What a change touched: ``kind`` is 'notes', 'chords', 'meter', 'tempo', 'key' or 'meta';
    ``start``/``end`` bound the ticks affected (``end`` None: to the end of the song)."""

    kind: str
    start: int = 0
    end: int | None = None


class Song:
    """A song; see the module docstring for how it changes."""

    def __init__(self, title: str = "", *, program: int = GM_PROGRAM_DEFAULT,
                 tempos: Sequence[TempoChange] | None = None,
                 time_signatures: Sequence[TimeSignature] | None = None,
                 keys: Sequence[KeySignature] | None = None,
                 notes: Iterable[Note] = (), chords: Iterable[Chord] = ()) -> None:
        self.changed: Event[SongChange] = Event()
        if not 0 <= program <= 127:
            raise MelodyStudioError(f"GM program {program} is outside 0-127")
        self.title = title
        self.program = program
        self._tempos = _checked_tempos(tempos or [TempoChange(0, 500_000)])
        self._signatures = _checked_signatures(time_signatures or [TimeSignature(0, 4, 4)])
        self._keys = _checked_keys(keys or [])
        self._timeline = Timeline(self._signatures, self._tempos)
        self._notes: list[Note] = []
        self._onsets: list[int] = []
        self._chords: list[Chord] = []
        self._set_notes(sorted(notes))
        self._set_chords(sorted(chords, key=lambda c: c.onset))

    # -- read access ------------------------------------------------------------------------
    @property
    def notes(self) -> tuple[Note, ...]:
        return tuple(self._notes)

    @property
    def chords(self) -> tuple[Chord, ...]:
        return tuple(self._chords)

    @property
    def tempos(self) -> tuple[TempoChange, ...]:
        return tuple(self._tempos)

    @property
    def time_signatures(self) -> tuple[TimeSignature, ...]:
        return tuple(self._signatures)

    @property
    def keys(self) -> tuple[KeySignature, ...]:
        return tuple(self._keys)

    @property
    def timeline(self) -> Timeline:
        return self._timeline

    @property
    def end_tick(self) -> int:
        """End of the last note or chord (0 for an empty song)."""
        note_end = max((n.end for n in self._notes[-1:]), default=0)
        chord_end = max((c.end for c in self._chords[-1:]), default=0)
        return max(note_end, chord_end)

    @property
    def bar_count(self) -> int:
        return self._timeline.bars_to_hold(self.end_tick)

    @property
    def duration_seconds(self) -> float:
        return self._timeline.seconds_at(self.end_tick)

    def key_at(self, tick: int) -> KeySignature | None:
        i = bisect.bisect_right([k.tick for k in self._keys], tick) - 1
        return self._keys[max(0, i)] if self._keys else None

    def notes_between(self, start: int, end: int) -> list[Note]:
        """Notes whose onset lies in [start, end)."""
        lo = bisect.bisect_left(self._onsets, start)
        hi = bisect.bisect_left(self._onsets, end)
        return self._notes[lo:hi]

    def note_at(self, tick: int) -> Note | None:
        """The note sounding at ``tick``, if any."""
        i = bisect.bisect_right(self._onsets, tick) - 1
        if i >= 0 and self._notes[i].end > tick:
            return self._notes[i]
        return None

    def index_of(self, note: Note) -> int:
        """Position of exactly this note (lyric included); raises EditError when absent."""
        i = bisect.bisect_left(self._onsets, note.onset)
        if i < len(self._notes) and self._notes[i].same(note):
            return i
        raise EditError(f"the note at tick {note.onset} (pitch {note.pitch}) is not in the song")

    def chords_between(self, start: int, end: int) -> list[Chord]:
        """Chords overlapping [start, end)."""
        return [c for c in self._chords if c.onset < end and c.end > start]

    def chord_at(self, tick: int) -> Chord | None:
        for c in self._chords:
            if c.onset <= tick < c.end:
                return c
        return None

    def bar_range_ticks(self, first_bar: int, last_bar: int) -> tuple[int, int]:
        """[start, end) ticks of bars first_bar..last_bar inclusive (0-based)."""
        if first_bar < 0 or last_bar < first_bar:
            raise EditError(f"bar range {first_bar + 1}-{last_bar + 1} is empty or negative")
        if last_bar >= MAX_BARS:
            raise EditError(f"bar {last_bar + 1} is beyond the {MAX_BARS}-bar limit")
        return self._timeline.bar_start(first_bar), self._timeline.bar_start(last_bar + 1)

    def lyric_alignment(self) -> list[tuple[int, int] | None]:
        """Per note: (word id, phrase id) of the syllable it sings, None for notes without lyric.

        Word ids rise at every syllable that starts a word; phrase ids at every ``phrase_start``.
        A melisma note shares its syllable's ids.
        """
        out: list[tuple[int, int] | None] = []
        word, phrase, continues, seen = -1, -1, False, False
        for n in self._notes:
            lyr = n.lyric
            if lyr is None:
                out.append(None)
                continue
            if not lyr.melisma:
                if lyr.phrase_start or not seen:
                    phrase += 1
                if not continues or lyr.phrase_start or not seen:
                    word += 1
                continues, seen = lyr.syllabic.continues, True
            if not seen:  # a melisma before any syllable belongs to nothing
                out.append(None)
                continue
            out.append((word, phrase))
        return out

    def lyric_text(self) -> str:
        """The lyrics as text: words joined by spaces, phrases by newlines."""
        lines: list[str] = []
        word = ""
        for n in self._notes:
            lyr = n.lyric
            if lyr is None or lyr.melisma:
                continue
            if lyr.phrase_start and (lines or word):
                lines.append(word)
                word = ""
            word += lyr.text + ("" if lyr.syllabic.continues else " ")
        if word:
            lines.append(word)
        return "\n".join(" ".join(line.split()) for line in lines)

    # -- comparison and copies --------------------------------------------------------------
    def content(self) -> tuple[object, ...]:
        """Everything a file carries, for exact comparison of round trips."""
        notes = tuple((n.onset, n.duration, n.pitch, n.velocity, n.lyric) for n in self._notes)
        return (self.title, self.program, tuple(self._tempos), tuple(self._signatures),
                tuple(self._keys), notes, tuple(self._chords))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Song) and self.content() == other.content()

    __hash__ = None  # type: ignore[assignment]

    def copy(self) -> Song:
        return Song(self.title, program=self.program, tempos=self._tempos,
                    time_signatures=self._signatures, keys=self._keys,
                    notes=self._notes, chords=self._chords)

    # -- changes ----------------------------------------------------------------------------
    def apply(self, edit: Edit) -> Edit:
        """Apply an edit, emit the change, return the edit that undoes it."""
        return edit.apply(self)

    # Convenience: build an edit from the current state and apply it; each returns the inverse.
    def insert_note(self, note: Note) -> Edit:
        from melodystudio.core import edits
        return self.apply(edits.insert_notes(self, [note]))

    def delete_notes(self, notes: Sequence[Note]) -> Edit:
        from melodystudio.core import edits
        return self.apply(edits.delete_notes(self, notes))

    def move_notes(self, notes: Sequence[Note], delta_ticks: int = 0, delta_pitch: int = 0) -> Edit:
        from melodystudio.core import edits
        return self.apply(edits.move_notes(self, notes, delta_ticks, delta_pitch))

    def resize_note(self, note: Note, duration: int) -> Edit:
        from melodystudio.core import edits
        return self.apply(edits.resize_note(self, note, duration))

    def transpose(self, notes: Sequence[Note], semitones: int) -> Edit:
        from melodystudio.core import edits
        return self.apply(edits.move_notes(self, notes, 0, semitones))

    def replace_bars(self, first_bar: int, last_bar: int, notes: Sequence[Note]) -> Edit:
        from melodystudio.core import edits
        return self.apply(edits.replace_bars(self, first_bar, last_bar, notes))

    def set_lyrics(self, lyrics: Sequence[tuple[Note, Lyric | None]]) -> Edit:
        from melodystudio.core import edits
        return self.apply(edits.set_lyrics(self, lyrics))

    def set_chords(self, chords: Sequence[Chord], start: int = 0, end: int | None = None) -> Edit:
        from melodystudio.core import edits
        return self.apply(edits.set_chords(self, chords, start, end))

    def set_time_signature(self, bar: int, numerator: int, denominator: int) -> Edit:
        from melodystudio.core import edits
        return self.apply(edits.set_time_signature(self, bar, numerator, denominator))

    def set_key(self, key: KeySignature) -> Edit:
        from melodystudio.core import edits
        return self.apply(edits.set_key(self, key))

    def set_tempo(self, tick: int, bpm: float) -> Edit:
        from melodystudio.core import edits
        return self.apply(edits.set_tempo(self, tick, bpm))

    # -- low-level mutation, used only by core.edits ----------------------------------------
    def _set_notes(self, notes: list[Note]) -> None:
        _check_melody(notes)
        self._notes = notes
        self._onsets = [n.onset for n in notes]
        self._check_length()

    def _set_chords(self, chords: list[Chord]) -> None:
        for a, b in itertools.pairwise(chords):
            if b.onset < a.end:
                raise EditError(f"chords {a.symbol} and {b.symbol} overlap at tick {b.onset}")
        self._chords = chords
        self._check_length()

    def _set_maps(self, tempos: list[TempoChange] | None = None,
                  signatures: list[TimeSignature] | None = None,
                  keys: list[KeySignature] | None = None) -> None:
        if tempos is not None:
            self._tempos = _checked_tempos(tempos)
        if signatures is not None:
            self._signatures = _checked_signatures(signatures)
        if keys is not None:
            self._keys = _checked_keys(keys)
        self._timeline = Timeline(self._signatures, self._tempos)

    def _check_length(self) -> None:
        if self.end_tick > self._timeline.bar_start(MAX_BARS):
            raise EditError(f"the song would be longer than {MAX_BARS} bars")
        if len(self._notes) > MAX_NOTES:
            raise EditError(f"the melody would have more than {MAX_NOTES} notes")


def _check_melody(notes: list[Note]) -> None:
    for a, b in itertools.pairwise(notes):
        if b.onset < a.end:
            raise EditError(f"notes at ticks {a.onset} and {b.onset} overlap; the melody is monophonic")


def _checked_tempos(tempos: Sequence[TempoChange]) -> list[TempoChange]:
    out = sorted(tempos, key=lambda t: t.tick)
    if not out or out[0].tick != 0:
        raise MelodyStudioError("the tempo map must start at tick 0")
    if len({t.tick for t in out}) != len(out):
        raise MelodyStudioError("two tempo changes at the same tick")
    return out


def _checked_signatures(signatures: Sequence[TimeSignature]) -> list[TimeSignature]:
    out = sorted(signatures, key=lambda s: s.bar)
    if not out or out[0].bar != 0:
        raise MelodyStudioError("the first time signature must start at bar 1")
    if len({s.bar for s in out}) != len(out):
        raise MelodyStudioError("two time signatures at the same bar")
    if out[-1].bar >= MAX_BARS:
        raise MelodyStudioError(f"a time signature at bar {out[-1].bar + 1} is beyond the {MAX_BARS}-bar limit")
    return out


def _checked_keys(keys: Sequence[KeySignature]) -> list[KeySignature]:
    out = sorted(keys, key=lambda k: k.tick)
    if len({k.tick for k in out}) != len(out):
        raise MelodyStudioError("two key signatures at the same tick")
    return out


__all__ = ["PPQ", "Lyric", "Note", "Song", "SongChange", "Syllabic", "TempoChange", "TimeSignature"]
