"""Export the CLMP projections and build the shipped library + index in ``models/retrieval``.

    melody_embed.onnx     tokens (B, T, 7) int64, mask (B, T) float32 -> melody_embedding (B, D)
    text_projection.onnx  text_embedding (B, 384) float32              -> text_projected (B, D)
    library.npz           the library tunes (``retrieval.library``)
    library.hnsw          hnswlib index of their melody embeddings, label = library row
    manifest.json         configs, counts, sha256 of every file (``retrieval.model_files`` checks it)

The melody graph is quantised to int8 (per channel) when its embeddings keep a mean cosine of at
least ``MIN_COSINE`` to fp32 on the library tunes; the index is built from the shipped graph's own
embeddings, so a library tune queried with ``similar`` finds itself.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from melodystudio.retrieval.index import EF_CONSTRUCTION, EF_SEARCH, M, VectorIndex
from melodystudio.retrieval.library import LibraryEntry, write_library
from melodystudio.retrieval.melody_embedding import OUTPUT_NAME as MELODY_OUTPUT
from melodystudio.retrieval.melody_embedding import MelodyEmbedder, melody_tokens
from melodystudio.retrieval.model_files import (
    INDEX_FILE,
    LIBRARY_FILE,
    MANIFEST_FILE,
    MANIFEST_VERSION,
    MELODY_FILE,
    TEXT_INPUT,
    TEXT_OUTPUT,
    TEXT_PROJECTION_FILE,
)
from melodystudio.tokens import CompoundTokenizer
from melodystudio.training.clmp_data import LibraryTune
from melodystudio.training.clmp_model import Clmp, MelodyEmbedGraph, PooledEncoder

MIN_COSINE = 0.99


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def export_melody_graph(encoder: PooledEncoder, model: Clmp, tunes: Sequence[LibraryTune],
                        tokenizer: CompoundTokenizer, out: Path) -> dict[str, float]:
    """melody_embed.onnx (int8 when good enough); returns the int8 check figures."""
    graph = MelodyEmbedGraph(encoder, model.melody).eval()
    example = [melody_tokens(t.song, tokenizer) for t in tunes[:2]]
    from melodystudio.retrieval.melody_embedding import batch_tokens

    tokens, mask = batch_tokens(example)
    with tempfile.TemporaryDirectory() as tmp:
        fp32, int8 = Path(tmp) / "fp32.onnx", Path(tmp) / "int8.onnx"
        torch.onnx.export(graph, (torch.from_numpy(tokens), torch.from_numpy(mask)), str(fp32),
                          input_names=["tokens", "mask"], output_names=[MELODY_OUTPUT],
                          dynamic_axes={"tokens": {0: "batch", 1: "time"}, "mask": {0: "batch", 1: "time"},
                                        MELODY_OUTPUT: {0: "batch"}}, opset_version=17, dynamo=False)
        from onnxruntime.quantization import QuantType, quantize_dynamic

        quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8, per_channel=True)
        rows = [melody_tokens(t.song, tokenizer) for t in tunes[:: max(1, len(tunes) // 1000)]]
        e32 = MelodyEmbedder(fp32, tokenizer).embed_tokens(rows)
        e8 = MelodyEmbedder(int8, tokenizer).embed_tokens(rows)
        with torch.no_grad():
            from melodystudio.retrieval.melody_embedding import batch_tokens as bt

            ref = graph(*(torch.from_numpy(x) for x in bt(rows[:64]))).numpy()
        diff = float(np.abs(e32[:64] - ref).max())
        if diff > 1e-4:
            raise RuntimeError(f"melody_embed.onnx disagrees with torch by {diff}")
        cos = (e32 * e8).sum(1)
        use_int8 = float(cos.mean()) >= MIN_COSINE
        shutil.copyfile(int8 if use_int8 else fp32, out / MELODY_FILE)
        return {"max_abs_diff_fp32": diff, "int8": use_int8, "mean_cosine_int8": float(cos.mean()),
                "min_cosine_int8": float(cos.min()), "bytes_fp32": fp32.stat().st_size,
                "bytes_int8": int8.stat().st_size, "checked": len(rows)}


def export_text_projection(model: Clmp, out: Path) -> None:
    example = torch.nn.functional.normalize(torch.randn(2, model.cfg.text_dim), dim=1)
    torch.onnx.export(model.text.eval(), (example,), str(out / TEXT_PROJECTION_FILE), input_names=[TEXT_INPUT],
                      output_names=[TEXT_OUTPUT], dynamic_axes={TEXT_INPUT: {0: "batch"}, TEXT_OUTPUT: {0: "batch"}},
                      opset_version=17, dynamo=False)


def build_library(tunes: Sequence[LibraryTune], tokenizer: CompoundTokenizer, out: Path,
                  log: Callable[[str], None] = print) -> dict[str, Any]:
    """library.npz + library.hnsw from the shipped melody graph's embeddings."""
    embedder = MelodyEmbedder(out / MELODY_FILE, tokenizer)
    vectors = embedder.embed_tokens([melody_tokens(t.song, tokenizer) for t in tunes])
    VectorIndex.build(vectors).save(out / INDEX_FILE)
    entries = [LibraryEntry.of(t.title, t.source, t.tune_id, t.display_caption, t.attrs, t.song, t.facts.origin,
                               t.facts.kind) for t in tunes]
    write_library(out / LIBRARY_FILE, entries, [t.song for t in tunes])
    log(f"library: {len(tunes)} tunes, {sum(len(t.song.notes) for t in tunes)} notes")
    counts: dict[str, int] = {}
    for t in tunes:
        counts[t.source] = counts.get(t.source, 0) + 1
    return {"tunes": len(tunes), "by_source": counts, "dim": int(vectors.shape[1]),
            "hnsw": {"space": "cosine", "M": M, "ef_construction": EF_CONSTRUCTION, "ef_search": EF_SEARCH}}


def write_manifest(out: Path, info: dict[str, Any]) -> dict[str, Any]:
    documents = (MANIFEST_FILE, "MODEL_CARD.md", "EVAL.md", "eval.json")
    files = sorted(p.name for p in out.iterdir() if p.is_file() and p.name not in documents)
    doc = {"format": "melodystudio-retrieval", "version": MANIFEST_VERSION, **info,
           "files": {name: {"bytes": (out / name).stat().st_size, "sha256": sha256(out / name)} for name in files}}
    (out / MANIFEST_FILE).write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    return doc
