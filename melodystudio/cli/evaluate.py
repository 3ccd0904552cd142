"""``melodystudio eval``: the melody model's figures on the corpus's Essen test split, with baselines.

    melodystudio eval [--model DIR] [--corpus data_cache/corpus.npz] [--cases N] [--seed S] [--quick] [--out reports/]

Three sections: per-note NLL against Kneser-Ney pitch n-grams (``eval_nll``), inpainting 2-4 bars
and continuing by 8 bars (``eval_fills``). Writes OUT/eval.json (every figure, the machine, the
model's manifest sha256, the corpus build statistics, timings) and OUT/eval.md (a table per
section). Same seed, model, corpus and case count: the same cases and the same fills.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from melodystudio.core.progress import Job, Progress, run_to_end
from melodystudio.engine.api import MODELS_ENV, PROVIDER_CHOICES, PROVIDER_ENV
from melodystudio.evaluation import report

TEST_SOURCE, TEST_SPLIT = "essenFolksong", "test"
NGRAM_ORDER = 5
DEFAULT_CASES = 200  # inpainting cases; continuation gets half as many
QUICK_TUNES, QUICK_CASES = 12, 6  # --quick: a smoke run of every section (CI)
# share of the progress bar each stage takes (the NLL and the fills dominate)
STAGES = (("reading", 0.05), ("ngram", 0.05), ("nll", 0.3), ("inpainting", 0.35), ("continuation", 0.25))

NOTES = (
    "NLL figures are natural-log (nats) and base-2 (bits) means per note; perplexity = exp(mean nats).",
    "Inpainting cases: a test tune, then 2-4 consecutive bars holding a note after a bar holding a note, drawn "
    "with --seed. Continuation cases: a test tune, its first 4-8 bars (the last one holding a note) as the "
    "prompt, the next 8 bars (within the tune, holding a note) as the truth.",
    "NLL of the true bars: the model scores the true notes teacher-forced under the same GLM prompt it "
    "inpaints from (window around the bars, one MASK in their place), each note given the context on both sides "
    "and the true notes before it in the blank, plus the END closing the blank.",
    "Overlaps: histogram overlap (sum of bin minima, 1 = identical) of pitch classes and of durations in "
    "1/12-quarter units; 'mean' per fill (an empty fill scores 0), 'pooled' over all fills of a method.",
    "In key: share of a fill's notes in the scale of the key at the blank (natural minor for minor keys). "
    "Bar fit: every note inside the blank and no two overlapping; the model is constrained to it while "
    "sampling and the baselines build it in.",
    "Baselines fill the same bars without seeing them: 'n-gram' samples pitches from the order-5 Kneser-Ney model "
    "given every pitch before (temperature 0.9) on durations drawn from the tune's own earlier durations, back to "
    "back until the bars are full; 'copy previous bar' repeats the bar before the blank in every blank bar; "
    "'random in-key' keeps that rhythm with pitches uniform over the key's scale within the tune's range so far.",
    "Repetition (continuation): bar similarity is the mean Jaccard similarity of the 8 bars' (onset, interval) "
    "sets; repeated bars are filled bars equal to an earlier one of the 8 (exact or transposed); 'incl. prompt' "
    "also counts repeats of prompt bars.",
)


@dataclass(frozen=True)
class EvalSettings:
    model: Path | None
    corpus: Path
    cases: int
    seed: int
    quick: bool
    provider: str
    ngram_sources: list[str] | None

    @property
    def inpaint_cases(self) -> int:
        return min(self.cases, QUICK_CASES) if self.quick else self.cases

    @property
    def continuation_cases(self) -> int:
        return max(1, self.inpaint_cases // 2)


def evaluation(settings: EvalSettings, command: str) -> Job[dict[str, Any]]:
    """Load, run the three sections, return the JSON-ready result (progress over the whole run)."""
    from melodystudio.cli import eval_data, eval_fills, eval_nll
    from melodystudio.cli.eval_common import machine
    from melodystudio.core.progress import within
    from melodystudio.engine.melody import MelodyEngine

    corpus = eval_data.open_corpus(settings.corpus)  # first: a missing cache is the likeliest problem
    timings: dict[str, float] = {}
    clock = time.monotonic()
    engine = MelodyEngine.load(settings.model, provider=settings.provider)
    timings["load_model"] = time.monotonic() - clock
    bounds = _stage_bounds()

    def stage(name: str, job: Job[Any]) -> Job[Any]:
        start = time.monotonic()
        result = yield from within(job, *bounds[name])
        timings[name] = time.monotonic() - start
        return result

    limit = QUICK_TUNES if settings.quick else None
    test = yield from stage("reading", eval_data.load_test_tunes(corpus, TEST_SOURCE, TEST_SPLIT, limit))
    sources, chosen_by = eval_data.ngram_sources(corpus, engine.files.manifest, settings.ngram_sources)
    sequences = eval_data.train_pitch_sequences(corpus, sources)
    ngram = yield from stage("ngram", eval_data.train_ngram(sequences, NGRAM_ORDER))
    nll = yield from stage("nll", eval_nll.nll_section(engine, test.tunes, ngram))
    cases = eval_fills.inpaint_cases(test.tunes, settings.inpaint_cases, np.random.default_rng([settings.seed, 0]))
    inpainting = yield from stage("inpainting",
                                  eval_fills.inpaint_section(engine, test.tunes, cases, ngram, settings.seed))
    cases = eval_fills.continuation_cases(test.tunes, settings.continuation_cases,
                                          np.random.default_rng([settings.seed, 1]))
    continuation = yield from stage("continuation",
                                    eval_fills.continuation_section(engine, test.tunes, cases, ngram, settings.seed))
    timings["total"] = time.monotonic() - clock
    yield Progress(1.0, "writing: the report")
    return {
        "format": "melodystudio-eval", "version": 1, "command": command,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "options": {"cases": settings.inpaint_cases, "continuation_cases": settings.continuation_cases,
                    "seed": settings.seed, "quick": settings.quick, "provider": settings.provider},
        "machine": machine(engine.provider, engine.threads),
        "model": _model_facts(engine),
        "corpus": eval_data.corpus_facts(corpus, settings.corpus, TEST_SOURCE),
        "test_set": test.to_dict(),
        "ngram": {"order": NGRAM_ORDER, "sources": sources, "sources_chosen_by": chosen_by, "split": "train",
                  "train_tunes": len(sequences), "train_notes": int(sum(len(s) for s in sequences))},
        "sections": {"nll": nll, "inpainting": inpainting, "continuation": continuation},
        "timings": {k: round(v, 2) for k, v in timings.items()},
        "notes": list(NOTES),
    }


def _stage_bounds() -> dict[str, tuple[float, float]]:
    bounds, at = {}, 0.0
    for name, share in STAGES:
        bounds[name] = (at, at + share)
        at += share
    return bounds


def _model_facts(engine: Any) -> dict[str, Any]:  # engine: MelodyEngine (onnxruntime imported lazily)
    from melodystudio.engine.model_files import file_sha256

    manifest = engine.files.manifest
    training = manifest.get("training") or {}
    return {"directory": str(engine.model_dir), "manifest_sha256": file_sha256(engine.model_dir / "manifest.json"),
            "model_config": manifest.get("model_config"), "training_step": training.get("step"),
            "training_metrics": training.get("metrics"), "files": manifest.get("files")}


# -- writing ----------------------------------------------------------------------------------------
def write_report(result: dict[str, Any], out: Path) -> tuple[Path, Path]:
    from melodystudio.evaluation.melody_eval_report import render

    return report.write_report(result, out, "eval", render)


# -- the command ------------------------------------------------------------------------------------
def _args_eval(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", type=Path, default=None,
                   help=f"model directory (default: ${MODELS_ENV}, then models/melody)")
    p.add_argument("--corpus", type=Path, default=Path("data_cache/corpus.npz"),
                   help="corpus cache from `python -m melodystudio.corpus.build` (default data_cache/corpus.npz)")
    p.add_argument("--cases", type=int, default=DEFAULT_CASES,
                   help=f"inpainting cases; continuation gets half (default {DEFAULT_CASES})")
    p.add_argument("--seed", type=int, default=0, help="seed of the case choice and of every fill (default 0)")
    p.add_argument("--quick", action="store_true",
                   help=f"smoke run: {QUICK_TUNES} tunes scored, at most {QUICK_CASES} inpainting cases")
    p.add_argument("--out", type=Path, default=Path("reports"), help="folder for eval.json and eval.md")
    p.add_argument("--provider", choices=PROVIDER_CHOICES, default="auto",
                   help=f"onnxruntime provider (default: auto; ${PROVIDER_ENV} sets auto's choice)")
    p.add_argument("--ngram-sources", default=None, metavar="A,B",
                   help="corpus sources the n-gram baseline trains on (default: those of the model's training set "
                        "when they can be matched, else training.prepare's defaults)")


def _run_eval(args: argparse.Namespace) -> int:
    from melodystudio.core.errors import MelodyStudioError

    if args.cases < 1 or args.seed < 0:
        raise MelodyStudioError("--cases must be 1 or more and --seed 0 or more")
    given = [s.strip() for s in args.ngram_sources.split(",") if s.strip()] if args.ngram_sources else None
    settings = EvalSettings(args.model, args.corpus, args.cases, args.seed, args.quick, args.provider, given)
    result = run_to_end(evaluation(settings, _command(args)), _progress_printer())
    json_path, md_path = write_report(result, args.out)
    _print_summary(result)
    print(f"wrote {json_path} and {md_path}")
    return 0


def _command(args: argparse.Namespace) -> str:
    """The command line that reproduces this run (every option spelled out)."""
    parts = ["melodystudio eval", f"--corpus {args.corpus}", f"--cases {args.cases}", f"--seed {args.seed}",
             f"--out {args.out}", f"--provider {args.provider}"]
    parts += [f"--model {args.model}"] if args.model is not None else []
    parts += ["--quick"] if args.quick else []
    parts += [f"--ngram-sources {args.ngram_sources}"] if args.ngram_sources else []
    return " ".join(parts)


def _progress_printer() -> Callable[[Progress], None]:
    """A progress line on a terminal; elsewhere one line per stage (the text before ':')."""
    tty, seen = sys.stderr.isatty(), set()

    def show(p: Progress) -> None:
        stage = p.message.split(":", 1)[0]
        if tty:
            print(f"\r  {p.fraction:4.0%} {p.message:<60}", end="", file=sys.stderr, flush=True)
        elif stage not in seen:
            seen.add(stage)
            print(f"  {stage} ...", file=sys.stderr, flush=True)

    return show


def _print_summary(result: dict[str, Any]) -> None:
    if sys.stderr.isatty():
        print(file=sys.stderr)
    nll, sections = result["sections"]["nll"], result["sections"]
    print(f"model {result['model']['directory']} on {result['machine']['provider']}: "
          f"{nll['notes']} test notes in {nll['tunes']} tunes")
    print(f"  pitch perplexity: model {_f(nll['model']['pitch_perplexity'])}, n-gram "
          f"{_f(nll['ngram']['pitch_perplexity'])}, short-term mix {_f(nll['short_term_mix']['pitch_perplexity'])}")
    for name in ("inpainting", "continuation"):
        s = sections[name]
        fits = ", ".join(f"{m} {_f(t['bar_fit_rate'])}" for m, t in s["methods"].items())
        print(f"  {name}: {s['cases']} cases, true bars {_f(s['nll_true_bars']['model_per_token']['nats'])} "
              f"nats/token; bar fit {fits}")


def _f(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


COMMANDS = (
    ("eval", "evaluate the melody model on the corpus's Essen test tunes, with n-gram and copy baselines",
     _args_eval, _run_eval),
)
