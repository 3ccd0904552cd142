"""The shipped MiniLM text encoder (ONNX + tokenizers, no torch)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from melodystudio.core import MelodyStudioError
from melodystudio.retrieval.model_files import REPO_MODELS, TEXT_ENCODER_FILE, TOKENIZER_FILE
from melodystudio.retrieval.text_encoder import TEXT_DIM, TextEncoder

FOLDER = REPO_MODELS / "retrieval"
pytestmark = pytest.mark.skipif(not (FOLDER / TEXT_ENCODER_FILE).is_file(), reason="text encoder not exported")


@pytest.fixture(scope="module")
def encoder() -> TextEncoder:
    return TextEncoder(FOLDER / TEXT_ENCODER_FILE, FOLDER / TOKENIZER_FILE, threads=1)


def test_unit_vectors_independent_of_padding(encoder: TextEncoder) -> None:
    short, long = "a jig", "a slow, tender lullaby in three-four time, D minor, sixteen bars, narrow range"
    alone = encoder.embed([short])
    batch = encoder.embed([short, long])
    assert batch.shape == (2, TEXT_DIM) and batch.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(batch, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(alone[0], batch[0], atol=1e-6)  # a text's embedding ignores its neighbours
    assert encoder.embed([]).shape == (0, TEXT_DIM)


def test_meaning_not_spelling(encoder: TextEncoder) -> None:
    reel, dance, lullaby = encoder.embed(["a lively Irish reel", "a fast fiddle dance tune from Ireland",
                                          "a slow, gentle cradle song"])
    assert float(reel @ dance) > float(reel @ lullaby)


def test_missing_files_are_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(MelodyStudioError, match="missing"):
        TextEncoder(tmp_path / "none.onnx", FOLDER / TOKENIZER_FILE)
