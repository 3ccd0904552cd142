"""What ``melodystudio eval`` reads: the corpus cache, its test tunes as Songs, the n-gram's data.

Test tunes are rebuilt from their corpus tokens (``evaluation.melody_eval_songs``) where every bar's
meter is in the tokens and no grid-snapped notes overlap, otherwise read again from their ABC source
file with the corpus build's own reader and bar clean-ups. Either way the song must encode back to
exactly the stored tokens; a tune that does not is left out and counted, so the model is scored on
what the corpus holds.
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from melodystudio.core import Song
from melodystudio.core.errors import MelodyStudioError
from melodystudio.core.progress import Job, Progress
from melodystudio.corpus import Corpus, load_corpus
from melodystudio.corpus.dataset import sidecar_path
from melodystudio.corpus.paths import REPO_ROOT
from melodystudio.corpus.records import ABC_SOURCES
from melodystudio.engine.model_files import file_sha256
from melodystudio.evaluation import KneserNey
from melodystudio.evaluation.melody_eval_songs import Window, same_tokens, song_from_windows
from melodystudio.tokens import CompoundTokenizer
from melodystudio.tokens.compound import PITCH

BUILD_HINT = "run `python -m melodystudio.corpus.build` first"
# training.prepare's default sources: what a model is trained on unless its data says otherwise
PREPARE_SOURCES = ("essenFolksong", "ryansMammoth", "oneills1850", "airdsAirs", "bach", "pop909")
PITCHES = 128  # n-gram vocabulary: MIDI pitches


def open_corpus(path: Path) -> Corpus:
    """The corpus cache, or one MelodyStudioError line saying how to make it."""
    if not path.is_file() or not sidecar_path(path).is_file():
        raise MelodyStudioError(f"no corpus cache at {path} (or its .json beside it): {BUILD_HINT}")
    try:
        return load_corpus(path)
    except (OSError, ValueError, KeyError) as e:  # json.JSONDecodeError is a ValueError
        raise MelodyStudioError(f"the corpus cache {path} cannot be read ({str(e)[:120]}); rebuild it: "
                                f"{BUILD_HINT}") from None


@dataclass(frozen=True)
class TestTune:
    corpus_index: int  # tune index in the corpus npz
    tune_id: str
    song: Song


@dataclass
class TestSet:
    source: str
    split: str
    in_corpus: int  # tunes of that source and split in the corpus
    tunes: list[TestTune] = field(default_factory=list)
    from_source_files: int = 0  # tunes read again from their source file (a meter not in the tokens)
    left_out: Counter[str] = field(default_factory=Counter)  # reason -> tunes

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "split": self.split, "in_corpus": self.in_corpus, "used": len(self.tunes),
                "from_source_files": self.from_source_files, "left_out": dict(self.left_out)}


def tune_windows(corpus: Corpus, tune: int) -> list[Window]:
    windows = np.flatnonzero(corpus.arrays["window_tune"] == tune)
    return [(int(corpus.arrays["window_first_bar"][w]), corpus.window_tokens(int(w))) for w in windows]


def load_test_tunes(corpus: Corpus, source: str, split: str, limit: int | None = None) -> Job[TestSet]:
    """The corpus's tunes of ``source`` and ``split`` as Songs (the first ``limit`` of them)."""
    tokenizer = CompoundTokenizer(corpus.tokenizer)
    chosen = _tunes_of(corpus, source, split)
    out = TestSet(source, split, len(chosen))
    chosen = chosen[:limit] if limit is not None else chosen
    files: dict[str, list] = {}  # parsed ABC files, by corpus-relative path
    for i, tune in enumerate(chosen):
        entry = corpus.sidecar["tunes"][tune]
        windows = tune_windows(corpus, int(tune))
        song = song_from_windows(windows, tokenizer.config.grid, entry.get("title") or "")
        if song is None:
            song, reason = _from_source_file(entry, tokenizer, files)
            out.from_source_files += song is not None
            if song is None:
                out.left_out[reason] += 1
        if song is not None and not same_tokens(song, windows, tokenizer):
            out.left_out["does not encode back to its corpus tokens"] += 1
        elif song is not None:
            out.tunes.append(TestTune(int(tune), str(entry["id"]), song))
        yield Progress((i + 1) / max(len(chosen), 1), f"reading the test tunes: tune {i + 1} of {len(chosen)}")
    return out


def _tunes_of(corpus: Corpus, source: str, split: str) -> np.ndarray:
    if source not in corpus.sidecar["sources"]:
        raise MelodyStudioError(f"the corpus knows no source '{source}'")
    ids = corpus.sidecar["sources"].index(source)
    return np.intersect1d(corpus.tunes_of(split), np.flatnonzero(corpus.arrays["tune_source"] == ids))


def _from_source_file(entry: dict[str, Any], tokenizer: CompoundTokenizer,
                      files: dict[str, list]) -> tuple[Song | None, str]:
    """(the tune read again from its ABC file with the build's bar clean-ups, or None and why)."""
    from melodystudio.corpus import abc_source, paths
    from melodystudio.corpus.bars import fit_meter, trim_leading_bars

    source, rel = entry.get("source"), entry.get("file")
    if source not in ABC_SOURCES or not rel or "#" not in str(entry.get("id")):
        return None, "not rebuildable from its tokens and no ABC source file to read"
    try:
        if rel not in files:
            files[rel] = abc_source.file_pieces(paths.music21_corpus_dir() / rel, source)
        piece = files[rel][int(str(entry["id"]).rsplit("#", 1)[1]) - 1]
        song, _ = fit_meter(abc_source.abc_tune(piece).song, tokenizer.config.max_pos * tokenizer.config.grid)
        return trim_leading_bars(song)[0], ""
    except Exception as e:  # music21 or a missing file: leave this one tune out, with the reason
        return None, f"source file unreadable ({type(e).__name__})"


# -- the n-gram baseline's training data --------------------------------------------------------
def ngram_sources(corpus: Corpus, manifest: dict[str, Any], given: list[str] | None) -> tuple[list[str], str]:
    """(sources whose train split the n-gram learns from, how they were chosen)."""
    names = list(corpus.sidecar["sources"])
    if given:
        unknown = [s for s in given if s not in names]
        if unknown:
            raise MelodyStudioError(f"--ngram-sources: unknown source(s) {', '.join(unknown)}; the corpus has "
                                    f"{', '.join(names)}")
        return given, "given with --ngram-sources"
    matched, data = _sources_of_training_set(corpus, manifest)
    if matched:
        return matched, f"the sources whose train windows add up to the model's training set ({data})"
    held = set(np.unique(corpus.arrays["tune_source"]).tolist())
    present = [s for s in PREPARE_SOURCES if s in names and names.index(s) in held]
    return present, "training.prepare's default sources (the model's training set could not be matched)"


def _sources_of_training_set(corpus: Corpus, manifest: dict[str, Any]) -> tuple[list[str], str]:
    """The one set of sources whose train windows number as many as the model's training set's."""
    config = (manifest.get("training") or {}).get("train_config") or {}
    data = config.get("data") if isinstance(config, dict) else None
    path = next((p for p in (Path(str(data)), REPO_ROOT / str(data)) if data and p.is_file()), None)
    if path is None:
        return [], ""
    try:
        with np.load(path, allow_pickle=False) as d:
            wanted = len(d["train"])
    except (OSError, ValueError, KeyError):
        return [], ""
    a = corpus.arrays
    window_source = a["tune_source"][a["window_tune"][a["train"]]]
    counts = {name: int((window_source == i).sum()) for i, name in enumerate(corpus.sidecar["sources"])}
    present = [s for s, c in counts.items() if c]
    hits = [list(combo) for k in range(1, len(present) + 1) for combo in itertools.combinations(present, k)
            if sum(counts[s] for s in combo) == wanted]
    return (hits[0], str(data)) if len(hits) == 1 else ([], "")


def train_pitch_sequences(corpus: Corpus, sources: list[str]) -> list[np.ndarray]:
    """Pitch sequences (MIDI numbers) of every TRAIN-split tune of ``sources``, one per tune."""
    ids = [corpus.sidecar["sources"].index(s) for s in sources]
    train = np.intersect1d(corpus.tunes_of("train"), np.flatnonzero(np.isin(corpus.arrays["tune_source"], ids)))
    return [corpus.tune_tokens(int(t))[:, PITCH].astype(np.int64) for t in train]


def train_ngram(sequences: list[np.ndarray], order: int) -> Job[KneserNey]:
    """Fit the Kneser-Ney pitch model tune by tune (progress every few hundred tunes)."""
    model = KneserNey(order=order, vocab_size=PITCHES)
    for i, seq in enumerate(sequences):
        model.update(seq.tolist())
        if i % 200 == 0:
            yield Progress(i / max(len(sequences), 1), f"training the n-gram: tune {i} of {len(sequences)}")
    return model


def corpus_facts(corpus: Corpus, path: Path, source: str) -> dict[str, Any]:
    """What the report says about the corpus: its build statistics for the test source, and totals."""
    stats = corpus.sidecar.get("stats", {})
    table = stats.get("per_source_split", {})
    totals = Counter[str]()
    for splits in table.values():
        for cell in splits.values():
            totals.update({k: v for k, v in cell.items() if isinstance(v, int)})
    return {"path": str(path), "bytes": path.stat().st_size, "sha256": file_sha256(path),
            "tokenizer": corpus.sidecar.get("tokenizer"), "sources_built": corpus.sidecar.get("sources_built"),
            "build_seconds": stats.get("seconds"), "tunes": len(corpus), "test_source": {source: table.get(source)},
            "totals": dict(totals)}
