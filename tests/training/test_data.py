from __future__ import annotations

import numpy as np
import pytest

from melodystudio.tokens import TokenizerConfig
from melodystudio.tokens.compound import BAR, KEY, PITCH, UNKNOWN_KEY
from melodystudio.tokens.glm import IGNORE
from melodystudio.training.data import ExampleSampler, TuneSet, crop_window, random_transpose, transpose
from melodystudio.training.synthetic import synthetic_set
from tests.training.conftest import tune_of


def test_transposition_moves_the_key_with_the_notes(tune: np.ndarray) -> None:
    up = transpose(tune, 5)  # G major -> C major
    assert (up[:, PITCH] == tune[:, PITCH] + 5).all() and (up[:, KEY] == 0).all()
    minor = tune.copy()
    minor[:, KEY] = 12 + 9  # A minor
    assert (transpose(minor, -2)[:, KEY] == 12 + 7).all()  # G minor
    unknown = tune.copy()
    unknown[:, KEY] = UNKNOWN_KEY
    assert (transpose(unknown, 3)[:, KEY] == UNKNOWN_KEY).all()


def test_random_transposition_stays_on_the_keyboard() -> None:
    high = tune_of([(0, 0, 125, 12), (0, 12, 120, 12)])
    for seed in range(20):
        t = random_transpose(high, np.random.default_rng(seed))
        assert t[:, PITCH].max() <= 127 and -5 <= int(t[0, PITCH]) - 125 <= 2


def test_long_tunes_are_cut_at_bar_lines_and_rebased() -> None:
    tune = tune_of([(b, p, 60, 12) for b in range(100) for p in (0, 12, 24, 36)])
    for seed in range(10):
        window, start = crop_window(tune, np.random.default_rng(seed), max_bars=63, max_notes=50)
        assert len(window) == 48 and window[0, BAR] == 0 and window[-1, BAR] == 11
        assert np.array_equal(window[:, 2:], tune[start:start + 48, 2:])


def test_tune_set_round_trips_with_its_tokenizer(tmp_path) -> None:
    ts = synthetic_set(12, seed=1)
    ts.tokenizer = TokenizerConfig(max_bars=32)
    ts.save(tmp_path / "t.npz")
    back = TuneSet.load(tmp_path / "t.npz")
    assert back.tokenizer == ts.tokenizer and len(back) == 12
    assert all(np.array_equal(back.tune(i), ts.tune(i)) for i in range(12))
    assert back.splits["valid"].tolist() == ts.splits["valid"].tolist()


def test_a_tune_set_without_splits_is_refused(tmp_path) -> None:
    np.savez(tmp_path / "bad.npz", tokens=np.zeros((0, 7), np.int32), offsets=np.zeros(1, np.int64))
    with pytest.raises(ValueError, match="train"):
        TuneSet.load(tmp_path / "bad.npz")


def test_sampler_mixes_tasks_into_valid_batches() -> None:
    ts = synthetic_set(20, seed=2)
    sampler = ExampleSampler(ts.split("train"), None, {"inpaint": 1.0, "ngram": 1.0}, max_bars=63, max_notes=64)
    batch = sampler.batch(np.random.default_rng(0), 8)
    assert batch.inputs.shape[0] == 8 and (batch.target[..., 0] != IGNORE).any(axis=1).all()
    with pytest.raises(ValueError, match="task mix"):
        ExampleSampler(ts.split("train"), None, {"ngram": 0.0}, 63, 64)


def test_the_generate_task_blanks_the_whole_window_and_a_trailing_task_keeps_old_draws() -> None:
    ts = synthetic_set(5, seed=4)
    sampler = ExampleSampler(ts.split("train"), None, {"generate": 1.0}, max_bars=63, max_notes=64, transpose=False)
    rng = np.random.default_rng(0)
    for _ in range(5):
        ex = sampler.example(rng)
        notes = int((ex.target[:, 0] != IGNORE).sum()) - 1  # every note of the window, then its END
        assert ex.a_len == 2 and notes >= 1  # part A: BOS and one MASK covering the whole window
    # a zero weight at the end of TASKS leaves a mix's draws as they were before it existed
    old = ExampleSampler(ts.split("train"), None, {"ngram": 1.0, "inpaint": 1.0}, 63, 64)
    new = ExampleSampler(ts.split("train"), None, {"ngram": 1.0, "inpaint": 1.0, "generate": 0.0}, 63, 64)
    a, b = old.batch(np.random.default_rng(5), 6), new.batch(np.random.default_rng(5), 6)
    assert np.array_equal(a.inputs, b.inputs) and np.array_equal(a.target, b.target)
