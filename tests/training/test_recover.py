"""An exported model directory reads back into the checkpoint it was exported from."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("onnxruntime")

from melodystudio.training.export import export_model  # noqa: E402
from melodystudio.training.model import MelodyGLM, init_from_checkpoint  # noqa: E402
from melodystudio.training.recover import main, recover_checkpoint  # noqa: E402
from tests.training.test_conditioned_model import tiny_conditioned_model  # noqa: E402
from tests.training.test_model import tiny_model  # noqa: E402


def _randomised(model: MelodyGLM, seed: int) -> MelodyGLM:
    """Every weight random (biases and LayerNorms too), so that a misplaced one shows."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=gen) * 0.3)
    return model


@pytest.fixture(scope="module", params=["plain", "conditioned"])
def model(request: pytest.FixtureRequest) -> MelodyGLM:
    base = tiny_model(3) if request.param == "plain" else tiny_conditioned_model(3)
    return _randomised(base, 11)


def test_float_graphs_give_back_every_weight_exactly(model: MelodyGLM, tmp_path: Path) -> None:
    export_model(model, tmp_path)
    ckpt = recover_checkpoint(tmp_path)
    expected = model.state_dict()
    assert set(ckpt["model"]) == set(expected)
    for key, value in expected.items():
        np.testing.assert_array_equal(ckpt["model"][key].numpy(), value.numpy(), err_msg=key)
    assert ckpt["model_config"] == model.cfg.to_dict()


def test_int8_graphs_give_back_the_weights_within_one_quantisation_step(model: MelodyGLM, tmp_path: Path) -> None:
    export_model(model, tmp_path, int8_only=True)
    ckpt = recover_checkpoint(tmp_path)
    state = {k: v.numpy() for k, v in model.state_dict().items()}
    # the embeddings are quantised as one table (onnx_graph._embedding), each matrix on its own
    table = np.concatenate([v.ravel() for k, v in state.items() if k.startswith("embed.")])
    changed = 0
    for key, want in state.items():
        got, span = ckpt["model"][key].numpy(), table if key.startswith("embed.") else want
        step = max(np.ptp(span) / 255, 2 * np.abs(span).max() / 254)  # asymmetric uint8 or symmetric int8
        np.testing.assert_allclose(got, want, atol=step * 0.51 + 1e-6, rtol=0, err_msg=key)
        changed += int(not np.array_equal(got, want))
    assert changed > 0  # the matrices were really quantised
    rebuilt = MelodyGLM(model.cfg)
    rebuilt.load_state_dict(ckpt["model"])  # strict: every name and shape fits


def test_a_recovered_checkpoint_starts_a_fine_tune(model: MelodyGLM, tmp_path: Path) -> None:
    export_model(model, tmp_path / "model")
    main([str(tmp_path / "model"), "--out", str(tmp_path / "ckpt" / "recovered.pt")])
    fresh = MelodyGLM(model.cfg)
    init_from_checkpoint(fresh, tmp_path / "ckpt" / "recovered.pt")
    for key, value in model.state_dict().items():
        assert torch.equal(fresh.state_dict()[key], value), key


def test_graphs_from_the_torch_exporter_are_refused(tmp_path: Path) -> None:
    model = _randomised(tiny_model(4), 5)
    export_model(model, tmp_path)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    manifest["graphs"] = "torch.onnx"
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ValueError, match="node-built"):
        recover_checkpoint(tmp_path)


def test_a_manifest_that_does_not_fit_the_graphs_is_refused(tmp_path: Path) -> None:
    model = _randomised(tiny_model(4), 5)
    export_model(model, tmp_path)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    manifest["model_config"]["max_pos1"] += 1
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ValueError, match="embedding table"):
        recover_checkpoint(tmp_path)
