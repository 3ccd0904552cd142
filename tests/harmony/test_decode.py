"""Viterbi decoding: locks, the change-rate knob, simple vocabulary, bigram counts."""

from __future__ import annotations

import numpy as np
import pytest

from melodystudio.core import MelodyStudioError
from melodystudio.harmony.decode import ChordBigrams, changes, decode, viterbi
from melodystudio.harmony.vocabulary import IS_SIMPLE, label_class

C, F, G, AM, G7 = (label_class(x) for x in ("C", "F", "G", "Am", "G7"))


def probs(rows: list[dict[int, float]]) -> np.ndarray:
    p = np.full((len(rows), 121), 1e-4)
    for i, row in enumerate(rows):
        for c, v in row.items():
            p[i, c] = v
    return p / p.sum(axis=1, keepdims=True)


def bigrams() -> ChordBigrams:
    b = ChordBigrams.empty()
    for _ in range(20):
        b.add("half-bar", np.array([C, C, F, G, C, AM, F, G7, C]))
    return b


def test_bigrams_are_transposition_invariant() -> None:
    t = bigrams().log_transitions("half-bar")
    d_to_g = t[label_class("D"), G]  # the same interval and qualities as C -> F
    assert t[C, F] == pytest.approx(d_to_g)
    assert t[C, F] > t[C, label_class("F#")]
    assert np.allclose(np.exp(t).sum(axis=1), 1.0)


def test_locked_segments_keep_their_chord_exactly() -> None:
    p = probs([{C: 0.9}, {F: 0.9}, {G: 0.9}, {C: 0.9}])
    locked = np.array([-1, AM, -1, label_class("Ebmaj7")])
    out = decode(p, bigrams().log_transitions("half-bar"), rich=False, locked=locked)
    assert out[1] == AM and out[3] == label_class("Ebmaj7")  # a rich locked chord survives simple mode
    assert out[0] == C and out[2] == G


def test_change_rate_is_monotone_in_the_number_of_changes() -> None:
    rng = np.random.default_rng(3)
    p = rng.dirichlet(np.full(121, 0.3), size=40)
    t = bigrams().log_transitions("half-bar")
    counts = [changes(decode(p, t, change_rate=r)) for r in (0.05, 0.2, 0.5, 1.0, 2.0, 5.0, 20.0)]
    assert counts == sorted(counts) and counts[0] < counts[-1]
    with pytest.raises(MelodyStudioError, match="change rate"):
        decode(p, t, change_rate=0.0)


def test_simple_vocabulary_chooses_major_and_minor_only() -> None:
    p = probs([{G7: 0.6, G: 0.1}, {label_class("Am7"): 0.8}])
    out = decode(p, bigrams().log_transitions("half-bar"), rich=False)
    assert out.tolist() == [G, AM] and IS_SIMPLE[out].all()
    assert decode(p, bigrams().log_transitions("half-bar"), rich=True).tolist() == [G7, label_class("Am7")]


def test_viterbi_follows_the_transitions_when_emissions_tie() -> None:
    t = np.log(np.full((3, 3), 0.05) + np.eye(3) * 0.85)
    e = np.log(np.array([[0.9, 0.05, 0.05], [0.5, 0.5, 0.0 + 1e-9], [0.05, 0.9, 0.05]]))
    assert viterbi(e, t).tolist() == [0, 0, 1]
