"""A conditioned model exports with a ``cond`` input and a chord embedding in its heads; ONNX = torch."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
ort = pytest.importorskip("onnxruntime")

from melodystudio.core.errors import MelodyStudioError  # noqa: E402
from melodystudio.engine.runtime import graph_inputs  # noqa: E402
from melodystudio.tokens.conditions import COND_FIELDS, COND_SIZES  # noqa: E402
from melodystudio.tokens.heads import CASCADE, PITCH_STAGE, CascadeHeads  # noqa: E402
from melodystudio.training.export import export_model, save_heads  # noqa: E402
from melodystudio.training.model import MelodyGLM  # noqa: E402
from tests.training.test_conditioned_model import tiny_conditioned_model  # noqa: E402
from tests.training.test_export import A_LEN, B_LEN, BATCH, _random_inputs, _sessions, onnx_part_b  # noqa: E402
from tests.training.test_model import tiny_model  # noqa: E402


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[MelodyGLM, Path]:
    torch.set_num_threads(1)
    model = tiny_conditioned_model(9)
    out = tmp_path_factory.mktemp("export-cond")
    export_model(model, out)
    return model, out


def _random_cond(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.stack([rng.integers(0, n, size=(BATCH, A_LEN + B_LEN)) for n in COND_SIZES], axis=-1).astype(np.int64)


@pytest.mark.parametrize("seed", [0, 1])
def test_onnx_with_conditions_matches_the_full_forward(exported: tuple[MelodyGLM, Path], seed: int) -> None:
    model, out = exported
    tokens, pos1, pos2 = _random_inputs(model, seed)
    cond = _random_cond(seed)
    encode, step = _sessions(out)
    n_kv = 2 * model.cfg.n_layers
    names = graph_inputs(n_kv, True)
    assert [i.name for i in encode.get_inputs()] == names["encode"] == ["tokens", "pos1", "pos2", "cond"]
    assert [i.name for i in step.get_inputs()] == names["step"]
    assert names["step"] == ["tokens", "pos1", "pos2", *(f"past.{i}" for i in range(n_kv)), "cond"]
    hs = onnx_part_b(encode, step, tokens, pos1, pos2, cond)
    with torch.no_grad():
        full = model.hidden(*(torch.from_numpy(x) for x in (tokens, pos1, pos2)), torch.full((BATCH,), A_LEN),
                            torch.from_numpy(cond))
    np.testing.assert_allclose(hs, full[:, A_LEN:].numpy(), atol=1e-4, rtol=0)


def test_numpy_heads_hear_the_chord_like_torch(exported: tuple[MelodyGLM, Path]) -> None:
    model, out = exported
    heads = CascadeHeads.load(out / "heads.npz")
    assert heads.pitch_chord is not None and heads.pitch_chord.shape == (COND_SIZES[0], model.cfg.d_model)
    assert heads.pitch_bias is not None and heads.pitch_bias.shape == (COND_SIZES[0], 128)
    rng = np.random.default_rng(0)
    h = rng.normal(size=(16, model.cfg.d_model)).astype(np.float32)
    chosen = np.stack([rng.integers(0, model.cfg.field_sizes[f], size=16) for f in CASCADE], axis=1)
    chord = rng.integers(0, COND_SIZES[0], size=16)
    with torch.no_grad():
        ref = model.heads.logits(PITCH_STAGE, torch.from_numpy(h), torch.from_numpy(chosen), torch.from_numpy(chord))
    np.testing.assert_allclose(heads.logits(PITCH_STAGE, h, chosen, chord), ref.numpy(), atol=1e-5, rtol=0)
    assert not np.allclose(heads.logits(PITCH_STAGE, h, chosen, chord), heads.logits(PITCH_STAGE, h, chosen))


def test_manifest_names_the_condition_columns(exported: tuple[MelodyGLM, Path]) -> None:
    _, out = exported
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["conditions"] == {"version": 1, "fields": list(COND_FIELDS), "sizes": list(COND_SIZES)}
    assert manifest["model_config"]["cond_sizes"] == list(COND_SIZES)


def test_version_1_heads_still_load_and_unknown_versions_do_not(tmp_path: Path) -> None:
    model = tiny_model(2)
    save_heads(model, tmp_path / "heads.npz")
    with np.load(tmp_path / "heads.npz") as data:
        arrays = {k: data[k] for k in data.files if k != "meta"}
    np.savez(tmp_path / "v1.npz", meta=np.array(json.dumps({"heads_version": 1})), **arrays)
    old = CascadeHeads.load(tmp_path / "v1.npz")
    assert old.pitch_chord is None and old.sizes == (6, 64, 96, 97, 128)
    h = np.zeros((2, 32), np.float32)
    assert old.logits(PITCH_STAGE, h, np.zeros((2, 5), int), np.array([3, 4])).shape == (2, 128)  # chord ignored
    np.savez(tmp_path / "v9.npz", meta=np.array(json.dumps({"heads_version": 9})), **arrays)
    with pytest.raises(MelodyStudioError, match="version 9"):
        CascadeHeads.load(tmp_path / "v9.npz")
