"""CLMP training: cache frozen features once, then fit the two projections (minutes on a CPU).

Features (``FeatureSet``, cached as an npz):
    melody  (N, 192) float32  PooledEncoder output of each tune (the shipped melody model, frozen)
    text    (N, K, 384) float32  MiniLM embeddings of K training-template captions per tune
    split   (N,) str          the tune's corpus split

Each epoch draws one of the K captions per tune, so a tune is seen with varied wording. Model
selection: text-to-melody Recall@10 of held-out-template captions of the valid tunes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

from melodystudio.retrieval.melody_embedding import batch_tokens, melody_tokens
from melodystudio.retrieval.text_encoder import TextEncoder
from melodystudio.tokens import CompoundTokenizer
from melodystudio.training.clmp_data import LibraryTune
from melodystudio.training.clmp_model import Clmp, ClmpConfig, PooledEncoder


@dataclass
class TrainConfig:
    captions_per_tune: int = 2  # training-template captions per tune (MiniLM: ~16 ms a caption on 2 cores)
    epochs: int = 30
    batch_size: int = 512
    lr: float = 2e-3
    weight_decay: float = 0.05
    seed: int = 0


@dataclass
class FeatureSet:
    melody: np.ndarray  # (N, 192)
    text: np.ndarray  # (N, K, 384)
    eval_text: np.ndarray  # (N, 384): one held-out-template caption per tune
    split: np.ndarray  # (N,) '<U5'

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(path, **asdict(self))

    @staticmethod
    def load(path: Path) -> FeatureSet:
        with np.load(path) as data:
            return FeatureSet(*(data[name] for name in ("melody", "text", "eval_text", "split")))


def melody_features(encoder: PooledEncoder, tunes: Sequence[LibraryTune], tokenizer: CompoundTokenizer,
                    batch_size: int = 128) -> np.ndarray:
    """(N, d_model) pooled encoder states, longest-first batches for little padding."""
    rows = [melody_tokens(t.song, tokenizer) for t in tunes]
    order = np.argsort([-len(r) for r in rows], kind="stable")
    out = np.zeros((len(rows), encoder.glm.cfg.d_model), np.float32)
    with torch.no_grad():
        for i in range(0, len(rows), batch_size):
            idx = order[i:i + batch_size]
            tokens, mask = batch_tokens([rows[j] for j in idx])
            out[idx] = encoder(torch.from_numpy(tokens), torch.from_numpy(mask)).numpy()
    return out


def build_features(tunes: Sequence[LibraryTune], encoder: PooledEncoder, text: TextEncoder,
                   tokenizer: CompoundTokenizer, cfg: TrainConfig, log: Callable[[str], None] = print,
                   melody: np.ndarray | None = None) -> FeatureSet:
    """Features of ``tunes``; ``melody`` (N, d_model) reuses melody features computed before."""
    if melody is None:
        t0 = time.perf_counter()
        melody = melody_features(encoder, tunes, tokenizer)
        log(f"melody features {melody.shape} in {time.perf_counter() - t0:.1f} s")
    k = cfg.captions_per_tune
    captions = [tune.caption(i) for tune in tunes for i in range(k)]
    held_out = [i for i, tune in enumerate(tunes) if tune.split != "train"]  # train tunes need no eval caption
    t0 = time.perf_counter()
    unique = sorted(set(captions) | {tunes[i].caption(0, held_out=True) for i in held_out})
    table = dict(zip(unique, text.embed(unique)))  # MiniLM is the slow part: embed each text once
    text_emb = np.stack([table[c] for c in captions]).reshape(len(tunes), k, -1)
    eval_emb = np.zeros((len(tunes), text_emb.shape[-1]), np.float32)
    for i in held_out:
        eval_emb[i] = table[tunes[i].caption(0, held_out=True)]
    log(f"text features {text_emb.shape} ({len(unique)} distinct captions) in {time.perf_counter() - t0:.1f} s")
    return FeatureSet(melody, text_emb, eval_emb, np.array([t.split for t in tunes]))


def recall_at(model: Clmp, melody: np.ndarray, text: np.ndarray, ks: Sequence[int] = (1, 5, 10)) -> dict[str, float]:
    """Text i should retrieve melody i among all melodies given."""
    model.eval()
    with torch.no_grad():
        m = model.melody(torch.from_numpy(melody))
        t = model.text(torch.from_numpy(text))
        sims = (t @ m.T).numpy()
    ranks = 1 + (sims > sims[np.arange(len(sims)), np.arange(len(sims))][:, None]).sum(1)
    out = {f"R@{k}": float((ranks <= k).mean()) for k in ks}
    out["median_rank"] = float(np.median(ranks))
    return out


def train(features: FeatureSet, clmp_cfg: ClmpConfig, cfg: TrainConfig,
          log: Callable[[str], None] = print) -> tuple[Clmp, dict[str, float]]:
    """Fit on the train split; keep the epoch with the best valid Recall@10 (held-out templates)."""
    torch.manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    train_idx = np.flatnonzero(features.split == "train")
    valid_idx = np.flatnonzero(features.split == "valid")
    model = Clmp(clmp_cfg)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    steps = cfg.epochs * max(1, len(train_idx) // cfg.batch_size)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=cfg.lr, total_steps=steps, pct_start=0.1)
    melody = torch.from_numpy(features.melody)
    text = torch.from_numpy(features.text)
    best: tuple[float, dict[str, torch.Tensor], dict[str, float]] = (-1.0, {}, {})
    for epoch in range(cfg.epochs):
        model.train()
        perm = rng.permutation(train_idx)
        losses = []
        for i in range(0, len(perm) - cfg.batch_size + 1, cfg.batch_size):
            idx = torch.from_numpy(perm[i:i + cfg.batch_size])
            pick = torch.from_numpy(rng.integers(0, text.shape[1], len(idx)))
            loss = model.loss(melody[idx], text[idx, pick])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            losses.append(loss.item())
        metrics = recall_at(model, features.melody[valid_idx], features.eval_text[valid_idx])
        if metrics["R@10"] > best[0]:
            best = (metrics["R@10"], {k: v.clone() for k, v in model.state_dict().items()}, metrics)
        if epoch % 10 == 0 or epoch == cfg.epochs - 1:
            log(f"epoch {epoch}: loss {np.mean(losses):.3f} T {1 / model.logit_scale.exp().item():.4f} valid {metrics}")
    model.load_state_dict(best[1])
    model.eval()
    return model, {**best[2], "epochs": cfg.epochs, "train_tunes": len(train_idx), "valid_tunes": len(valid_idx)}


def train_config_dict(cfg: TrainConfig) -> dict[str, object]:
    return asdict(cfg)
