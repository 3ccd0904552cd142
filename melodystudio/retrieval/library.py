"""The melody library: what each indexed melody is (title, source, key, meter, caption) and its notes.

The shipped library (``library.npz``, written by ``training.clmp_export``) stores notes compactly:

    note_offsets (N + 1,) int64   tune i owns notes note_offsets[i]:note_offsets[i + 1]
    ioi          (M,) uint16      grid units (40 ticks) from the previous onset (the first: from 0)
    duration     (M,) uint8       grid units
    pitch        (M,) uint8       MIDI
    entries      0-d str          JSON list of per-tune records (``LibraryEntry`` fields)

Row i of the library is label i of the shipped HNSW index. User melodies are ``LibraryEntry``s
with their notes in ticks (``user_store``); both kinds become Songs through ``entry_song``.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from melodystudio.core import KeySignature, Note, Song, TempoChange, TimeSignature
from melodystudio.core.errors import MelodyStudioError
from melodystudio.retrieval.attributes import TuneAttributes, key_signature

GRID = 40  # ticks per stored unit (the tokenizer grid)
LIBRARY_FORMAT = "melodystudio-melody-library"
LIBRARY_VERSION = 1


@dataclass(frozen=True)
class LibraryEntry:
    """One melody of the library (shipped or the user's)."""

    title: str
    source: str  # corpus collection, or 'user'
    tune_id: str
    caption: str  # the display description
    meter: str  # '6/8', '' unknown
    tonic_pc: int | None
    mode: str | None
    bars: int
    lowest: int
    highest: int
    tempo_bpm: float | None  # None where the source gives none
    origin: str = ""
    kind: str = ""
    signatures: tuple[tuple[int, int, int], ...] = ((0, 4, 4),)  # (bar, numerator, denominator)
    notes: tuple[tuple[int, int, int], ...] = field(default=(), repr=False)  # user entries: (onset, dur, pitch) ticks

    @property
    def key_label(self) -> str:
        if self.tonic_pc is None or self.mode is None:
            return ""
        return key_signature(self.tonic_pc, self.mode).label()

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["signatures"] = [list(s) for s in self.signatures]
        data["notes"] = [list(n) for n in self.notes]
        return data

    @staticmethod
    def from_json(data: dict[str, Any]) -> LibraryEntry:
        return LibraryEntry(**{**data, "signatures": tuple(tuple(s) for s in data["signatures"]),
                               "notes": tuple(tuple(n) for n in data.get("notes", ()))})

    @staticmethod
    def of(title: str, source: str, tune_id: str, caption: str, attrs: TuneAttributes, song: Song,
           origin: str = "", kind: str = "", with_notes: bool = False) -> LibraryEntry:
        sigs = tuple((ts.bar, ts.numerator, ts.denominator) for ts in song.time_signatures)
        notes = tuple((n.onset, n.duration, n.pitch) for n in song.notes) if with_notes else ()
        return LibraryEntry(title, source, tune_id, caption, attrs.meter, attrs.tonic_pc, attrs.mode, attrs.bars,
                            attrs.lowest, attrs.highest, attrs.tempo_bpm, origin, kind, sigs, notes)


def entry_song(entry: LibraryEntry, notes: list[Note] | None = None) -> Song:
    """The entry as a Song: its notes (given, or the entry's own), meters, key and tempo (if known)."""
    if notes is None:
        notes = [Note(o, d, p) for o, d, p in entry.notes]
    keys: list[KeySignature] = []
    if entry.tonic_pc is not None and entry.mode is not None:
        keys = [key_signature(entry.tonic_pc, entry.mode)]
    tempos = [TempoChange.from_bpm(0, entry.tempo_bpm)] if entry.tempo_bpm else None
    return Song(entry.title, time_signatures=[TimeSignature(*s) for s in entry.signatures], keys=keys,
                tempos=tempos, notes=notes)


class MelodyLibrary:
    """The shipped library, loaded once (arrays stay compact; Songs are built on request)."""

    def __init__(self, entries: list[LibraryEntry], note_offsets: np.ndarray, onsets: np.ndarray,
                 durations: np.ndarray, pitches: np.ndarray) -> None:
        self.entries = entries
        self._offsets, self._onsets, self._durations, self._pitches = note_offsets, onsets, durations, pitches

    def __len__(self) -> int:
        return len(self.entries)

    def notes(self, i: int) -> list[Note]:
        a, b = int(self._offsets[i]), int(self._offsets[i + 1])
        return [Note(int(o), int(d), int(p)) for o, d, p in
                zip(self._onsets[a:b], self._durations[a:b], self._pitches[a:b])]

    def song(self, i: int) -> Song:
        return entry_song(self.entries[i], self.notes(i))

    @staticmethod
    def load(path: Path) -> MelodyLibrary:
        if not path.is_file():
            raise MelodyStudioError(f"melody library {path} is missing (rebuild with "
                                    "python -m melodystudio.training.clmp build)")
        try:
            with np.load(path, allow_pickle=False) as data:
                doc = json.loads(str(data["entries"]))
                offsets = data["note_offsets"].astype(np.int64)
                ioi, dur, pitch = data["ioi"], data["duration"], data["pitch"]
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as e:
            raise MelodyStudioError(f"melody library {path} is damaged ({type(e).__name__})") from None
        if doc.get("format") != LIBRARY_FORMAT or doc.get("version") != LIBRARY_VERSION:
            raise MelodyStudioError(f"{path} is not a {LIBRARY_FORMAT} v{LIBRARY_VERSION} file")
        onsets = np.cumsum(ioi.astype(np.int64))
        starts = np.repeat(onsets[offsets[:-1]] - ioi[offsets[:-1]], np.diff(offsets))  # each tune from 0
        onsets = (onsets - starts) * GRID
        entries = [LibraryEntry.from_json(e) for e in doc["entries"]]
        return MelodyLibrary(entries, offsets, onsets, dur.astype(np.int64) * GRID, pitch.astype(np.int64))


def write_library(path: Path, entries: list[LibraryEntry], songs: list[Song]) -> None:
    """The compact npz of these entries and their songs (notes must lie on the 40-tick grid)."""
    ioi, dur, pitch, offsets = [], [], [], [0]
    for song in songs:
        onsets = np.array([n.onset for n in song.notes], np.int64)
        if (onsets % GRID).any() or any(n.duration % GRID for n in song.notes):
            raise ValueError(f"{song.title}: notes off the {GRID}-tick grid cannot be stored")
        units = onsets // GRID
        ioi.append(np.diff(units, prepend=0))
        dur.append(np.minimum([n.duration // GRID for n in song.notes], 255))
        pitch.append([n.pitch for n in song.notes])
        offsets.append(offsets[-1] + len(song.notes))
    doc = {"format": LIBRARY_FORMAT, "version": LIBRARY_VERSION,
           "entries": [{**e.to_json(), "notes": []} for e in entries]}
    all_ioi = np.concatenate(ioi)
    if all_ioi.max(initial=0) > np.iinfo(np.uint16).max:
        raise ValueError("a gap between notes is too long for the library format")
    buffer = io.BytesIO()
    np.savez_compressed(buffer, note_offsets=np.array(offsets, np.int64), ioi=all_ioi.astype(np.uint16),
                        duration=np.concatenate(dur).astype(np.uint8), pitch=np.concatenate(pitch).astype(np.uint8),
                        entries=np.array(json.dumps(doc, ensure_ascii=False, separators=(",", ":"))))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue())
