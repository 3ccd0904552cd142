"""The description step: sentence-vector caching and the choice of the hybrid weight on validation."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from melodystudio.training.clmp_describe import embed_cached, validation


class CountingEncoder:
    """Stands in for MiniLM: a text's vector is its letter counts of 'a'..'d' (unit length)."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.seen += list(texts)
        rows = np.array([[t.count(c) + 0.1 for c in "abcd"] for t in texts], np.float32)
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_embed_cached_reuses_sentences_of_the_same_encoder(tmp_path: Path) -> None:
    encoder, cache = CountingEncoder(), tmp_path / "v.npz"
    first = embed_cached(encoder, ["a reel", "a jig", "a reel"], cache, "sha-1", print)  # type: ignore[arg-type]
    assert encoder.seen == ["a jig", "a reel"] and first.shape == (3, 4)
    np.testing.assert_array_equal(first[0], first[2])
    again = embed_cached(encoder, ["a jig", "a bourrée"], cache, "sha-1", print)  # type: ignore[arg-type]
    assert encoder.seen == ["a jig", "a reel", "a bourrée"]
    np.testing.assert_array_equal(again[0], first[1])
    embed_cached(encoder, ["a jig"], cache, "sha-2", print)  # type: ignore[arg-type]  # a new encoder
    assert encoder.seen[-1] == "a jig"


def test_validation_picks_the_weight_where_both_cosines_help() -> None:
    # 4 tunes, 1 query each (truth = diagonal). Notes alone confuse tunes 0/1, descriptions confuse 2/3;
    # together every query finds its tune.
    melody = np.array([[0.5, 0.6, 0.0, 0.0], [0.6, 0.5, 0.0, 0.0], [0.0, 0.0, 0.9, 0.1], [0.0, 0.0, 0.1, 0.9]])
    description = np.array([[0.9, 0.1, 0.0, 0.0], [0.1, 0.9, 0.0, 0.0], [0.0, 0.0, 0.5, 0.6], [0.0, 0.0, 0.6, 0.5]])
    out = validation(melody, {"full": description, "int8": description}, np.arange(4), (0.0, 0.5, 1.0))
    assert out["clmp"]["R@1"] == 0.5 and out["description_int8"]["R@1"] == 0.5
    assert out["hybrid_by_weight"]["0.50"]["R@1"] == 1.0
    assert out["melody_weight"] == 0.5 and out["hybrid"]["R@1"] == 1.0
    assert out["hybrid_z_best"]["R@1"] == pytest.approx(1.0)
