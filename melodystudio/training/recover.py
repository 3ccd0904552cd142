"""A training checkpoint rebuilt from an exported model directory (``export.export_model``'s output).

The float checkpoint a shipped model was exported from lives in a git-ignored ``runs/`` folder and is
lost with the checkout; the graphs in ``models/`` hold every weight. This reads them back: float32
initialisers as they are, int8 (onnxruntime dynamic quantisation) ones dequantised as
``(q - zero_point) * scale``, the embedding table split back into its columns, the cascade heads from
``heads.npz`` and the chord-tone prior recovered from its expanded table. The result loads into
``MelodyGLM`` and can be fine-tuned (``TrainConfig.init_from``); from float32 graphs it is the
exported weights exactly, from int8 ones the weights the shipped model computes with.

    python -m melodystudio.training.recover models/melody --out runs/shipped/recovered.pt
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import torch
from onnx import numpy_helper

from melodystudio.tokens.conditions import N_PRIOR, chord_prior_index
from melodystudio.tokens.heads import CASCADE_NAMES
from melodystudio.training.model import GLMConfig, MelodyGLM


def _initialisers(path: Path) -> dict[str, np.ndarray]:
    """Every initialiser of an ONNX graph as float32, dequantised where it was quantised."""
    raw = {i.name: numpy_helper.to_array(i) for i in onnx.load(str(path)).graph.initializer}
    out: dict[str, np.ndarray] = {}
    for name, value in raw.items():
        if name.endswith("_quantized"):
            base = name[: -len("_quantized")]
            scale, zero = raw[base + "_scale"].astype(np.float32), raw[base + "_zero_point"].astype(np.float32)
            out[base] = (value.astype(np.float32) - zero) * scale
        elif not name.endswith(("_scale", "_zero_point")) and value.dtype == np.float32:
            out[name] = value
    return out


def _split_table(table: np.ndarray, cfg: GLMConfig) -> dict[str, np.ndarray]:
    """The embedding table of ``onnx_graph._embedding`` back into its columns' embeddings."""
    names = [f"embed.fields.{f}.weight" for f in range(len(cfg.field_sizes))]
    names += ["embed.pos1.weight", "embed.pos2.weight"]
    sizes = [*cfg.field_sizes, cfg.max_pos1, cfg.max_pos2]
    if cfg.conditioned:
        names += [f"embed.conds.{c}.weight" for c in range(len(cfg.cond_sizes))]
        sizes += list(cfg.cond_sizes)
    if sum(sizes) != len(table):
        raise ValueError(f"the embedding table has {len(table)} rows, the model config {sum(sizes)}")
    bounds = np.cumsum([0, *sizes])
    return {n: table[a:b] for n, a, b in zip(names, bounds[:-1], bounds[1:])}


def _heads(heads: Any, cfg: GLMConfig) -> dict[str, np.ndarray]:
    """``heads.npz`` (``export.head_weights``) back into ``CascadeHeads``' state-dict names."""
    out = {f"heads.emb.{i}.weight": heads[f"emb.{name}"] for i, name in enumerate(CASCADE_NAMES[:-1])}
    for i, name in enumerate(CASCADE_NAMES):
        key = f"heads.heads.{i}"
        out |= {f"{key}.fc.weight": heads[f"head.{name}.w1"], f"{key}.fc.bias": heads[f"head.{name}.b1"],
                f"{key}.out.weight": heads[f"head.{name}.w2"], f"{key}.out.bias": heads[f"head.{name}.b2"]}
    if cfg.conditioned:
        out["heads.pitch_chord.weight"] = heads["emb.pitch_chord"]
        table = heads["bias.pitch_chord"]  # (chord values, pitches): pad(pitch_prior)[chord_prior_index]
        index = chord_prior_index(table.shape[1])
        prior = np.zeros(N_PRIOR, np.float32)
        seen = np.zeros(N_PRIOR, bool)
        for value, pitch in zip(*np.nonzero(index < N_PRIOR)):
            prior[index[value, pitch]] = table[value, pitch]
            seen[index[value, pitch]] = True
        if not seen.all():
            raise ValueError("the chord-tone prior table does not hold every prior weight")
        out["heads.pitch_prior"] = prior
    return out


def recover_checkpoint(model_dir: str | Path) -> dict[str, Any]:
    """A ``train.py``-style checkpoint (``model``, ``model_config``, ``tokenizer``) of an exported model."""
    root = Path(model_dir)
    manifest = json.loads((root / "manifest.json").read_text())
    if "built node by node" not in str(manifest.get("graphs", "")):
        raise ValueError(f"{root}: only node-built graphs (training/onnx_graph.py) can be read back")
    cfg = GLMConfig.from_dict(manifest["model_config"])
    encode, step = _initialisers(root / "encode.onnx"), _initialisers(root / "step.onnx")
    weights = {**encode, **step}  # the step graph holds every layer in full and ln_f
    state: dict[str, np.ndarray] = _split_table(weights["embed.table"], cfg)
    for key, value in weights.items():
        if key.startswith(("blocks.", "ln_f.")):
            state[key[: -len(".T")] if key.endswith(".T") else key] = value.T if key.endswith(".T") else value
    with np.load(root / "heads.npz") as heads:
        state |= _heads(heads, cfg)
    model = MelodyGLM(cfg)
    expected = model.state_dict()
    if set(state) != set(expected):
        raise ValueError(f"{root}: weights missing {sorted(set(expected) - set(state))}, "
                         f"unexpected {sorted(set(state) - set(expected))}")
    tensors = {}
    for key, value in state.items():
        if tuple(value.shape) != tuple(expected[key].shape):
            raise ValueError(f"{root}: {key} has shape {value.shape}, the config gives {tuple(expected[key].shape)}")
        tensors[key] = torch.from_numpy(np.array(value, dtype=np.float32))
    return {"model": tensors, "model_config": cfg.to_dict(), "tokenizer": cfg.tokenizer,
            "recovered_from": {"dir": str(root), "weights": manifest.get("weights", ""),
                               "files": manifest.get("files", {})}}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="rebuild a training checkpoint from an exported model directory")
    ap.add_argument("model_dir", help="a directory written by training.export "
                    "(manifest.json, encode.onnx, step.onnx, heads.npz)")
    ap.add_argument("--out", required=True, help="checkpoint file to write (.pt)")
    args = ap.parse_args(argv)
    ckpt = recover_checkpoint(args.model_dir)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    torch.save(ckpt, out)
    n = sum(t.numel() for t in ckpt["model"].values())
    print(f"{out}: {n:,} weights from {args.model_dir} ({ckpt['recovered_from']['weights'] or 'float32'})")


if __name__ == "__main__":
    main()
