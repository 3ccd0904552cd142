"""The cached corpus: one compressed .npz of arrays plus a JSON sidecar of metadata and statistics.

The npz loads as a ``training.data.TuneSet`` (a "tune" there is one window here)::

    tokens            (N, 7) int16   every kept note, CompoundTokenizer columns, tunes in build order
    offsets           (W + 1,) int64 window w is tokens[offsets[w]:offsets[w + 1]] (BAR from 0 per window)
    train/valid/test  int64          window indices of each split
    tokenizer         0-d str        JSON of TokenizerConfig.to_dict()
    phrase_start      (N,) uint8     1 where a phrase starts, 0 elsewhere and where unknown
    window_tune       (W,) int32     tune index of each window
    window_first_bar  (W,) int32     song bar (after the bar clean-ups) of the window's bar 0
    tune_offsets      (T + 1,) int64 tune t is tokens[tune_offsets[t]:tune_offsets[t + 1]]
    tune_split        (T,) uint8     0 train, 1 valid, 2 test
    tune_source       (T,) uint8     index into sidecar['sources'] (``records.SOURCES``)
    tune_meter_known  (T,) uint8     0 where the meter was assumed (lyrics_melody, ABC 'M: none')
    tune_phrases_known (T,) uint8    0 where phrase_start carries no information

The sidecar (same name, .json) holds 'tunes' (per tune: source, id, split, title, origin, genre,
key, meter, ...), 'stats', 'rules' and the tokenizer config.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from melodystudio.corpus.encode import EncodedTune
from melodystudio.corpus.records import SOURCE_ID, SOURCES
from melodystudio.corpus.splits import SPLIT_ID, SPLITS
from melodystudio.io.atomic import write_atomically
from melodystudio.tokens import TokenizerConfig

FORMAT = "melodystudio-corpus"
FORMAT_VERSION = 1


def sidecar_path(npz_path: Path) -> Path:
    return npz_path.with_suffix(".json")


def corpus_arrays(tunes: Sequence[EncodedTune]) -> dict[str, np.ndarray]:
    """The npz arrays (all but 'tokenizer') of these tunes, in their order."""
    tokens = np.concatenate([t.tokens for t in tunes]) if tunes else np.zeros((0, 7), np.int16)
    window_rows = [rows for t in tunes for _, rows in t.windows]
    window_tune = np.array([i for i, t in enumerate(tunes) for _ in t.windows], np.int32)
    tune_split = np.array([SPLIT_ID[t.split] for t in tunes], np.uint8)
    arrays = {
        "tokens": tokens.astype(np.int16),
        "offsets": _offsets(window_rows),
        "phrase_start": np.concatenate([t.phrase_start for t in tunes]) if tunes else np.zeros(0, np.uint8),
        "window_tune": window_tune,
        "window_first_bar": np.array([bar for t in tunes for bar, _ in t.windows], np.int32),
        "tune_offsets": _offsets([len(t.tokens) for t in tunes]),
        "tune_split": tune_split,
        "tune_source": np.array([SOURCE_ID[t.source] for t in tunes], np.uint8),
        "tune_meter_known": np.array([t.meter_known for t in tunes], np.uint8),
        "tune_phrases_known": np.array([t.phrases_known for t in tunes], np.uint8),
    }
    for name in SPLITS:
        arrays[name] = np.flatnonzero(tune_split[window_tune] == SPLIT_ID[name]).astype(np.int64)
    return arrays


def _offsets(lengths: Sequence[int]) -> np.ndarray:
    return np.concatenate([[0], np.cumsum(lengths, dtype=np.int64)]).astype(np.int64)


def write_npz(path: Path, tunes: Sequence[EncodedTune], config: TokenizerConfig) -> None:
    """Write the arrays (replaced atomically)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    arrays: dict[str, Any] = {"tokenizer": np.array(json.dumps(config.to_dict())), **corpus_arrays(tunes)}
    np.savez_compressed(buffer, **arrays)
    write_atomically(path, buffer.getvalue())


def write_sidecar(path: Path, tunes: Sequence[EncodedTune], config: TokenizerConfig,
                  sidecar: dict[str, Any]) -> None:
    """Write the JSON beside the npz at ``path``: ``sidecar``'s entries plus the per-tune metadata."""
    doc = {"format": FORMAT, "version": FORMAT_VERSION, "tokenizer": config.to_dict(), "sources": list(SOURCES),
           "splits": list(SPLITS), **sidecar, "tunes": [tune_entry(t) for t in tunes]}
    write_atomically(sidecar_path(path), json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8"))


def tune_entry(tune: EncodedTune) -> dict[str, Any]:
    return {"source": tune.source, "id": tune.tune_id, "split": tune.split, "notes": len(tune.tokens),
            "windows": len(tune.windows), **tune.meta}


@dataclass
class Corpus:
    """A loaded corpus: the npz arrays by name and the parsed sidecar."""

    arrays: dict[str, np.ndarray]
    sidecar: dict[str, Any]

    @property
    def tokenizer(self) -> TokenizerConfig:
        return TokenizerConfig.from_dict(self.sidecar["tokenizer"])

    def __len__(self) -> int:
        return len(self.arrays["tune_split"])

    def tune_tokens(self, i: int) -> np.ndarray:
        off = self.arrays["tune_offsets"]
        return self.arrays["tokens"][off[i]:off[i + 1]]

    def window_tokens(self, w: int) -> np.ndarray:
        off = self.arrays["offsets"]
        return self.arrays["tokens"][off[w]:off[w + 1]]

    def tunes_of(self, split: str) -> np.ndarray:
        return np.flatnonzero(self.arrays["tune_split"] == SPLIT_ID[split])


def load_corpus(path: Path) -> Corpus:
    with np.load(path, allow_pickle=False) as data:
        arrays = {name: data[name] for name in data.files if name != "tokenizer"}
    sidecar = json.loads(sidecar_path(path).read_text(encoding="utf-8"))
    if sidecar.get("format") != FORMAT or sidecar.get("version") != FORMAT_VERSION:
        raise ValueError(f"{path}: not a {FORMAT} v{FORMAT_VERSION} sidecar")
    return Corpus(arrays, sidecar)
