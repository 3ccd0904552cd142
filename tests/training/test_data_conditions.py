"""Conditioned tune sets: stored beside the tokens, cropped with them, dropped at random."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from melodystudio.tokens import conditions
from melodystudio.tokens.compound import NOTE
from melodystudio.tokens.conditions import CHORD, LYRIC_COLUMNS, TEXT, WORD
from melodystudio.training.data import CondDropout, ExampleSampler, MixtureSampler, TuneSet
from melodystudio.training.synthetic import synthetic_set
from tests.training.test_glm_conditions import sung_tune


def test_conditions_round_trip_with_their_sources(tmp_path: Path) -> None:
    tune, cond = sung_tune()
    ts = TuneSet.from_tunes([tune, tune[:4]], {"train": np.array([0]), "valid": np.array([1])}, conds=[cond, cond[:4]],
                            tune_source=np.array([1, 0]), sources=("pop909", "lyrics_melody"))
    ts.save(tmp_path / "c.npz")
    back = TuneSet.load(tmp_path / "c.npz")
    assert np.array_equal(back.tune_cond(0), cond) and np.array_equal(back.tune_cond(1), cond[:4])
    assert back.indices("train", "lyrics_melody").tolist() == [0] and back.indices("valid", "pop909").tolist() == [1]
    assert back.indices("train", "openewld").tolist() == []
    plain = synthetic_set(3, seed=0)
    assert plain.cond is None and not plain.tune_cond(0).any() and plain.tune_cond(0).shape[1] == conditions.N_COND


def test_dropout_hides_whole_columns_and_keeps_the_lyrics_task_sung() -> None:
    _, cond = sung_tune()
    rng = np.random.default_rng(0)
    always = CondDropout(chords=1.0, lyrics=1.0, text=0.0, context_lyrics=1.0)
    out, context = always.apply(cond, "inpaint", rng)
    assert not out[:, CHORD].any() and not out[:, list(LYRIC_COLUMNS)].any() and context
    out, context = always.apply(cond, "lyrics", rng)
    assert out[:, WORD].tolist() == cond[:, WORD].tolist() and not context  # only the context loses them
    never, _ = CondDropout().apply(cond, "inpaint", rng)
    assert never is cond
    text_only, _ = CondDropout(text=1.0).apply(cond, "ngram", rng)
    assert not text_only[:, TEXT].any() and np.array_equal(text_only[:, WORD], cond[:, WORD])


def test_sampler_builds_lyric_examples_from_sung_tunes() -> None:
    tune, cond = sung_tune()
    sampler = ExampleSampler([tune], None, {"lyrics": 1.0}, max_bars=63, max_notes=64, transpose=False, conds=[cond])
    rng = np.random.default_rng(1)
    for _ in range(10):
        ex = sampler.example(rng)
        b = ex.cond[ex.a_len:]
        assert (b[:-1, WORD] > 0).all() and b[-1, WORD] == 0  # every target note has its syllable
        assert (ex.target_chord[ex.a_len:-1] > 0).all()
    plain = ExampleSampler([tune], None, {"lyrics": 1.0}, max_bars=63, max_notes=64, transpose=False)
    assert not plain.example(rng).cond.any()  # no lyrics: the lyrics task falls back to inpainting
    mix = MixtureSampler([plain, sampler], [0.0, 1.0])
    assert mix.batch(rng, 3, "continuation").cond[..., CHORD].any()


def test_the_lyric_ngram_task_blanks_sung_words_and_falls_back_without_lyrics() -> None:
    tune, cond = sung_tune()
    sampler = ExampleSampler([tune], None, {"lyric_ngram": 1.0}, max_bars=63, max_notes=64, transpose=False,
                             conds=[cond])
    rng = np.random.default_rng(3)
    for _ in range(10):
        ex = sampler.example(rng)
        notes = ex.target[ex.a_len:, 0] == NOTE  # blanked notes (the rest of part B predicts each END)
        assert 1 <= notes.sum() <= 3  # whole words, ~15% of 8 sung notes (a gram may overshoot by half)
        assert (ex.cond[ex.a_len:][notes, WORD] > 0).all()  # each input before a note carries its syllable
    plain = ExampleSampler([tune], None, {"lyric_ngram": 1.0}, max_bars=63, max_notes=64, transpose=False)
    assert not plain.example(rng).cond.any()  # no lyrics: melodic n-gram blanking, nothing sung
