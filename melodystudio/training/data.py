"""Tune sets on disk and the example stream for training (numpy only).

A tune set is an .npz with::

    tokens   (M, 7) int32   every tune's NOTE tokens, concatenated in onset order
    offsets  (n + 1,) int64 tune i is tokens[offsets[i]:offsets[i + 1]]
    train, valid[, test]    int64 tune indices of each split
    tokenizer (optional)    0-d str: JSON of ``TokenizerConfig.to_dict()`` the tokens were made with
    cond (optional)         (M, N_COND) int16 conditions of every note (``tokens.conditions``)
    tune_source, sources (optional)  (n,) int source of each tune; 0-d str JSON list of source names

Examples are drawn per step: a random tune of the split (this rank's shard under DDP), a random
window of it, a random transposition, a task from the mix, its blanks, then ``glm.build_example``.
Conditioned tunes then lose some condition columns at random (``CondDropout``), so the model
learns to work with any subset of conditions, none included.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from melodystudio.tokens import TokenizerConfig, conditions, glm
from melodystudio.tokens.compound import BAR, KEY, PITCH, UNKNOWN_KEY
from melodystudio.tokens.conditions import CHORD, LYRIC_COLUMNS, N_COND, TEXT
from melodystudio.tokens.lyric_ngrams import choose_lyric_ngram_spans
from melodystudio.training.lexicon import Lexicon

# lyrics falls back to inpaint, lyric_ngram to ngram, where a tune has no lyrics
TASKS = ("ngram", "long_span", "inpaint", "continuation", "lyrics", "lyric_ngram", "generate")  # new tasks go
# last: a zero weight at the end leaves the draws of a mix without it unchanged
LYRIC_TASKS = ("lyrics", "lyric_ngram")  # tasks about the lyric: its columns are never dropped
SCATTERED_TASKS = ("ngram", "long_span", "lyric_ngram")  # tasks that blank several spans
SPLITS = ("train", "valid", "test")  # other arrays in the file (e.g. the corpus cache's per-tune data) are not splits


@dataclass
class TuneSet:
    tokens: np.ndarray  # (M, 7) int32
    offsets: np.ndarray  # (n + 1,) int64
    splits: dict[str, np.ndarray] = field(default_factory=dict)  # name -> tune indices
    tokenizer: TokenizerConfig = field(default_factory=TokenizerConfig)
    cond: np.ndarray | None = None  # (M, N_COND) int64, or None: nothing known
    tune_source: np.ndarray | None = None  # (n,) int64 index into ``sources``
    sources: tuple[str, ...] = ()

    @staticmethod
    def from_tunes(tunes: Sequence[np.ndarray], splits: dict[str, np.ndarray],
                   tokenizer: TokenizerConfig | None = None, conds: Sequence[np.ndarray] | None = None,
                   tune_source: np.ndarray | None = None, sources: Sequence[str] = ()) -> TuneSet:
        lengths = [len(t) for t in tunes]
        tokens = np.concatenate([np.asarray(t, np.int32).reshape(-1, 7) for t in tunes]) if tunes else \
            np.zeros((0, 7), np.int32)
        offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        cond = None if conds is None else \
            np.concatenate([np.asarray(c, np.int64).reshape(-1, N_COND) for c in conds]) if conds else \
            np.zeros((0, N_COND), np.int64)
        return TuneSet(tokens, offsets, splits, tokenizer or TokenizerConfig(), cond, tune_source, tuple(sources))

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def tune(self, i: int) -> np.ndarray:
        return self.tokens[self.offsets[i]:self.offsets[i + 1]]

    def tune_cond(self, i: int) -> np.ndarray:
        """(n, N_COND) conditions of tune i (zeros when the set has none)."""
        if self.cond is None:
            return conditions.empty(int(self.offsets[i + 1] - self.offsets[i]))
        return self.cond[self.offsets[i]:self.offsets[i + 1]].astype(np.int64)

    def split(self, name: str) -> list[np.ndarray]:
        return [self.tune(int(i)) for i in self.splits[name]]

    def indices(self, split: str, source: str | None = None) -> np.ndarray:
        """Tunes of a split, only those of ``source`` when given."""
        idx = self.splits[split]
        if source is None:
            return idx
        if self.tune_source is None or source not in self.sources:
            return idx[:0]
        return idx[self.tune_source[idx] == self.sources.index(source)]

    def save(self, path: str | Path) -> None:
        arrays: dict[str, Any] = {"tokens": self.tokens, "offsets": self.offsets, **self.splits,
                                  "tokenizer": np.array(json.dumps(self.tokenizer.to_dict()))}
        if self.cond is not None:
            arrays["cond"] = self.cond.astype(np.int16)
        if self.tune_source is not None:
            arrays |= {"tune_source": self.tune_source, "sources": np.array(json.dumps(list(self.sources)))}
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
            cond = data["cond"].astype(np.int64) if "cond" in data.files else None
            source = data["tune_source"].astype(np.int64) if "tune_source" in data.files else None
            names = tuple(json.loads(str(data["sources"]))) if "sources" in data.files else ()
            return TuneSet(data["tokens"].astype(np.int32), data["offsets"].astype(np.int64), splits, tok,
                           cond, source, names)


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
                 matches: Sequence[tuple[int, int]], cond: np.ndarray | None = None) -> list[glm.Span]:
    if task == "lyrics" and cond is not None and conditions.has_lyrics(cond):
        return glm.choose_lyric_bars(tune, cond, rng)
    if task == "lyric_ngram" and cond is not None and conditions.has_lyrics(cond):
        spans = choose_lyric_ngram_spans(tune, cond, rng)
        if spans:  # else no word n-gram fits the budget (one long melisma): melodic n-grams instead
            return spans
    if task == "lyric_ngram":
        return glm.choose_ngram_spans(tune, matches, rng)
    if task in ("inpaint", "lyrics"):
        return glm.choose_bar_inpaint(tune, n_bars, rng)
    if task == "ngram":
        return glm.choose_ngram_spans(tune, matches, rng)
    if task == "long_span":
        return glm.choose_long_spans(tune, rng)
    if task == "continuation":
        return glm.choose_continuation(tune, n_bars, rng)
    if task == "generate":
        return [glm.continuation_span(tune, 0)]
    raise ValueError(f"unknown task {task!r}; tasks are {TASKS}")


@dataclass(frozen=True)
class CondDropout:
    """Probabilities, per example, of hiding condition columns from the model."""

    chords: float = 0.0  # CHORD everywhere (and at the pitch stage)
    lyrics: float = 0.0  # every lyric column (not in the lyrics task: it is about them)
    text: float = 0.0  # TEXT only (stress and alignment kept)
    context_lyrics: float = 0.0  # lyrics task: part A's lyric columns (a request with an unsung context)

    def apply(self, cond: np.ndarray, task: str, rng: np.random.Generator) -> tuple[np.ndarray, bool]:
        """(conditions with the dropped columns zeroed, whether part A keeps its lyrics)."""
        dropped = [c for c, p in ((CHORD, self.chords), (TEXT, self.text)) if rng.random() < p]
        if task not in LYRIC_TASKS and rng.random() < self.lyrics:
            dropped += LYRIC_COLUMNS
        context_lyrics = not (task == "lyrics" and rng.random() < self.context_lyrics)
        return (conditions.drop(cond, dropped) if dropped else cond), context_lyrics


@dataclass
class ExampleSampler:
    """Draws GLM examples from some tunes with a task mix; one per rank / data worker."""

    tunes: list[np.ndarray]
    lexicon: Lexicon | None
    task_weights: dict[str, float]
    max_bars: int  # window bars; keep below the tokenizer's max_bars so the END bar fits
    max_notes: int
    transpose: bool = True
    conds: list[np.ndarray] | None = None  # (n, N_COND) per tune, or None: unconditioned tunes
    dropout: CondDropout = field(default_factory=CondDropout)
    _matches: dict[int, list[tuple[int, int]]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        keep = [i for i, t in enumerate(self.tunes) if len(t) >= 2]
        self.tunes = [self.tunes[i] for i in keep]
        if self.conds is not None:
            self.conds = [self.conds[i] for i in keep]
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

    def example(self, rng: np.random.Generator, task: str | None = None) -> glm.Example:
        """One example; ``task`` None draws it from the mix."""
        i = int(rng.integers(len(self.tunes)))
        full = self.tunes[i]
        tune, offset = crop_window(full, rng, self.max_bars, self.max_notes)
        cond = self.conds[i][offset:offset + len(tune)] if self.conds is not None else None
        task = task or TASKS[int(rng.choice(len(TASKS), p=self._p))]
        matches = [] if task not in ("ngram", "lyric_ngram") else \
            [(s - offset, e - offset) for s, e in self.matches(i) if offset <= s and e - offset <= len(tune)]
        if self.transpose:
            moved = random_transpose(tune, rng)
            if cond is not None and len(tune):
                cond = conditions.transpose_chords(cond, int(moved[0, PITCH] - tune[0, PITCH]))
            tune = moved
        n_bars = glm.n_bars_of(tune)
        spans = choose_spans(task, tune, n_bars, rng, matches, cond)
        context_lyrics = True
        if cond is not None:
            cond, context_lyrics = self.dropout.apply(cond, task, rng)
        shuffle = rng if task in SCATTERED_TASKS else None  # several blanks: part B in a random order
        return glm.build_example(tune, spans, n_bars, shuffle, cond, context_lyrics)

    def batch(self, rng: np.random.Generator, size: int, task: str | None = None) -> glm.Batch:
        return glm.collate([self.example(rng, task) for _ in range(size)])


@dataclass
class MixtureSampler:
    """Examples from several samplers (e.g. plain folk tunes and conditioned pop / lyric songs),
    each drawn with its weight."""

    samplers: list[ExampleSampler]
    weights: list[float]

    def __post_init__(self) -> None:
        w = np.array(self.weights, np.float64)
        if len(w) != len(self.samplers) or not len(w) or w.sum() <= 0 or (w < 0).any():
            raise ValueError("a mixture needs one non-negative weight per sampler, not all zero")
        self._p = w / w.sum()

    def example(self, rng: np.random.Generator, task: str | None = None) -> glm.Example:
        return self.samplers[int(rng.choice(len(self.samplers), p=self._p))].example(rng, task)

    def batch(self, rng: np.random.Generator, size: int, task: str | None = None) -> glm.Batch:
        return glm.collate([self.example(rng, task) for _ in range(size)])

