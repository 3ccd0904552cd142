"""Prompt-to-first-result latency on the CPU: text -> retrieved reference -> 8 generated bars.

Models are loaded once (load times are printed separately); each prompt then runs end to end:
prompt parsing, MiniLM + projection, the hybrid search with the prompt's filters (HNSW over the
melody embeddings + a brute-force product over the library's description vectors, the union
rescored), building the context from the reference and the engine's continuation by 8 bars, one variation (the first
result a user hears) and four (the default batch). Baseline in the same run: unguided generation
of the same 8 bars under the same constraints (no text encoder, no search, no context).
Median over ``--repeat`` rounds of the prompts below; target: <= 300 ms for the first result.

    python benchmarks/bench_prompt.py [--repeat 5] [--threads N]

Threads: by default what the application uses (the melody engine ``runtime.default_threads()``, one
on a 2-core machine; the retrieval models onnxruntime's default); ``--threads N`` sets both.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

from melodystudio.core.progress import run_to_end
from melodystudio.engine.melody import MelodyEngine
from melodystudio.evaluation.report import cpu_model
from melodystudio.retrieval.guided import GuidedOptions, prompt_job
from melodystudio.retrieval.prompt_parse import parse_prompt
from melodystudio.retrieval.retriever import Filters, MelodyRetriever

PROMPTS = (
    "a lively Irish reel in D major, 8 bars",
    "a slow, tender lullaby in 3/4, D minor, 8 bars",
    "a jig in G, 8 bars, range D4-B5",
    "Chinese pop melody in E minor, 8 bars",
    "a stately Bach chorale in A minor, 8 bars",
)


def timed_ms(retriever: MelodyRetriever, engine: MelodyEngine, text: str, options: GuidedOptions) -> float:
    t0 = time.perf_counter()
    run_to_end(prompt_job(retriever, engine, text, options))
    return 1000 * (time.perf_counter() - t0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--threads", type=int, default=None,
                        help="onnxruntime intra-op threads of every model (default: as the application)")
    args = parser.parse_args()
    t0 = time.perf_counter()
    retriever = MelodyRetriever.load(threads=args.threads, user_dir=Path(os.devnull).parent / "nonexistent-user")
    t_retriever = time.perf_counter() - t0
    t0 = time.perf_counter()
    engine = MelodyEngine.load(provider="cpu", threads=args.threads)
    t_engine = time.perf_counter() - t0
    cases = {
        "guided, first result (1 variation)": GuidedOptions(bars=8, variations=1, seed=1),
        "guided, 4 variations": GuidedOptions(bars=8, variations=4, seed=1),
        "baseline: unguided, 1 variation": GuidedOptions(bars=8, variations=1, seed=1, use_reference=False),
        "baseline: unguided, 4 variations": GuidedOptions(bars=8, variations=4, seed=1, use_reference=False),
    }
    for text in PROMPTS:  # warm-up: first-run allocations of every session
        timed_ms(retriever, engine, text, cases["guided, first result (1 variation)"])
    timings: dict[str, list[float]] = {name: [] for name in cases}
    search_ms: list[float] = []
    notes_only_ms: list[float] = []  # baseline: the CLMP melody search alone (before the hybrid)
    for _ in range(args.repeat):
        for text in PROMPTS:
            for name, options in cases.items():
                timings[name].append(timed_ms(retriever, engine, text, options))
            t0 = time.perf_counter()
            retriever.search(text, top=10)
            search_ms.append(1000 * (time.perf_counter() - t0))
            t0 = time.perf_counter()
            spec = parse_prompt(text)
            retriever.nearest(retriever.embed_text([spec.text])[0], 10, Filters.of(spec))
            notes_only_ms.append(1000 * (time.perf_counter() - t0))
    print(f"machine: {cpu_model()}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; "
          f"onnxruntime threads {args.threads or f'as the application (engine {engine.threads})'}")
    print(f"load: retrieval models {t_retriever * 1000:.0f} ms, melody model {t_engine * 1000:.0f} ms")
    print(f"text search alone (MiniLM + projection + HNSW + descriptions, top 10): median "
          f"{statistics.median(search_ms):.1f} ms   p90 {_p90(search_ms):.1f} ms")
    print(f"baseline: melody-only search (MiniLM + projection + HNSW, top 10): median "
          f"{statistics.median(notes_only_ms):.1f} ms   p90 {_p90(notes_only_ms):.1f} ms")
    for name, values in timings.items():
        print(f"{name:<38} median {statistics.median(values):6.1f} ms   p90 "
              f"{_p90(values):6.1f} ms   ({len(values)} runs)")


def _p90(values: list[float]) -> float:
    return sorted(values)[int(0.9 * (len(values) - 1))]


if __name__ == "__main__":
    main()
