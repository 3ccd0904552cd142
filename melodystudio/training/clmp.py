"""Build everything behind text prompts in one command (CPU, about 10 minutes on 2 cores):

    python -m melodystudio.training.clmp build [--out models/retrieval] [--corpus data_cache/corpus.npz]
        [--checkpoint runs/cpu_medium_long/best.pt] [--work runs/clmp] [--skip-text-encoder]

1. export MiniLM to ONNX (``text_encoder_export``), int8 when the caption cosine allows it;
2. rebuild the shippable corpus tunes (no lyrics_melody) with their captions (``clmp_data``);
3. cache frozen features: the melody model's pooled encoder states and the caption embeddings of
   the shipped text encoder (``clmp_train.build_features``);
4. train the two projections with symmetric InfoNCE (``clmp_train.train``);
5. export ``melody_embed.onnx`` and ``text_projection.onnx``; build the library (train + valid
   tunes) and its HNSW index (``clmp_export``);
6. embed the library's descriptions, compress them and choose the hybrid weight on validation
   tunes (``clmp_describe``); write ``manifest.json``.

The last step alone (new description wording or size, same projections and library; ~5 min):

    python -m melodystudio.training.clmp describe [--out models/retrieval] [--description-dim 128]
"""

from __future__ import annotations

import argparse
import json
import os
import time
import zlib
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch

from melodystudio.corpus.dataset import load_corpus
from melodystudio.evaluation.report import cpu_model
from melodystudio.retrieval.model_files import TEXT_ENCODER_FILE, TOKENIZER_FILE
from melodystudio.retrieval.text_encoder import TextEncoder
from melodystudio.tokens import CompoundTokenizer
from melodystudio.training.clmp_data import LIBRARY_SPLITS, LibraryTune, library_tunes
from melodystudio.training.clmp_describe import DescribeConfig, build_descriptions, describe_step
from melodystudio.training.clmp_export import (
    build_library,
    export_melody_graph,
    export_text_projection,
    sha256,
    write_manifest,
)
from melodystudio.training.clmp_model import ClmpConfig, PooledEncoder
from melodystudio.training.clmp_train import FeatureSet, TrainConfig, build_features, train
from melodystudio.training.model import load_checkpoint


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def _stamp(checkpoint: Path, tunes: Sequence[LibraryTune], cfg: TrainConfig, out: Path) -> dict[str, object]:
    """What cached features depend on: the melody checkpoint and tunes (melody side); the captions and
    the text encoder (text side)."""
    captions = "\n".join(t.caption(i) for t in tunes[::50] for i in range(cfg.captions_per_tune))
    return {"checkpoint_sha256": sha256(checkpoint), "tunes": len(tunes),
            "captions_crc": zlib.crc32(captions.encode()), "captions_per_tune": cfg.captions_per_tune,
            "text_encoder_sha256": sha256(out / TEXT_ENCODER_FILE)}


def _read_stamp(path: Path) -> dict[str, object]:
    stamp = path.with_suffix(".json")
    return json.loads(stamp.read_text()) if path.is_file() and stamp.is_file() else {}


def _cached(path: Path, stamp: dict[str, object]) -> FeatureSet | None:
    """All features of an earlier build with the same stamp."""
    if _read_stamp(path) != stamp:
        return None
    log(f"reusing the features in {path}")
    return FeatureSet.load(path)


def _cached_melody(path: Path, stamp: dict[str, object]) -> np.ndarray | None:
    """Melody features of an earlier build with the same checkpoint and tunes (they take minutes)."""
    old = _read_stamp(path)
    if [old.get(k) for k in ("checkpoint_sha256", "tunes")] != [stamp["checkpoint_sha256"], stamp["tunes"]]:
        return None
    log(f"reusing the melody features in {path}")
    return FeatureSet.load(path).melody


def build(out: Path, corpus_path: Path, checkpoint: Path, work: Path, skip_text_encoder: bool,
          clmp_cfg: ClmpConfig, train_cfg: TrainConfig, describe_cfg: DescribeConfig) -> dict[str, object]:
    t_start = time.perf_counter()
    torch.set_num_threads(2)
    out.mkdir(parents=True, exist_ok=True)
    work.mkdir(parents=True, exist_ok=True)
    corpus = load_corpus(corpus_path)
    tunes = library_tunes(corpus)
    log(f"{len(tunes)} shippable tunes")
    if not skip_text_encoder:
        from melodystudio.training.text_encoder_export import export as export_text_encoder

        report = export_text_encoder(out, [t.caption(i % 3, held_out=i % 4 == 0) for i, t in enumerate(tunes[::6])])
        log(f"text encoder: {asdict(report)}")
    text_report = json.loads((out / "text_encoder.json").read_text(encoding="utf-8"))
    glm, ckpt = load_checkpoint(checkpoint)
    encoder = PooledEncoder(glm).eval()
    tokenizer = CompoundTokenizer(CompoundTokenizer().config.from_dict(glm.cfg.tokenizer))
    text = TextEncoder(out / TEXT_ENCODER_FILE, out / TOKENIZER_FILE)
    stamp = _stamp(checkpoint, tunes, train_cfg, out)
    features = _cached(work / "features.npz", stamp)
    if features is None:
        features = build_features(tunes, encoder, text, tokenizer, train_cfg, log,
                                  _cached_melody(work / "features.npz", stamp))
        features.save(work / "features.npz")
        (work / "features.json").write_text(json.dumps(stamp))
    clmp_cfg.melody_dim = glm.cfg.d_model
    model, metrics = train(features, clmp_cfg, train_cfg, log)
    torch.save({"config": clmp_cfg.to_dict(), "train": asdict(train_cfg), "model": model.state_dict()},
               work / "clmp.pt")
    log(f"best valid {metrics}; temperature {1 / model.logit_scale.exp().item():.4f}")
    melody_check = export_melody_graph(encoder, model, tunes, tokenizer, out)
    log(f"melody graph: {melody_check}")
    export_text_projection(model, out)
    library = build_library([t for t in tunes if t.split in LIBRARY_SPLITS], tokenizer, out, log)
    descriptions = build_descriptions(out, corpus_path, work, describe_cfg, log)
    info = {
        "clmp_config": clmp_cfg.to_dict(), "train_config": asdict(train_cfg), "valid_metrics": metrics,
        "temperature": float(1 / model.logit_scale.exp().item()),
        "melody_model": {"checkpoint": str(checkpoint), "checkpoint_sha256": sha256(checkpoint),
                         "step": ckpt.get("step"), "model_config": glm.cfg.to_dict()},
        "melody_graph": melody_check, "text_encoder": text_report, "library": library,
        "tokenizer": tokenizer.config.to_dict(), "descriptions": descriptions,
        "machine": f"{cpu_model()}, {os.cpu_count()} cores, torch threads {torch.get_num_threads()}",
        "build_seconds": round(time.perf_counter() - t_start, 1),
        "library_excludes": "lyrics_melody (not redistributable), test split (evaluation)",
    }
    doc = write_manifest(out, info)
    log(f"done in {info['build_seconds']} s")
    return doc


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="export, train, build the library and index")
    b.add_argument("--out", type=Path, default=Path("models/retrieval"))
    b.add_argument("--corpus", type=Path, default=Path("data_cache/corpus.npz"))
    b.add_argument("--checkpoint", type=Path, default=Path("runs/cpu_medium_long/best.pt"))
    b.add_argument("--work", type=Path, default=Path("runs/clmp"), help="features cache and the torch checkpoint")
    b.add_argument("--skip-text-encoder", action="store_true", help="reuse the text encoder already in --out")
    b.add_argument("--epochs", type=int, default=TrainConfig.epochs)
    b.add_argument("--dim", type=int, default=ClmpConfig.joint_dim, help="joint embedding size")
    b.add_argument("--description-dim", type=int, default=DescribeConfig.dim, help="PCA axes of the descriptions")
    d = sub.add_parser("describe", help="only (re)build the description vectors and the hybrid weight")
    d.add_argument("--out", type=Path, default=Path("models/retrieval"))
    d.add_argument("--corpus", type=Path, default=Path("data_cache/corpus.npz"))
    d.add_argument("--work", type=Path, default=Path("runs/clmp"), help="sentence-vector caches")
    d.add_argument("--description-dim", type=int, default=DescribeConfig.dim, help="PCA axes of the descriptions")
    args = parser.parse_args(argv)
    describe_cfg = DescribeConfig(dim=args.description_dim)
    if args.command == "describe":
        describe_step(args.out, args.corpus, args.work, describe_cfg, log)
        return
    build(args.out, args.corpus, args.checkpoint, args.work, args.skip_text_encoder,
          ClmpConfig(joint_dim=args.dim), TrainConfig(epochs=args.epochs), describe_cfg)


if __name__ == "__main__":
    main()
