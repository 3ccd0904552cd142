"""The prompt the engine builds is the layout the model was trained on (tokens.glm)."""

from __future__ import annotations

import numpy as np

from melodystudio.core import Note
from melodystudio.engine import context
from melodystudio.engine.context import Limits
from melodystudio.tokens import CompoundTokenizer, glm
from melodystudio.tokens.compound import BAR, DUR, POS
from tests.engine.conftest import Q, scale_song

TOKENIZER = CompoundTokenizer()
LIMITS = Limits(window_bars=63, max_context=62, max_notes=62)


def test_inpaint_prompt_is_the_training_layout() -> None:
    song = scale_song(bars=6)
    prompt = context.inpaint_prompt(song, 2, 3, TOKENIZER, LIMITS)
    tune = TOKENIZER.encode(song).tokens.astype(np.int64)
    example = glm.build_example(tune, [glm.bar_range_span(tune, 2, 3)], glm.n_bars_of(tune))
    a = example.a_len
    np.testing.assert_array_equal(prompt.part_a, example.inputs[:a])
    np.testing.assert_array_equal(prompt.start, example.inputs[a])
    assert prompt.mask_index == example.pos1[a] == 9  # BOS + 8 notes of bars 1-2
    assert prompt.end_boundary == tuple(example.target[-1, 1:3])  # the END's (bar, pos) in training
    assert (prompt.start_tick, prompt.end_tick) == (2 * 4 * Q, 4 * 4 * Q)
    assert prompt.originals == tuple(song.notes[8:16]) and prompt.velocity == round((70 + 71 + 74 + 75) / 4)


def test_continuation_prompt_blanks_the_bars_after_the_last_note() -> None:
    song = scale_song(bars=3)
    prompt = context.continuation_prompt(song, 2, TOKENIZER, LIMITS)
    assert (prompt.first_bar, prompt.last_bar, prompt.window_bar) == (3, 4, 0)
    assert prompt.part_a[prompt.mask_index, BAR] == 3 and prompt.end_boundary == (5, 0)
    assert len(prompt.part_a) == 1 + 12 + 1 and not prompt.originals


def test_a_held_note_is_cut_where_the_selection_starts() -> None:
    song = scale_song(bars=4)
    held = song.notes[3]  # beat 4 of bar 1; hold it two beats into bar 2
    song.resize_note(held, 3 * Q)
    song.delete_notes(song.notes_between(4 * Q, 5 * Q))
    prompt = context.inpaint_prompt(song, 1, 1, TOKENIZER, LIMITS)
    row = prompt.part_a[4]  # BOS, then bar 1's four notes
    assert (row[BAR], row[POS], row[DUR]) == (0, 36, 12)  # one quarter (12 units), not three


def test_the_window_prefers_bars_before_and_keeps_some_after() -> None:
    song = scale_song(bars=70)
    w0, w1 = context.choose_window(song, 40, 43, song.bar_count, LIMITS)
    before, after = 40 - w0, w1 - 43
    assert w0 <= 40 and w1 >= 43 and w1 - w0 + 1 <= LIMITS.window_bars
    assert 4 * (before + after) <= LIMITS.max_context  # four notes a bar
    assert before >= after > 0


def test_the_context_leaves_the_blank_room_inside_one_training_window() -> None:
    song = scale_song(bars=70)  # four notes a bar
    limits = Limits(window_bars=63, max_context=62, max_notes=62, window_notes=40)
    assert limits.context_budget(10) == 30 and limits.context_budget(50) == 0
    assert LIMITS.context_budget(50) == LIMITS.max_context  # no training window known: positions only
    assert limits.group_notes == 20 and LIMITS.group_notes == LIMITS.max_notes  # long lyrics: half a window
    counts = np.array([4, 4, 4, 0, 0, 4])  # 3 bars before, an empty 2-bar selection, 1 after
    assert context.expected_blank(counts, 3, 1) == 10  # 1.25 x 4 a bar x 2 bars
    assert context.expected_blank(counts, 3, 1, blank_notes=12) == 12  # a lyric's syllables
    assert context.expected_blank(np.array([4, 9, 4]), 1, 1) == 9  # the notes held now
    w0, w1 = context.choose_window(song, 40, 43, song.bar_count, limits)  # blank: 16 held, 20 expected
    assert 4 * (40 - w0 + w1 - 43) <= 40 - 20
    prompt = context.inpaint_prompt(song, 40, 43, TOKENIZER, limits, blank_notes=30)
    assert len(prompt.part_a) - 2 <= 40 - 30  # BOS and the MASK aside


def test_empty_bars_at_the_window_edges_are_left_out() -> None:
    song = scale_song(bars=2)
    song.insert_note(Note(10 * 4 * Q, Q, 67))  # bar 11, after 8 empty bars
    assert context.choose_window(song, 4, 5, song.bar_count, LIMITS) == (0, 10)
    assert context.choose_window(song, 0, 0, song.bar_count, LIMITS) == (0, 10)
    empty_song = scale_song(bars=0)
    assert context.choose_window(empty_song, 5, 6, 1, LIMITS) == (5, 6)
