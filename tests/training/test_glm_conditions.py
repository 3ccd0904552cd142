"""Where conditions go in a GLM example: part A notes their own, part B the syllable to be sung next."""

from __future__ import annotations

import numpy as np

from melodystudio.tokens import conditions, glm
from melodystudio.tokens.compound import BAR, START
from melodystudio.tokens.conditions import CHORD, NOTES_LEFT, PHRASE, PHRASE_LEFT, STRESS, TEXT, WORD
from tests.training.conftest import tune_of


def sung_tune() -> tuple[np.ndarray, np.ndarray]:
    """Four bars, two notes each; chords C C G G Am Am F F (values 2, 2, 72, 72, ...); every note a
    syllable: words 1..8, phrases of four notes (bars 0-1 and 2-3)."""
    tune = tune_of([(b, p, 60 + b, 24) for b in range(4) for p in (0, 24)])
    cond = conditions.empty(8)
    cond[:, CHORD] = [2, 2, 72, 72, 93, 93, 52, 52]
    cond[:, WORD] = np.arange(1, 9)
    cond[:, PHRASE] = [1, 1, 1, 1, 2, 2, 2, 2]
    cond[:, PHRASE_LEFT] = [4, 3, 2, 1, 4, 3, 2, 1]
    cond[:, STRESS] = [2, 1, 2, 1, 2, 1, 2, 1]
    cond[:, TEXT] = np.arange(101, 109)
    return tune, cond


def test_part_b_inputs_carry_their_own_chord_and_the_next_syllable() -> None:
    tune, cond = sung_tune()
    ex = glm.build_example(tune, [glm.bar_range_span(tune, 2, 3)], n_bars=4, cond=cond)
    a, b = ex.cond[:ex.a_len], ex.cond[ex.a_len:]
    assert ex.a_len == 6  # BOS, four notes, MASK
    assert (a[0] == 0).all() and np.array_equal(a[1:5, :NOTES_LEFT], cond[:4, :NOTES_LEFT])
    assert a[5].tolist() == [93, 0, 0, 0, 0, 0, 0, 0]  # the MASK: the chord where the blank begins
    # inputs START, n4..n7: chords START (its MASK's), then each note's own
    assert b[:, CHORD].tolist() == [93, 93, 93, 52, 52]
    # lyric columns of the note each input predicts; the input before the END predicts no syllable
    assert b[:, TEXT].tolist() == [105, 106, 107, 108, 0]
    assert b[:, PHRASE_LEFT].tolist() == [4, 3, 2, 1, 0]
    assert b[:, NOTES_LEFT].tolist() == [4, 3, 2, 1, 0]
    assert b[:, WORD].tolist() == [5, 6, 7, 8, 0]  # the context starts at word 1, so ids stay
    assert ex.target_chord.tolist() == [0] * 6 + [93, 93, 52, 52, 0]
    assert ex.inputs[ex.a_len, 0] == START


def test_hidden_context_lyrics_renumber_the_blank_from_one() -> None:
    tune, cond = sung_tune()
    ex = glm.build_example(tune, [glm.bar_range_span(tune, 2, 3)], n_bars=4, cond=cond, context_lyrics=False)
    a, b = ex.cond[:ex.a_len], ex.cond[ex.a_len:]
    assert (a[:, WORD] == 0).all() and (a[:, TEXT] == 0).all() and a[1:5, CHORD].tolist() == [2, 2, 72, 72]
    assert b[:, WORD].tolist() == [1, 2, 3, 4, 0] and b[:, PHRASE].tolist() == [1, 1, 1, 1, 0]
    plain = glm.build_example(tune, [glm.bar_range_span(tune, 2, 3)], n_bars=4, cond=cond, blank_lyrics=False)
    assert (plain.cond[plain.a_len:, NOTES_LEFT] == 0).all() and (plain.cond[plain.a_len:, TEXT] == 0).all()


def test_without_conditions_everything_is_unknown(tune: np.ndarray) -> None:
    ex = glm.build_example(tune, [glm.note_span(tune, 1, 3)], n_bars=5)
    assert ex.cond.shape == (len(ex.inputs), conditions.N_COND) and not ex.cond.any() and not ex.target_chord.any()
    batch = glm.collate([ex, glm.build_example(tune, [glm.continuation_span(tune, 2)], n_bars=5)])
    assert batch.cond.shape == (2, batch.inputs.shape[1], conditions.N_COND) and not batch.cond.any()


def test_lyric_blanks_cover_whole_phrases_in_whole_bars() -> None:
    tune, cond = sung_tune()
    seen = set()
    for seed in range(30):
        (span,) = glm.choose_lyric_bars(tune, cond, np.random.default_rng(seed), whole=0.0)
        bars = set(tune[span.start:span.stop, BAR].tolist())
        assert span.pos == 0 and bars in ({0, 1}, {2, 3}, {0, 1, 2, 3})
        seen.add(frozenset(bars))
    assert len(seen) == 3
    (whole,) = glm.choose_lyric_bars(tune, cond, np.random.default_rng(0), whole=1.0)
    assert (whole.start, whole.stop) == (0, 8)
