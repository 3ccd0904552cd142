"""Training examples for the harmonizer: windows of songs with chord targets, batched (numpy).

Each song of ``data_cache/harmony.npz`` (``corpus.harmony_data``) is cut into windows by
``harmony.features`` (exactly as the runtime cuts them) for every segment rule; a window's
target is each segment's annotated chord class, IGNORE where no chord is annotated. At draw time
a window is transposed by a random -5..+6 semitones: notes, keys, profiles and chord roots move
together (``WindowFeatures.transposed``, ``vocabulary.TRANSPOSE``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from melodystudio.core.chord_vocabulary import NO_CHORD
from melodystudio.corpus.harmony_data import HarmonySet
from melodystudio.harmony.features import WindowFeatures, song_features
from melodystudio.harmony.segments import RULES, segment_classes
from melodystudio.harmony.vocabulary import TRANSPOSE
from melodystudio.tokens import CompoundTokenizer
from melodystudio.tokens.compound import PITCH
from melodystudio.tokens.glm import IGNORE


@dataclass
class WindowExample:
    features: WindowFeatures
    target: np.ndarray  # (S,) int64 chord classes, IGNORE where none is annotated
    song: int  # index in the HarmonySet
    window: int  # index of the window in its song (the same bars under every rule)

    @property
    def key(self) -> tuple[int, int]:
        return self.song, self.window


def song_examples(data: HarmonySet, i: int, rule: str, tokenizer: CompoundTokenizer) -> list[WindowExample]:
    song = data.song(i)
    out = []
    for w, feats in enumerate(song_features(song, rule, tokenizer=tokenizer)):
        classes = segment_classes(song.chords, feats.segments)
        out.append(WindowExample(feats, np.where(classes == NO_CHORD, IGNORE, classes), i, w))
    return out


def load_examples(data: HarmonySet, indices: Sequence[int],
                  rules: Sequence[str] = RULES) -> dict[str, list[WindowExample]]:
    """Rule -> every window of the given songs that has at least one annotated segment."""
    tok = CompoundTokenizer()
    out: dict[str, list[WindowExample]] = {r: [] for r in rules}
    for i in indices:
        for r in rules:
            out[r] += [e for e in song_examples(data, i, r, tok) if (e.target != IGNORE).any()]
    return out


def transposed(example: WindowExample, semitones: int) -> tuple[WindowFeatures, np.ndarray]:
    t = example.target
    target = np.where(t == IGNORE, IGNORE, TRANSPOSE[semitones % 12][np.maximum(t, 0)])
    return example.features.transposed(semitones), target


def random_shift(features: WindowFeatures, rng: np.random.Generator, low: int = -5, high: int = 6) -> int:
    """A shift in low..high that keeps every pitch in 0..127 (0 when none does)."""
    pitches = features.tokens[1:, PITCH]
    if len(pitches):
        low, high = max(low, -int(pitches.min())), min(high, 127 - int(pitches.max()))
    return int(rng.integers(low, high + 1)) if low <= high else 0


@dataclass
class HarmonyBatch:
    tokens: np.ndarray  # (B, T, 7) int64, PAD rows after each window
    pos1: np.ndarray  # (B, T) int64
    lengths: np.ndarray  # (B,) int64 tokens before padding
    pool: np.ndarray  # (B, S, T) float32
    profile: np.ndarray  # (B, S, 12) float32
    cats: np.ndarray  # (B, S, 4) int64
    seg_lengths: np.ndarray  # (B,) int64
    target: np.ndarray  # (B, S) int64, IGNORE in padding
    states: np.ndarray | None = None  # (B, T, d) float32 cached encoder states, or None


# (song, window) -> {shift: (T, d) float16 frozen-encoder states of the window transposed by shift}
StateCache = dict[tuple[int, int], dict[int, np.ndarray]]


def collate(items: Sequence[tuple[WindowFeatures, np.ndarray]],
            states: Sequence[np.ndarray] | None = None) -> HarmonyBatch:
    b = len(items)
    t = max(len(f.tokens) for f, _ in items)
    s = max(len(f.segments) for f, _ in items)
    batch = HarmonyBatch(np.zeros((b, t, 7), np.int64), np.zeros((b, t), np.int64), np.zeros(b, np.int64),
                         np.zeros((b, s, t), np.float32), np.zeros((b, s, 12), np.float32),
                         np.zeros((b, s, 4), np.int64), np.zeros(b, np.int64), np.full((b, s), IGNORE, np.int64))
    for k, (f, target) in enumerate(items):
        n, m = len(f.tokens), len(f.segments)
        batch.tokens[k, :n], batch.pos1[k, :n], batch.lengths[k] = f.tokens, f.pos1, n
        batch.pool[k, :m, :n], batch.profile[k, :m], batch.cats[k, :m] = f.pool, f.profile, f.cats
        batch.seg_lengths[k], batch.target[k, :m] = m, target
    if states is not None:
        batch.states = np.zeros((b, t, states[0].shape[1]), np.float32)
        for k, h in enumerate(states):
            batch.states[k, :len(h)] = h
    return batch


def draw_batch(groups: dict[str, dict[str, list[WindowExample]]], rng: np.random.Generator, size: int,
               rule_weights: dict[str, float], group_weights: dict[str, float] | None = None,
               transpose: bool = True, cache: StateCache | None = None) -> HarmonyBatch:
    """``size`` windows: a group (a source) by ``group_weights`` (None: in proportion to its windows), a
    rule by ``rule_weights``, a window, a random transposition (with a ``cache``: one of the window's
    cached transpositions, and its frozen encoder states)."""
    names = [g for g in groups if any(groups[g].values())]
    if group_weights is None:
        gw = np.array([sum(len(v) for v in groups[g].values()) for g in names], np.float64)
    else:
        gw = np.array([group_weights.get(g, 0.0) for g in names], np.float64)
    items, states = [], []
    for _ in range(size):
        examples = groups[names[int(rng.choice(len(names), p=gw / gw.sum()))]]
        rules = [r for r in RULES if rule_weights.get(r, 0) > 0 and examples.get(r)]
        p = np.array([rule_weights[r] for r in rules], np.float64)
        pool = examples[rules[int(rng.choice(len(rules), p=p / p.sum()))]]
        ex = pool[int(rng.integers(len(pool)))]
        if cache is not None:
            shifts = sorted(cache[ex.key]) if transpose else [0]
            shift = shifts[int(rng.integers(len(shifts)))]
            states.append(cache[ex.key][shift])
        else:
            shift = random_shift(ex.features, rng) if transpose else 0
        items.append(transposed(ex, shift))
    return collate(items, states if cache is not None else None)
