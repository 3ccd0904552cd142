"""Sections 2 and 3 of ``melodystudio eval``: inpainting bars and continuing tunes, model vs baselines.

Cases are drawn once from ``--seed`` (tune, then bars), so two runs with the same seed, corpus and
case count score the same bars. Inpainting blanks 2-4 bars that hold at least one note, after a
bar that holds one too (the copy baselines need it). Continuation gives the model the first 4-8
bars of a tune (notes cut at the last prompt bar line, the rest of the tune removed) and asks for
the next 8 bars, which must lie within the tune and hold a note.

Every method fills the same bars ``VARIATIONS`` times: the model at temperature 0.9, top-p 0.95
(no key lock, no pitch range), the baselines of ``evaluation.melody_eval_baselines`` (the n-gram's
pitches at the same temperature, no top-p). 'human' is the true bars scored against themselves:
its overlaps are 1 by definition; its in-key, note-count and repetition figures are the reference.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from melodystudio.cli.eval_common import mean_or_none, nll_figures
from melodystudio.cli.eval_data import TestTune
from melodystudio.core import Note, Song
from melodystudio.core.errors import MelodyStudioError
from melodystudio.core.progress import Job, Progress, within
from melodystudio.engine.api import GenerationOptions, Variation
from melodystudio.engine.inpaint_score import BlankScore, score_blank
from melodystudio.engine.melody import MelodyEngine
from melodystudio.evaluation import KneserNey
from melodystudio.evaluation.melody_eval_baselines import Blank, copy_previous_bar, ngram_fill, random_in_key
from melodystudio.evaluation.melody_eval_metrics import FillTally, cut_at

VARIATIONS, TEMPERATURE, TOP_P = 4, 0.9, 0.95
INPAINT_BARS = (2, 4)  # bars blanked per case, inclusive
PROMPT_BARS = (4, 8)  # bars a continuation starts from, inclusive
CONTINUATION_BARS = 8
METHODS = ("model", "ngram", "copy_previous_bar", "random_in_key", "human")
DRAWS_PER_CASE = 50  # tries to find a fitting case before giving up (tiny corpora)


@dataclass(frozen=True)
class Case:
    tune: int  # index into the test tunes
    first_bar: int  # bars to fill, 0-based, inclusive
    last_bar: int

    def to_dict(self, tunes: list[TestTune]) -> dict[str, Any]:
        return {"tune": tunes[self.tune].tune_id, "bars": f"{self.first_bar + 1}-{self.last_bar + 1}"}


# -- choosing cases -------------------------------------------------------------------------------
def filled_bars(song: Song) -> np.ndarray:
    """(bar_count,) True where a note starts in the bar."""
    tl = song.timeline
    out = np.zeros(song.bar_count, dtype=bool)
    out[[tl.bar_at(n.onset) for n in song.notes]] = True
    return out


def inpaint_cases(tunes: list[TestTune], count: int, rng: np.random.Generator) -> list[Case]:
    """Up to ``count`` distinct (tune, 2-4 bars) cases: bars with a note, after a bar with a note."""
    def draw(filled: np.ndarray) -> tuple[int, int] | None:
        length = int(rng.integers(INPAINT_BARS[0], INPAINT_BARS[1] + 1))
        firsts = [f for f in range(1, len(filled) - length + 1) if filled[f - 1] and filled[f:f + length].any()]
        if not firsts:
            return None
        first = int(rng.choice(firsts))
        return first, first + length - 1

    return _draw_cases(tunes, count, rng, draw)


def continuation_cases(tunes: list[TestTune], count: int, rng: np.random.Generator) -> list[Case]:
    """Up to ``count`` distinct (tune, prompt of 4-8 bars) cases; the 8 bars after lie in the tune."""
    def draw(filled: np.ndarray) -> tuple[int, int] | None:
        prompt = int(rng.integers(PROMPT_BARS[0], PROMPT_BARS[1] + 1))
        if len(filled) < prompt + CONTINUATION_BARS or not filled[prompt - 1]:
            return None
        if not filled[prompt:prompt + CONTINUATION_BARS].any():
            return None
        return prompt, prompt + CONTINUATION_BARS - 1

    return _draw_cases(tunes, count, rng, draw)


def _draw_cases(tunes: list[TestTune], count: int, rng: np.random.Generator,
                draw: Callable[[np.ndarray], tuple[int, int] | None]) -> list[Case]:
    filled = [filled_bars(t.song) for t in tunes]
    cases: list[Case] = []
    for _ in range(count * DRAWS_PER_CASE if tunes else 0):
        if len(cases) == count:
            break
        t = int(rng.integers(len(tunes)))
        bars = draw(filled[t])
        if bars is not None and Case(t, *bars) not in cases:
            cases.append(Case(t, *bars))
    return cases


# -- one case ---------------------------------------------------------------------------------------
def blank_of(song: Song, first: int, last: int) -> Blank:
    tl = song.timeline
    lines = tuple(tl.bar_start(b) for b in range(first, last + 2))
    return Blank(lines, tuple(song.notes_between(0, lines[0])), tl.bar_start(first - 1), song.key_at(lines[0]))


def prompt_song(song: Song, bars: int) -> Song:
    """The song's first ``bars`` bars (notes cut at their end), meters and keys kept for what follows."""
    end = song.timeline.bar_start(bars)
    return Song(song.title, tempos=song.tempos, time_signatures=song.time_signatures, keys=song.keys,
                notes=cut_at(song.notes_between(0, end), end))


def baseline_fills(blank: Blank, ngram: KneserNey, rng: np.random.Generator) -> dict[str, list[list[Note]]]:
    copied = copy_previous_bar(blank)
    return {"ngram": [ngram_fill(blank, ngram, rng, TEMPERATURE) for _ in range(VARIATIONS)],
            "copy_previous_bar": [copied] * VARIATIONS,
            "random_in_key": [random_in_key(blank, rng) for _ in range(VARIATIONS)]}


def options(seed: int, case: int) -> GenerationOptions:
    return GenerationOptions(variations=VARIATIONS, temperature=TEMPERATURE, top_p=TOP_P,
                             seed=seed * 100_003 + case * VARIATIONS)


class NllTally:
    """Teacher-forced NLL of the true bars (model) and of their pitches (n-gram), over all cases."""

    def __init__(self) -> None:
        self.nats = self.tokens = self.pitch = self.notes = self.end = self.ngram = 0.0
        self.cases = 0
        self.sampled: list[float] = []  # Variation.mean_nll of the model's own fills
        self.unscored: Counter[str] = Counter()  # reason -> cases filled but not scored

    def add(self, score: BlankScore, ngram_pitch_nats: np.ndarray) -> None:
        self.cases += 1
        self.nats += score.total
        self.tokens += score.tokens
        self.pitch += float(score.notes[:, 4].sum())
        self.notes += len(score.notes)
        self.end += score.end
        self.ngram += float(ngram_pitch_nats.sum())

    def summary(self) -> dict[str, Any]:
        per = _ratio
        return {"cases_scored": self.cases, "unscored": dict(self.unscored), "true_notes": int(self.notes),
                "model_per_token": nll_figures(per(self.nats, self.tokens)),
                "model_end": nll_figures(per(self.end, self.cases)),
                "model_pitch": nll_figures(per(self.pitch, self.notes)),
                "ngram_pitch": nll_figures(per(self.ngram, self.notes)),
                "model_sampled_fills_per_token": nll_figures(mean_or_none(self.sampled))}


def _ratio(total: float, count: float) -> float | None:
    return total / count if count else None


@dataclass
class Section:
    """What one section accumulates."""

    tallies: dict[str, FillTally]
    nll: NllTally
    skipped: Counter[str]

    @staticmethod
    def empty() -> Section:
        return Section({m: FillTally() for m in METHODS}, NllTally(), Counter())

    def to_dict(self, cases: list[Case], tunes: list[TestTune]) -> dict[str, Any]:
        return {"cases": len(cases) - sum(self.skipped.values()), "skipped": dict(self.skipped),
                "variations": VARIATIONS, "temperature": TEMPERATURE, "top_p": TOP_P,
                "nll_true_bars": self.nll.summary(),
                "methods": {m: t.summary() for m, t in self.tallies.items()},
                "case_list": [c.to_dict(tunes) for c in cases]}


def _ngram_nats(ngram: KneserNey, before: tuple[Note, ...], truth: list[Note]) -> np.ndarray:
    """n-gram NLL of the true pitches, each given every pitch before it in the tune."""
    return ngram.nll([n.pitch for n in (*before, *truth)])[len(before):]


# -- the sections -----------------------------------------------------------------------------------
@dataclass
class Run:
    """What every case of a section uses, and the section's tallies."""

    engine: MelodyEngine
    ngram: KneserNey
    seed: int
    section: int  # 2 or 3: keeps the baselines' random streams apart between sections
    out: Section


def _reason(e: MelodyStudioError) -> str:
    return str(e)[:120]


def fill_case(run: Run, i: int, span: tuple[float, float], label: str, case: Case,
              request: Callable[[], Job[list[Variation]]], scored: Song | None, blank: Blank, truth: list[Note],
              repetition: tuple[()] | tuple[Sequence[int], Sequence[Note], Sequence[int]] = ()) -> Job[None]:
    """One case: the model's fills (``request``), the true bars scored in ``scored`` (None: not
    scorable), the baselines' fills, all tallied against ``truth``; ``repetition`` (continuation):
    the fill's bar lines, the prompt's notes and bar lines. A case the model cannot fill
    is left out for every method; one it cannot score only misses from the NLL figures."""
    mid = sum(span) / 2
    try:
        variations = yield from within(request(), span[0], mid, label)
        if variations[0].first_bar != case.first_bar:  # cannot happen: a continuation prompt ends on a note
            raise MelodyStudioError(f"the model filled from bar {variations[0].first_bar + 1}")
    except MelodyStudioError as e:
        run.out.skipped[_reason(e)] += 1
        return
    if scored is None:
        run.out.nll.unscored["the true bars end in an empty bar"] += 1
    else:
        try:
            score = yield from within(score_blank(run.engine, scored, case.first_bar, case.last_bar), mid, span[1],
                                      label)
            true_notes = list(scored.notes_between(blank.start, blank.end))
            run.out.nll.add(score, _ngram_nats(run.ngram, blank.before, true_notes))
        except MelodyStudioError as e:
            run.out.nll.unscored[_reason(e)] += 1
    run.out.nll.sampled += [v.mean_nll for v in variations]
    fills = {"model": [list(v.notes) for v in variations], "human": [truth],
             **baseline_fills(blank, run.ngram, np.random.default_rng([run.seed, run.section, i]))}
    for method, notes in fills.items():
        for fill in notes:
            run.out.tallies[method].add(fill, truth, blank.start, blank.end, blank.key, *repetition)


def inpaint_section(engine: MelodyEngine, tunes: list[TestTune], cases: list[Case], ngram: KneserNey,
                    seed: int) -> Job[dict[str, Any]]:
    run = Run(engine, ngram, seed, 2, Section.empty())
    for i, case in enumerate(cases):
        song, span = tunes[case.tune].song, (i / len(cases), (i + 1) / len(cases))
        label = f"inpainting: case {i + 1} of {len(cases)}"
        blank = blank_of(song, case.first_bar, case.last_bar)
        truth = cut_at(song.notes_between(blank.start, blank.end), blank.end)
        request = partial(engine.inpaint, song, case.first_bar, case.last_bar, options(seed, i))
        yield from fill_case(run, i, span, label, case, request, song, blank, truth)
        yield Progress(span[1], label)
    return run.out.to_dict(cases, tunes)


def continuation_section(engine: MelodyEngine, tunes: list[TestTune], cases: list[Case], ngram: KneserNey,
                         seed: int) -> Job[dict[str, Any]]:
    run = Run(engine, ngram, seed, 3, Section.empty())
    for i, case in enumerate(cases):
        song, span = tunes[case.tune].song, (i / len(cases), (i + 1) / len(cases))
        label = f"continuing: case {i + 1} of {len(cases)}"
        prompt = prompt_song(song, case.first_bar)
        upto = prompt_song(song, case.last_bar + 1)  # prompt + true continuation: scored as a blank at the end
        blank = blank_of(prompt, case.first_bar, case.last_bar)
        truth = cut_at(song.notes_between(blank.start, blank.end), blank.end)
        request = partial(engine.continuation, prompt, CONTINUATION_BARS, options(seed, i))
        scored = upto if upto.bar_count == case.last_bar + 1 else None  # an empty last bar ends the song early
        prompt_lines = [prompt.timeline.bar_start(b) for b in range(case.first_bar + 1)]
        yield from fill_case(run, i, span, label, case, request, scored, blank, truth,
                             (blank.bar_lines, prompt.notes, prompt_lines))
        yield Progress(span[1], label)
    return run.out.to_dict(cases, tunes)
