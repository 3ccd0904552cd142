"""Train MelodyGLM: a plain loop, written out.

    python -m melodystudio.training.train --config melodystudio/training/configs/tiny.toml
    torchrun --nproc_per_node=4 -m melodystudio.training.train --config .../gpu_cond.toml   # DDP

``train`` is a cancellable generator yielding ``Progress`` (the project's long-work convention)
and returning the final validation metrics; the CLI drives it. Under torchrun (WORLD_SIZE > 1)
every rank trains on its own shard of the training tunes; rank 0 evaluates, logs and saves.
Checkpoints carry the model config, tokenizer and training config (``model.load_checkpoint``).
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, IterableDataset, get_worker_info

from melodystudio.core.progress import Job, Progress, run_to_end
from melodystudio.tokens.glm import Batch
from melodystudio.tokens.heads import CASCADE_NAMES
from melodystudio.training.config import TrainConfig, load_config
from melodystudio.training.data import CondDropout, ExampleSampler, MixtureSampler, TuneSet
from melodystudio.training.lexicon import Lexicon, build_lexicon
from melodystudio.training.model import MelodyGLM, init_from_checkpoint
from melodystudio.training.schedule import warmup_cosine
from melodystudio.training.synthetic import synthetic_set

Sampler = ExampleSampler | MixtureSampler
BATCH_FIELDS = ("inputs", "pos1", "pos2", "a_len", "target", "cond", "target_chord")


@dataclass(frozen=True)
class Dist:
    rank: int = 0
    world: int = 1
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))

    @property
    def main(self) -> bool:
        return self.rank == 0


def setup_distributed(cfg: TrainConfig) -> Dist:
    """torchrun sets WORLD_SIZE / RANK / LOCAL_RANK; a plain run is rank 0 of 1."""
    device = ("cuda" if torch.cuda.is_available() else "cpu") if cfg.device == "auto" else cfg.device
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world == 1:
        return Dist(device=torch.device(device))
    local = int(os.environ["LOCAL_RANK"])
    cuda = device.startswith("cuda")
    if cuda:
        torch.cuda.set_device(local)
    dist.init_process_group(backend="nccl" if cuda else "gloo")
    return Dist(dist.get_rank(), world, torch.device(f"cuda:{local}" if cuda else "cpu"))


def lr_at(step: int, cfg: TrainConfig, time_frac: float = 0.0) -> float:
    """Linear warmup to cfg.lr, then cosine decay to cfg.min_lr at the last step (or at the end of
    ``cfg.minutes``, ``time_frac`` being the share of them spent, whichever comes first)."""
    return warmup_cosine(step, lr=cfg.lr, min_lr=cfg.min_lr, warmup=cfg.warmup_steps, steps=cfg.steps,
                         time_frac=time_frac)


def to_tensors(batch: Batch) -> dict[str, torch.Tensor]:
    return {k: torch.from_numpy(getattr(batch, k)) for k in BATCH_FIELDS}


def loss_of(net: torch.nn.Module, batch: dict[str, torch.Tensor]) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """The model's loss on a batch of tensors (``to_tensors``); conditions are ignored by a model without."""
    return net(*(batch[k] for k in BATCH_FIELDS))


class BatchStream(IterableDataset):
    """Endless batches from one sampler; each data worker gets its own random stream."""

    def __init__(self, sampler: Sampler, batch_size: int, seed: tuple[int, ...]) -> None:
        self.sampler, self.batch_size, self.seed = sampler, batch_size, seed

    def __iter__(self) -> Iterator[dict[str, torch.Tensor]]:
        info = get_worker_info()
        rng = np.random.default_rng([*self.seed, info.id if info else 0])
        while True:
            yield to_tensors(self.sampler.batch(rng, self.batch_size))


def load_data(cfg: TrainConfig) -> tuple[TuneSet, Lexicon]:
    tunes = synthetic_set(seed=cfg.seed) if cfg.data == "synthetic" else TuneSet.load(cfg.data)
    lexicon = Lexicon.load(cfg.lexicon) if cfg.lexicon else build_lexicon(tunes.split("train"), top_k=500)
    return tunes, lexicon


def load_conditioned(cfg: TrainConfig) -> TuneSet | None:
    """The conditioned tune set of ``[conditioning]``, None when the config has none."""
    return TuneSet.load(cfg.conditioning.data) if cfg.conditioning.data else None


def source_samplers(cfg: TrainConfig, cond_set: TuneSet, lexicon: Lexicon | None, split: str, d: Dist,
                    dropout: CondDropout) -> dict[str, ExampleSampler]:
    """One sampler per source of a conditioned set (sources without tunes in the split left out)."""
    out = {}
    for source in cond_set.sources:
        idx = cond_set.indices(split, source)[d.rank::d.world]
        if len(idx):
            out[source] = ExampleSampler([cond_set.tune(int(i)) for i in idx], lexicon,
                                         cfg.conditioning.task_weights(cfg.tasks),
                                         cond_set.tokenizer.max_bars - 1, cfg.max_notes,
                                         transpose=cfg.transpose and split == "train",
                                         conds=[cond_set.tune_cond(int(i)) for i in idx], dropout=dropout)
    return out


def make_samplers(cfg: TrainConfig, tunes: TuneSet, lexicon: Lexicon, d: Dist,
                  cond_set: TuneSet | None = None) -> tuple[Sampler, Sampler]:
    """(train, valid) samplers: the plain tunes, mixed with the conditioned set's sources when given
    (validation keeps every condition)."""
    window_bars = tunes.tokenizer.max_bars - 1  # the END of a window-final blank sits on bar n_bars
    shard = tunes.splits["train"][d.rank::d.world]  # DistributedSampler-like: rank r takes every world-th tune
    args = (lexicon, cfg.tasks.weights(), window_bars, cfg.max_notes)
    train = ExampleSampler([tunes.tune(int(i)) for i in shard], *args, transpose=cfg.transpose)
    valid = ExampleSampler(tunes.split("valid"), *args, transpose=False)
    if cond_set is None:
        return train, valid
    c = cfg.conditioning
    dropout = CondDropout(c.drop_chords, c.drop_lyrics, c.drop_text, c.drop_context_lyrics)
    mixes = []
    for split, plain, drop in (("train", train, dropout), ("valid", valid, CondDropout())):
        by_source = source_samplers(cfg, cond_set, lexicon, split, d, drop)
        weights = c.source_weights()
        total = sum(weights.get(s, 0.0) for s in by_source) or 1.0
        mixes.append(MixtureSampler([plain, *by_source.values()],
                                    [1 - c.share] + [c.share * weights.get(s, 0.0) / total for s in by_source]))
    return mixes[0], mixes[1]


def make_optimizer(model: MelodyGLM, cfg: TrainConfig, device: torch.device) -> torch.optim.AdamW:
    """AdamW; the condition weights (new when fine-tuning) learn ``conditioning.lr_scale`` times faster."""
    conds = {id(p) for p in model.condition_parameters()}
    decay = [p for p in model.parameters() if p.dim() >= 2 and id(p) not in conds]  # matrices and embeddings
    no_decay = [p for p in model.parameters() if p.dim() < 2 and id(p) not in conds]  # biases, LayerNorm gains
    groups = [{"params": decay, "weight_decay": cfg.weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
    if conds:
        groups.append({"params": model.condition_parameters(), "weight_decay": 0.0,
                       "lr_scale": cfg.conditioning.lr_scale})
    return torch.optim.AdamW(groups, lr=cfg.lr, betas=(0.9, cfg.beta2), fused=device.type == "cuda")


def autocast(cfg: TrainConfig, device: torch.device) -> contextlib.AbstractContextManager[Any]:
    if device.type == "cuda" and cfg.bf16:
        return torch.autocast(device_type="cuda", dtype=torch.bfloat16)
    return contextlib.nullcontext()


@torch.no_grad()
def evaluate(model: MelodyGLM, sampler: Sampler, cfg: TrainConfig, device: torch.device) -> dict[str, float]:
    """Mean loss and per-attribute NLL over fixed validation batches (same batches every time)."""
    model.eval()
    rng = np.random.default_rng([cfg.seed, 1])
    sums = dict.fromkeys(("loss", *CASCADE_NAMES), 0.0)
    for _ in range(cfg.eval_batches):
        batch = {k: v.to(device) for k, v in to_tensors(sampler.batch(rng, cfg.batch_size)).items()}
        with autocast(cfg, device):
            loss, nll = loss_of(model, batch)
        sums["loss"] += float(loss)
        for k, v in nll.items():
            sums[k] += float(v)
    model.train()
    return {k: v / cfg.eval_batches for k, v in sums.items()}


def save_checkpoint(path: Path, model: MelodyGLM, cfg: TrainConfig, step: int, metrics: dict[str, float]) -> None:
    ckpt = {"model": model.state_dict(), "model_config": model.cfg.to_dict(), "tokenizer": model.cfg.tokenizer,
            "train_config": cfg.to_dict(), "step": step, "metrics": metrics, "torch_version": str(torch.__version__)}
    tmp = path.with_suffix(".tmp")
    torch.save(ckpt, tmp)
    tmp.replace(path)  # never leave a half-written checkpoint behind


class RunLog:
    """Lines to stdout and out_dir/train.log (rank 0 only)."""

    def __init__(self, path: Path | None) -> None:
        self.file = path.open("a") if path else None

    def __call__(self, line: str) -> None:
        if self.file:
            print(line, flush=True)
            self.file.write(line + "\n")
            self.file.flush()

    def close(self) -> None:
        if self.file:
            self.file.close()


def _fmt(metrics: dict[str, float]) -> str:
    return " ".join(f"{k} {v:.4f}" for k, v in metrics.items())


def train(cfg: TrainConfig) -> Job[dict[str, float]]:
    """Train per ``cfg``; yields Progress each log interval, returns the last validation metrics."""
    d = setup_distributed(cfg)
    out = Path(cfg.out_dir)
    if d.main:
        out.mkdir(parents=True, exist_ok=True)
    log = RunLog(out / "train.log" if d.main else None)
    try:
        return (yield from _train(cfg, d, out, log))
    finally:
        log.close()
        if d.world > 1:
            dist.destroy_process_group()


def _train(cfg: TrainConfig, d: Dist, out: Path, log: RunLog) -> Job[dict[str, float]]:
    torch.manual_seed(cfg.seed)  # same initial weights on every rank (DDP also broadcasts them)
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    tunes, lexicon = load_data(cfg)
    cond_set = load_conditioned(cfg)
    train_sampler, valid_sampler = make_samplers(cfg, tunes, lexicon, d, cond_set)
    model = MelodyGLM(cfg.model.glm_config(tunes.tokenizer))
    if cfg.init_from:
        init_from_checkpoint(model, cfg.init_from)
    model = model.to(d.device)
    n_tunes = sum(len(s.tunes) for s in train_sampler.samplers) if isinstance(train_sampler, MixtureSampler) \
        else len(train_sampler.tunes)
    log(f"model {model.num_params() / 1e6:.2f}M params on {d.device} x{d.world}"
        f"{' from ' + cfg.init_from if cfg.init_from else ''}; {n_tunes} training tunes on this rank; "
        f"lexicon {len(lexicon.entries)} n-grams")
    net = DistributedDataParallel(model, device_ids=[d.device] if d.device.type == "cuda" else None) \
        if d.world > 1 else model
    opt = make_optimizer(model, cfg, d.device)
    if d.device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
    stream = iter(DataLoader(BatchStream(train_sampler, cfg.batch_size, (cfg.seed, d.rank)), batch_size=None,
                             num_workers=cfg.num_workers, pin_memory=d.device.type == "cuda"))
    best, metrics, t0, tokens = math.inf, {}, time.time(), 0
    step, done = 0, 0.0
    while step < cfg.steps:
        for group in opt.param_groups:
            group["lr"] = lr_at(step, cfg, done) * group.get("lr_scale", 1.0)
        batch = {k: v.to(d.device, non_blocking=True) for k, v in next(stream).items()}
        with autocast(cfg, d.device):
            loss, nll = loss_of(net, batch)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
        opt.step()
        opt.zero_grad(set_to_none=True)
        tokens += int((batch["target"][..., 0] != -100).sum())
        step += 1
        done = time_spent(t0, cfg.minutes, d)
        last = step == cfg.steps or done >= 1.0
        if step % cfg.log_interval == 0 or last:
            rate = tokens * d.world / (time.time() - t0)
            line = f"step {step} lr {lr_at(step - 1, cfg, done):.2e} loss {loss.item():.4f} {_fmt(_floats(nll))} " \
                   f"({rate:.0f} target tokens/s)"
            log(line)
            yield Progress(max(step / cfg.steps, done), line)
        if step % cfg.eval_interval == 0 or last:
            if d.main:
                metrics = evaluate(model, valid_sampler, cfg, d.device)
                log(f"step {step} valid {_fmt(metrics)}")
                save_checkpoint(out / "last.pt", model, cfg, step, metrics)
                if metrics["loss"] < best:
                    best = metrics["loss"]
                    save_checkpoint(out / "best.pt", model, cfg, step, metrics)
            if d.world > 1:
                dist.barrier()
        if last:
            break
    if done >= 1.0:
        log(f"time budget of {cfg.minutes:g} min spent after {step} steps ({time.time() - t0:.0f} s); "
            f"by steps instead (the cosine then follows the steps): steps = {step}, minutes = 0")
    return metrics


def time_spent(t0: float, minutes: float, d: Dist) -> float:
    """Share of the wall-clock budget spent (0 without one); under DDP every rank takes rank 0's
    clock, so all ranks stop at the same step."""
    if minutes <= 0:
        return 0.0
    spent = (time.time() - t0) / (60 * minutes)
    if d.world == 1:
        return spent
    frac = torch.tensor([spent], dtype=torch.float64, device=d.device)  # NCCL broadcasts device tensors
    dist.broadcast(frac, 0)
    return float(frac)


def _floats(nll: dict[str, torch.Tensor]) -> dict[str, float]:
    return {k: float(v) for k, v in nll.items()}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Train a MelodyGLM model.")
    ap.add_argument("--config", required=True, help="TOML training config")
    args = ap.parse_args(argv)
    run_to_end(train(load_config(args.config)))


if __name__ == "__main__":
    main()
