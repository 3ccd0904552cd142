"""Generation speed of the melody engine on the current onnxruntime provider.

Measures: model load; inpaint of 4 bars x 4 variations as one batch (median of --repeat runs); one
4-bar variation; per-step latency (and how much of it is onnxruntime vs the numpy heads). Baselines
in the same run: the same 4 variations decoded one after another at batch 1, and decoding without
a part-B KV cache (every step re-encodes part A and replays the tokens so far), quoted as ratios.

    python benchmarks/bench_engine.py MODEL_DIR [--provider auto|cpu|cuda] [--repeat 20]
    python benchmarks/bench_engine.py --random tiny|base    # a random-weight model (needs torch)

A random model ends a blank almost at once and picks any length up to two bars, so ``--random``
lowers its END logit (as the engine tests do) and favours eighths and quarters, to get fills of a
realistic number of notes; the notes per variation are printed with the timings.
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import numpy as np
import onnxruntime as ort

from melodystudio.core import PPQ, KeySignature, Note, Song, TimeSignature
from melodystudio.core.progress import run_to_end
from melodystudio.engine import GenerationOptions, Variation
from melodystudio.engine.melody import MelodyEngine
from melodystudio.engine.runtime import Decoder
from melodystudio.evaluation.report import cpu_model

RANDOM_SIZES = {"tiny": {"d_model": 64, "n_layers": 2, "n_heads": 4, "max_pos1": 260, "max_pos2": 260},
                "base": {"d_model": 256, "n_layers": 6, "n_heads": 4, "max_pos1": 260, "max_pos2": 260}}


def folk_tune(bars: int = 16) -> Song:
    """A 16-bar 4/4 tune in D: quarters and eighths, ~6 notes a bar."""
    rng = np.random.default_rng(0)
    scale = [62, 64, 66, 67, 69, 71, 73, 74]
    notes, tick, degree = [], 0, 0
    while tick < bars * 4 * PPQ:
        dur = int(rng.choice([PPQ // 2, PPQ // 2, PPQ]))
        degree = int(np.clip(degree + rng.integers(-2, 3), 0, len(scale) - 1))
        notes.append(Note(tick, dur, scale[degree], 90))
        tick += dur
    return Song("bench", time_signatures=[TimeSignature(0, 4, 4)], keys=[KeySignature(0, "D")], notes=notes)


def random_model(size: str, out: Path) -> Path:
    import torch

    from melodystudio.tokens import TokenizerConfig
    from melodystudio.tokens.compound import END
    from melodystudio.training.export import export_model
    from melodystudio.training.model import GLMConfig, MelodyGLM

    torch.manual_seed(0)
    model = MelodyGLM(GLMConfig.from_tokenizer(TokenizerConfig(), dropout=0.0, **RANDOM_SIZES[size])).eval()
    kind_head, dur_head = model.heads.heads[0], model.heads.heads[3]
    with torch.no_grad():
        kind_head.out.bias[END] -= 3.0  # type: ignore[union-attr, index, operator]
        dur_head.out.bias[[6, 12]] += 4.0  # type: ignore[union-attr, index, operator]  # eighths and quarters
    export_model(model, out, dynamo=False)
    return out


class ReplayDecoder(Decoder):
    """The no-cache baseline: each step re-encodes part A and replays every part-B token so far."""

    def start(self, tokens: np.ndarray, pos1: np.ndarray, pos2: np.ndarray, batch: int,
              cond: np.ndarray | None = None) -> None:
        self._prompt, self._cond, self._batch = (tokens, pos1, pos2), cond, batch
        self._fed: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]] = []

    def step(self, tokens: np.ndarray, pos1: np.ndarray, pos2: np.ndarray,
             cond: np.ndarray | None = None) -> np.ndarray:
        self._fed.append((tokens, pos1, pos2, cond))
        super().start(*self._prompt, batch=len(tokens), cond=self._cond)
        for t, p1, p2, c in self._fed:
            h = super().step(t, p1, p2, c)
        return h

    def keep(self, rows: np.ndarray) -> None:
        self._fed = [(t[rows], p1[rows], p2[rows], None if c is None else c[rows]) for t, p1, p2, c in self._fed]


T = TypeVar("T")


def timed(fn: Callable[[], T], repeat: int) -> tuple[float, T]:
    """Median seconds of ``repeat`` calls, and the last call's result."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def run(engine: MelodyEngine, song: Song, variations: int, seed: int = 1,
        keep_rhythm: bool = True) -> tuple[list[Variation], int]:
    """Inpaint bars 5-8; returns the variations and the number of decoding steps."""
    steps = 0

    def count(_: object) -> None:
        nonlocal steps
        steps += 1

    options = GenerationOptions(variations=variations, seed=seed, keep_rhythm=keep_rhythm)
    return run_to_end(engine.inpaint(song, 4, 7, options), count), steps


class TimedDecoder(Decoder):
    """Adds up the seconds spent in the step graph."""

    spent = 0.0

    def step(self, tokens: np.ndarray, pos1: np.ndarray, pos2: np.ndarray,
             cond: np.ndarray | None = None) -> np.ndarray:
        t0 = time.perf_counter()
        h = super().step(tokens, pos1, pos2, cond)
        TimedDecoder.spent += time.perf_counter() - t0
        return h


class BaselineEngine(MelodyEngine):
    """The same engine with another decoder class (timed, or without the part-B cache)."""

    def __init__(self, engine: MelodyEngine, decoder_class: type[Decoder]) -> None:
        super().__init__(engine.files, engine._encode, engine._step, engine.heads)
        self.decoder_class = decoder_class

    def decoder(self) -> Decoder:
        return self.decoder_class.for_sessions(self._encode, self._step)


def onnxruntime_share(engine: MelodyEngine, song: Song) -> float:
    """Share of a batch-4 inpaint's time spent inside the step graph."""
    TimedDecoder.spent = 0.0
    t0 = time.perf_counter()
    run(BaselineEngine(engine, TimedDecoder), song, 4)
    return TimedDecoder.spent / (time.perf_counter() - t0)


def report(engine: MelodyEngine, model_dir: Path, provider: str, repeat: int) -> None:
    song = folk_tune()
    load_s, _ = timed(lambda: MelodyEngine.load(model_dir, provider=provider), 3)
    cfg = engine.files.manifest["model_config"]
    print(f"model: {model_dir} (d={cfg['d_model']}, {cfg['n_layers']} layers), provider {engine.provider}, "
          f"intra-op threads {engine.threads}; graphs {engine.files.manifest.get('graphs', 'torch.onnx')}")
    print(f"load (sha256 + 2 sessions + heads): {load_s * 1000:.1f} ms (median of 3)")
    run(engine, song, 4)  # warm-up
    batch_s, (_, steps) = timed(lambda: run(engine, song, 4), repeat)
    notes = len(song.notes_between(*song.bar_range_ticks(4, 7)))
    print(f"inpaint bars 5-8 x 4 variations, one batch, {notes} notes each (keep rhythm: a fixed length): "
          f"{batch_s * 1000:.1f} ms median of {repeat}; {steps} steps, {batch_s / steps * 1000:.2f} ms/step")
    free_s, (free, free_steps) = timed(lambda: run(engine, song, 4, keep_rhythm=False), repeat)
    print(f"  the same with free rhythm: {free_s * 1000:.1f} ms; {free_steps} steps, "
          f"notes per variation {[len(v.notes) for v in free]}; {free_s / free_steps * 1000:.2f} ms/step")
    one_s, (_, one_steps) = timed(lambda: run(engine, song, 1), repeat)
    print(f"inpaint bars 5-8 x 1 variation: {one_s * 1000:.1f} ms; {one_s / one_steps * 1000:.2f} ms/step")
    seeds, notes_drawn = itertools.count(1), []

    def one_free() -> None:  # a new seed each call: free fills differ in length, so in time
        variations, _ = run(engine, song, 1, next(seeds), keep_rhythm=False)
        notes_drawn.append(len(variations[0].notes))
    one_free_s, _ = timed(one_free, repeat)
    print(f"  the same with free rhythm: {one_free_s * 1000:.1f} ms median over seeds 1-{repeat}, "
          f"{min(notes_drawn)}-{max(notes_drawn)} notes (median {statistics.median(notes_drawn):g})")
    share = onnxruntime_share(engine, song)
    print(f"  of a batch-4 inpaint: onnxruntime steps {share:.0%}, numpy heads + masks + the rest {1 - share:.0%}")
    seq_s, _ = timed(lambda: [run(engine, song, 1, seed) for seed in range(1, 5)], repeat)
    print(f"baseline, the 4 variations one after another at batch 1: {seq_s * 1000:.1f} ms "
          f"-> one batch is {seq_s / batch_s:.2f}x faster")
    no_cache = BaselineEngine(engine, ReplayDecoder)
    replay_s, _ = timed(lambda: run(no_cache, song, 4), max(1, repeat // 10))  # O(steps^2): slow
    print(f"baseline without a part-B KV cache (re-encode + replay each step): {replay_s * 1000:.1f} ms "
          f"-> the cache is {replay_s / batch_s:.1f}x faster")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model", nargs="?", type=Path, help="exported model directory")
    ap.add_argument("--random", choices=sorted(RANDOM_SIZES), help="benchmark a random-weight model of this size")
    ap.add_argument("--provider", default="auto", choices=("auto", "cpu", "cuda"))
    ap.add_argument("--repeat", type=int, default=20)
    args = ap.parse_args()
    if (args.model is None) == (args.random is None):
        ap.error("give a model directory or --random SIZE")
    print(f"machine: {cpu_model()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"onnxruntime {ort.__version__}, providers {ort.get_available_providers()}")
    with tempfile.TemporaryDirectory() as tmp:
        model_dir = args.model or random_model(args.random, Path(tmp) / args.random)
        engine = MelodyEngine.load(model_dir, provider=args.provider)
        report(engine, model_dir, args.provider, args.repeat)


if __name__ == "__main__":
    main()
