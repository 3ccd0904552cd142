"""Kneser-Ney n-gram model and the long-/short-term mix, checked against hand-computed values."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from melodystudio.evaluation.ngram import (
    FALLBACK_DISCOUNTS,
    KneserNey,
    ShortTermMix,
    combine_by_entropy,
    estimate_discounts,
    sample_from,
)

# Toy corpus over symbols {0, 1, 2}; with BOS padding (B) its bigrams are
#   (B,0) x2, (0,1) x2, (1,0) x1, (0,2) x1
# and the unigram continuation counts (distinct left neighbours) are 0: {B, 1} -> 2, 1: {0} -> 1,
# 2: {0} -> 1, total 4.
CORPUS = [[0, 1, 0, 1], [0, 2]]
FIXED = [(0.5, 1.0, 1.5), (0.5, 1.0, 1.5)]  # (D1, D2, D3+) for unigrams, bigrams


@pytest.fixture
def toy() -> KneserNey:
    return KneserNey(order=2, vocab_size=3, discounts=FIXED).fit(CORPUS)


def test_unigram_level_is_discounted_continuation_counts_plus_uniform(toy: KneserNey) -> None:
    # unseen history -> the unigram level: gamma = (0.5 * 2 + 1.0 * 1) / 4 (two symbols once, one twice)
    # p(0) = (2 - 1 + 2 * 1/3) / 4 = 5/12;  p(1) = p(2) = (1 - 0.5 + 2/3) / 4 = 7/24
    assert toy.prob([2], 0) == pytest.approx(5 / 12)
    assert toy.prob([2], 1) == pytest.approx(7 / 24)
    np.testing.assert_allclose(toy.distribution([2]), [5 / 12, 7 / 24, 7 / 24])


def test_bigram_after_a_seen_history(toy: KneserNey) -> None:
    # after 0: counts {1: 2, 2: 1}, total 3, gamma numerator 0.5 * 1 + 1.0 * 1 = 1.5
    # p(1|0) = (2 - 1 + 1.5 * 7/24) / 3 = 23/48;  p(2|0) = (1 - 0.5 + 1.5 * 7/24) / 3 = 15/48
    # p(0|0) = 1.5 * 5/12 / 3 = 10/48 (unseen after 0, yet not zero)
    np.testing.assert_allclose(toy.distribution([1, 0]), [10 / 48, 23 / 48, 15 / 48])
    assert toy.prob([0], 0) == pytest.approx(10 / 48)


def test_tune_start_is_predicted_from_the_bos_context(toy: KneserNey) -> None:
    # after BOS: {0: 2}, total 2, gamma = 1.0 * 1 / 2 -> p(0) = (2 - 1 + 5/12) / 2 = 17/24
    np.testing.assert_allclose(toy.distribution([]), [17 / 24, 7 / 48, 7 / 48])
    np.testing.assert_allclose(toy.nll([0, 2]), [-math.log(17 / 24), -math.log(15 / 48)])


def test_discounts_come_from_count_of_counts() -> None:
    # bigram counts 2, 2, 1, 1: n1 = 2, n2 = 2 -> Y = 2/6, D1 = 1 - 2Y = 1/3, D2 = 2 - 0 = 2,
    # D3+ undefined (n3 = 0) -> fallback. Unigram counts 2, 1, 1: Y = 1/2, D1 = 1/2, D2 = 2.
    model = KneserNey(order=2, vocab_size=3).fit(CORPUS)
    assert model.discounts[1] == pytest.approx((1 / 3, 2.0, FALLBACK_DISCOUNTS[2]))
    assert model.discounts[0] == pytest.approx((0.5, 2.0, FALLBACK_DISCOUNTS[2]))


def test_estimate_discounts_follows_chen_goodman() -> None:
    # n1..n4 = 10, 4, 2, 1: Y = 10/18, D1 = 1 - 2Y*0.4, D2 = 2 - 3Y*0.5, D3+ = 3 - 4Y*0.5
    y = 10 / 18
    assert estimate_discounts([0, 10, 4, 2, 1]) == pytest.approx((1 - 0.8 * y, 2 - 1.5 * y, 3 - 2 * y))
    assert estimate_discounts([0, 0, 0, 0, 0]) == FALLBACK_DISCOUNTS


def _reference_prob(tunes: list[list[int]], order: int, vocab: int, history: list[int], w: int) -> float:
    """p(w | history) straight from the definition, recounting everything (slow, obviously right)."""
    bos = vocab
    top = Counter(tuple(([bos] * (order - 1) + t)[i:i + order]) for t in tunes for i in range(len(t)))
    levels = [top]  # levels[0] = order n raw counts; next: each distinct (k+1)-gram adds 1 to its suffix
    while len(levels) < order:
        levels.append(Counter(g[1:] for g in levels[-1]))
    context = tuple([bos] * (order - 1) + history)[len(history):]
    p = 1 / vocab
    for k in range(1, order + 1):
        counts = levels[order - k]
        d = (0.0, *estimate_discounts([0, *(sum(1 for c in counts.values() if c == j) for j in range(1, 5))]))
        row = {g[-1]: c for g, c in counts.items() if g[:-1] == context[len(context) - k + 1:]}
        if row:
            c = row.get(w, 0)
            total = sum(row.values())
            p = (c - d[min(c, 3)]) / total + sum(d[min(n, 3)] for n in row.values()) / total * p
    return p


def test_higher_orders_match_the_definition_recounted_from_scratch() -> None:
    rng = np.random.default_rng(7)
    tunes = [rng.integers(0, 4, int(rng.integers(3, 30))).tolist() for _ in range(12)]
    for order in (3, 4):
        model = KneserNey(order=order, vocab_size=4).fit(tunes)
        for history in ([], [2], [0, 1], [3, 3, 1], tunes[1][:9]):
            expected = [_reference_prob(tunes, order, 4, history, w) for w in range(4)]
            np.testing.assert_allclose(model.distribution(history), expected)


def test_observing_symbol_by_symbol_equals_fitting() -> None:
    rng = np.random.default_rng(3)
    tunes = [rng.integers(0, 6, 25).tolist() for _ in range(8)]
    batch = KneserNey(order=3, vocab_size=6).fit(tunes)
    online = KneserNey(order=3, vocab_size=6)
    for tune in tunes:
        for i, w in enumerate(tune):
            online.observe(tune[:i], w)
    assert online.discounts == batch.discounts
    for history in ([], [1], [4, 2], tunes[0][:10]):
        np.testing.assert_allclose(online.distribution(history), batch.distribution(history))


@settings(max_examples=60, deadline=None)
@given(order=st.integers(1, 4), vocab=st.integers(1, 7), data=st.data())
def test_every_distribution_sums_to_one_and_matches_prob(order: int, vocab: int, data: st.DataObject) -> None:
    symbol = st.integers(0, vocab - 1)
    tunes = data.draw(st.lists(st.lists(symbol, max_size=12), max_size=6))
    history = data.draw(st.lists(symbol, max_size=6))
    model = KneserNey(order=order, vocab_size=vocab).fit(tunes)
    dist = model.distribution(history)
    assert dist.shape == (vocab,)
    assert dist.sum() == pytest.approx(1.0)
    assert np.all(dist > 0)  # unseen symbols keep some mass
    assert [model.prob(history, w) for w in range(vocab)] == pytest.approx(dist.tolist())


def test_training_tune_is_less_surprising_than_its_shuffle() -> None:
    scale_tune = [60, 62, 64, 65, 67, 65, 64, 62, 60, 64, 67, 72, 67, 64, 60]
    model = KneserNey(order=5, vocab_size=128).fit([scale_tune] * 3)
    shuffled = list(np.random.default_rng(0).permutation(scale_tune))
    assert model.nll(scale_tune).sum() < model.nll(shuffled).sum()


def test_symbols_outside_the_vocabulary_are_refused() -> None:
    model = KneserNey(order=2, vocab_size=128)
    with pytest.raises(ValueError, match="symbol 128 is outside"):
        model.fit([[60, 128]])
    with pytest.raises(ValueError, match="symbol -1"):
        model.prob([-1], 60)
    with pytest.raises(ValueError, match="order >= 1"):
        KneserNey(order=0)
    with pytest.raises(ValueError, match="one \\(D1, D2, D3\\+\\) per order"):
        KneserNey(order=3, discounts=FIXED)
    with pytest.raises(ValueError, match="0 <= D_k <= k"):
        KneserNey(order=1, discounts=[(1.5, 1.0, 1.5)])


def test_sampling_honours_temperature_and_allowed(toy: KneserNey) -> None:
    rng = np.random.default_rng(1)
    assert toy.sample([0], rng, temperature=0) == 1  # the most likely continuation of 0
    assert {toy.sample([0], rng, allowed=np.array([2])) for _ in range(20)} == {2}
    assert {toy.sample([0], rng, allowed=np.array([True, False, True])) for _ in range(40)} <= {0, 2}
    draws = [toy.sample([0], rng) for _ in range(2000)]
    assert np.bincount(draws, minlength=3) / 2000 == pytest.approx([10 / 48, 23 / 48, 15 / 48], abs=0.04)


def test_sampling_errors() -> None:
    rng = np.random.default_rng(0)
    p = np.array([0.5, 0.5, 0.0])
    with pytest.raises(ValueError, match="no allowed symbol"):
        sample_from(p, rng, allowed=np.array([2]))
    with pytest.raises(ValueError, match="temperature"):
        sample_from(p, rng, temperature=-1)
    with pytest.raises(ValueError, match="shape"):
        sample_from(p, rng, allowed=np.array([True, False]))


def test_entropy_weights_favour_the_more_certain_model() -> None:
    # H_rel of [.5, .5, 0, 0] is ln2 / ln4 = 1/2 -> weight (1/2) ** -1 = 2; uniform -> weight 1
    peaked, flat = [0.5, 0.5, 0.0, 0.0], [0.25] * 4
    mixed = combine_by_entropy(np.array([peaked, flat]), bias=1.0, method="arithmetic")
    np.testing.assert_allclose(mixed, [5 / 12, 5 / 12, 1 / 12, 1 / 12])
    # bias 0: equal weights; geometric mean of [.5, .5] and [.9, .1] is ∝ [sqrt .45, sqrt .05] = [3/4, 1/4]
    geo = combine_by_entropy(np.array([[0.5, 0.5], [0.9, 0.1]]), bias=0.0)
    np.testing.assert_allclose(geo, [0.75, 0.25])
    with pytest.raises(ValueError, match="geometric"):
        combine_by_entropy(np.array([flat]), method="harmonic")


def test_short_term_model_learns_a_motif_the_corpus_never_had() -> None:
    corpus = [[60, 62, 64, 65, 67, 69, 71, 72] * 4, [72, 71, 69, 67, 65, 64, 62, 60] * 4]
    long_term = KneserNey(order=3, vocab_size=128).fit(corpus)
    motif = [64, 67, 61, 70]
    tune = motif * 4
    mixed = ShortTermMix(long_term).nll(tune)
    alone = long_term.nll(tune)
    assert mixed.shape == (16,)
    assert mixed[-4:].sum() < alone[-4:].sum()  # the fourth statement is expected by now
    np.testing.assert_allclose(ShortTermMix(long_term).distributions(tune).sum(axis=1), 1.0)
    with pytest.raises(ValueError, match="geometric"):
        ShortTermMix(long_term, method="median")
