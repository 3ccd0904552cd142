"""The decoder's two cache paths agree, and the sampler draws what it should."""

from __future__ import annotations

import numpy as np
import pytest

from melodystudio.engine.melody import MelodyEngine
from melodystudio.engine.runtime import Decoder
from melodystudio.engine.sampling import chosen_nll, log_softmax, nucleus_draw

RNG = np.random.default_rng(0)


def _prompt(engine: MelodyEngine, length: int = 7) -> np.ndarray:
    sizes = engine.files.tokenizer.sizes()
    return np.stack([RNG.integers(1, n, size=length) for n in sizes], axis=1)


def test_io_binding_cache_matches_numpy_cache(engine: MelodyEngine) -> None:
    """The CUDA path (cache kept as OrtValues through IO binding) checked on the CPU device."""
    plain = Decoder(engine._encode, engine._step, None)
    bound = Decoder(engine._encode, engine._step, "cpu")
    part_a = _prompt(engine)
    positions = (np.arange(len(part_a)), np.zeros(len(part_a), np.int64))
    for d in (plain, bound):
        d.start(part_a, *positions, batch=3)
    for step, rows in enumerate((3, 3, 2, 2), start=1):  # row 1 finishes after step 2
        tokens, pos1, pos2 = _prompt(engine, rows), np.full(rows, 3), np.full(rows, step)
        np.testing.assert_allclose(bound.step(tokens, pos1, pos2), plain.step(tokens, pos1, pos2), atol=1e-5)
        if step == 2:
            plain.keep(np.array([0, 2]))
            bound.keep(np.array([0, 2]))
    assert plain.cache_length == bound.cache_length == len(part_a) + 4


def test_nucleus_draw_follows_the_probabilities() -> None:
    logits = np.log(np.array([[0.5, 0.3, 0.15, 0.05]]))
    uniforms = (np.arange(1000) + 0.5) / 1000  # an even sweep instead of random numbers
    draws = [int(nucleus_draw(logits, np.array([u]), 1.0, 1.0)[0]) for u in uniforms]
    assert np.bincount(draws, minlength=4).tolist() == [500, 300, 150, 50]


def test_top_p_and_masks_cut_the_tail() -> None:
    logits = np.log(np.array([[0.5, 0.3, 0.15, 0.05]]))
    uniforms = (np.arange(100) + 0.5) / 100
    top = {int(nucleus_draw(logits, np.array([u]), 1.0, 0.7)[0]) for u in uniforms}
    assert top == {0, 1}  # 0.5 + 0.3 holds 0.7
    masked = np.where([[True, False, True, False]], logits, -np.inf)
    assert {int(nucleus_draw(masked, np.array([u]), 2.0, 1.0)[0]) for u in uniforms} == {0, 2}
    assert {int(nucleus_draw(logits, np.array([u]), 1.0, 0.01)[0]) for u in uniforms} == {0}
    assert nucleus_draw(logits, np.array([np.nextafter(1.0, 0)]), 1.0, 1.0)[0] == 3


@pytest.mark.parametrize("temperature", [0.05, 3.0])
def test_temperature_sharpens_or_flattens(temperature: float) -> None:
    logits = np.log(np.array([[0.6, 0.4]]))
    uniforms = (np.arange(1000) + 0.5) / 1000
    share = np.mean([nucleus_draw(logits, np.array([u]), temperature, 1.0)[0] == 0 for u in uniforms])
    assert share == pytest.approx(1.0 if temperature < 1 else 0.534, abs=0.01)


def test_log_softmax_is_normalised() -> None:
    lp = log_softmax(np.array([[1.0, 2.0, 3.0], [1000.0, 0.0, -1000.0]]))
    np.testing.assert_allclose(np.exp(lp).sum(axis=1), 1.0)


def test_chosen_nll_is_the_log_softmax_at_the_chosen_value() -> None:
    logits = np.array([[1.0, 2.0, 3.0], [1000.0, 0.0, -1000.0]])
    np.testing.assert_allclose(chosen_nll(logits, np.array([2, 1])), -log_softmax(logits)[[0, 1], [2, 1]])
    assert chosen_nll(logits, np.array([0, 0]))[1] == pytest.approx(0.0)  # a certain value costs nothing

