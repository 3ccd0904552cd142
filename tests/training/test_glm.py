from __future__ import annotations

import itertools

import numpy as np
import pytest

from melodystudio.tokens import glm
from melodystudio.tokens.compound import BAR, BOS, DUR, END, KEY, KIND, MASK, METER, NOTE, PITCH, POS, START
from melodystudio.tokens.glm import IGNORE, Span
from melodystudio.tokens.heads import CASCADE
from tests.training.conftest import G_MAJOR, tune_of


def test_blanks_become_masks_and_part_b_restores_them(tune: np.ndarray) -> None:
    spans = [glm.note_span(tune, 1, 3), glm.note_span(tune, 6, 8)]
    ex = glm.build_example(tune, spans, n_bars=5)
    a = ex.inputs[:ex.a_len]
    assert list(a[:, KIND]) == [BOS, NOTE, MASK, NOTE, NOTE, NOTE, MASK, NOTE, NOTE]
    assert ex.a_len == 9 and len(ex.inputs) == 9 + 3 + 3
    # MASK: where the blank begins, meter/key of its first note, no pitch or duration
    assert a[2].tolist() == [MASK, 0, 12, 0, 0, 1, G_MAJOR]
    assert a[6].tolist() == [MASK, 3, 0, 0, 0, 1, G_MAJOR]
    assert ex.pos1.tolist() == [0, 1, 2, 3, 4, 5, 6, 7, 8, 2, 2, 2, 6, 6, 6]
    assert ex.pos2.tolist() == [0] * 9 + [1, 2, 3, 1, 2, 3]
    b = ex.inputs[ex.a_len:]
    assert list(b[:, KIND]) == [START, NOTE, NOTE, START, NOTE, NOTE]
    assert b[0].tolist() == [START, 0, 12, 0, 0, 1, G_MAJOR]  # START repeats its MASK's fields
    # kept notes of A and the notes of B together are the tune, each note once
    kept = a[a[:, KIND] == NOTE]
    restored = np.concatenate([kept[:1], b[1:3], kept[1:4], b[4:6], kept[4:]])
    assert np.array_equal(restored, tune)


def test_targets_are_part_b_shifted_and_each_blank_ends_with_end(tune: np.ndarray) -> None:
    ex = glm.build_example(tune, [glm.note_span(tune, 1, 3), glm.note_span(tune, 6, 8)], n_bars=5)
    assert (ex.target[:ex.a_len] == IGNORE).all()
    cascade = list(CASCADE)
    t = ex.target[ex.a_len:]
    assert np.array_equal(t[0], tune[1, cascade]) and np.array_equal(t[1], tune[2, cascade])
    # the END sits where the blank ends: the onset of the next kept note (note 3 at bar 0, pos 36)
    assert t[2].tolist() == [END, 0, 36, IGNORE, IGNORE]
    assert t[5].tolist() == [END, 3, 24, IGNORE, IGNORE]


def test_shuffled_blanks_keep_their_own_mask_position(tune: np.ndarray) -> None:
    spans = [glm.note_span(tune, 0, 2), glm.note_span(tune, 4, 5), glm.note_span(tune, 7, 9)]
    for seed in range(6):
        ex = glm.build_example(tune, spans, 5, np.random.default_rng(seed))
        starts = np.flatnonzero(ex.inputs[:, KIND] == START)
        for s in starts:
            mask = ex.inputs[ex.pos1[s]]
            assert mask[KIND] == MASK and (mask[BAR], mask[POS]) == (ex.inputs[s, BAR], ex.inputs[s, POS])


def test_inpainting_bars_blanks_exactly_the_notes_in_them(tune: np.ndarray) -> None:
    span = glm.bar_range_span(tune, 1, 3)
    assert span == Span(4, 9, 1, 0)
    ex = glm.build_example(tune, [span], n_bars=5)
    b = ex.inputs[ex.a_len + 1:]
    assert np.array_equal(b, tune[4:9])
    assert ex.target[-1].tolist() == [END, 4, 0, IGNORE, IGNORE]


def test_random_bar_ranges_cover_one_to_four_whole_bars() -> None:
    tune = tune_of([(b, p, 60 + b, 12) for b in range(8) for p in (0, 12, 24, 36)])
    for seed in range(40):
        (s,) = glm.choose_bar_inpaint(tune, 8, np.random.default_rng(seed))
        n_bars = (s.stop - s.start) // 4
        assert 1 <= n_bars <= 4 and s.start == 4 * s.bar and (s.stop - s.start) % 4 == 0
        assert set(tune[s.start:s.stop, BAR]) == set(range(s.bar, s.bar + n_bars))


def test_an_empty_bar_is_start_then_end(tune: np.ndarray) -> None:
    span = glm.bar_range_span(tune, 2, 2)
    assert span == Span(6, 6, 2, 0)
    ex = glm.build_example(tune, [span], n_bars=5)
    assert ex.a_len == 12  # BOS, 10 notes, MASK
    mask = ex.inputs[7]
    assert mask.tolist() == [MASK, 2, 0, 0, 0, 1, G_MAJOR]  # meter/key borrowed from the next note
    assert ex.inputs[12:, KIND].tolist() == [START]
    assert ex.target[12].tolist() == [END, 3, 0, IGNORE, IGNORE]
    assert (ex.pos1[12], ex.pos2[12]) == (7, 1)


def test_continuation_blanks_to_the_window_end(tune: np.ndarray) -> None:
    span = glm.continuation_span(tune, 3)
    assert span == Span(6, 10, 3, 0)
    ex = glm.build_example(tune, [span], n_bars=5)
    assert ex.inputs[:ex.a_len, KIND].tolist() == [BOS] + [NOTE] * 6 + [MASK]
    assert ex.target[-1].tolist() == [END, 5, 0, IGNORE, IGNORE]
    whole = glm.build_example(tune, [glm.continuation_span(tune, 0)], n_bars=5)
    assert whole.inputs[:whole.a_len, KIND].tolist() == [BOS, MASK]


def _check_disjoint(spans: list[Span], n: int) -> None:
    for a, b in itertools.pairwise(spans):
        assert a.stop < b.start  # at least one kept note between blanks
    assert all(0 <= s.start < s.stop <= n for s in spans)


def test_ngram_blanking_takes_lexicon_matches_and_about_15_percent() -> None:
    tune = tune_of([(i // 4, 12 * (i % 4), 60 + (i * 5) % 12, 12) for i in range(60)])
    matches = [(10, 14), (30, 33)]
    for seed in range(10):
        spans = glm.choose_ngram_spans(tune, matches, np.random.default_rng(seed))
        _check_disjoint(spans, 60)
        blanked = sum(s.stop - s.start for s in spans)
        assert 9 <= blanked <= 11  # 15% of 60, give or take a short span
        assert Span(10, 14, 2, 24) in spans or Span(30, 33, 7, 24) in spans
        assert all((s.bar, s.pos) == (tune[s.start, BAR], tune[s.start, POS]) for s in spans)


def test_long_span_blanking_takes_half_the_notes_in_up_to_three_spans() -> None:
    tune = tune_of([(i // 4, 12 * (i % 4), 60 + i % 12, 12) for i in range(41)])
    counts = set()
    for seed in range(30):
        spans = glm.choose_long_spans(tune, np.random.default_rng(seed))
        _check_disjoint(spans, 41)
        assert sum(s.stop - s.start for s in spans) == 20
        counts.add(len(spans))
    assert counts == {1, 2, 3}


def test_collate_pads_with_pad_tokens_and_ignored_targets(tune: np.ndarray) -> None:
    short = glm.build_example(tune, [glm.note_span(tune, 2, 3)], 5)
    long = glm.build_example(tune, [glm.continuation_span(tune, 1)], 5)
    batch = glm.collate([short, long])
    t = len(long.inputs)
    assert batch.inputs.shape == (2, t, 7) and batch.target.shape == (2, t, 5)
    assert batch.inputs.dtype == np.int64 and batch.a_len.tolist() == [short.a_len, long.a_len]
    assert batch.lengths.tolist() == [len(short.inputs), t]
    assert (batch.inputs[0, len(short.inputs):] == 0).all() and (batch.target[0, len(short.inputs):] == IGNORE).all()


def test_overlapping_or_unsorted_spans_are_refused(tune: np.ndarray) -> None:
    with pytest.raises(ValueError, match="disjoint"):
        glm.build_example(tune, [glm.note_span(tune, 4, 6), glm.note_span(tune, 1, 5)], 5)


def test_note_fields_meter_key_travel_into_part_b(tune: np.ndarray) -> None:
    ex = glm.build_example(tune, [glm.note_span(tune, 4, 6)], 5)
    b = ex.inputs[ex.a_len:]
    assert (b[:, METER] == 1).all() and (b[:, KEY] == G_MAJOR).all()
    assert b[0, PITCH] == 0 and b[0, DUR] == 0
