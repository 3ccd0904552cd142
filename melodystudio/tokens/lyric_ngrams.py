"""SongGLM's word-level blanking: lyric-melody n-grams, for the ``lyric_ngram`` training task.

A word n-gram is the notes of 1..``max_words`` consecutive sung words (the WORD condition column; a
melisma note stays with its word). It is *harmonious* when one of its syllables with primary stress
sits where the melody puts weight: on a melodic peak (higher than the note before, at least as high
as the note after), on a strong beat (the bar line, or the half bar in a bar of four or more felt
beats: ``TimeSignature.metrical_level`` 0 or 1), or on a long note (at least twice the window's
median duration). SongGLM blanks n-grams chosen for these two relations, stress with pitch peaks
and stress with the rhythm skeleton, so that the model learns to put stress where the melody's
weight is, which is what setting a lyric asks of it. Harmonious n-grams are blanked first, in random
order, until about ``ratio`` of the sung notes are blank; random word n-grams fill up. Blanks never
touch (a kept note between any two), as in MelodyGLM's n-gram blanking (``glm.choose_ngram_spans``).
"""

from __future__ import annotations

import itertools

import numpy as np

from melodystudio.core.timeline import TimeSignature
from melodystudio.tokens import conditions
from melodystudio.tokens.compound import DUR, METER, METERS, PITCH, POS, TokenizerConfig
from melodystudio.tokens.glm import Span, blank_in_random_order, blank_runs, note_span

STRONG_LEVELS = 1  # metrical levels 0 (bar line) and 1 (half bar) count as strong
LONG_NOTE = 2.0  # a long note: at least this many times the window's median duration


def word_ranges(cond: np.ndarray) -> list[tuple[int, int]]:
    """[start, stop) note range of each sung word, in order (notes with WORD 0 are not sung)."""
    word = cond[:, conditions.WORD]
    edges = np.flatnonzero(np.diff(np.concatenate([[0], word, [0]])) != 0)  # where the word id changes
    return [(int(a), int(b)) for a, b in itertools.pairwise(edges) if word[a] > 0]


def _strong(tune: np.ndarray, grid: int) -> np.ndarray:
    """(n,) True for notes on a strong beat of their bar's meter (the bar line alone for 'other')."""
    out = tune[:, POS] == 0
    for m in np.unique(tune[:, METER]):
        if METERS[m] == "other":
            continue
        numerator, denominator = (int(x) for x in METERS[m].split("/"))
        meter = TimeSignature(0, numerator, denominator)
        rows = np.flatnonzero(tune[:, METER] == m)
        out[rows] = [meter.metrical_level(int(p) * grid) <= STRONG_LEVELS for p in tune[rows, POS]]
    return out


def weighted_stress(tune: np.ndarray, cond: np.ndarray, grid: int = TokenizerConfig().grid) -> np.ndarray:
    """(n,) True for notes carrying a primary-stressed syllable on a peak, a strong beat or a long note."""
    pitch = tune[:, PITCH].astype(np.int64)
    before = np.concatenate([[np.iinfo(np.int64).max], pitch[:-1]])  # the first note is no peak
    after = np.concatenate([pitch[1:], [np.iinfo(np.int64).min]])
    peak = (pitch > before) & (pitch >= after)
    long = tune[:, DUR] >= LONG_NOTE * np.median(tune[:, DUR]) if len(tune) else np.zeros(0, bool)
    stressed = cond[:, conditions.STRESS] == conditions.PRIMARY_STRESS
    return stressed & (peak | _strong(tune, grid) | long)


def choose_lyric_ngram_spans(tune: np.ndarray, cond: np.ndarray, rng: np.random.Generator, ratio: float = 0.15,
                             max_words: int = 3, grid: int = TokenizerConfig().grid) -> list[Span]:
    """Blank word n-grams (harmonious ones first) until about ``ratio`` of the sung notes are blank."""
    words = word_ranges(cond)
    if not words:
        return []
    weighted = weighted_stress(tune, cond, grid)
    grams = [(words[i][0], words[min(i + k, len(words)) - 1][1])
             for k in range(1, max_words + 1) for i in range(len(words) - k + 1)]
    harmonious = [g for g in grams if weighted[g[0]:g[1]].any()]
    sung = sum(b - a for a, b in words)
    budget = max(1, round(ratio * sung))
    blanked = np.zeros(len(tune), dtype=bool)
    for pool in (harmonious, grams):
        blank_in_random_order(blanked, pool, budget, rng)
    return [note_span(tune, s, e) for s, e in blank_runs(blanked)]
