"""Figures for filled bars (inpainting and continuation), tallied per method over many cases.

For each fill, against the true notes of the same bars:

    pc_overlap, dur_overlap  ``histogram_overlap`` of pitch classes / durations (grid units, one bin
                             per DUR value) of the fill and the true notes: 1 = same distribution.
                             ``*_mean`` averages it per fill (an empty fill scores 0);
                             ``*_pooled`` compares all fills of the method with all true notes.
    in_key                   mean ``in_key_ratio`` of the non-empty fills in the key at the blank
    bar_fit_rate             share of fills that pass ``bar_fit`` over the blank (must be 1.0)
    notes_mean               notes per fill; ``true_notes_mean`` for the true bars
    empty_fills              fills with no note

With ``bar_lines`` given (continuation), the repetition structure of the fill's bars too:
``similarity_mean`` (mean off-diagonal bar-to-bar Jaccard similarity, ``bar_self_similarity``),
``repeat_share`` (filled bars that repeat an earlier filled bar exactly or transposed) and
``prompt_repeat_share`` (filled bars that repeat any earlier bar, the prompt's included).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np

from melodystudio.core import KeySignature, Note
from melodystudio.evaluation.metrics import (
    PITCH_CLASS_BINS,
    bar_fit,
    bar_self_similarity,
    duration_units,
    histogram_overlap,
    in_key_ratio,
    pitch_classes,
)

GRID = 40  # ticks per DUR unit (TokenizerConfig.grid)
MAX_UNITS = 96  # longest DUR value (TokenizerConfig.max_dur)
PC_EDGES = PITCH_CLASS_BINS.tolist()  # one bin per pitch class
DURATION_EDGES = np.arange(0.5, MAX_UNITS + 1.0).tolist()  # one bin per DUR value 1..96


def finite_mean(values: Sequence[float]) -> float | None:
    """Mean of the finite values, None when there are none (JSON has no NaN)."""
    kept = [v for v in values if v is not None and math.isfinite(v)]
    return float(np.mean(kept)) if kept else None


def cut_at(notes: Sequence[Note], end: int) -> list[Note]:
    """Notes held past ``end`` cut there: the true bars as a fill of the same bars would hold them."""
    return [n if n.end <= end else Note(n.onset, end - n.onset, n.pitch, n.velocity) for n in notes if n.onset < end]


def repetition(fill: Sequence[Note], bar_lines: Sequence[int], prompt: Sequence[Note],
               prompt_bar_lines: Sequence[int]) -> tuple[float, float, float]:
    """(similarity_mean, repeat_share, prompt_repeat_share) of the fill's bars (see module doc)."""
    own = bar_self_similarity(fill, bar_lines)
    filled = sum(1 for a, b in pairwise(bar_lines) if any(a <= n.onset < b for n in fill))
    if not filled or len(prompt_bar_lines) < 2:
        return own.mean_similarity, own.repeat_share, math.nan
    # a bar's repeat status depends only on the bars before it, so the prompt's own repeats subtract out
    both = bar_self_similarity([*prompt, *fill], [*prompt_bar_lines[:-1], *bar_lines])
    alone = bar_self_similarity(prompt, prompt_bar_lines)
    repeats = both.exact_repeats + both.transposed_repeats - alone.exact_repeats - alone.transposed_repeats
    return own.mean_similarity, own.repeat_share, repeats / filled


@dataclass
class FillTally:
    """Everything one method's fills scored, over all cases."""

    pc_overlap: list[float] = field(default_factory=list)
    dur_overlap: list[float] = field(default_factory=list)
    in_key: list[float] = field(default_factory=list)
    fits: list[bool] = field(default_factory=list)
    notes: list[int] = field(default_factory=list)
    true_notes: list[int] = field(default_factory=list)
    similarity: list[float] = field(default_factory=list)
    repeat_share: list[float] = field(default_factory=list)
    prompt_repeat_share: list[float] = field(default_factory=list)
    pooled_pc: tuple[list[int], list[int]] = field(default_factory=lambda: ([], []))  # (fills, truth)
    pooled_dur: tuple[list[int], list[int]] = field(default_factory=lambda: ([], []))

    def add(self, fill: Sequence[Note], truth: Sequence[Note], start: int, end: int, key: KeySignature | None,
            bar_lines: Sequence[int] | None = None, prompt: Sequence[Note] = (),
            prompt_bar_lines: Sequence[int] = ()) -> None:
        """Score one fill of the ticks [start, end) against the true notes there (not empty)."""
        fill_pc, true_pc = pitch_classes(fill).tolist(), pitch_classes(truth).tolist()
        fill_dur = duration_units(fill, GRID, MAX_UNITS).tolist()
        true_dur = duration_units(truth, GRID, MAX_UNITS).tolist()
        self.pc_overlap.append(histogram_overlap(fill_pc, true_pc, PC_EDGES) if len(fill) else 0.0)
        self.dur_overlap.append(histogram_overlap(fill_dur, true_dur, DURATION_EDGES) if len(fill) else 0.0)
        self.pooled_pc[0].extend(fill_pc)
        self.pooled_pc[1].extend(true_pc)
        self.pooled_dur[0].extend(fill_dur)
        self.pooled_dur[1].extend(true_dur)
        if key is not None and fill:
            self.in_key.append(in_key_ratio(fill, key))
        self.fits.append(bar_fit(fill, start, end))
        self.notes.append(len(fill))
        self.true_notes.append(len(truth))
        if bar_lines is not None:
            similarity, share, prompt_share = repetition(fill, bar_lines, prompt, prompt_bar_lines)
            self.similarity.append(similarity)
            self.repeat_share.append(share)
            self.prompt_repeat_share.append(prompt_share)

    def summary(self) -> dict[str, float | int | None]:
        out: dict[str, float | int | None] = {
            "fills": len(self.fits),
            "pc_overlap_mean": finite_mean(self.pc_overlap),
            "pc_overlap_pooled": _pooled(self.pooled_pc, PC_EDGES),
            "dur_overlap_mean": finite_mean(self.dur_overlap),
            "dur_overlap_pooled": _pooled(self.pooled_dur, DURATION_EDGES),
            "in_key": finite_mean(self.in_key),
            "bar_fit_rate": float(np.mean(self.fits)) if self.fits else None,
            "notes_mean": finite_mean(self.notes),
            "true_notes_mean": finite_mean(self.true_notes),
            "empty_fills": sum(1 for n in self.notes if n == 0),
        }
        if self.similarity:
            out.update(similarity_mean=finite_mean(self.similarity), repeat_share=finite_mean(self.repeat_share),
                       prompt_repeat_share=finite_mean(self.prompt_repeat_share))
        return out


def _pooled(values: tuple[list[int], list[int]], edges: Sequence[float]) -> float | None:
    fills, truth = values
    return histogram_overlap(fills, truth, edges) if fills and truth else None
