"""Train the harmonizer: ``python -m melodystudio.training.harmonizer_train --config CONFIG.toml``.

Top-level TOML keys fill ``HarmonizerTrainConfig``; the ``[model]`` table fills ``HarmonizerConfig``
(unknown keys are errors). Batches mix the three segment rules (``[rules]`` weights) and transpose
every window at random. Every ``eval_interval`` steps (and at the end) the validation windows
(pop909 + lead sheets, half-bar segments) are scored per segment by arg-max: loss, root, maj/min
and full-vocabulary accuracy; the best full accuracy is kept as OUT/best.pt. Training stops at
``steps`` or after ``max_minutes`` of wall time, whichever comes first. OUT/train.log has one JSON
line per evaluation.
"""

from __future__ import annotations

import argparse
import json
import time
import tomllib
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np
import torch

from melodystudio.corpus.harmony_data import HarmonySet
from melodystudio.harmony.measures import ChordAccuracy
from melodystudio.tokens.glm import IGNORE
from melodystudio.training.harmonizer import Harmonizer, HarmonizerConfig
from melodystudio.training.harmonizer_data import (
    HarmonyBatch,
    StateCache,
    WindowExample,
    collate,
    draw_batch,
    load_examples,
    random_shift,
    transposed,
)
from melodystudio.training.schedule import warmup_cosine


@dataclass
class HarmonizerTrainConfig:
    data: str = "data_cache/harmony.npz"
    out_dir: str = "runs/harmonizer"
    seed: int = 0
    steps: int = 2000
    max_minutes: float = 10.0  # wall-clock cap of the whole run, preparation included (the machine is shared)
    batch_size: int = 16  # windows per step
    lr: float = 2e-3
    min_lr: float = 1e-4
    warmup_steps: int = 100
    weight_decay: float = 0.01
    grad_clip: float = 1.0
    encoder_lr_scale: float = 1.0  # learning rate of trained encoder blocks relative to ``lr`` (pretrained: lower)
    eval_interval: int = 250
    log_interval: int = 50
    threads: int = 1  # on 2 shared cores a second thread made a step 3-15x slower (GRU and encoder alike)
    transpose: bool = True
    cache_shifts: int = 3  # pretrained encoder: transpositions per window whose frozen states are computed once
    train_songs: int = 0  # 0 = every training song (a small number for smoke tests)
    valid_songs: int = 0
    rules: dict[str, float] = field(default_factory=lambda: {"beat": 0.25, "half-bar": 0.5, "bar": 0.25})
    sources: dict[str, float] = field(default_factory=dict)  # source -> share of windows; {} = as many as it has
    model: HarmonizerConfig = field(default_factory=HarmonizerConfig)

    @staticmethod
    def load(path: str | Path) -> HarmonizerTrainConfig:
        data = tomllib.loads(Path(path).read_text("utf-8"))
        known = {f.name for f in fields(HarmonizerTrainConfig)}
        unknown = set(data) - known
        model_unknown = set(data.get("model", {})) - {f.name for f in fields(HarmonizerConfig)}
        if unknown or model_unknown:
            raise ValueError(f"{path}: unknown keys {sorted(unknown | model_unknown)}")
        model = HarmonizerConfig(**data.pop("model", {}))
        return HarmonizerTrainConfig(**data, model=model)


def to_torch(b: HarmonyBatch) -> dict[str, torch.Tensor]:
    return {k: torch.from_numpy(v) for k, v in asdict(b).items() if v is not None}


@torch.no_grad()
def state_cache(model: Harmonizer, examples: dict[str, list[WindowExample]], n_shifts: int,
                rng: np.random.Generator, batch_size: int = 32) -> StateCache:
    """Frozen encoder states (``Harmonizer.frozen_states``) of every training window at 0 and
    ``n_shifts - 1`` random transpositions.

    A window's tokens are the same under every rule, so each (window, shift) is encoded once; the
    head (and the tuned blocks) then train on these states, which makes the adapter cheap on a CPU."""
    first = {e.key: e for rule in examples.values() for e in rule}
    jobs = [(key, shift) for key, e in first.items()
            for shift in [0, *(random_shift(e.features, rng) for _ in range(n_shifts - 1))]]
    cache: StateCache = {}
    for k in range(0, len(jobs), batch_size):
        chunk = jobs[k:k + batch_size]
        feats = [transposed(first[key], shift)[0] for key, shift in chunk]
        t = to_torch(collate([(f, np.zeros(len(f.segments), np.int64)) for f in feats]))
        h = model.frozen_states(t["tokens"], t["pos1"], t["lengths"]).numpy()
        for (key, shift), f, hk in zip(chunk, feats, h):
            cache.setdefault(key, {})[shift] = hk[:len(f.tokens)].astype(np.float16)
    return cache


def lr_at(cfg: HarmonizerTrainConfig, step: int, time_frac: float = 0.0) -> float:
    """Linear warm-up, then cosine decay to min_lr over the steps or the time left, whichever ends first."""
    return warmup_cosine(step, lr=cfg.lr, min_lr=cfg.min_lr, warmup=cfg.warmup_steps, steps=cfg.steps,
                         time_frac=time_frac)


@torch.no_grad()
def evaluate(model: Harmonizer, examples: list[WindowExample], batch_size: int = 32,
             cache: StateCache | None = None) -> dict[str, Any]:
    """Validation loss and per-segment arg-max accuracies (no decoding) over the given windows
    (``cache``: their untransposed frozen-encoder states)."""
    model.eval()
    acc, loss_sum, n = ChordAccuracy(), 0.0, 0
    for k in range(0, len(examples), batch_size):
        chunk = examples[k:k + batch_size]
        states = [cache[e.key][0] for e in chunk] if cache is not None else None
        t = to_torch(collate([(e.features, e.target) for e in chunk], states))
        target = t.pop("target")
        logits = model(**t)
        mask = target != IGNORE
        loss_sum += float(model.loss(logits, target)) * int(mask.sum())
        n += int(mask.sum())
        pred = logits[..., 1:].argmax(-1) + 1  # never "no chord"
        acc.add(pred[mask].numpy(), target[mask].numpy())
    model.train()
    return {"loss": loss_sum / max(n, 1), **acc.rates()}


def train(cfg: HarmonizerTrainConfig) -> dict[str, Any]:
    torch.manual_seed(cfg.seed)
    torch.set_num_threads(cfg.threads)
    rng = np.random.default_rng(cfg.seed)
    out = Path(cfg.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    data = HarmonySet(Path(cfg.data))
    t0 = time.time()
    train_idx, valid_idx = data.indices("train"), data.indices("valid")
    if cfg.train_songs:
        train_idx = train_idx[:cfg.train_songs]
    if cfg.valid_songs:
        valid_idx = valid_idx[:cfg.valid_songs]
    train_ex = load_examples(data, train_idx)
    valid_ex = load_examples(data, valid_idx, ("half-bar",))["half-bar"]
    groups = {src: {r: [e for e in v if data.source(e.song) == src] for r, v in train_ex.items()}
              for src in sorted({data.source(i) for i in train_idx})}
    model = Harmonizer.build(cfg.model)
    cache = valid_cache = None
    if cfg.model.encoder == "pretrained" and cfg.cache_shifts:
        cache = state_cache(model, train_ex, cfg.cache_shifts, rng)
        valid_cache = state_cache(model, {"half-bar": valid_ex}, 1, rng)
    params = [p for p in model.parameters() if p.requires_grad]
    n_train = sum(p.numel() for p in params)
    enc = [p for p in model.encoder.parameters() if p.requires_grad]
    rest = [p for p in model.head.parameters() if p.requires_grad]
    opt = torch.optim.AdamW([{"params": enc, "scale": cfg.encoder_lr_scale}, {"params": rest, "scale": 1.0}],
                            lr=cfg.lr, weight_decay=cfg.weight_decay)
    log = (out / "train.log").open("w", encoding="utf-8")
    header = {"config": asdict(cfg), "train_windows": {k: len(v) for k, v in train_ex.items()},
              "valid_windows": len(valid_ex), "params": sum(p.numel() for p in model.parameters()),
              "trainable_params": n_train, "prepare_s": round(time.time() - t0, 1),
              "cached_windows": len(cache) if cache is not None else 0}
    log.write(json.dumps(header) + "\n")
    print(json.dumps(header), flush=True)
    best: dict[str, Any] = {"full": -1.0}
    start, step, running = time.time(), 0, []
    budget = cfg.max_minutes * 60 - (start - t0)  # seconds left for the training loop
    model.train()
    while step < cfg.steps and time.time() - start < budget:
        lr = lr_at(cfg, step, (time.time() - start) / max(budget, 1.0))
        for g in opt.param_groups:
            g["lr"] = lr * g["scale"]
        t = to_torch(draw_batch(groups, rng, cfg.batch_size, cfg.rules, cfg.sources or None, cfg.transpose, cache))
        target = t.pop("target")
        loss = model.loss(model(**t), target)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, cfg.grad_clip)
        opt.step()
        running.append(loss.item())
        step += 1
        if step % cfg.log_interval == 0:
            print(f"step {step} loss {np.mean(running[-cfg.log_interval:]):.3f} "
                  f"{(time.time() - start) / step:.2f} s/step", flush=True)
        if step % cfg.eval_interval == 0 or step == cfg.steps:
            best = _evaluate_and_keep(model, cfg, valid_ex, valid_cache, step, start, best, log, out)
    if best.get("step") != step:
        best = _evaluate_and_keep(model, cfg, valid_ex, valid_cache, step, start, best, log, out)
    log.close()
    return best


def _evaluate_and_keep(model: Harmonizer, cfg: HarmonizerTrainConfig, valid_ex: list[WindowExample],
                       valid_cache: StateCache | None, step: int, start: float, best: dict[str, Any], log: Any,
                       out: Path) -> dict[str, Any]:
    metrics = {"step": step, "wall_s": round(time.time() - start, 1), **evaluate(model, valid_ex, cache=valid_cache)}
    log.write(json.dumps(metrics) + "\n")
    log.flush()
    print(json.dumps(metrics), flush=True)
    if metrics["full"] > best["full"]:
        torch.save({"config": cfg.model.to_dict(), "model": model.state_dict(), "metrics": metrics,
                    "train_config": asdict(cfg)}, out / "best.pt")
        return metrics
    return best


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", type=Path, required=True)
    args = ap.parse_args(argv)
    best = train(HarmonizerTrainConfig.load(args.config))
    print("best", json.dumps(best))


if __name__ == "__main__":
    main()
