"""What the model sees: the window of bars around a request, as a GLM prompt.

The window holds at most ``max_bars - 1`` bars (the END of a blank at the window's end sits on bar
``n_bars``) and, in part A, at most ``max_pos1 - 2`` context notes (BOS and the MASK take the other
two positions). Bars before the selection are preferred; about a third of the spare bars go after
it, so the fill leads into what follows. Empty bars at the window's edges are dropped, as the
training windows never start or end with them. Part A is BOS + the context with one MASK in place
of the selected bars (``tokens.glm.part_a``); part B starts with START at the MASK's pos1.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass

import numpy as np

from melodystudio.core import Note, Song
from melodystudio.core.errors import MelodyStudioError
from melodystudio.core.timeline import MAX_BARS, Timeline
from melodystudio.tokens import CompoundTokenizer, glm
from melodystudio.tokens.compound import BAR, DUR, KEY, KIND, METER, POS, START, key_index, meter_index

DEFAULT_VELOCITY = 90


@dataclass(frozen=True)
class Limits:
    """What one model can take, from its tokenizer and position tables."""

    window_bars: int  # bars in a window: tokenizer max_bars - 1
    max_context: int  # context notes in part A: max_pos1 - 2
    max_notes: int  # notes in one blank: max_pos2 - 2 (START is pos2 1, the last note max_pos2 - 1)
    window_notes: int = 0  # notes of one training window, context and blank together (0: no such bound)

    @property
    def group_notes(self) -> int:
        """Syllables per group of a lyric longer than one blank (``long_lyrics``): half a training
        window, so each group can hear as many notes before it as it sets; a whole blank when no
        training window is known."""
        return min(self.max_notes, max(1, self.window_notes // 2)) if self.window_notes else self.max_notes

    def context_budget(self, blank_notes: int) -> int:
        """Context notes a prompt may hold when its blank is expected to take ``blank_notes``: the
        training windows never held more than ``window_notes`` notes in all, and a model shown more
        context than that learns to end the blank early (seen: 4-bar pop fills of 5 notes, human 20)."""
        if not self.window_notes:
            return self.max_context
        return max(0, min(self.max_context, self.window_notes - blank_notes))


@dataclass(frozen=True)
class Prompt:
    """One request, ready to decode: part A, where the blank is, and the song bars it stands for."""

    part_a: np.ndarray  # (Ta, 7) int64: BOS, context, one MASK
    start: np.ndarray  # (7,) int64: the START token of part B
    mask_index: int  # pos1 of every part-B token
    bar_starts: np.ndarray  # (n_bars + 1,) ticks of the window's bar lines
    window_bar: int  # song bar of window bar 0
    first_bar: int  # selected song bars, inclusive
    last_bar: int
    end_boundary: tuple[int, int]  # window (bar, pos) the closing END carries, as in training
    originals: tuple[Note, ...]  # notes that start in the selection (the rhythm 'keep rhythm' keeps)
    original_tokens: np.ndarray  # (len(originals), 7) their tokens
    velocity: int  # mean velocity of the context notes

    @property
    def start_tick(self) -> int:
        return int(self.bar_starts[self.first_bar - self.window_bar])

    @property
    def end_tick(self) -> int:
        return int(self.bar_starts[self.last_bar - self.window_bar + 1])


def _notes_per_bar(song: Song, first: int, last: int) -> np.ndarray:
    """Notes starting in each song bar first..last (inclusive)."""
    tl = song.timeline
    counts = np.zeros(max(last - first + 1, 0), dtype=np.int64)
    for n in song.notes_between(tl.bar_start(first), tl.bar_start(last + 1)):
        counts[tl.bar_at(n.onset) - first] += 1
    return counts


BLANK_MARGIN = 1.25  # a fill may hold this many times the notes the context's density suggests


def expected_blank(counts: np.ndarray, before: int, after: int, blank_notes: int = 0) -> int:
    """Notes to keep room for in the blank: the most of ``blank_notes`` (known, e.g. one per
    syllable), the notes now in the selected bars, and BLANK_MARGIN x the context's notes per bar
    over the selected bars. ``counts``: notes per bar of the window, ``before`` bars, the
    selection, then ``after`` bars."""
    n_sel = len(counts) - before - after
    held = int(counts[before:before + n_sel].sum())
    context_bars = before + after
    density = (int(counts.sum()) - held) / context_bars if context_bars else 0.0
    return max(blank_notes, held, math.ceil(BLANK_MARGIN * density * n_sel))


def choose_window(song: Song, first: int, last: int, song_bars: int, limits: Limits,
                  blank_notes: int = 0) -> tuple[int, int]:
    """Song bars [w0, w1] (inclusive) of the window around selected bars first..last; the context
    holds at most ``limits.context_budget`` of the blank's expected notes (``expected_blank``)."""
    room = limits.window_bars - (last - first + 1)
    after_avail = max(song_bars - last - 1, 0)
    after = min(after_avail, room // 3)
    before = min(first, room - after)
    after = min(after_avail, room - before)
    counts = _notes_per_bar(song, first - before, last + after)
    budget = limits.context_budget(expected_blank(counts, before, after, blank_notes))
    ctx_before, ctx_after = counts[:before], counts[len(counts) - after:] if after else counts[:0]
    total = int(ctx_before.sum() + ctx_after.sum())
    while total > budget:  # drop the bar farthest from the selection on the heavier side
        if after and (not before or 2 * after > before):
            total -= int(ctx_after[after - 1])
            after -= 1
        else:
            total -= int(ctx_before[len(ctx_before) - before])
            before -= 1
    while before and counts[len(ctx_before) - before] == 0:  # no leading empty bars
        before -= 1
    while after and ctx_after[after - 1] == 0:  # no trailing empty bars
        after -= 1
    return first - before, last + after


def check_bars(song: Song, first: int, last: int, past_end: bool = False) -> None:
    """Bars first..last (0-based, inclusive) are a range inside the song (anywhere in a song without
    notes, or with ``past_end``) and below the bar limit."""
    if first < 0 or last < first:
        raise MelodyStudioError(f"bars {first + 1}-{last + 1} are not a range of bars (first bar is 1)")
    if song.notes and last >= song.bar_count and not past_end:
        raise MelodyStudioError(f"bars {first + 1}-{last + 1} lie outside the song, which has {song.bar_count} "
                                f"bars (use continue to add bars)")
    if last >= MAX_BARS:
        raise MelodyStudioError(f"bar {last + 1} is beyond the {MAX_BARS}-bar limit")


def check_inpaint(song: Song, first: int, last: int, limits: Limits, past_end: bool = False) -> None:
    check_bars(song, first, last, past_end)
    if last - first + 1 > limits.window_bars:
        raise MelodyStudioError(f"at most {limits.window_bars} bars can be regenerated at once, "
                                f"not {last - first + 1}")


def inpaint_prompt(song: Song, first: int, last: int, tokenizer: CompoundTokenizer, limits: Limits,
                   past_end: bool = False, blank_notes: int = 0) -> Prompt:
    """Prompt to refill song bars first..last (0-based, inclusive).

    A song without notes may be filled at any bars (composing from scratch); otherwise the bars
    must lie within the song (``Song.bar_count``, which counts chords too) unless ``past_end`` (a
    long lyric set a group of lines at a time into an empty song: the later groups' bars lie past the
    notes of the earlier ones). ``blank_notes``: the notes the fill will hold when known (one per
    syllable of a lyric), so that the context leaves room for them.
    """
    check_inpaint(song, first, last, limits, past_end)
    w0, w1 = choose_window(song, first, last, song.bar_count, limits, blank_notes)
    return _prompt(song, tokenizer, w0, w1, first, last, continuation=False, limits=limits)


def continuation_bars(song: Song, n_bars: int, limits: Limits) -> tuple[int, int]:
    """Song bars first..last that a continuation by ``n_bars`` fills: the bars after the last note."""
    if not song.notes:
        raise MelodyStudioError("continuation needs at least one note to continue from "
                                "(to compose from scratch, inpaint bars of the empty song)")
    if not 1 <= n_bars <= limits.window_bars - 1:
        raise MelodyStudioError(f"a continuation adds 1-{limits.window_bars - 1} bars at once, not {n_bars}")
    first = song.timeline.bars_to_hold(song.notes[-1].end)
    if first + n_bars > MAX_BARS:
        raise MelodyStudioError(f"continuing by {n_bars} bars would pass the {MAX_BARS}-bar limit")
    return first, first + n_bars - 1


def continuation_prompt(song: Song, n_bars: int, tokenizer: CompoundTokenizer, limits: Limits) -> Prompt:
    first, last = continuation_bars(song, n_bars, limits)
    w0, _ = choose_window(song, first, last, first, limits)  # nothing after: the window ends at ``last``
    return _prompt(song, tokenizer, w0, last, first, last, continuation=True, limits=limits)


def _prompt(song: Song, tokenizer: CompoundTokenizer, w0: int, w1: int, first: int, last: int,
            continuation: bool, limits: Limits) -> Prompt:
    window = tokenizer.encode(song, w0, n_bars=w1 - w0 + 1)
    tune = window.tokens.astype(np.int64)
    start_tick = int(window.bar_starts[first - w0])
    _cut_before(tune, window.bar_starts, start_tick, tokenizer.config.grid)
    span = glm.continuation_span(tune, first - w0) if continuation else glm.bar_range_span(tune, first - w0, last - w0)
    part_a, (mask_at,) = glm.part_a(tune, [span])
    ts = song.timeline.signature_at_bar(first)
    part_a[mask_at, [METER, KEY]] = meter_index(ts.numerator, ts.denominator), key_index(song, start_tick)
    start = part_a[mask_at].copy()
    start[KIND] = START
    end_tick = int(window.bar_starts[last - w0 + 1])
    originals = tuple(song.notes_between(start_tick, end_tick))
    assert len(originals) == span.stop - span.start, "tokenizer and song disagree on the selection"
    context = [n for n in song.notes_between(int(window.bar_starts[0]), int(window.bar_starts[-1]))
               if not start_tick <= n.onset < end_tick]
    velocity = round(sum(n.velocity for n in context) / len(context)) if context else DEFAULT_VELOCITY
    return Prompt(part_a, start, mask_at, window.bar_starts, w0, first, last,
                  glm.end_boundary(tune, span, w1 - w0 + 1), originals, tune[span.start:span.stop], velocity)


def _cut_before(tune: np.ndarray, bar_starts: np.ndarray, start_tick: int, grid: int) -> None:
    """A context note held into the selection is cut at its start, as ``replace_bars`` will cut it."""
    before = np.flatnonzero(bar_starts[tune[:, BAR]] + tune[:, POS] * grid < start_tick)
    if before.size:
        i = int(before[-1])
        onset = int(bar_starts[tune[i, BAR]] + tune[i, POS] * grid)
        tune[i, DUR] = min(int(tune[i, DUR]), max(1, (start_tick - onset) // grid))


# A later scoring window's prompt: up to this share of a window's notes (and bars) before the scored ones.
# Essen test pitch perplexity of the shipped model: 3.553 with no prompt, 3.492 at 0.5, 3.490 at 0.75
# (which needs 6% more windows).
SCORE_PROMPT_SHARE = 0.5


@dataclass(frozen=True)
class ScoreWindow:
    """One window of a song being scored: a continuation prompt of earlier notes (part A, seen whole)
    and a blank from ``blank_bar`` to the window's end, decoded note by note."""

    tokens: np.ndarray  # (n, 7) int64 NOTE tokens, window bar 0 = the bar of the first one
    blank_bar: int  # window bar where the blank starts (0: no prompt, the window is scored from nothing)
    skip: int  # notes at the blank's start already scored by the window before (decoded, not scored again)
    first_note: int  # index in song.notes of the first note scored here


def score_windows(song: Song, tokenizer: CompoundTokenizer, limits: Limits) -> list[ScoreWindow]:
    """The song's notes in windows of at most window_bars bars and, prompt and blank together, as many
    notes as a training window held. The first window is scored from nothing; each later one has up
    to half a window of the notes before it (whole bars) as its continuation prompt, so every note is
    scored given the notes before it, as the model continues a melody, and none given a cold start."""
    tl, notes, out, i = song.timeline, song.notes, [], 0
    per_window = min(limits.max_notes, limits.window_notes or limits.max_notes)
    prompt_notes, prompt_bars = int(SCORE_PROMPT_SHARE * per_window), int(SCORE_PROMPT_SHARE * limits.window_bars)
    starts = [n.onset for n in notes]  # song.notes is in onset order
    while i < len(notes):
        bar = tl.bar_at(notes[i].onset)
        bar_first = bisect.bisect_left(starts, tl.bar_start(bar))  # first note of the bar
        skip = i - bar_first  # notes of the bar already scored
        w0 = _prompt_bar(tl, starts, bar, max(0, bar_first - prompt_notes), prompt_bars)
        window = tokenizer.encode(song, w0, n_bars=limits.window_bars).tokens.astype(np.int64)
        blank_from = int(np.searchsorted(window[:, BAR], bar - w0, side="left"))
        if blank_from + skip >= per_window:  # a crowded bar: no prompt, and its earlier notes left out
            window = tokenizer.encode(song, bar, n_bars=limits.window_bars).tokens[skip:].astype(np.int64)
            w0, blank_from, skip = bar, 0, 0
        tokens = window[:per_window]
        out.append(ScoreWindow(tokens, bar - w0, skip, i))
        i += len(tokens) - blank_from - skip
    return out


def _prompt_bar(tl: Timeline, starts: list[int], bar: int, first_context: int, max_bars: int) -> int:
    """The bar a scoring window starts at: the first whole bar from note ``first_context`` on, at
    most ``max_bars`` bars before ``bar`` (the bar the scored notes start in)."""
    if first_context >= len(starts) or tl.bar_at(starts[first_context]) >= bar:
        return bar
    w0 = tl.bar_at(starts[first_context])
    if bisect.bisect_left(starts, tl.bar_start(w0)) < first_context:  # the bar holds earlier notes: skip it
        w0 += 1
    return max(w0, bar - max_bars)
