"""Tune sets on disk and the example stream for training (numpy only).

A tune set is an .npz with::

    tokens   (M, 7) int32   every tune's NOTE tokens, concatenated in onset order
    offsets  (n + 1,) int64 tune i is tokens[offsets[i]:offsets[i + 1]]
    train, valid[, test]    int64 tune indices of each split
    tokenizer (optional)    0-d str: JSON of ``TokenizerConfig.to_dict()`` the tokens were made with

Examples are drawn per step: a random tune of the split (this rank's shard under DDP), a random
window of it, a random transposition, a task from the mix, its blanks, then ``glm.build_example``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from melodystudio.tokens import TokenizerConfig, glm
from melodystudio.tokens.compound import BAR, KEY, PITCH, UNKNOWN_KEY
from melodystudio.training.lexicon import Lexicon

TASKS = ("ngram", "long_span", "inpaint", "continuation")
SPLITS = ("train", "valid", "test")  # other arrays in the file (e.g. the corpus cache's per-tune data) are not splits


@dataclass
class TuneSet:
    tokens: np.ndarray  # (M, 7) int32
    offsets: np.ndarray  # (n + 1,) int64
    splits: dict[str, np.ndarray] = field(default_factory=dict)  # name -> tune indices
    tokenizer: TokenizerConfig = field(default_factory=TokenizerConfig)

    @staticmethod
    def from_tunes(tunes: Sequence[np.ndarray], splits: dict[str, np.ndarray],
                   tokenizer: TokenizerConfig | None = None) -> TuneSet:
        lengths = [len(t) for t in tunes]
        tokens = np.concatenate([np.asarray(t, np.int32).reshape(-1, 7) for t in tunes]) if tunes else \
            np.zeros((0, 7), np.int32)
        offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        return TuneSet(tokens, offsets, splits, tokenizer or TokenizerConfig())

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def tune(self, i: int) -> np.ndarray:
        return self.tokens[self.offsets[i]:self.offsets[i + 1]]

    def split(self, name: str) -> list[np.ndarray]:
        return [self.tune(int(i)) for i in self.splits[name]]

    def save(self, path: str | Path) -> None:
        arrays: dict[str, Any] = {"tokens": self.tokens, "offsets": self.offsets, **self.splits,
                                  "tokenizer": np.array(json.dumps(self.tokenizer.to_dict()))}
        np.savez_compressed(path, **arrays)

    @staticmethod
    def load(path: str | Path) -> TuneSet:
        with np.load(path, allow_pickle=False) as data:
            missing = {"tokens", "offsets", "train", "valid"} - set(data.files)
            if missing:
                raise ValueError(f"{path}: tune set lacks {sorted(missing)}")
            splits = {k: data[k].astype(np.int64) for k in SPLITS if k in data.files}
            tok = TokenizerConfig.from_dict(json.loads(str(data["tokenizer"]))) if "tokenizer" in data.files \
                else TokenizerConfig()
            return TuneSet(data["tokens"].astype(np.int32), data["offsets"].astype(np.int64), splits, tok)


def crop_window(tune: np.ndarray, rng: np.random.Generator, max_bars: int,
                max_notes: int) -> tuple[np.ndarray, int]:
    """A window of whole bars (at most max_bars, at most max_notes notes) rebased to bar 0, and the
    index of its first note in ``tune``."""
    n = len(tune)
    if n == 0 or (tune[-1, BAR] < max_bars and n <= max_notes):
        return tune, 0
    first = int(rng.integers(0, max(n - max_notes, 0) + 1))
    b0 = int(tune[first, BAR])
    start = int(np.searchsorted(tune[:, BAR], b0, side="left"))
    stop = int(np.searchsorted(tune[:, BAR], b0 + max_bars, side="left"))
    while stop - start > max_notes:  # drop whole bars from the end; one huge bar is cut
        last_bar_start = int(np.searchsorted(tune[:, BAR], tune[stop - 1, BAR], side="left"))
        stop = last_bar_start if last_bar_start > start else start + max_notes
    window = tune[start:stop].copy()
    window[:, BAR] -= b0
    return window, start


def transpose(tune: np.ndarray, semitones: int) -> np.ndarray:
    """Shift PITCH by ``semitones`` and the key's tonic with it (mode and 'unknown' kept)."""
    out = tune.copy()
    out[:, PITCH] += semitones
    known = out[:, KEY] != UNKNOWN_KEY
    key = out[known, KEY]
    out[known, KEY] = (key % 12 + semitones) % 12 + 12 * (key // 12)
    return out


def random_transpose(tune: np.ndarray, rng: np.random.Generator, low: int = -5, high: int = 6) -> np.ndarray:
    """Transpose by a random low..high semitones, narrowed so every pitch stays in 0..127."""
    if len(tune) == 0:
        return tune
    low = max(low, -int(tune[:, PITCH].min()))
    high = min(high, 127 - int(tune[:, PITCH].max()))
    return transpose(tune, int(rng.integers(low, high + 1))) if low <= high else tune


def choose_spans(task: str, tune: np.ndarray, n_bars: int, rng: np.random.Generator,
                 matches: Sequence[tuple[int, int]]) -> list[glm.Span]:
    if task == "ngram":
        return glm.choose_ngram_spans(tune, matches, rng)
    if task == "long_span":
        return glm.choose_long_spans(tune, rng)
    if task == "inpaint":
        return glm.choose_bar_inpaint(tune, n_bars, rng)
    if task == "continuation":
        return glm.choose_continuation(tune, n_bars, rng)
    raise ValueError(f"unknown task {task!r}; tasks are {TASKS}")


@dataclass
class ExampleSampler:
    """Draws GLM examples from some tunes with a task mix; one per rank / data worker."""

    tunes: list[np.ndarray]
    lexicon: Lexicon | None
    task_weights: dict[str, float]
    max_bars: int  # window bars; keep below the tokenizer's max_bars so the END bar fits
    max_notes: int
    transpose: bool = True
    _matches: dict[int, list[tuple[int, int]]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.tunes = [t for t in self.tunes if len(t) >= 2]
        if not self.tunes:
            raise ValueError("no tune with at least two notes to train on")
        w = np.array([self.task_weights.get(t, 0.0) for t in TASKS], np.float64)
        if w.sum() <= 0:
            raise ValueError(f"task mix needs a positive weight for one of {TASKS}")
        self._p = w / w.sum()

    def matches(self, i: int) -> list[tuple[int, int]]:
        """Lexicon n-gram occurrences in tune i (cached; relative units ignore transposition)."""
        if i not in self._matches:
            self._matches[i] = self.lexicon.find(self.tunes[i]) if self.lexicon else []
        return self._matches[i]

    def example(self, rng: np.random.Generator) -> glm.Example:
        i = int(rng.integers(len(self.tunes)))
        full = self.tunes[i]
        tune, offset = crop_window(full, rng, self.max_bars, self.max_notes)
        matches = [(s - offset, e - offset) for s, e in self.matches(i) if offset <= s and e - offset <= len(tune)]
        if self.transpose:
            tune = random_transpose(tune, rng)
        task = TASKS[int(rng.choice(len(TASKS), p=self._p))]
        n_bars = glm.n_bars_of(tune)
        spans = choose_spans(task, tune, n_bars, rng, matches)
        return glm.build_example(tune, spans, n_bars, rng if task in ("ngram", "long_span") else None)

    def batch(self, rng: np.random.Generator, size: int) -> glm.Batch:
        return glm.collate([self.example(rng) for _ in range(size)])

