"""Export a trained harmonizer for onnxruntime: ``python -m melodystudio.training.harmonizer_export``.

    python -m melodystudio.training.harmonizer_export --checkpoint runs/harmonizer_adapter/best.pt \\
        --out models/harmonizer [--data data_cache/harmony.npz] [--int8] [--transition-weight W --hold-offset H]

Writes into OUT:
- harmonizer.onnx: encoder + pooling + head in one graph, one window at a time (batch 1), dynamic
  note count T and segment count S::

      tokens (1, T, 7) int64, pos1 (1, T) int64, pool (1, S, T) float32, profile (1, S, 12) float32,
      cats (1, S, 4) int64  ->  probs (1, S, 121) float32 (softmax over the chord vocabulary)

- chords.npz: ``counts`` (3, 11, 12, 11) chord-bigram counts of the training split
  (``harmony.decode.ChordBigrams``), one table per segment rule;
- manifest.json: export version, model and tokenizer configs, the vocabulary and segment rules,
  the window limits, the training metrics and the sha256 of every file.
``--int8`` writes harmonizer.int8.onnx instead (onnxruntime ``quantize_dynamic`` of the float graph,
3x smaller); the manifest's ``graph.file`` names the graph the runtime loads. Ship it only when
``melodystudio eval chords`` on both exports shows that the accuracy holds.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import warnings
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from melodystudio.core.chord_vocabulary import N_CHORD_CLASSES, VOCAB_QUALITIES
from melodystudio.corpus.harmony_data import DEFAULT_OUT, HarmonySet
from melodystudio.harmony.decode import ChordBigrams, Decoding
from melodystudio.harmony.features import CAT_SIZES, MAX_BARS, MAX_NOTES
from melodystudio.harmony.segments import RULES
from melodystudio.tokens import TokenizerConfig
from melodystudio.training.harmonizer import Harmonizer, HarmonizerConfig

EXPORT_VERSION = 1
GRAPH = "harmonizer.onnx"
GRAPH_INT8 = "harmonizer.int8.onnx"
BIGRAMS = "chords.npz"
INPUTS = ("tokens", "pos1", "pool", "profile", "cats")


class OneWindow(nn.Module):
    """The exported graph: one window, no padding, probabilities out."""

    def __init__(self, model: Harmonizer) -> None:
        super().__init__()
        self.model = model

    def forward(self, tokens: torch.Tensor, pos1: torch.Tensor, pool: torch.Tensor, profile: torch.Tensor,
                cats: torch.Tensor) -> torch.Tensor:
        lengths = torch.ones_like(pos1[:, 0]) * tokens.shape[1]  # (1,): every token is real
        return torch.softmax(self.model(tokens, pos1, lengths, pool, profile, cats), dim=-1)


def example_inputs(n_notes: int = 9, n_segments: int = 5) -> tuple[torch.Tensor, ...]:
    """Valid dummy inputs of one window (BOS + notes) for tracing and checks."""
    g = torch.Generator().manual_seed(0)
    t = n_notes + 1
    tokens = torch.zeros(1, t, 7, dtype=torch.int64)
    tokens[0, 0, 0] = 5  # BOS
    tokens[0, 1:, 0] = 1  # NOTE
    tokens[0, 1:, 1] = torch.arange(n_notes) // 4
    tokens[0, 1:, 2] = (torch.arange(n_notes) % 4) * 12
    tokens[0, 1:, 3] = torch.randint(55, 80, (n_notes,), generator=g)
    tokens[0, 1:, 4] = 12
    tokens[0, :, 5] = 1
    pool = torch.rand(1, n_segments, t, generator=g)
    pool = pool / pool.sum(-1, keepdim=True)
    profile = torch.rand(1, n_segments, 12, generator=g)
    cats = torch.stack([torch.randint(0, n, (1, n_segments), generator=g) for n in CAT_SIZES], dim=-1)
    return tokens, torch.arange(t)[None], pool, profile, cats


def export_graph(model: Harmonizer, path: Path) -> None:
    """Trace with the TorchScript exporter (it handles the GRU), dynamic T and S."""
    wrapper = OneWindow(model.eval()).eval()
    dynamic = {"tokens": {1: "notes"}, "pos1": {1: "notes"}, "pool": {1: "segments", 2: "notes"},
               "profile": {1: "segments"}, "cats": {1: "segments"}, "probs": {1: "segments"}}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer warnings about the GRU's batch size / shape asserts
        torch.onnx.export(wrapper, example_inputs(), str(path), input_names=list(INPUTS), output_names=["probs"],
                          dynamic_axes=dynamic, opset_version=17, dynamo=False)


def chord_bigrams(data: HarmonySet) -> ChordBigrams:
    """Consecutive segment chords of every training song, per rule (no chord included)."""
    bigrams = ChordBigrams.empty()
    for i in data.indices("train"):
        for rule in RULES:
            bigrams.add(rule, data.targets(i, rule)[:, 2])
    return bigrams


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def manifest(cfg: HarmonizerConfig, ckpt: dict[str, Any], files: dict[str, str], decoding: Decoding,
             graph: str) -> dict[str, Any]:
    import onnx
    import onnxruntime

    return {
        "export_version": EXPORT_VERSION,
        "kind": "harmonizer",
        "model_config": cfg.to_dict(),
        "tokenizer": TokenizerConfig().to_dict(),
        "vocabulary": {"classes": N_CHORD_CLASSES, "qualities": list(VOCAB_QUALITIES),
                       "class": "0 = no chord; 1 + 10 * root_pc + quality index"},
        "segments": {"rules": list(RULES), "target": "the chord sounding longest in the segment (ties: earlier)",
                     "half-bar": "even beat count: halves; 1 or 3 beats: the whole bar; 5, 7: larger half first"},
        "windows": {"max_notes": MAX_NOTES, "max_bars": MAX_BARS},
        "decoding": asdict(decoding),
        "graph": {"file": graph, "int8": graph == GRAPH_INT8, "inputs": list(INPUTS), "outputs": ["probs"]},
        "training": {"metrics": ckpt.get("metrics"), "train_config": ckpt.get("train_config")},
        "files": files,
        "versions": {"torch": torch.__version__, "onnx": onnx.__version__, "onnxruntime": onnxruntime.__version__,
                     "python": platform.python_version()},
    }


def export(checkpoint: Path, out: Path, data_path: Path, int8: bool = False,
           decoding: Decoding | None = None) -> dict[str, Any]:
    ckpt = torch.load(checkpoint, map_location="cpu", weights_only=True)
    cfg = HarmonizerConfig.from_dict(ckpt["config"])
    model = Harmonizer.from_state(cfg, ckpt["model"])
    out.mkdir(parents=True, exist_ok=True)
    export_graph(model, out / GRAPH)
    graph = GRAPH
    if int8:
        from onnxruntime.quantization import QuantType, quantize_dynamic

        quantize_dynamic(str(out / GRAPH), str(out / GRAPH_INT8), weight_type=QuantType.QInt8)
        (out / GRAPH).unlink()
        graph = GRAPH_INT8
    np.savez(out / BIGRAMS, counts=chord_bigrams(HarmonySet(data_path)).counts)
    data = manifest(cfg, ckpt, {n: sha256(out / n) for n in (graph, BIGRAMS)}, decoding or Decoding(), graph)
    (out / "manifest.json").write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    return data


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--checkpoint", type=Path, required=True)
    ap.add_argument("--out", type=Path, default=Path("models/harmonizer"))
    ap.add_argument("--data", type=Path, default=DEFAULT_OUT, help="harmony.npz (for the chord-bigram table)")
    ap.add_argument("--int8", action="store_true", help="ship the dynamically quantised int8 graph instead")
    ap.add_argument("--transition-weight", type=float, default=1.0, help="bigram weight in decoding (default 1)")
    ap.add_argument("--hold-offset", type=float, default=0.0, help="nats added to holding a chord (default 0)")
    args = ap.parse_args(argv)
    data = export(args.checkpoint, args.out, args.data, args.int8, Decoding(args.transition_weight, args.hold_offset))
    print(f"wrote {args.out}: " + ", ".join(f"{k} {(args.out / k).stat().st_size / 1e6:.2f} MB" for k in data["files"]))


if __name__ == "__main__":
    main()
