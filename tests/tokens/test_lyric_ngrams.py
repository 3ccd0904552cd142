"""SongGLM word-level blanking: word ranges, stress meeting the melody's weight, the spans chosen."""

from __future__ import annotations

import itertools

import numpy as np

from melodystudio.lyrics.syllables import Stress
from melodystudio.tokens import conditions
from melodystudio.tokens.compound import meter_index
from melodystudio.tokens.conditions import PRIMARY_STRESS, STRESS, WORD
from melodystudio.tokens.lyric_ngrams import choose_lyric_ngram_spans, weighted_stress, word_ranges
from tests.training.conftest import tune_of


def _song() -> tuple[np.ndarray, np.ndarray]:
    """Bars of four quarters in 4/4 (12 grid units each); words 1 1 | 2 | 3 3 | 4 | 5 5 with a melisma
    on word 5 (its second note carries no stress of its own); the last note is sung by nobody."""
    tune = tune_of([(i // 4, (i % 4) * 12, p, 12) for i, p in enumerate([60, 62, 64, 62, 60, 67, 65, 64, 62])])
    cond = conditions.empty(len(tune))
    cond[:, WORD] = [1, 1, 2, 3, 3, 4, 5, 5, 0]
    cond[:, STRESS] = [2, 1, 2, 2, 1, 1, 2, 0, 0]
    return tune, cond


def test_the_primary_stress_value_is_the_lyrics_packages() -> None:
    assert PRIMARY_STRESS == Stress.PRIMARY


def test_word_ranges_keep_melismas_and_skip_unsung_notes() -> None:
    _, cond = _song()
    assert word_ranges(cond) == [(0, 2), (2, 3), (3, 5), (5, 6), (6, 8)]
    assert word_ranges(conditions.empty(4)) == []


def test_stress_counts_on_a_strong_beat_a_peak_or_a_long_note() -> None:
    tune, cond = _song()
    # 0: stressed on the bar line; 2: stressed peak on beat 3 (the half bar of 4/4); 3: stressed on
    # beat 4, no peak; 6: stressed on beat 3 of bar 2; unstressed notes never count
    assert np.flatnonzero(weighted_stress(tune, cond)).tolist() == [0, 2, 6]
    # beat 3 is strong in 4/4 (the half bar) and not in 3/4: a stressed, falling note there counts in 4/4 only
    notes = [(0, 0, 60, 12), (0, 12, 64, 12), (0, 24, 62, 12), (1, 0, 60, 12)]
    words = conditions.empty(4)
    words[:, WORD], words[:, STRESS] = [1, 2, 3, 4], [1, 1, 2, 2]
    assert np.flatnonzero(weighted_stress(tune_of(notes), words)).tolist() == [2, 3]
    assert np.flatnonzero(weighted_stress(tune_of(notes, meter=meter_index(3, 4)), words)).tolist() == [3]
    held = tune.copy()
    held[3, 4] = 36  # a dotted half: three times the median quarter
    assert np.flatnonzero(weighted_stress(held, cond)).tolist() == [0, 2, 3, 6]


def test_spans_are_whole_words_that_never_touch_and_favour_harmonious_ones() -> None:
    tune, cond = _song()
    starts, stops = {a for a, _ in word_ranges(cond)}, {b for _, b in word_ranges(cond)}
    chosen: set[tuple[int, int]] = set()
    for seed in range(200):
        spans = choose_lyric_ngram_spans(tune, cond, np.random.default_rng(seed), ratio=0.15)
        assert spans and all(s.start in starts and s.stop in stops for s in spans)
        assert all(b.start > a.stop for a, b in itertools.pairwise(spans))  # a kept note between blanks
        assert sum(s.stop - s.start for s in spans) <= 2  # budget 1 of 8 sung notes, overshoot <= half a gram
        chosen |= {(s.start, s.stop) for s in spans}
    # budget 1 (a gram may overshoot it by half its length): the harmonious one- and two-note words
    # (stress on the bar line, on a peak, on beat 3) are always taken before the others (3-5, 5-6)
    assert chosen == {(0, 2), (2, 3), (6, 8)}

