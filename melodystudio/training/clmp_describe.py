"""Description vectors of the shipped library and the hybrid weight, chosen on validation tunes.

    python -m melodystudio.training.clmp describe [--out models/retrieval] [--corpus data_cache/corpus.npz]
        [--work runs/clmp] [--dim 128]

(also the last step of ``clmp build``). Needs the built text encoder, projection, library and index
in ``--out``; rewrites only ``descriptions.npz`` and ``manifest.json`` (new sha256s).

1. the fixed description of every library tune (``LibraryTune.description``) embedded by MiniLM;
2. a PCA space of ``dim`` axes fitted on those descriptions plus the training-template captions
   of the train tunes (what queries look like; never the held-out templates), int8 rows;
3. on the *validation* tunes (gallery = the 837 valid tunes, queries = their held-out-template
   captions, as the test evaluation does): Recall@k of CLMP, of the description cosine at full
   size / PCA fp32 / PCA int8 (the cost of compression), and of the hybrid
   ``w * melody cosine + (1 - w) * description cosine`` for w in a grid, raw and with per-query
   z-scores; the best raw w (sum of R@1, R@5, R@10) is shipped.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from melodystudio.corpus.dataset import load_corpus
from melodystudio.retrieval.description import Descriptions, DescriptionSpace, dequantize, fuse, quantize
from melodystudio.retrieval.index import VectorIndex
from melodystudio.retrieval.library import MelodyLibrary
from melodystudio.retrieval.model_files import (
    DESCRIPTION_FILE,
    INDEX_FILE,
    LIBRARY_FILE,
    MANIFEST_FILE,
    TEXT_ENCODER_FILE,
    TEXT_INPUT,
    TEXT_OUTPUT,
    TEXT_PROJECTION_FILE,
    TOKENIZER_FILE,
)
from melodystudio.retrieval.text_encoder import TextEncoder
from melodystudio.training.clmp_data import LIBRARY_SPLITS, LibraryTune, library_tunes
from melodystudio.training.clmp_eval import QUERIES_PER_TUNE, rank_figures

Log = Callable[[str], None]


@dataclass(frozen=True)
class DescribeConfig:
    dim: int = 128  # PCA axes of the shipped description vectors (int8)
    weights: tuple[float, ...] = tuple(round(0.05 * i, 2) for i in range(21))  # melody weights tried


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def embed_cached(text: TextEncoder, texts: Sequence[str], cache: Path, encoder_sha: str, log: Log) -> np.ndarray:
    """(N, 384) MiniLM vectors of ``texts``; sentences embedded by the same encoder before are reused."""
    known: dict[str, np.ndarray] = {}
    if cache.is_file():
        with np.load(cache, allow_pickle=False) as data:
            if str(data["encoder_sha256"]) == encoder_sha:
                known = dict(zip(data["texts"].tolist(), data["vectors"]))
    missing = sorted(set(texts) - set(known))
    if missing:
        log(f"embedding {len(missing)} distinct sentences ({len(set(texts)) - len(missing)} cached)")
        for t, v in zip(missing, text.embed(missing)):
            known[t] = v
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.savez(cache, texts=np.array(list(known)), vectors=np.stack(list(known.values())),
                 encoder_sha256=np.array(encoder_sha))
    return np.stack([known[t] for t in texts]).astype(np.float32)


def caption_sample(tunes: Sequence[LibraryTune], text: TextEncoder, work: Path, encoder_sha: str,
                   log: Log) -> np.ndarray:
    """Training-template caption vectors of the train tunes: the build's cached features when they
    were made by this text encoder, else caption 0 of each train tune embedded now."""
    stamp_path = work / "features.json"
    if stamp_path.is_file() and json.loads(stamp_path.read_text()).get("text_encoder_sha256") == encoder_sha:
        with np.load(work / "features.npz") as data:
            if len(data["split"]) == len(tunes):
                log("PCA sample: the cached training-caption features")
                return np.asarray(data["text"][data["split"] == "train"].reshape(-1, data["text"].shape[-1]))
    train = [t.caption(0) for t in tunes if t.split == "train"]
    return embed_cached(text, train, work / "caption_vectors.npz", encoder_sha, log)


def _z(scores: np.ndarray) -> np.ndarray:
    return (scores - scores.mean(1, keepdims=True)) / np.maximum(scores.std(1, keepdims=True), 1e-8)


def _sum(figures: dict[str, float]) -> float:
    return figures["R@1"] + figures["R@5"] + figures["R@10"] - 1e-6 * figures["median_rank"]


def validation(melody: np.ndarray, description: dict[str, np.ndarray], truth: np.ndarray,
               weights: Sequence[float]) -> dict[str, Any]:
    """Figures on the validation gallery. ``melody``: (Q, G) CLMP cosines; ``description``: name ->
    (Q, G) description cosines, the last one being the shipped (compressed) form."""
    shipped = list(description.values())[-1]
    raw = {f"{w:.2f}": rank_figures(fuse(melody, shipped, w), truth) for w in weights}
    zed = {f"{w:.2f}": rank_figures(fuse(_z(melody), _z(shipped), w), truth) for w in weights}
    best = max(raw, key=lambda w: _sum(raw[w]))
    best_z = max(zed, key=lambda w: _sum(zed[w]))
    return {"clmp": rank_figures(melody, truth),
            **{f"description_{name}": rank_figures(s, truth) for name, s in description.items()},
            **{f"hybrid_{name}": rank_figures(fuse(melody, s, float(best)), truth) for name, s in description.items()},
            "hybrid_by_weight": raw, "hybrid_z_by_weight": zed, "melody_weight": float(best),
            "hybrid": raw[best], "hybrid_z_best": {"melody_weight": float(best_z), **zed[best_z]}}


def build_descriptions(out: Path, corpus_path: Path, work: Path, cfg: DescribeConfig, log: Log) -> dict[str, Any]:
    """Write ``out/descriptions.npz``; returns its manifest section (validation figures included)."""
    import onnxruntime as ort

    t_start = time.perf_counter()
    tunes = library_tunes(load_corpus(corpus_path))
    library = [t for t in tunes if t.split in LIBRARY_SPLITS]
    shipped = MelodyLibrary.load(out / LIBRARY_FILE)
    if [e.tune_id for e in shipped.entries] != [t.tune_id for t in library]:
        raise RuntimeError(f"{out / LIBRARY_FILE} does not hold this corpus's library tunes: run clmp build")
    encoder_sha = _sha(out / TEXT_ENCODER_FILE)
    text = TextEncoder(out / TEXT_ENCODER_FILE, out / TOKENIZER_FILE)
    vectors = embed_cached(text, [t.description for t in library], work / "description_vectors.npz", encoder_sha, log)
    sample = caption_sample(tunes, text, work, encoder_sha, log)
    space = DescriptionSpace.fit(np.concatenate([sample, vectors]), cfg.dim)
    log(f"PCA {cfg.dim} axes on {len(sample)} captions + {len(vectors)} descriptions")

    valid = [i for i, t in enumerate(library) if t.split == "valid"]
    queries = [library[i].caption(q, held_out=True) for i in valid for q in range(QUERIES_PER_TUNE)]
    truth = np.repeat(np.arange(len(valid)), QUERIES_PER_TUNE)
    minilm = embed_cached(text, queries, work / "valid_query_vectors.npz", encoder_sha, log)
    projection = ort.InferenceSession(str(out / TEXT_PROJECTION_FILE), providers=["CPUExecutionProvider"])
    (query_joint,) = projection.run([TEXT_OUTPUT], {TEXT_INPUT: minilm})
    manifest = json.loads((out / MANIFEST_FILE).read_text(encoding="utf-8"))
    melody = VectorIndex.load(out / INDEX_FILE, int(manifest["library"]["dim"])).vectors(valid)
    gallery, query = space.project(vectors[valid]), space.project(minilm)
    figures = validation(np.asarray(query_joint) @ melody.T,
                         {"minilm_384_fp32": minilm @ vectors[valid].T, f"pca_{cfg.dim}_fp32": query @ gallery.T,
                          f"pca_{cfg.dim}_int8": query @ dequantize(quantize(gallery)).T},
                         truth, cfg.weights)
    info = {"file": DESCRIPTION_FILE, "melody_weight": figures["melody_weight"], "config": asdict(cfg),
            "pca_fit": {"captions": len(sample), "descriptions": len(vectors)},
            "validation": {"tunes": len(valid), "queries": len(queries), **figures},
            "example": library[0].description, "seconds": round(time.perf_counter() - t_start, 1)}
    Descriptions(space, space.project(vectors), {"melody_weight": figures["melody_weight"]}).save(
        out / DESCRIPTION_FILE)
    h = figures["hybrid"]
    log(f"descriptions: melody weight {figures['melody_weight']}, valid hybrid R@1 {h['R@1']:.3f} R@5 {h['R@5']:.3f}"
        f" R@10 {h['R@10']:.3f} median {h['median_rank']}")
    return info


def describe_step(out: Path, corpus_path: Path, work: Path, cfg: DescribeConfig, log: Log) -> dict[str, Any]:
    """Only the description step: new ``descriptions.npz``, manifest rewritten with new sha256s."""
    from melodystudio.training.clmp_export import write_manifest

    manifest = json.loads((out / MANIFEST_FILE).read_text(encoding="utf-8"))
    info = {k: v for k, v in manifest.items() if k not in ("format", "version", "files")}
    info["descriptions"] = build_descriptions(out, corpus_path, work, cfg, log)
    return write_manifest(out, info)
