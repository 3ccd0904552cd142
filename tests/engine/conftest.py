"""A tiny random-weight model exported once per session, and songs to generate into.

The model's END logit is lowered so that blanks fill up with notes (a random model otherwise ends
almost at once and the constraints would go untested). Set $MELODYSTUDIO_TEST_MODELS to a model
directory (e.g. models/melody) to run the same tests against a real model; tests that compare with
torch then skip.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from melodystudio.core import PPQ, KeySignature, Note, Song, TimeSignature
from melodystudio.engine.melody import MelodyEngine
from melodystudio.tokens import TokenizerConfig
from melodystudio.tokens.compound import END

TEST_MODELS_ENV = "MELODYSTUDIO_TEST_MODELS"
Q = PPQ


def tiny_glm(seed: int = 0):  # -> MelodyGLM (torch imported only here)
    import torch

    from melodystudio.training.model import GLMConfig, MelodyGLM

    torch.manual_seed(seed)
    cfg = GLMConfig.from_tokenizer(TokenizerConfig(), d_model=32, n_layers=2, n_heads=4, dropout=0.0,
                                   max_pos1=64, max_pos2=64)
    model = MelodyGLM(cfg).eval()
    with torch.no_grad():
        model.heads.heads[0].out.bias[END] -= 3.0  # kind head: make notes ~20x likelier than END
    return model


@pytest.fixture(scope="session")
def torch_model_dir(tmp_path_factory: pytest.TempPathFactory):  # -> (MelodyGLM, Path)
    if os.environ.get(TEST_MODELS_ENV, "").strip():
        pytest.skip(f"${TEST_MODELS_ENV} is set: the engine runs a model that torch did not build here")
    torch = pytest.importorskip("torch")
    from melodystudio.training.export import export_model

    torch.set_num_threads(1)
    model = tiny_glm()
    out = tmp_path_factory.mktemp("tiny-model")
    export_model(model, out, dynamo=False)  # the legacy exporter: seconds, not tens of seconds
    return model, out


def tiny_conditioned_glm(seed: int = 1):  # -> MelodyGLM with chord and lyric conditions
    import torch

    from melodystudio.training.model import GLMConfig, MelodyGLM

    torch.manual_seed(seed)
    cfg = GLMConfig.from_tokenizer(TokenizerConfig(), conditions=True, d_model=32, n_layers=2, n_heads=4,
                                   dropout=0.0, max_pos1=64, max_pos2=64)
    model = MelodyGLM(cfg).eval()
    with torch.no_grad():
        model.heads.heads[0].out.bias[END] -= 3.0
        for emb in model.condition_embeddings():  # random, so that chords and syllables change the output
            emb.weight.normal_(0.0, 0.5)
            emb.weight[0] = 0.0
        model.heads.pitch_prior.normal_(0.0, 0.5)
    return model


def shipped_or_exported(tmp_path_factory: pytest.TempPathFactory, build: Callable[[], Any], name: str) -> Path:
    """$MELODYSTUDIO_TEST_MODELS when set, else the tiny model ``build()`` (``tiny_glm``,
    ``tiny_conditioned_glm``) exported into a fresh folder ``name``."""
    shipped = os.environ.get(TEST_MODELS_ENV, "").strip()
    if shipped:
        return Path(shipped)
    torch = pytest.importorskip("torch")
    from melodystudio.training.export import export_model

    torch.set_num_threads(1)
    out = tmp_path_factory.mktemp(name)
    export_model(build(), out, dynamo=False)
    return out


@pytest.fixture(scope="session")
def cond_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny exported model with conditions (the shipped model's kind once it is conditioned)."""
    return shipped_or_exported(tmp_path_factory, tiny_conditioned_glm, "tiny-cond-model")


@pytest.fixture(scope="session")
def cond_engine(cond_model_dir: Path) -> MelodyEngine:
    return MelodyEngine.load(cond_model_dir, provider="cpu", threads=1)


@pytest.fixture(scope="session")
def model_dir(request: pytest.FixtureRequest) -> Path:
    shipped = os.environ.get(TEST_MODELS_ENV, "").strip()
    if shipped:
        return Path(shipped)
    return request.getfixturevalue("torch_model_dir")[1]


@pytest.fixture(scope="session")
def engine(model_dir: Path) -> MelodyEngine:
    return MelodyEngine.load(model_dir, provider="cpu", threads=1)


def scale_song(bars: int = 8, key: str | None = "G") -> Song:
    """A 4/4 tune walking up and down a G major scale: per bar a quarter, two eighths, a rest, a quarter."""
    pitches = [67, 69, 71, 72, 74, 72, 71, 69]
    rhythm = ((0, Q), (Q, Q // 2), (3 * Q // 2, Q // 2), (3 * Q, Q))  # (offset, duration) in ticks
    notes = [Note(bar * 4 * Q + offset, dur, pitches[(bar + i) % 8], 70 + bar % 8)
             for bar in range(bars) for i, (offset, dur) in enumerate(rhythm)]
    keys = [KeySignature(0, key)] if key else []
    return Song("scale", time_signatures=[TimeSignature(0, 4, 4)], keys=keys, notes=notes)
