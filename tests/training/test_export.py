from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
ort = pytest.importorskip("onnxruntime")

from melodystudio.core.errors import MelodyStudioError  # noqa: E402
from melodystudio.tokens.compound import NOTE  # noqa: E402
from melodystudio.tokens.heads import CASCADE, CascadeHeads  # noqa: E402
from melodystudio.training.export import export_model, sha256  # noqa: E402
from melodystudio.training.model import MelodyGLM  # noqa: E402
from tests.training.test_model import tiny_model  # noqa: E402

A_LEN, B_LEN, BATCH = 9, 6, 2


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[MelodyGLM, Path]:
    torch.set_num_threads(1)
    model = tiny_model(7)
    out = tmp_path_factory.mktemp("export")
    export_model(model, out, int8=True)
    return model, out


def _random_inputs(model: MelodyGLM, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Random tokens (BATCH, A_LEN + B_LEN, 7) inside every field's vocabulary, GLM-like positions."""
    rng = np.random.default_rng(seed)
    sizes = model.cfg.field_sizes
    tokens = np.stack([rng.integers(0, n, size=(BATCH, A_LEN + B_LEN)) for n in sizes], axis=-1)
    pos1 = np.concatenate([np.arange(A_LEN), np.full(B_LEN, 4)])[None].repeat(BATCH, 0)
    pos2 = np.concatenate([np.zeros(A_LEN, int), np.arange(1, B_LEN + 1)])[None].repeat(BATCH, 0)
    return tokens.astype(np.int64), pos1.astype(np.int64), pos2.astype(np.int64)


def _sessions(out: Path, suffix: str = "") -> tuple[ort.InferenceSession, ort.InferenceSession]:
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    return (ort.InferenceSession(str(out / f"encode{suffix}.onnx"), opts, providers=["CPUExecutionProvider"]),
            ort.InferenceSession(str(out / f"step{suffix}.onnx"), opts, providers=["CPUExecutionProvider"]))


def onnx_part_b(encode: ort.InferenceSession, step: ort.InferenceSession, tokens: np.ndarray, pos1: np.ndarray,
                pos2: np.ndarray, cond: np.ndarray | None = None) -> np.ndarray:
    """h of the part-B tokens (after A_LEN part-A tokens) through the exported graphs, step by step,
    the cache passed back as its per-layer tensors (past.i <- present.i)."""
    extra = (lambda s: {"cond": cond[:, s]}) if cond is not None else (lambda s: {})
    a = slice(0, A_LEN)
    kv = encode.run(None, {"tokens": tokens[:, a], "pos1": pos1[:, a], "pos2": pos2[:, a], **extra(a)})
    assert [o.name for o in encode.get_outputs()] == [f"kv.{i}" for i in range(len(kv))]
    hs = []
    for t in range(A_LEN, A_LEN + B_LEN):
        s = slice(t, t + 1)
        h, *kv = step.run(None, {"tokens": tokens[:, s], "pos1": pos1[:, s], "pos2": pos2[:, s],
                                 **{f"past.{i}": k for i, k in enumerate(kv)}, **extra(s)})
        hs.append(h)
    assert all(k.shape[2] == A_LEN + B_LEN for k in kv)
    return np.concatenate(hs, axis=1)


def _onnx_part_b(out: Path, tokens: np.ndarray, pos1: np.ndarray, pos2: np.ndarray, suffix: str = "") -> np.ndarray:
    return onnx_part_b(*_sessions(out, suffix), tokens, pos1, pos2)


@pytest.mark.parametrize("seed", [0, 1])
def test_onnx_encode_and_steps_match_the_full_forward(exported: tuple[MelodyGLM, Path], seed: int) -> None:
    model, out = exported
    tokens, pos1, pos2 = _random_inputs(model, seed)
    with torch.no_grad():
        full = model.hidden(*(torch.from_numpy(x) for x in (tokens, pos1, pos2)), torch.full((BATCH,), A_LEN))
    np.testing.assert_allclose(_onnx_part_b(out, tokens, pos1, pos2), full[:, A_LEN:].numpy(), atol=1e-4, rtol=0)


def test_step_accepts_an_empty_cache_and_any_batch(exported: tuple[MelodyGLM, Path]) -> None:
    model, out = exported
    _, step = _sessions(out)
    cfg = model.cfg
    past = {f"past.{i}": np.zeros((3, cfg.n_heads, 0, cfg.d_model // cfg.n_heads), np.float32)
            for i in range(2 * cfg.n_layers)}
    h, *present = step.run(None, {"tokens": np.ones((3, 1, 7), np.int64), "pos1": np.zeros((3, 1), np.int64),
                                  "pos2": np.ones((3, 1), np.int64), **past})
    assert h.shape == (3, 1, cfg.d_model) and len(present) == 2 * cfg.n_layers
    assert all(p.shape == (3, cfg.n_heads, 1, cfg.d_model // cfg.n_heads) for p in present)


def test_a_value_past_its_vocabulary_takes_the_last_row_not_the_next_columns(exported: tuple[MelodyGLM, Path]) -> None:
    model, out = exported
    encode, _ = _sessions(out)
    tokens = np.ones((1, 3, 7), np.int64)
    high, capped = tokens.copy(), tokens.copy()
    high[0, 1, 3], capped[0, 1, 3] = 999, model.cfg.field_sizes[3] - 1  # the pitch column
    feed = {"pos1": np.arange(3)[None], "pos2": np.zeros((1, 3), np.int64)}
    a, b, c = (encode.run(None, {"tokens": t, **feed})[0] for t in (high, capped, tokens))
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_int8_graphs_are_smaller_and_close(exported: tuple[MelodyGLM, Path]) -> None:
    model, out = exported
    assert (out / "step.int8.onnx").stat().st_size < (out / "step.onnx").stat().st_size
    tokens, pos1, pos2 = _random_inputs(model, 3)
    exact = _onnx_part_b(out, tokens, pos1, pos2)
    approx = _onnx_part_b(out, tokens, pos1, pos2, ".int8")
    assert np.abs(approx - exact).max() < 0.25 * np.abs(exact).max()  # a quality check, not parity


def test_int8_only_ships_the_int8_graphs_under_the_plain_names(exported: tuple[MelodyGLM, Path],
                                                                tmp_path: Path) -> None:
    import json

    from melodystudio.engine.melody import MelodyEngine

    model, full = exported
    out = tmp_path / "int8"
    export_model(model, out, int8_only=True, dynamo=False)
    manifest = json.loads((out / "manifest.json").read_text())
    assert sorted(manifest["files"]) == ["encode.onnx", "heads.npz", "step.onnx"]
    assert manifest["weights"].startswith("int8")
    assert sha256(out / "step.onnx") == sha256(full / "step.int8.onnx")  # the same quantisation
    assert MelodyEngine.load(out, provider="cpu").files.encode == out / "encode.onnx"


def test_numpy_heads_match_torch_heads(exported: tuple[MelodyGLM, Path]) -> None:
    model, out = exported
    heads = CascadeHeads.load(out / "heads.npz")
    rng = np.random.default_rng(0)
    h = rng.normal(size=(16, model.cfg.d_model)).astype(np.float32)
    chosen = np.stack([rng.integers(0, model.cfg.field_sizes[f], size=16) for f in CASCADE], axis=1)
    for stage in range(len(CASCADE)):
        with torch.no_grad():
            ref = model.heads.logits(stage, torch.from_numpy(h), torch.from_numpy(chosen)).numpy()
        np.testing.assert_allclose(heads.logits(stage, h, chosen), ref, atol=1e-5, rtol=0)
        # the engine's path: every stage's first layer computed once per step
        np.testing.assert_allclose(heads.logits(stage, h, chosen, first=heads.first_layer(h)), ref, atol=1e-5, rtol=0)


def test_numpy_sampling_obeys_constraints(exported: tuple[MelodyGLM, Path]) -> None:
    model, out = exported
    heads = CascadeHeads.load(out / "heads.npz")
    h = np.random.default_rng(1).normal(size=(4, model.cfg.d_model)).astype(np.float32)

    def only_notes_in_bar_2(stage: int, chosen: np.ndarray) -> np.ndarray | None:
        mask = np.zeros((len(chosen), heads.sizes[stage]), bool)
        if stage == 0:
            mask[:, NOTE] = True
        elif stage == 1:
            mask[:, 2] = True
        else:
            return None
        return mask

    tokens = heads.sample(h, np.random.default_rng(2), temperature=1.0, allow=only_notes_in_bar_2)
    assert (tokens[:, 0] == NOTE).all() and (tokens[:, 1] == 2).all()
    greedy = heads.sample(h, np.random.default_rng(2), temperature=0.0)
    with torch.no_grad():
        kind = model.heads.logits(0, torch.from_numpy(h), torch.zeros(4, 0, dtype=torch.long)).argmax(1)
    assert greedy[:, 0].tolist() == kind.tolist()
    with pytest.raises(MelodyStudioError, match="no allowed value for kind"):
        heads.sample(h, np.random.default_rng(2), allow=lambda stage, chosen: np.zeros((4, 6), bool))


def test_manifest_records_configs_and_checksums(exported: tuple[MelodyGLM, Path]) -> None:
    model, out = exported
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["model_config"]["d_model"] == model.cfg.d_model
    assert manifest["tokenizer"] == model.cfg.tokenizer
    assert manifest["export_version"] == 2  # one cache tensor per layer and K/V
    assert manifest["kv_layout"]["tensors"] == 2 * model.cfg.n_layers
    assert manifest["kv_layout"]["shape"][1:3] == [model.cfg.n_heads, "time"]
    assert all(manifest["files"][name] == sha256(out / name) for name in manifest["files"])


def test_node_built_graphs_use_fused_attention_and_few_nodes(exported: tuple[MelodyGLM, Path]) -> None:
    import onnx

    model, out = exported
    graph = onnx.load(str(out / "step.onnx")).graph
    ops = [n.op_type for n in graph.node]
    assert ops.count("MultiHeadAttention") == model.cfg.n_layers
    assert ops.count("Gather") == 1  # every embedding in one table
    # embedding 7, each block 13 (2 LayerNorms, 4 products, 2 bias adds, 2 residual adds, Split,
    # attention, GELU), the final LayerNorm; the torch export of the same model has ~70 a block
    assert len(ops) == 7 + 13 * model.cfg.n_layers + 1
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["graphs"].startswith("built node by node")


@pytest.mark.parametrize("dynamo", [False, pytest.param(True, marks=pytest.mark.slow)])
def test_torch_exported_graphs_match_too(tmp_path: Path, dynamo: bool) -> None:
    model = tiny_model(8)
    manifest = export_model(model, tmp_path, dynamo=dynamo, builder="torch")
    assert manifest["graphs"] == f"torch.onnx ({'dynamo' if dynamo else 'TorchScript'})"
    tokens, pos1, pos2 = _random_inputs(model, 4)
    with torch.no_grad():
        full = model.hidden(*(torch.from_numpy(x) for x in (tokens, pos1, pos2)), torch.full((BATCH,), A_LEN))
    np.testing.assert_allclose(_onnx_part_b(tmp_path, tokens, pos1, pos2), full[:, A_LEN:].numpy(), atol=1e-4, rtol=0)
