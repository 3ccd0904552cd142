"""Validation loss per data set and task, with and without the conditions: does conditioning help?

    python -m melodystudio.training.valid_tasks --config CONFIG --checkpoint A.pt [--checkpoint B.pt ...]
        [--batches N] [--per-batch] [--transpose] [--out report.json]

The same fixed batches (seeded per set and task) are scored by every checkpoint twice: with the
conditions the data carries, and with all conditions zeroed ('unknown'). An unconditioned
checkpoint ignores them, so its two figures are equal; it is the baseline. ``--per-batch`` keeps
each batch's loss (with conditions) in the JSON and prints every later checkpoint's paired
difference from the first with its standard error over batches (the evaluation noise, not the
noise between training runs). ``--transpose`` shifts the plain set's examples by -5..+6 semitones,
as training augments them, instead of keeping their written keys.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np
import torch

from melodystudio.tokens.glm import Batch
from melodystudio.tokens.heads import CASCADE_NAMES
from melodystudio.training.config import TrainConfig, load_config
from melodystudio.training.data import CondDropout, ExampleSampler
from melodystudio.training.model import MelodyGLM, load_checkpoint
from melodystudio.training.train import Dist, load_conditioned, load_data, loss_of, source_samplers, to_tensors

TASKS_OF = {"plain": ("inpaint", "continuation", "ngram", "generate"),
            "pop909": ("inpaint", "continuation", "ngram", "generate"),
            "openewld": ("inpaint", "continuation", "lyrics", "lyric_ngram", "generate"),
            "lyrics_melody": ("inpaint", "continuation", "lyrics", "lyric_ngram", "generate")}  # new tasks go last: the
# batches of the others are seeded by their place, so earlier figures stay comparable


def fixed_batches(cfg: TrainConfig, batches: int, split: str = "valid",
                  transpose: bool = False) -> dict[tuple[str, str], list[Batch]]:
    """(set, task) -> the same ``batches`` batches every time (no condition dropout); ``transpose``:
    the plain set's examples transposed as in training."""
    tunes, lexicon = load_data(cfg)
    sets: dict[str, ExampleSampler] = {"plain": ExampleSampler(
        tunes.split(split), lexicon, cfg.tasks.weights(), tunes.tokenizer.max_bars - 1, cfg.max_notes,
        transpose=transpose)}
    cond_set = load_conditioned(cfg)
    if cond_set is not None:
        sets |= source_samplers(cfg, cond_set, lexicon, split, Dist(), CondDropout())
    out = {}
    for s, (name, sampler) in enumerate(sets.items()):
        for t, task in enumerate(TASKS_OF.get(name, ("inpaint",))):
            rng = np.random.default_rng([cfg.seed, 7, s, t])
            out[name, task] = [sampler.batch(rng, cfg.batch_size, task) for _ in range(batches)]
    return out


@torch.no_grad()
def score(model: MelodyGLM, batches: list[Batch], with_conditions: bool) -> dict[str, float]:
    """Mean loss and per-attribute NLL (nats) over the batches."""
    sums = dict.fromkeys(("loss", *CASCADE_NAMES), 0.0)
    for b in batches:
        tensors = to_tensors(b)
        if not with_conditions:
            tensors["cond"] = torch.zeros_like(tensors["cond"])
            tensors["target_chord"] = torch.zeros_like(tensors["target_chord"])
        loss, nll = loss_of(model, tensors)
        sums["loss"] += float(loss)
        for k, v in nll.items():
            sums[k] += float(v)
    return {k: v / max(len(batches), 1) for k, v in sums.items()}


def report(cfg: TrainConfig, checkpoints: list[Path], batches: int,
           transpose: bool = False) -> dict[str, dict[str, dict[str, Any]]]:
    """checkpoint -> 'set/task' -> {'with': loss, 'without': loss, 'pitch_with': .., 'pitch_without': ..,
    'per_batch_with': [loss of each batch]}."""
    data = fixed_batches(cfg, batches, transpose=transpose)
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for path in checkpoints:
        model, _ = load_checkpoint(path)
        rows = {}
        for (name, task), bs in data.items():
            per = [score(model, [b], True) for b in bs]  # equal batches: their mean is the score of all
            on = {k: float(np.mean([p[k] for p in per])) for k in per[0]}
            off = score(model, bs, False)
            rows[f"{name}/{task}"] = {"with": on["loss"], "without": off["loss"], "pitch_with": on["pitch"],
                                      "pitch_without": off["pitch"], "onset_with": on["bar"] + on["pos"],
                                      "onset_without": off["bar"] + off["pos"], "dur_with": on["dur"],
                                      "dur_without": off["dur"], "per_batch_with": [p["loss"] for p in per]}
        out[str(path)] = rows
    return out


def paired_differences(result: dict[str, dict[str, dict[str, Any]]]) -> list[str]:
    """Each later checkpoint minus the first, per set/task: mean of the per-batch differences of the
    loss with conditions, and its standard error std(d) / sqrt(n)."""
    (first, base), *rest = result.items()
    lines = [f"| checkpoint - {first} | set/task | difference (nats) | standard error | batches |",
             "| --- | --- | --- | --- | --- |"]
    for ckpt, rows in rest:
        for key, r in rows.items():
            d = np.array(r["per_batch_with"]) - np.array(base[key]["per_batch_with"])
            se = float(d.std(ddof=1) / np.sqrt(len(d))) if len(d) > 1 else float("nan")
            lines.append(f"| {ckpt} | {key} | {d.mean():+.4f} | {se:.4f} | {len(d)} |")
    return lines


def table(result: dict[str, dict[str, dict[str, Any]]]) -> list[str]:
    lines = ["| checkpoint | set/task | loss with conditions | loss without | pitch NLL with | pitch without | "
             "onset with | onset without |", "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for ckpt, rows in result.items():
        for key, r in rows.items():
            lines.append(f"| {ckpt} | {key} | {r['with']:.4f} | {r['without']:.4f} | {r['pitch_with']:.4f} | "
                         f"{r['pitch_without']:.4f} | {r['onset_with']:.4f} | {r['onset_without']:.4f} |")
    return lines


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", required=True, help="the training config (data, conditioned set, window size)")
    ap.add_argument("--checkpoint", action="append", required=True, type=Path)
    ap.add_argument("--batches", type=int, default=4, help="batches per set and task")
    ap.add_argument("--out", type=Path, default=None, help="JSON file for the figures")
    ap.add_argument("--per-batch", action="store_true",
                    help="keep each batch's loss in the JSON and print paired differences from the first checkpoint")
    ap.add_argument("--transpose", action="store_true", help="transpose the plain set's examples as training does")
    args = ap.parse_args(argv)
    torch.set_num_threads(max(1, torch.get_num_threads()))
    result = report(load_config(args.config), args.checkpoint, args.batches, args.transpose)
    print("\n".join(table(result)))
    if args.per_batch and len(result) > 1:
        print("\n".join(["", *paired_differences(result)]))
    if not args.per_batch:
        for rows in result.values():
            for r in rows.values():
                r.pop("per_batch_with")
    if args.out:
        args.out.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
