"""The prompt evaluation's own arithmetic: BM25, recall and ranks with ties, attribute rates."""

from __future__ import annotations

import numpy as np
import pytest

from melodystudio.training.clmp_eval import _rates, bm25_scores, rank_figures


def test_bm25_ranks_the_document_with_the_rare_words_first() -> None:
    documents = ["an Irish reel in D major", "a German folk song in D major", "a waltz in 3/4, G major"]
    scores = bm25_scores(["lively Irish reel", "a waltz in 3/4", "major"], documents)
    assert scores.shape == (3, 3)
    assert scores[0].argmax() == 0 and scores[0, 1] == scores[0, 2] == 0.0  # no shared word: 0
    assert scores[1].argmax() == 2
    n, df = 3, 3  # 'major' is in every document: idf = ln(1 + 0.5 / 3.5), the same tf, shorter ones higher
    assert scores[2, 0] > scores[2, 1] and scores[2].min() > 0
    assert scores[2].max() < np.log(1 + (n - df + 0.5) / (df + 0.5)) * 2.2 + 1e-12


def test_ranks_count_ties_as_half() -> None:
    scores = np.array([[0.9, 0.1, 0.2], [0.5, 0.5, 0.1], [0.1, 0.2, 0.3]])
    figures = rank_figures(scores, np.array([0, 1, 0]))
    # ranks: 1; 1.5 (tied with one other); 3
    assert figures["R@1"] == pytest.approx(1 / 3) and figures["R@5"] == 1.0
    assert figures["median_rank"] == 1.5 and figures["queries"] == 3 and figures["gallery"] == 3


def test_attribute_rates_skip_prompts_that_did_not_ask() -> None:
    checks = [{"bars": True, "tempo": None}, {"bars": False, "tempo": True}, {"bars": True, "tempo": None}]
    assert _rates(checks) == {"bars": pytest.approx(2 / 3), "tempo": 1.0}
    assert _rates([{"bars": True, "tempo": None}]) == {"bars": 1.0}
    assert _rates([]) == {}
