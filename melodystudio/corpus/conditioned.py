"""Build the conditioned tune set: melodies with their chords and lyric syllables per note.

    python -m melodystudio.corpus.conditioned [--out data_cache/conditioned.npz] [--limit N] [--estimate-keys]

Sources (read in place from the shared data folder, encoded exactly as the corpus build encodes
them, ``encode.encode_tune``): POP909 (chords), the OpenEWLD lead sheets (chords and lyrics; a file
that cannot be read is counted and skipped) and lyrics_melody (syllables with word and phrase ids;
stress from the CMU dictionary). Splits: POP909 and lyrics_melody keep their README splits,
OpenEWLD goes by the SHA-1 of the file name (``conditioned_lyrics.name_split``).

lyrics_melody songs carry no key, so their tokens' KEY is "unknown" and a model learns to set a
lyric without one, while a lyric request always has the song's key. ``--estimate-keys`` gives every
song without a key the one best correlated with its melody (``lyric_cases.melody_key``, as ``eval
lyrics`` gives its cases), so that the lyric task is trained as it is asked; the npz records it
(``build``). The shipped model was trained without it.

The npz is a ``training.data.TuneSet`` (one tune per corpus window of up to max_bars bars)::

    tokens (M, 7) int16, offsets (W + 1,), train / valid / test (window indices), tokenizer (JSON),
    cond (M, N_COND) int16 (``tokens.conditions``), tune_source (W,) int64, sources (JSON list),
    song_id (W,) str: the source's id of each window's song (file name for OpenEWLD)
    build (JSON): how it was built ({"estimate_keys": bool})
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from melodystudio.core.errors import MelodyStudioError
from melodystudio.corpus import paths
from melodystudio.corpus.conditioned_lyrics import lyrics_melody_columns, name_split, song_lyric_columns
from melodystudio.corpus.encode import EncodedTune, encode_tune
from melodystudio.corpus.lyric_cases import melody_key
from melodystudio.corpus.lyrics_melody import iter_lyrics_melody
from melodystudio.corpus.pop909 import iter_pop909
from melodystudio.corpus.records import CorpusTune, ParseFailure, base_meta, failure_reason
from melodystudio.corpus.splits import SPLIT_ID, SPLITS
from melodystudio.io.atomic import write_atomically
from melodystudio.io.formats import load_song
from melodystudio.tokens import CompoundTokenizer, TokenizerConfig, conditions
from melodystudio.tokens.conditions import CHORD, N_COND

log = logging.getLogger(__name__)

SOURCES = ("pop909", "openewld", "lyrics_melody")
DEFAULT_OUT = paths.REPO_ROOT / "data_cache" / "conditioned.npz"


@dataclass
class ConditionedTune:
    encoded: EncodedTune
    cond: np.ndarray  # (n_notes, N_COND) int64, rows aligned with encoded.tokens


@dataclass
class BuildReport:
    read: Counter[str] = field(default_factory=Counter)  # source -> songs encoded
    failed: Counter[str] = field(default_factory=Counter)  # source -> songs skipped
    reasons: Counter[str] = field(default_factory=Counter)  # 'source: reason' -> songs

    def fail(self, source: str, reason: str) -> None:
        self.failed[source] += 1
        self.reasons[f"{source}: {reason[:80]}"] += 1


def conditioned(tune: CorpusTune, lyric: np.ndarray | None, tokenizer: CompoundTokenizer,
                estimate_key: bool = False) -> ConditionedTune:
    """Encode a tune and attach CHORD (from its song's chord track) plus the lyric columns given;
    ``estimate_key``: a song without a key first gets the one its melody suggests."""
    if estimate_key and not tune.song.keys and tune.song.notes:
        tune.song.set_key(melody_key(tune.song.notes))
    encoded = encode_tune(tune, tokenizer)
    cond = lyric.copy() if lyric is not None else conditions.empty(len(tune.song.notes))
    cond[:, CHORD] = conditions.chord_values(tune.song, [n.onset for n in tune.song.notes])
    return ConditionedTune(encoded, cond)


def _pop909(tokenizer: CompoundTokenizer, report: BuildReport, limit: int | None,
            estimate_keys: bool) -> Iterator[ConditionedTune]:
    return _read("pop909", iter_pop909, lambda t: None, tokenizer, report, limit, estimate_keys)


def _lyrics_melody(tokenizer: CompoundTokenizer, report: BuildReport, limit: int | None,
                   estimate_keys: bool) -> Iterator[ConditionedTune]:
    def columns(t: CorpusTune) -> np.ndarray:
        return lyrics_melody_columns(t.meta["syllables"], t.meta["word"], t.meta["phrase"])
    return _read("lyrics_melody", iter_lyrics_melody, columns, tokenizer, report, limit, estimate_keys)


def _read(source: str, tunes: Callable[..., Iterator[CorpusTune]], columns: Callable[[CorpusTune], np.ndarray | None],
          tokenizer: CompoundTokenizer, report: BuildReport, limit: int | None,
          estimate_keys: bool) -> Iterator[ConditionedTune]:
    """The first ``limit`` tunes of a source reader (``tunes(failures=...)``), each with its lyric
    ``columns`` (None: none); the reader's own parse failures are counted after them."""
    failures: list[ParseFailure] = []
    for i, tune in enumerate(tunes(failures=failures)):
        if limit is not None and i >= limit:
            break

        def make(t: CorpusTune = tune) -> ConditionedTune:
            return conditioned(t, columns(t), tokenizer, estimate_keys)

        yield from _guarded(source, make, report)
    for f in failures:
        report.fail(source, f.reason)


def _openewld(tokenizer: CompoundTokenizer, report: BuildReport, limit: int | None,
              estimate_keys: bool) -> Iterator[ConditionedTune]:
    files = sorted((paths.data_root() / "openewld").glob("*.mxl"))[:limit]
    for path in files:
        def make(p: Path = path) -> ConditionedTune:
            song = load_song(p)[0]
            tune = CorpusTune("openewld", p.name, name_split(p.name), song, None, base_meta(title=song.title))
            return conditioned(tune, song_lyric_columns(song), tokenizer, estimate_keys)

        yield from _guarded("openewld", make, report)


def _guarded(source: str, make: Callable[[], ConditionedTune], report: BuildReport) -> Iterator[ConditionedTune]:
    """One song, or a counted failure: a song that cannot be read never stops the build."""
    try:
        tune = make()
    except Exception as e:  # any reader or encoder error skips this one song
        report.fail(source, failure_reason(e))
        return
    report.read[source] += 1
    yield tune


READERS = {"pop909": _pop909, "openewld": _openewld, "lyrics_melody": _lyrics_melody}


def window_arrays(tunes: list[tuple[str, ConditionedTune]]) -> dict[str, Any]:
    """The TuneSet arrays of every window of these (source, tune) pairs."""
    tokens, cond, lengths, source, split, song_id = [], [], [], [], [], []
    for name, t in tunes:
        at = 0
        for _, rows in t.encoded.windows:
            tokens.append(t.encoded.tokens[at:at + rows])
            cond.append(t.cond[at:at + rows])
            at += rows
            lengths.append(rows)
            source.append(SOURCES.index(name))
            split.append(SPLIT_ID[t.encoded.split] if t.encoded.split in SPLIT_ID else SPLIT_ID["train"])
            song_id.append(t.encoded.tune_id)
    splits = np.array(split, np.int64)
    arrays: dict[str, Any] = {
        "tokens": np.concatenate(tokens).astype(np.int16) if tokens else np.zeros((0, 7), np.int16),
        "cond": conditions.cap(np.concatenate(cond)).astype(np.int16) if cond else np.zeros((0, N_COND), np.int16),
        "offsets": np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
        "tune_source": np.array(source, np.int64), "song_id": np.array(song_id, dtype=str),
    }
    for name in SPLITS:
        arrays[name] = np.flatnonzero(splits == SPLIT_ID[name]).astype(np.int64)
    return arrays


def build(out: Path, sources: tuple[str, ...] = SOURCES, limit: int | None = None,
          config: TokenizerConfig | None = None, estimate_keys: bool = False) -> BuildReport:
    """Read, encode and write the conditioned set; returns what was read and skipped."""
    config = config or TokenizerConfig()
    tokenizer = CompoundTokenizer(config)
    report = BuildReport()
    tunes = [(name, t) for name in sources for t in READERS[name](tokenizer, report, limit, estimate_keys)]
    arrays = window_arrays(tunes)
    arrays["tokenizer"] = np.array(json.dumps(config.to_dict()))
    arrays["sources"] = np.array(json.dumps(list(SOURCES)))
    arrays["build"] = np.array(json.dumps({"estimate_keys": estimate_keys}))
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(out, buffer.getvalue())
    return report


def summary(path: Path) -> list[str]:
    """Per source and split: windows and notes, and the share of notes with a chord / a syllable."""
    with np.load(path, allow_pickle=False) as d:
        offsets, source, cond = d["offsets"], d["tune_source"], d["cond"]
        splits = {name: d[name] for name in SPLITS}
    lines = [f"{'source':<14} {'split':<6} {'windows':>8} {'notes':>9} {'chord':>6} {'lyric':>6} {'stress':>6}"]
    for s, name in enumerate(SOURCES):
        for split, idx in splits.items():
            idx = idx[source[idx] == s]
            rows = np.concatenate([np.arange(offsets[w], offsets[w + 1]) for w in idx]) if len(idx) else \
                np.zeros(0, np.int64)
            c = cond[rows] if len(rows) else np.zeros((0, N_COND), np.int16)
            n = max(len(c), 1)
            shares = [(c[:, col] > low).sum() / n for col, low in ((CHORD, 1), (conditions.WORD, 0),
                                                                  (conditions.STRESS, 0))]
            lines.append(f"{name:<14} {split:<6} {len(idx):>8} {len(c):>9} " + " ".join(f"{x:>6.1%}" for x in shares))
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m melodystudio.corpus.conditioned", description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--sources", default=",".join(SOURCES), help=f"comma-separated, of {', '.join(SOURCES)}")
    ap.add_argument("--limit", type=int, default=None, help="at most N songs per source (smoke runs)")
    ap.add_argument("--estimate-keys", action="store_true",
                    help="give songs without a key (lyrics_melody) the key their melody suggests")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s", stream=sys.stderr)
    sources = tuple(s.strip() for s in args.sources.split(",") if s.strip())
    unknown = set(sources) - set(SOURCES)
    if unknown:
        ap.error(f"unknown sources {sorted(unknown)}; use {', '.join(SOURCES)}")
    start = time.monotonic()
    try:
        report = build(args.out, sources, args.limit, estimate_keys=args.estimate_keys)
    except MelodyStudioError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    for line in summary(args.out):
        print(line)
    print("songs read: " + ", ".join(f"{s} {report.read[s]} (skipped {report.failed[s]})" for s in sources))
    for reason, count in report.reasons.most_common(10):
        print(f"  {count:>5}  {reason}")
    print(f"wrote {args.out} in {time.monotonic() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
