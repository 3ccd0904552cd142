"""Melody descriptions: the fixed wording, the compact int8 PCA file and the hybrid rescoring (no models)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from melodystudio.core import MelodyStudioError
from melodystudio.retrieval.attributes import TuneAttributes
from melodystudio.retrieval.description import Descriptions, DescriptionSpace, dequantize, describe, fuse, quantize
from melodystudio.retrieval.index import VectorIndex
from melodystudio.retrieval.retriever import _rescore

JIG = TuneAttributes(meter="6/8", tonic_pc=7, mode="major", bars=16, lowest=62, highest=83, mean_pitch=72.0,
                     notes_per_quarter=2.5, contour="arch", phrases=4)
AIR = TuneAttributes(meter="3/4", tonic_pc=2, mode="minor", bars=8, lowest=62, highest=69, mean_pitch=63.0,
                     notes_per_quarter=1.0, contour="falling", phrases=0)


def test_description_wording_is_fixed() -> None:
    assert describe("", JIG, "O'Neill's Music of Ireland", "Irish", "jig") == (
        "lively Irish jig from O'Neill's Music of Ireland, in G major, 6/8 time, 16 bars, wide range, "
        "middle register, arch contour, 4 phrases")
    # a user's melody: no collection, origin or type, but its title
    assert describe("  Midnight Harbour ", AIR) == (
        "slow melody, in D minor, 3/4 time, 8 bars, narrow range, low register, falling contour; "
        "title: Midnight Harbour")
    assert describe("", JIG, key="A mixolydian").startswith("lively melody, in A mixolydian, 6/8 time")


def vectors(n: int, seed: int = 0) -> np.ndarray:
    """(n, 384) unit rows with a few dominant directions, as sentence embeddings have."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 8)) @ rng.normal(size=(8, 384)) + 0.1 * rng.normal(size=(n, 384))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def test_compression_round_trip(tmp_path: Path) -> None:
    minilm = vectors(200)
    space = DescriptionSpace.fit(minilm, 16)
    assert space.dim == 16 and space.components.shape == (16, 384)
    np.testing.assert_allclose(space.components @ space.components.T, np.eye(16), atol=1e-5)
    projected = space.project(minilm)
    np.testing.assert_allclose(np.linalg.norm(projected, axis=1), 1.0, atol=1e-5)
    restored = dequantize(quantize(projected))
    assert float((restored * projected).sum(1).min()) > 0.999  # int8 costs less than 0.001 cosine per row
    Descriptions(space, projected, {"melody_weight": 0.35}).save(tmp_path / "d.npz")
    again = Descriptions.load(tmp_path / "d.npz", rows=200)
    assert again.weight == 0.35 and again.info["dim"] == 16
    np.testing.assert_array_equal(again.space.components, space.components)
    np.testing.assert_allclose(again.vectors, restored, atol=1e-6)
    query = space.project(vectors(1, seed=1))[0]
    assert np.argmax(again.vectors @ query) == np.argmax(projected @ query)
    assert (tmp_path / "d.npz").stat().st_size < 200 * 16 + 16 * 384 * 4 + 384 * 4 + 2000  # int8 rows


def test_missing_or_damaged_descriptions_are_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(MelodyStudioError, match=r"descriptions .* are missing .*clmp describe"):
        Descriptions.load(tmp_path / "none.npz")
    space = DescriptionSpace.fit(vectors(20), 4)
    good = tmp_path / "d.npz"
    Descriptions(space, space.project(vectors(20)), {"melody_weight": 0.5}).save(good)
    damaged = tmp_path / "damaged.npz"
    damaged.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(MelodyStudioError, match="are damaged"):
        Descriptions.load(damaged)
    damaged.write_bytes(b"\0" * 100)
    with pytest.raises(MelodyStudioError, match="are damaged"):
        Descriptions.load(damaged)
    with pytest.raises(MelodyStudioError, match="hold 20 melodies but the library 21"):
        Descriptions.load(good, rows=21)
    np.savez(damaged, mean=space.mean, components=space.components, vectors=quantize(space.project(vectors(20))),
             info=np.array('{"format": "something else", "version": 1}'))
    with pytest.raises(MelodyStudioError, match="is not a melodystudio-melody-descriptions v1 file"):
        Descriptions.load(damaged)


def test_hybrid_rescoring_lets_the_description_decide() -> None:
    # three melodies: by notes alone the query is nearest melody 0; by description melody 2 fits
    melodies = np.array([[1.0, 0.0, 0.0], [0.8, 0.6, 0.0], [0.6, 0.0, 0.8]], np.float32)
    described = np.array([[1.0, 0.0], [0.0, 1.0], [0.6, 0.8]], np.float32)
    index = VectorIndex.build(melodies)
    joint, text = np.array([1.0, 0.0, 0.0], np.float32), np.array([0.0, 1.0], np.float32)
    assert [label for label, _ in _rescore(index, described, joint, text, 3, None, 1.0)] == [0, 1, 2]
    hybrid = _rescore(index, described, joint, text, 3, None, 0.4)
    assert [label for label, _ in hybrid] == [1, 2, 0]
    assert hybrid[0][1] == pytest.approx(float(fuse(np.float32(0.8), np.float32(1.0), 0.4)))  # 0.4*0.8 + 0.6*1
    allowed = np.array([True, False, True])
    assert [label for label, _ in _rescore(index, described, joint, text, 1, allowed, 0.4)] == [2, 0]
    assert _rescore(index, described, joint, text, 3, np.zeros(3, bool), 0.4) == []
    assert _rescore(VectorIndex.empty(3), np.zeros((0, 2), np.float32), joint, text, 3, None, 0.4) == []
