"""Melodies with chords for the harmonizer: ``python -m melodystudio.corpus.harmony_data``.

Sources and splits:
- pop909 (``pop909.iter_pop909``): melody + chord labels; the records' own train/valid/test split.
- openewld lead sheets (``io.load_song`` on each .mxl; notes + ``<harmony>`` symbols): split by the
  SHA-1 of the file name, first 8 hex digits as a fraction of 2**32: < 0.15 test (the "held-out lead
  sheets"), < 0.25 valid, else train. Files that cannot be read are counted and skipped; an archive
  whose container.xml is malformed is read by io's fallback (the raw full-path, or its one score).
- music21's ABC folk collections: tunes with at least ``MIN_ABC_CHORDS`` quoted chord symbols
  ("Am", "D7") are parsed with ``io.abc`` (``corpus.abc_source``) and split by ``corpus.splits``.
  In the installed corpus none qualifies: their quoted strings are fingerings, tempo words and notes.

Every song is fitted like the melody corpus (``bars.fit_meter``, ``bars.trim_leading_bars``) and
encoded with ``encode.encode_tune``. Stored per song (concatenated arrays + offsets): the notes
(onset, duration, pitch in ticks), the melody tokens and their windows, time signatures, key
signatures, chords as vocabulary classes, and for each segment rule (``harmony.segments``) every
segment's [start, end) and chord class (the chord sounding longest in it; 0 = no chord).
Transposition is left to training time.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import re
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from melodystudio.core import Chord, KeySignature, MelodyStudioError, Note, Song, TimeSignature
from melodystudio.core.chord_vocabulary import chord_class, class_symbol
from melodystudio.core.chords import ChordSymbol
from melodystudio.core.progress import Job, Progress, run_to_end
from melodystudio.corpus import paths
from melodystudio.corpus.abc_source import abc_tune, collection_files, file_pieces
from melodystudio.corpus.bars import fit_meter, trim_leading_bars
from melodystudio.corpus.encode import encode_tune
from melodystudio.corpus.pop909 import iter_pop909
from melodystudio.corpus.records import ABC_SOURCES, CorpusTune, ParseFailure, base_meta, failure_reason
from melodystudio.harmony.segments import RULES, segment_classes, segments
from melodystudio.io.formats import load_song
from melodystudio.tokens import CompoundTokenizer

DEFAULT_OUT = paths.REPO_ROOT / "data_cache" / "harmony.npz"
SOURCES = ("pop909", "openewld", *ABC_SOURCES)
SPLITS = ("train", "valid", "test")
MIN_ABC_CHORDS = 8
_QUOTED = re.compile(r'"([^"]*)"')
_LEAD_TEST, _LEAD_VALID = 0.15, 0.25


def lead_sheet_split(file_name: str) -> str:
    """Split of an openewld file by the SHA-1 of its name (see the module docstring)."""
    x = int(hashlib.sha1(file_name.encode("utf-8")).hexdigest()[:8], 16) / 2 ** 32
    return "test" if x < _LEAD_TEST else "valid" if x < _LEAD_VALID else "train"


def openewld_dir() -> Path:
    return paths.data_root() / "openewld"


def abc_chord_count(text: str) -> int:
    """Quoted strings in an ABC tune that read as chord symbols."""
    count = 0
    for s in _QUOTED.findall(text):
        try:  # the bass is left out: ABC writes it in lower case ("Am/c"), which is still a chord
            count += ChordSymbol.parse(s.split("/")[0]) is not None
        except MelodyStudioError:
            pass
    return count


@dataclass
class BuildLog:
    read: Counter[str] = field(default_factory=Counter)  # source -> songs kept
    skipped: Counter[str] = field(default_factory=Counter)  # source -> songs that failed or had no chords
    reasons: Counter[str] = field(default_factory=Counter)
    abc_scanned: int = 0  # ABC tunes whose text was scanned for chord symbols
    abc_with_chords: int = 0


def iter_sources(log: BuildLog) -> Iterator[CorpusTune]:
    failures: list[ParseFailure] = []
    yield from iter_pop909(failures=failures)
    for f in failures:
        log.skipped["pop909"] += 1
        log.reasons[f.reason[:80]] += 1
    for path in sorted(openewld_dir().glob("*.mxl")):
        try:
            song = load_song(path)[0]
        except Exception as e:  # one bad file never stops the build; music21 raises many types
            log.skipped["openewld"] += 1
            log.reasons[failure_reason(e)[:80]] += 1
            continue
        yield CorpusTune("openewld", path.stem, lead_sheet_split(path.name), song, None, base_meta(title=song.title))
    for source in ABC_SOURCES:
        for path in collection_files(source):
            for piece in file_pieces(path, source):
                log.abc_scanned += 1
                if abc_chord_count(piece.text) < MIN_ABC_CHORDS:
                    continue
                log.abc_with_chords += 1
                try:
                    yield abc_tune(piece)
                except Exception as e:
                    log.skipped[source] += 1
                    log.reasons[failure_reason(e)[:80]] += 1


@dataclass
class SongRecord:
    source: str
    name: str
    split: str
    song: Song
    tokens: np.ndarray  # (n_notes, 7) int16
    windows: list[tuple[int, int]]


def fitted(tune: CorpusTune, tokenizer: CompoundTokenizer) -> SongRecord:
    song, _ = fit_meter(tune.song, tokenizer.config.max_pos * tokenizer.config.grid)
    song, _ = trim_leading_bars(song)
    if not any(chord_class(c.symbol) for c in song.chords):
        raise MelodyStudioError("no chords")
    enc = encode_tune(CorpusTune(tune.source, tune.tune_id, tune.split, song, None, tune.meta), tokenizer)
    return SongRecord(tune.source, tune.tune_id, tune.split, song, enc.tokens, enc.windows)


def build_job(out: Path) -> Job[BuildLog]:
    log, records = BuildLog(), []
    tokenizer = CompoundTokenizer()
    for i, tune in enumerate(iter_sources(log)):
        try:
            records.append(fitted(tune, tokenizer))
            log.read[tune.source] += 1
        except Exception as e:
            log.skipped[tune.source] += 1
            log.reasons[failure_reason(e)[:80]] += 1
        if i % 20 == 0:
            yield Progress(min(i / 1300, 0.99), f"{i} songs read")
    save(out, records, log)
    return log


def _cat(parts: list[np.ndarray], width: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows of every song stacked (int64), and offsets: song i is rows offsets[i]:offsets[i + 1]."""
    arrays: list[np.ndarray] = [np.asarray(p, np.int64).reshape(-1, width) for p in parts]
    offsets = np.concatenate([[0], np.cumsum([len(a) for a in arrays])]).astype(np.int64)
    data = np.concatenate(arrays) if arrays else np.zeros((0, width), np.int64)
    return data, offsets


def save(out: Path, records: list[SongRecord], log: BuildLog) -> None:
    arrays: dict[str, Any] = {}
    columns: dict[str, list[np.ndarray]] = {k: [] for k in ("notes", "tokens", "windows", "sigs", "keys", "chords",
                                                             *(f"seg_{r}" for r in RULES))}
    for r in records:
        s = r.song
        columns["notes"].append(np.array([(n.onset, n.duration, n.pitch) for n in s.notes]))
        columns["tokens"].append(r.tokens)
        columns["windows"].append(np.array(r.windows))
        columns["sigs"].append(np.array([(t.bar, t.numerator, t.denominator) for t in s.time_signatures]))
        columns["keys"].append(np.array([(k.tick, k.sharps or 0, k.mode == "minor") for k in s.keys]))
        columns["chords"].append(np.array([(c.onset, c.duration, chord_class(c.symbol)) for c in s.chords]))
        for rule in RULES:
            segs = segments(s, rule)
            classes = segment_classes(s.chords, segs)
            columns[f"seg_{rule}"].append(np.array([(g.start, g.end, c) for g, c in zip(segs, classes)]))
    widths = {"notes": 3, "tokens": 7, "windows": 2, "sigs": 3, "keys": 3, "chords": 3}
    for name, parts in columns.items():
        arrays[name], arrays[f"{name}_offsets"] = _cat(parts, widths.get(name, 3))
    arrays["tokens"] = arrays["tokens"].astype(np.int16)
    arrays["source"] = np.array([SOURCES.index(r.source) for r in records], np.uint8)
    arrays["split"] = np.array([SPLITS.index(r.split) for r in records], np.uint8)
    arrays["name"] = np.array([r.name for r in records])
    meta = {"sources": SOURCES, "splits": SPLITS, "rules": RULES, "read": dict(log.read),
            "skipped": dict(log.skipped), "reasons": dict(log.reasons.most_common(20)),
            "abc_scanned": log.abc_scanned, "abc_with_chords": log.abc_with_chords,
            "songs_per_split": {f"{src}/{sp}": sum(1 for r in records if (r.source, r.split) == (src, sp))
                                for src in SOURCES for sp in SPLITS}}
    arrays["meta"] = np.array(json.dumps(meta))
    out.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    out.write_bytes(buf.getvalue())


class HarmonySet:
    """The built file, read back: songs rebuilt as Songs and the per-rule segment targets."""

    def __init__(self, path: Path) -> None:
        if not path.is_file():
            raise MelodyStudioError(f"{path} does not exist; build it with "
                                    "'python -m melodystudio.corpus.harmony_data'")
        with np.load(path, allow_pickle=False) as d:
            self.arrays = {k: d[k] for k in d.files}
        self.meta: dict[str, Any] = json.loads(str(self.arrays["meta"]))

    def __len__(self) -> int:
        return len(self.arrays["name"])

    def _rows(self, name: str, i: int) -> np.ndarray:
        off = self.arrays[f"{name}_offsets"]
        return self.arrays[name][off[i]:off[i + 1]]

    def source(self, i: int) -> str:
        return SOURCES[int(self.arrays["source"][i])]

    def name(self, i: int) -> str:
        return str(self.arrays["name"][i])

    def indices(self, split: str, sources: tuple[str, ...] | None = None) -> list[int]:
        return [i for i in range(len(self)) if SPLITS[int(self.arrays["split"][i])] == split
                and (sources is None or self.source(i) in sources)]

    def song(self, i: int) -> Song:
        notes = [Note(int(a), int(b), int(p)) for a, b, p in self._rows("notes", i)]
        sigs = [TimeSignature(int(b), int(n), int(d)) for b, n, d in self._rows("sigs", i)]
        keys = [KeySignature.from_sharps(int(t), int(s), "minor" if m else "major")
                for t, s, m in self._rows("keys", i)]
        chords = [Chord(int(a), int(b), sym) for a, b, c in self._rows("chords", i)
                  if (sym := class_symbol(int(c))) is not None]
        return Song(self.name(i), time_signatures=sigs, keys=keys, notes=notes, chords=chords)

    def targets(self, i: int, rule: str) -> np.ndarray:
        """(S, 3) int64: start, end, chord class of each segment of rule ``rule``."""
        return self._rows(f"seg_{rule}", i)

    def tokens(self, i: int) -> np.ndarray:
        return self._rows("tokens", i)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args(argv)
    t0 = time.time()
    log = run_to_end(build_job(args.out), lambda p: print(f"\r{p.message}", end="", file=sys.stderr, flush=True))
    print(f"\nwrote {args.out} in {time.time() - t0:.0f} s; songs {dict(log.read)}; skipped {dict(log.skipped)}; "
          f"ABC tunes scanned {log.abc_scanned}, with chord symbols {log.abc_with_chords}")
    for reason, n in log.reasons.most_common(8):
        print(f"  {n:4d}  {reason}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
