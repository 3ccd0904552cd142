"""Lyrics longer than one blank: set a group of phrases at a time, each hearing the groups before it.

A blank holds at most ``Limits.max_notes`` notes (98 for the shipped model), while a whole song's
lyric (verses and choruses) runs to a few hundred syllables. So the syllables are cut into groups of
at most ``Limits.group_notes`` (half a training window, 48 for the shipped model: the context and
the blank share one window, so a group of 48 can still hear 48 notes before it), at phrase
boundaries where a phrase fits (a longer phrase at word boundaries, a
longer word between syllables); the selected bars are shared out in proportion to each group's
syllables, in whole bars, none fewer than its syllables need at a sixteenth each; and the groups are
set one after another. Variation i of group k is generated with variation i of groups 0..k-1
already in the song, so each group hears the melody before it as context (and the chords, as
inpainting does). The selection is cleared first: no group hears the notes it is about to replace.

Variation i's groups are seeded ``seed_i + GROUP_SEED_STEP * k`` (seed_i = options.seed + i), so a
variation rerun alone (``variations=1, seed=seed_i``) comes out the same.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Callable, Sequence
from dataclasses import replace

from melodystudio.core import Note, Song
from melodystudio.core.errors import MelodyStudioError
from melodystudio.core.progress import Job, within
from melodystudio.engine.api import GenerationOptions, Variation
from melodystudio.engine.context import Limits
from melodystudio.lyrics.syllables import Syllable

GROUP_SEED_STEP = 100_003  # seeds of one variation's groups lie this far apart

# (song, first_bar, last_bar, syllables, options) -> a job setting at most max_notes syllables
SetGroup = Callable[[Song, int, int, Sequence[Syllable], GenerationOptions], Job[list[Variation]]]


def syllable_groups(syllables: Sequence[Syllable], max_notes: int) -> list[tuple[int, int]]:
    """[start, end) index ranges of consecutive groups of at most ``max_notes`` syllables, cut at
    phrase boundaries where possible, else at word boundaries, else anywhere (module docstring)."""
    if max_notes < 1:
        raise ValueError("a group holds at least one syllable")
    groups: list[tuple[int, int]] = []
    start, n = 0, len(syllables)
    while start < n:
        end = min(n, start + max_notes)
        if end < n:
            end = (_last_cut(syllables, start, end, lambda s: s.phrase)
                   or _last_cut(syllables, start, end, lambda s: (s.phrase, s.word)) or end)
        groups.append((start, end))
        start = end
    return groups


def _last_cut(syllables: Sequence[Syllable], start: int, end: int, unit: Callable[[Syllable], object]) -> int | None:
    """The latest index in (start, end] where ``unit`` changes between syllables i - 1 and i."""
    for i in range(end, start, -1):
        if unit(syllables[i - 1]) != unit(syllables[i]):
            return i
    return None


def share_bars(song: Song, first_bar: int, last_bar: int, counts: Sequence[int],
               min_ticks: int) -> list[tuple[int, int]]:
    """(first, last) bars of each group: whole bars, proportional to its syllables (largest
    remainder), each group at least the bars its syllables need at ``min_ticks`` (the least room the
    engine keeps a syllable) each."""
    total = last_bar - first_bar + 1
    n = sum(counts)
    tl = song.timeline
    bar_ticks = [tl.bar_start(b + 1) - tl.bar_start(b) for b in range(first_bar, last_bar + 1)]
    per_bar = max(1, min(bar_ticks) // min_ticks)
    least = [max(1, math.ceil(c / per_bar)) for c in counts]
    if sum(least) > total:
        raise MelodyStudioError(f"{n} syllables do not fit in bars {first_bar + 1}-{last_bar + 1} at a sixteenth "
                                "each: select more bars or give fewer syllables")
    shares = [total * c / n for c in counts]
    bars = [max(lo, math.floor(s)) for lo, s in zip(least, shares)]
    while sum(bars) > total:  # the minimums pushed past the total: take from the largest above its minimum
        k = max((i for i in range(len(bars)) if bars[i] > least[i]), key=lambda i: bars[i] - shares[i])
        bars[k] -= 1
    for k in sorted(range(len(bars)), key=lambda i: shares[i] - bars[i], reverse=True)[:total - sum(bars)]:
        bars[k] += 1
    out, bar = [], first_bar
    for b in bars:
        out.append((bar, bar + b - 1))
        bar += b
    return out


def set_in_groups(song: Song, first_bar: int, last_bar: int, syllables: Sequence[Syllable],
                  options: GenerationOptions, limits: Limits, min_ticks: int,
                  set_group: SetGroup) -> Job[list[Variation]]:
    """Check the request and return the job setting ``syllables`` group by group (module docstring);
    ``limits.group_notes`` syllables and ``limits.window_bars`` bars at most in one group, ``min_ticks``
    the least room a syllable is kept."""
    groups = syllable_groups(syllables, limits.group_notes)
    spans = share_bars(song, first_bar, last_bar, [e - s for s, e in groups], min_ticks)
    widest = max(b1 - b0 + 1 for b0, b1 in spans)
    window_bars = limits.window_bars
    if widest > window_bars:
        raise MelodyStudioError(f"{last_bar - first_bar + 1} bars for {len(syllables)} syllables give one group of "
                                f"lines {widest} bars, more than the {window_bars} the model sets at once: "
                                "select fewer bars")
    seed = options.seed if options.seed is not None else secrets.randbits(31)
    return _chain(song, first_bar, last_bar, syllables, options, seed, groups, spans, set_group)


def _chain(song: Song, first_bar: int, last_bar: int, syllables: Sequence[Syllable], options: GenerationOptions,
           seed: int, groups: list[tuple[int, int]], spans: list[tuple[int, int]],
           set_group: SetGroup) -> Job[list[Variation]]:
    steps = options.variations * len(groups)
    out = []
    for i in range(options.variations):
        working = song.copy()
        working.replace_bars(first_bar, last_bar, ())
        notes: list[Note] = []
        nll = 0.0
        for k, ((s, e), (b0, b1)) in enumerate(zip(groups, spans)):
            done = i * len(groups) + k
            group_options = replace(options, variations=1, seed=seed + i + GROUP_SEED_STEP * k)
            label = f"variation {i + 1} of {options.variations}: lines {k + 1} of {len(groups)}"
            (v,) = yield from within(set_group(working, b0, b1, syllables[s:e], group_options),
                                     done / steps, (done + 1) / steps, label)
            working.replace_bars(b0, b1, v.notes)
            notes += v.notes
            nll += v.mean_nll * (len(v.notes) + 1)
        out.append(Variation(tuple(notes), first_bar, last_bar, seed + i, nll / (len(notes) + len(groups))))
    return out
