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
from melodystudio.training.export import NODE_GRAPHS, head_keys
from melodystudio.training.model import GLMConfig, MelodyGLM
from melodystudio.training.onnx_graph import table_keys


def _initialisers(path: Path) -> dict[str, np.ndarray]:
    """Every float initialiser of an ONNX graph as float32, dequantised where it was quantised."""
    raw = {i.name: numpy_helper.to_array(i) for i in onnx.load(str(path)).graph.initializer}
    out: dict[str, np.ndarray] = {}
    for name, value in raw.items():
        if name.endswith("_quantized"):
            base = name.removesuffix("_quantized")
            scale, zero = raw[base + "_scale"].astype(np.float32), raw[base + "_zero_point"].astype(np.float32)
            out[base] = (value.astype(np.float32) - zero) * scale
        elif not name.endswith(("_scale", "_zero_point")) and value.dtype == np.float32:
            out[name] = value
    return out


def _chord_prior(table: np.ndarray) -> np.ndarray:
    """``CascadeHeads.pitch_prior`` from its expanded table (chord values, pitches), which is
    pad(pitch_prior)[chord_prior_index]."""
    index = chord_prior_index(table.shape[1])
    held = index < N_PRIOR
    if np.bincount(index[held], minlength=N_PRIOR).min() == 0:
        raise ValueError("the chord-tone prior table does not hold every prior weight")
    prior = np.zeros(N_PRIOR, np.float32)
    prior[index[held]] = table[held]
    return prior


def recover_checkpoint(model_dir: str | Path) -> dict[str, Any]:
    """A ``train.py``-style checkpoint (``model``, ``model_config``, ``tokenizer``) of an exported model."""
    root = Path(model_dir)
    manifest = json.loads((root / "manifest.json").read_text())
    if manifest.get("graphs") != NODE_GRAPHS:
        raise ValueError(f"{root}: only node-built graphs (training/onnx_graph.py) can be read back")
    cfg = GLMConfig.from_dict(manifest["model_config"])
    expected = MelodyGLM(cfg).state_dict()
    # the step graph holds every weight of the stack: the embedding table, each layer in full, ln_f
    weights = _initialisers(root / "step.onnx")
    keys = table_keys(cfg, cfg.conditioned)
    sizes = [expected[k].shape[0] for k in keys]
    if sum(sizes) != len(weights["embed.table"]):
        raise ValueError(f"{root}: the embedding table has {len(weights['embed.table'])} rows, "
                         f"the model config {sum(sizes)}")
    state = dict(zip(keys, np.split(weights["embed.table"], np.cumsum(sizes)[:-1])))
    for key, value in weights.items():
        if key.endswith(".T"):  # Linear weights, stored as (in, out) for MatMul
            state[key.removesuffix(".T")] = value.T
        elif key.startswith(("blocks.", "ln_f.")):
            state[key] = value
    with np.load(root / "heads.npz") as heads:
        state |= {f"heads.{key}": heads[npz] for npz, key in head_keys(cfg.conditioned)}
        if cfg.conditioned:
            state["heads.pitch_prior"] = _chord_prior(heads["bias.pitch_chord"])
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
