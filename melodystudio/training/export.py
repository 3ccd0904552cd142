"""Export a trained MelodyGLM for the engine: two ONNX graphs, the head weights, a manifest.

    encode.onnx  tokens (B, Ta, 7) int64, pos1 (B, Ta), pos2 (B, Ta) -> kv.0 .. kv.{2L-1} (B, nh, Ta, hs)
    step.onnx    tokens (B, 1, 7), pos1 (B, 1), pos2 (B, 1), past.0 .. past.{2L-1} (B, nh, P, hs)
                 -> h (B, 1, d), present.0 .. present.{2L-1} (B, nh, P + 1, hs)
    heads.npz    cascade head weights for ``melodystudio.tokens.heads.CascadeHeads``
    manifest.json  model + tokenizer config, cache layout, training summary, versions, sha256

A conditioned model (``GLMConfig.cond_sizes``) has one more input, last in both graphs:
``cond`` (B, Ta, C) / (B, 1, C) int64 (``tokens.conditions``); its manifest has a 'conditions' entry
and heads.npz an ``emb.pitch_chord`` array.

B, Ta and P are dynamic. ``quantize`` adds int8 dynamic-quantised copies (``*.int8.onnx``).

Two ways to write the graphs, checked against the torch model alike: ``onnx_graph`` builds them
node by node with onnxruntime's fused attention (the default: a batch-1 int8 step 1.8x faster,
benchmarks/bench_engine.py), or torch.onnx traces ``MelodyGLM.encode`` / ``step`` (``builder="torch"``,
dynamo or TorchScript), the reference that needs no contrib operators.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from melodystudio.engine.runtime import graph_inputs, kv_names
from melodystudio.tokens.conditions import COND_FIELDS, CONDITIONS_VERSION
from melodystudio.tokens.heads import CASCADE_NAMES, HEADS_VERSION
from melodystudio.training.model import MelodyGLM, load_checkpoint
from melodystudio.training.onnx_graph import build_graphs

OPSET = 18
BUILDERS = ("nodes", "torch")  # onnx_graph.build_graphs, or torch.onnx.export of the model's methods
EXPORT_VERSION = 2  # 2: one cache tensor per layer and K/V (engine.runtime.graph_inputs)
NODE_GRAPHS = "built node by node (training/onnx_graph.py, onnxruntime contrib attention)"  # manifest "graphs"


class EncodeGraph(nn.Module):
    def __init__(self, model: MelodyGLM) -> None:
        super().__init__()
        self.model = model

    def forward(self, tokens: torch.Tensor, pos1: torch.Tensor, pos2: torch.Tensor,
                cond: torch.Tensor | None = None) -> tuple[torch.Tensor, ...]:
        return tuple(self.model.encode(tokens, pos1, pos2, cond))


class StepGraph(nn.Module):
    def __init__(self, model: MelodyGLM) -> None:
        super().__init__()
        self.model = model

    def forward(self, tokens: torch.Tensor, pos1: torch.Tensor, pos2: torch.Tensor,
                past: tuple[torch.Tensor, ...], cond: torch.Tensor | None = None) -> tuple[torch.Tensor, ...]:
        h, present = self.model.step(tokens, pos1, pos2, past, cond)
        return (h, *present)


def n_kv(model: MelodyGLM) -> int:
    """Cache tensors of the graphs: K and V of every layer."""
    return 2 * model.cfg.n_layers


def _example_inputs(model: MelodyGLM, batch: int, length: int, past: int | None = None) -> tuple[Any, ...]:
    """Valid dummy inputs: token fields and conditions 1 (inside every vocabulary), positions 1."""
    tokens = torch.ones(batch, length, 7, dtype=torch.int64)
    pos = torch.ones(batch, length, dtype=torch.int64)
    cond = (torch.ones(batch, length, len(model.cfg.cond_sizes), dtype=torch.int64),) if model.cfg.conditioned else ()
    if past is None:
        return tokens, pos, pos.clone(), *cond
    cfg = model.cfg
    kv = tuple(torch.zeros(batch, cfg.n_heads, past, cfg.d_model // cfg.n_heads) for _ in range(n_kv(model)))
    return tokens, pos, pos.clone(), kv, *cond


def _export(graph: nn.Module, args: tuple[Any, ...], path: Path, input_names: list[str],
            output_names: list[str], dynamic: dict[str, dict[int, str]], dynamo: bool) -> None:
    """``dynamic``: the dynamic axes of every input and output, by flat name (past.3, kv.0)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # exporter chatter (deprecations, fallbacks) is not ours to fix
        if dynamo:
            dims = {label: torch.export.Dim(label, min=0 if label == "past" else 1, max=65536)
                    for axes in dynamic.values() for label in axes.values()}

            def spec(name: str) -> dict[int, Any]:
                return {axis: dims[label] for axis, label in dynamic.get(name, {}).items()}
            # the forward's arguments: the cache is one tuple argument 'past' (flattened to past.0 ...)
            flat = [n for n in input_names if not n.startswith("past.")]
            shapes: dict[str, Any] = {n: spec(n) for n in flat}
            pasts = [n for n in input_names if n.startswith("past.")]
            if pasts:
                shapes["past"] = tuple(spec(n) for n in pasts)
            torch.onnx.export(graph, args, str(path), input_names=input_names, output_names=output_names,
                              dynamic_shapes=shapes, dynamo=True, external_data=False, opset_version=OPSET,
                              verbose=False)
        else:
            torch.onnx.export(graph, args, str(path), input_names=input_names, output_names=output_names,
                              dynamic_axes=dynamic, dynamo=False, opset_version=OPSET)


def export_encode(model: MelodyGLM, path: Path, dynamo: bool = False) -> None:
    names = graph_inputs(n_kv(model), model.cfg.conditioned)["encode"]
    outputs = kv_names("kv", n_kv(model))
    dyn = {n: {0: "batch", 1: "a_len"} for n in names} | {n: {0: "batch", 2: "a_len"} for n in outputs}
    _export(EncodeGraph(model), _example_inputs(model, 2, 5), path, names, outputs,
            dyn if not dynamo else {k: v for k, v in dyn.items() if k in names}, dynamo)


def export_step(model: MelodyGLM, path: Path, dynamo: bool = False) -> None:
    names = graph_inputs(n_kv(model), model.cfg.conditioned)["step"]
    outputs = ["h", *kv_names("present", n_kv(model))]
    dyn = {n: {0: "batch", 2: "past"} if n.startswith("past.") else {0: "batch"} for n in names} | \
          {"h": {0: "batch"}} | {n: {0: "batch", 2: "present"} for n in outputs[1:]}
    _export(StepGraph(model), _example_inputs(model, 2, 1, past=4), path, names, outputs,
            dyn if not dynamo else {k: v for k, v in dyn.items() if k in names}, dynamo)


def head_keys(conditioned: bool) -> list[tuple[str, str]]:
    """(heads.npz name, ``MelodyGLM.heads`` state-dict name) of each head weight stored as it is; a
    conditioned model's heads.npz also holds the derived ``bias.pitch_chord`` (its chord-tone prior table)."""
    keys = [(f"emb.{name}", f"emb.{i}.weight") for i, name in enumerate(CASCADE_NAMES[:-1])]
    for i, name in enumerate(CASCADE_NAMES):
        keys += [(f"head.{name}.w1", f"heads.{i}.fc.weight"), (f"head.{name}.b1", f"heads.{i}.fc.bias"),
                 (f"head.{name}.w2", f"heads.{i}.out.weight"), (f"head.{name}.b2", f"heads.{i}.out.bias")]
    return keys + ([("emb.pitch_chord", "pitch_chord.weight")] if conditioned else [])


def head_weights(model: MelodyGLM) -> dict[str, Any]:
    """Arrays named as ``tokens.heads.CascadeHeads`` expects (Linear weights as (out, in))."""
    sd = {k: v.detach().float().cpu().numpy() for k, v in model.heads.state_dict().items()}
    out = {npz: sd[key] for npz, key in head_keys(model.cfg.conditioned)}
    if model.cfg.conditioned:
        out["bias.pitch_chord"] = model.heads.prior_table().detach().float().cpu().numpy()  # (chord values, 128)
    return out


def save_heads(model: MelodyGLM, path: Path) -> None:
    meta = json.dumps({"heads_version": HEADS_VERSION, "cascade": list(CASCADE_NAMES)})
    np.savez(path, meta=np.array(meta), **head_weights(model))


def quantize(path: Path) -> Path:
    """int8 dynamic quantisation of an ONNX file's weights -> ``NAME.int8.onnx`` (check quality first)."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    out = path.with_suffix(".int8.onnx")
    # onnx's shape inference cannot type the outputs of onnxruntime's contrib operators (the node-built
    # graphs' attention): every such tensor here is float32
    quantize_dynamic(str(path), str(out), weight_type=QuantType.QInt8,
                     extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
    return out


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_graphs(model: MelodyGLM, encode: Path, step: Path, builder: str, dynamo: bool) -> None:
    """The two graphs of ``model`` (float32, eval mode) by ``builder`` (``BUILDERS``); ``dynamo``
    picks torch's exporter for the 'torch' builder."""
    import onnx

    if builder not in BUILDERS:
        raise ValueError(f"builder {builder!r} is not one of {BUILDERS}")
    if builder == "torch":
        with torch.no_grad():
            export_encode(model, encode, dynamo)
            export_step(model, step, dynamo)
        return
    state = {k: v.detach().float().cpu().numpy() for k, v in model.state_dict().items()}
    for graph, path in zip(build_graphs(model.cfg, state, OPSET), (encode, step)):
        onnx.save(graph, str(path))


def export_model(model: MelodyGLM, out_dir: str | Path, ckpt: dict[str, Any] | None = None,
                 int8: bool = False, dynamo: bool = False, int8_only: bool = False,
                 builder: str = "nodes") -> dict[str, Any]:
    """Write encode/step ONNX, heads.npz and manifest.json into ``out_dir``; returns the manifest.
    ``int8``: also int8 copies (``*.int8.onnx``); ``int8_only``: the int8 graphs under the plain
    names and no fp32 ones (the shipped form, once its quality is measured equal); ``builder`` and
    ``dynamo``: how the graphs are written (``write_graphs``)."""
    import onnx
    import onnxruntime

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    model = model.float().cpu().eval()
    files = [out / "encode.onnx", out / "step.onnx", out / "heads.npz"]
    write_graphs(model, files[0], files[1], builder, dynamo)
    save_heads(model, files[2])
    if int8_only:
        for graph in files[:2]:
            quantize(graph).replace(graph)
    elif int8:
        files += [quantize(files[0]), quantize(files[1])]
    cfg = model.cfg
    manifest = {
        "export_version": EXPORT_VERSION, "model_config": cfg.to_dict(), "tokenizer": cfg.tokenizer,
        "kv_layout": {"tensors": 2 * cfg.n_layers, "shape": ["batch", cfg.n_heads, "time", cfg.d_model // cfg.n_heads],
                      "order": "K of layer l is kv.2l / past.2l / present.2l, V is 2l+1"},
        "cascade": list(CASCADE_NAMES),
        "graphs": NODE_GRAPHS if builder == "nodes"
        else f"torch.onnx ({'dynamo' if dynamo else 'TorchScript'})",
        "weights": "int8 (onnxruntime dynamic quantisation, QInt8)" if int8_only else "float32",
        **({"conditions": {"version": CONDITIONS_VERSION, "fields": list(COND_FIELDS), "sizes": list(cfg.cond_sizes)}}
           if cfg.conditioned else {}),
        "training": {k: ckpt[k] for k in ("step", "metrics", "train_config") if ckpt and k in ckpt},
        "versions": {"torch": torch.__version__, "onnx": onnx.__version__, "onnxruntime": onnxruntime.__version__,
                     "python": platform.python_version(), "opset": OPSET},
        "files": {f.name: sha256(f) for f in files},
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1, default=str))
    return manifest


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Export a MelodyGLM checkpoint to ONNX + numpy heads.")
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--out", required=True, help="directory to write")
    ap.add_argument("--int8", action="store_true", help="also write int8 dynamic-quantised graphs")
    ap.add_argument("--int8-only", action="store_true",
                    help="write only int8 graphs, under the plain names (how models/melody ships)")
    ap.add_argument("--builder", choices=BUILDERS, default="nodes",
                    help="nodes: graphs built with onnxruntime's fused attention (default, faster); "
                         "torch: torch.onnx's export of the model")
    ap.add_argument("--legacy", action="store_true", help="with --builder torch: the TorchScript exporter "
                                                          "(faster to export; default: dynamo)")
    args = ap.parse_args(argv)
    model, ckpt = load_checkpoint(args.checkpoint)
    manifest = export_model(model, args.out, ckpt, int8=args.int8, dynamo=not args.legacy, int8_only=args.int8_only,
                            builder=args.builder)
    print(f"exported {', '.join(manifest['files'])} -> {args.out}")


if __name__ == "__main__":
    main()


def add_json_to_model(model_dir: Path, name: str, payload: dict[str, Any]) -> Path:
    """Write ``payload`` as ``name`` into an exported model's directory and list its sha256 in
    manifest.json (the engine loads only listed files whose checksum matches)."""
    path = model_dir / name
    path.write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")
    manifest_path = model_dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["files"][name] = sha256(path)
    manifest_path.write_text(json.dumps(manifest, indent=1, default=str), encoding="utf-8")
    return path
