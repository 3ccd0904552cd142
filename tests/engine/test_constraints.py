"""The decoding rules on their own: the masks a fixed note count (lyrics) gets from pacing."""

from __future__ import annotations

import numpy as np
import pytest

from melodystudio.engine import GenerationOptions
from melodystudio.engine.constraints import BAR_S, DUR_S, POS_S, Rules
from melodystudio.engine.context import Limits, inpaint_prompt
from melodystudio.tokens import CompoundTokenizer, TokenizerConfig
from melodystudio.tokens.heads import CASCADE
from tests.engine.conftest import Q, scale_song

BAR_TICKS = 4 * Q


def lyric_rules(first: int, last: int, count: int) -> tuple[Rules, int]:
    """Rules for ``count`` syllables over bars first..last of a 4/4 song, and the window's first bar."""
    song = scale_song(bars=8)
    cfg = TokenizerConfig()
    limits = Limits(window_bars=cfg.max_bars - 1, max_context=62, max_notes=62)
    prompt = inpaint_prompt(song, first, last, CompoundTokenizer(cfg), limits)
    meters = [(4, 4)] * (len(prompt.bar_starts) - 1)
    sizes = tuple(cfg.sizes()[c] for c in CASCADE)
    rules = Rules(prompt, meters, song.keys, cfg, sizes, GenerationOptions(), limits.max_notes, count, Q // 4)
    return rules, prompt.window_bar


def allowed_durations(rules: Rules, window_bar: int, cursor: int, count: int, bar: int, pos: int) -> np.ndarray:
    """Grid units the DUR stage allows for the count-th note at song bar ``bar``, grid ``pos``."""
    chosen = np.zeros((1, len(CASCADE)), dtype=np.int64)
    chosen[0, BAR_S], chosen[0, POS_S] = bar - window_bar, pos
    mask = rules.allow(np.array([cursor]), np.array([count]))(DUR_S, chosen)
    return np.flatnonzero(mask[0])


def test_a_note_is_held_up_to_the_next_notes_pacing_bound() -> None:
    # four syllables over bars 2-5 (song bars 1-4): the last starts in bar 5, so the third is held into it
    rules, w0 = lyric_rules(1, 4, 4)
    third_at_bar_4 = allowed_durations(rules, w0, cursor=3 * BAR_TICKS, count=2, bar=3, pos=0)
    grid = TokenizerConfig().grid
    assert third_at_bar_4.min() * grid == BAR_TICKS  # shorter notes would force a rest before the last
    assert third_at_bar_4.max() * grid == 2 * BAR_TICKS - Q // 4  # a sixteenth left for the last note
    last = allowed_durations(rules, w0, cursor=4 * BAR_TICKS, count=3, bar=4, pos=0)
    assert last.min() == 1  # the last note has no bound after it: any length that fits


def test_the_bound_is_dropped_where_no_length_reaches_it() -> None:
    # two syllables over bars 1-8: the second starts in bar 8, out of reach of any note from bar 1
    rules, w0 = lyric_rules(0, 7, 2)
    first = allowed_durations(rules, w0, cursor=0, count=0, bar=0, pos=0)
    assert first.min() == 1 and first.max() == TokenizerConfig().max_dur  # max_dur (2 bars) < 7 bars


def test_a_line_end_takes_its_breath_in_the_pacing() -> None:
    # four syllables over song bars 1-4, a line of one and a line of three: each line's last note
    # takes two shares
    rules, _ = lyric_rules(1, 4, 4)
    start = BAR_TICKS
    assert rules.earliest is not None and rules.latest is not None
    even = (rules.earliest.copy(), rules.latest.copy())
    rules.breathe([True, False, False, True], 1.0)  # one share each: even pacing, unchanged
    assert np.array_equal(rules.earliest, even[0]) and np.array_equal(rules.latest, even[1])
    rules.breathe([True, False, False, True], 2.0)
    # shares 2, 1, 1, 2 of 4 bars: the notes' shares start at 0, 4/3, 2 and 8/3 bars
    starts = [start, start + 4 * BAR_TICKS // 3, start + 2 * BAR_TICKS, start + 8 * BAR_TICKS // 3]
    assert rules.latest.tolist() == [t + BAR_TICKS for t in starts]  # give or take a bar
    assert rules.earliest.tolist() == [t - BAR_TICKS for t in starts[:3]] + [4 * BAR_TICKS]  # the last in bar 5
    # the second line starts a third of a bar later than even pacing allows: the first line's breath
    assert rules.earliest[1] - even[0][1] == BAR_TICKS // 3


def test_breathing_needs_a_flag_per_note_and_at_least_one_share() -> None:
    rules, _ = lyric_rules(1, 4, 4)
    with pytest.raises(ValueError, match="one phrase-end flag per note"):
        rules.breathe([True, False], 2.0)
    with pytest.raises(ValueError, match="at least one note's share"):
        rules.breathe([False, True, False, True], 0.5)
