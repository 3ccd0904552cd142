"""Baseline fills for bars to regenerate, to put the melody model's figures in context.

Each baseline fills a ``Blank`` (whole bars, and the tune before them) with notes that start inside
it, end by its end and never overlap (``fit_to_blank``), so every baseline passes bar-fit:

    copy_previous_bar  the notes of the bar before the blank, repeated in every blank bar
    random_in_key      that same rhythm, each pitch drawn uniformly from the key's scale within
                       the range of the tune so far
    ngram_fill         durations drawn from the tune's own durations so far (its duration
                       histogram, restricted to what still fits), back to back until the bars are
                       full; pitches sampled from a Kneser-Ney pitch model given every pitch before
                       (the tune so far, then its own draws)

None of them looks at the notes it replaces.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from melodystudio.core import PPQ, KeySignature, Note
from melodystudio.evaluation.ngram import KneserNey

VELOCITY = 90
FALLBACK_RANGE = (60, 72)  # pitches for a blank with no notes before it (C4-C5)


@dataclass(frozen=True)
class Blank:
    """Bars to fill and the tune before them."""

    bar_lines: tuple[int, ...]  # (B + 1,) ticks: the start of each blank bar, then the blank's end
    before: tuple[Note, ...]  # the tune's notes that start before the blank, in onset order
    previous_bar_start: int  # tick where the bar just before the blank starts
    key: KeySignature | None  # the key in force at the blank's start

    @property
    def start(self) -> int:
        return self.bar_lines[0]

    @property
    def end(self) -> int:
        return self.bar_lines[-1]

    @property
    def previous_bar(self) -> tuple[Note, ...]:
        """Notes that start in the bar before the blank."""
        return tuple(n for n in self.before if self.previous_bar_start <= n.onset < self.start)


def fit_to_blank(notes: Sequence[Note], start: int, end: int) -> list[Note]:
    """Notes starting in [start, end), each cut at the next onset and at ``end`` (monophonic)."""
    inside = sorted((n for n in notes if start <= n.onset < end), key=lambda n: n.onset)
    out = []
    for i, n in enumerate(inside):
        stop = min(end, n.end, inside[i + 1].onset if i + 1 < len(inside) else end)
        if stop > n.onset:
            out.append(Note(n.onset, stop - n.onset, n.pitch, n.velocity))
    return out


def copy_previous_bar(blank: Blank) -> list[Note]:
    """The previous bar's notes moved into every blank bar (cut at each bar's end)."""
    source = blank.previous_bar
    out: list[Note] = []
    for bar_start, bar_end in pairwise(blank.bar_lines):
        shift = bar_start - blank.previous_bar_start
        moved = [Note(n.onset + shift, n.duration, n.pitch, n.velocity) for n in source]
        out += fit_to_blank(moved, bar_start, bar_end)
    return out


def key_pitches(blank: Blank) -> np.ndarray:
    """MIDI pitches a random in-key fill draws from: the key's scale (or, without a key, the pitch
    classes heard so far) within the tune's range so far, widened by an octave if that is empty."""
    pitches = [n.pitch for n in blank.before]
    lo, hi = (min(pitches), max(pitches)) if pitches else FALLBACK_RANGE
    classes = sorted(blank.key.scale_pitch_classes) if blank.key is not None else sorted({p % 12 for p in pitches})
    if not classes:
        classes = list(range(12))
    for widen in (0, 12):
        pool = np.array([p for p in range(max(0, lo - widen), min(127, hi + widen) + 1) if p % 12 in classes])
        if pool.size:
            return pool
    return np.array(classes) + 60  # unreachable for a non-empty scale: one octave always holds it


def random_in_key(blank: Blank, rng: np.random.Generator) -> list[Note]:
    """The previous bar's rhythm in every blank bar, pitches uniform over ``key_pitches``."""
    pool = key_pitches(blank)
    return [Note(n.onset, n.duration, int(rng.choice(pool)), n.velocity) for n in copy_previous_bar(blank)]


def ngram_rhythm(blank: Blank, rng: np.random.Generator) -> list[tuple[int, int]]:
    """(onset, duration) ticks, back to back from the blank's start to its end. Each duration is
    drawn from the durations of the notes before the blank (a quarter if there are none) among
    those that still fit; when none fits, one note takes the rest of the blank."""
    pool = np.array([n.duration for n in blank.before] or [PPQ], dtype=np.int64)
    out, cursor = [], blank.start
    while cursor < blank.end:
        room = blank.end - cursor
        fitting = pool[pool <= room]
        duration = int(rng.choice(fitting)) if fitting.size else room
        out.append((cursor, duration))
        cursor += duration
    return out


def ngram_fill(blank: Blank, model: KneserNey, rng: np.random.Generator, temperature: float = 1.0) -> list[Note]:
    """``ngram_rhythm`` with pitches sampled from ``model`` given all the pitches before each."""
    history = [n.pitch for n in blank.before]
    out = []
    for onset, duration in ngram_rhythm(blank, rng):
        pitch = model.sample(history, rng, temperature)
        history.append(pitch)
        out.append(Note(onset, duration, pitch, VELOCITY))
    return out
