"""Edits: small records that change a song and return their own inverse.

Planners (``insert_notes``, ``move_notes`` ...) read the song and return an ``Edit``; applying it
changes the song. Melody edits all reduce to ``ReplaceNotes`` (remove these exact notes, add
those), which is trivially invertible; the planners resolve overlaps so the melody stays
monophonic: material that is placed (inserted, moved, pasted, generated) wins over what was there,
earlier notes are cut at its onset, notes starting under it are removed. Resizing instead stops at
the next note.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

from melodystudio.core.chords import Chord
from melodystudio.core.errors import EditError
from melodystudio.core.pitch import KeySignature
from melodystudio.core.song import Lyric, Note, Song, SongChange
from melodystudio.core.timeline import TempoChange, TimeSignature


class Edit(Protocol):
    @property
    def description(self) -> str:
        """What the edit does, as shown in the Edit menu ("Undo Move 3 notes")."""
        ...

    def apply(self, song: Song) -> Edit:
        """Change ``song``, emit ``song.changed``, return the inverse edit."""
        ...


@dataclass(frozen=True)
class ReplaceNotes:
    removed: tuple[Note, ...]
    added: tuple[Note, ...]
    description: str = "Edit notes"

    def apply(self, song: Song) -> Edit:
        drop: set[int] = set()
        for n in self.removed:
            i = song.index_of(n)
            if i in drop:
                raise EditError(f"the note at tick {n.onset} is removed twice")
            drop.add(i)
        kept = [n for i, n in enumerate(song._notes) if i not in drop]
        notes = sorted(kept + list(self.added))  # timsort merges the two sorted runs
        song._set_notes(notes)
        touched = self.removed + self.added
        if touched:
            song.changed.emit(SongChange("notes", min(n.onset for n in touched), max(n.end for n in touched)))
        return ReplaceNotes(self.added, self.removed, self.description)


@dataclass(frozen=True)
class ReplaceChords:
    removed: tuple[Chord, ...]
    added: tuple[Chord, ...]
    description: str = "Edit chords"

    def apply(self, song: Song) -> Edit:
        chords = list(song._chords)
        for c in self.removed:
            if c not in chords:
                raise EditError(f"the chord {c.symbol} at tick {c.onset} is not in the song")
            chords.remove(c)
        chords = sorted(chords + list(self.added), key=lambda c: c.onset)
        song._set_chords(chords)
        touched = self.removed + self.added
        if touched:
            song.changed.emit(SongChange("chords", min(c.onset for c in touched), max(c.end for c in touched)))
        return ReplaceChords(self.added, self.removed, self.description)


@dataclass(frozen=True)
class SetMaps:
    """Replace the tempo map, the time signatures and/or the key signatures."""

    tempos: tuple[TempoChange, ...] | None = None
    signatures: tuple[TimeSignature, ...] | None = None
    keys: tuple[KeySignature, ...] | None = None
    description: str = "Change song settings"

    def apply(self, song: Song) -> Edit:
        inverse = SetMaps(song.tempos if self.tempos is not None else None,
                          song.time_signatures if self.signatures is not None else None,
                          song.keys if self.keys is not None else None, self.description)
        song._set_maps(list(self.tempos) if self.tempos is not None else None,
                       list(self.signatures) if self.signatures is not None else None,
                       list(self.keys) if self.keys is not None else None)
        for kind, value in (("tempo", self.tempos), ("meter", self.signatures), ("key", self.keys)):
            if value is not None:
                song.changed.emit(SongChange(kind))
        return inverse


@dataclass(frozen=True)
class SetMeta:
    """Set the title and/or the GM program of the melody."""

    title: str | None = None
    program: int | None = None
    description: str = "Change song settings"

    def apply(self, song: Song) -> Edit:
        if self.program is not None and not 0 <= self.program <= 127:
            raise EditError(f"GM program {self.program} is outside 0-127")
        inverse = SetMeta(song.title if self.title is not None else None,
                          song.program if self.program is not None else None, self.description)
        if self.title is not None:
            song.title = self.title
        if self.program is not None:
            song.program = self.program
        song.changed.emit(SongChange("meta"))
        return inverse


@dataclass(frozen=True)
class Compound:
    """Several edits as one undo step (e.g. accepting a generated variation with its lyrics)."""

    edits: tuple[Edit, ...] = field(default_factory=tuple)
    description: str = "Edit"

    def apply(self, song: Song) -> Edit:
        inverses: list[Edit] = []
        try:
            for e in self.edits:
                inverses.append(e.apply(song))
        except Exception:
            for inv in reversed(inverses):  # leave the song as it was
                inv.apply(song)
            raise
        return Compound(tuple(reversed(inverses)), self.description)


# -- planners ---------------------------------------------------------------------------------
def place_notes(song: Song, new: Sequence[Note], removing: Sequence[Note] = (),
                description: str = "Add notes") -> ReplaceNotes:
    """Edit that removes ``removing`` and places ``new`` (which win over overlapped notes)."""
    new_sorted = sorted(new)
    for a, b in itertools.pairwise(new_sorted):
        if b.onset < a.end:
            raise EditError(f"the new notes at ticks {a.onset} and {b.onset} overlap")
    removed = list(removing)
    removing_idx = {song.index_of(n) for n in removing}
    added = list(new_sorted)
    spans = [(n.onset, n.end) for n in new_sorted]
    span_starts = [s for s, _ in spans]
    # Only notes from the one sounding at the first new onset up to the last new end can clash.
    first = max(0, bisect.bisect_right(song._onsets, spans[0][0]) - 1) if spans else 0
    last = bisect.bisect_left(song._onsets, spans[-1][1]) if spans else 0
    for k in range(first, last):
        old = song._notes[k]
        if k in removing_idx:
            continue
        i = bisect.bisect_right(span_starts, old.onset) - 1
        # A new note starting at or before old.onset that still sounds at old.onset: old goes.
        if i >= 0 and spans[i][1] > old.onset:
            removed.append(old)
            continue
        # The first new note starting after old.onset cuts old short if it starts before old ends.
        j = i + 1
        if j < len(spans) and spans[j][0] < old.end:
            removed.append(old)
            added.append(replace(old, duration=spans[j][0] - old.onset))
    return ReplaceNotes(tuple(removed), tuple(added), description)


def insert_notes(song: Song, notes: Sequence[Note]) -> ReplaceNotes:
    return place_notes(song, notes, description="Add note" if len(notes) == 1 else "Add notes")


def delete_notes(song: Song, notes: Sequence[Note]) -> ReplaceNotes:
    return ReplaceNotes(tuple(notes), (), "Delete note" if len(notes) == 1 else "Delete notes")


def move_notes(song: Song, notes: Sequence[Note], delta_ticks: int, delta_pitch: int) -> ReplaceNotes:
    moved = [replace(n, onset=n.onset + delta_ticks, pitch=n.pitch + delta_pitch) for n in notes]
    what = "Transpose" if delta_ticks == 0 else "Move"
    return place_notes(song, moved, removing=notes, description=f"{what} {_count(notes)}")


def resize_note(song: Song, note: Note, duration: int) -> ReplaceNotes:
    i = song.index_of(note)
    following = song.notes[i + 1] if i + 1 < len(song.notes) else None
    if following is not None:
        duration = min(duration, following.onset - note.onset)
    return ReplaceNotes((note,), (replace(note, duration=duration),), "Resize note")


def replace_bars(song: Song, first_bar: int, last_bar: int, notes: Sequence[Note],
                 description: str = "Replace bars") -> ReplaceNotes:
    """Everything starting in bars first_bar..last_bar (0-based, inclusive) gives way to ``notes``,
    which must lie inside those bars; a note reaching into the range from before is cut at its start."""
    start, end = song.bar_range_ticks(first_bar, last_bar)
    for n in notes:
        if n.onset < start or n.end > end:
            raise EditError(f"a note at tick {n.onset} lies outside bars {first_bar + 1}-{last_bar + 1}")
    inside = song.notes_between(start, end)
    return place_notes(song, notes, removing=inside, description=description)


def set_lyrics(song: Song, lyrics: Sequence[tuple[Note, Lyric | None]]) -> ReplaceNotes:
    removed, added = [], []
    for note, lyric in lyrics:
        song.index_of(note)
        removed.append(note)
        added.append(replace(note, lyric=lyric))
    return ReplaceNotes(tuple(removed), tuple(added), "Set lyrics")


def set_chords(song: Song, chords: Sequence[Chord], start: int = 0, end: int | None = None) -> ReplaceChords:
    """Chords in [start, end) become ``chords``; chords reaching across the edges are cut there."""
    stop = end if end is not None else max(song.end_tick, max((c.end for c in chords), default=0)) + 1
    for c in chords:
        if c.onset < start or c.end > stop:
            raise EditError(f"chord {c.symbol} at tick {c.onset} lies outside the range being set")
    removed, added = [], list(chords)
    for old in song.chords_between(start, stop):
        removed.append(old)
        if old.onset < start:
            added.append(replace(old, duration=start - old.onset))
        if old.end > stop:
            added.append(replace(old, onset=stop, duration=old.end - stop))
    return ReplaceChords(tuple(removed), tuple(added), "Set chords")


def set_time_signature(song: Song, bar: int, numerator: int, denominator: int) -> SetMaps:
    sigs = [s for s in song.time_signatures if s.bar != bar]
    sigs.append(TimeSignature(bar, numerator, denominator))
    return SetMaps(signatures=tuple(sorted(sigs, key=lambda s: s.bar)), description="Change meter")


def set_key(song: Song, key: KeySignature) -> SetMaps:
    keys = [k for k in song.keys if k.tick != key.tick] + [key]
    return SetMaps(keys=tuple(sorted(keys, key=lambda k: k.tick)), description="Change key")


def set_tempo(song: Song, tick: int, bpm: float) -> SetMaps:
    tempos = [t for t in song.tempos if t.tick != tick] + [TempoChange.from_bpm(tick, bpm)]
    return SetMaps(tempos=tuple(sorted(tempos, key=lambda t: t.tick)), description="Change tempo")


def _count(notes: Sequence[Note]) -> str:
    return "note" if len(notes) == 1 else f"{len(notes)} notes"
