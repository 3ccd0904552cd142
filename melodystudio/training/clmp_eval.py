"""``melodystudio eval prompt``: text-to-melody retrieval, prompt adherence and reference similarity.

Retrieval: every shippable *test* tune (never trained on, not in the shipped library) is queried by
captions from the *held-out* templates; the gallery is all those test tunes. CLMP ranks them by the
cosine of the projected text and melody embeddings (the melody alone: no metadata); description
ranks them by the cosine of the query's and each tune's fixed description (metadata and measured
features in words, ``LibraryTune.description``) in the shipped int8 PCA space; hybrid fuses the two
with the shipped weight (chosen on validation tunes); the BM25 baseline ranks the same tunes by their
training-template captions (their metadata in words).
Adherence: generated melodies for prompts with explicit key, meter, bars and range, checked
afterwards. Similarity: overlapping area (OA) of pitch and duration distributions between each
generated melody and its reference, versus a random library melody transposed the same way.
"""

from __future__ import annotations

import math
import re
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from melodystudio.core.progress import Job, Progress
from melodystudio.corpus.dataset import load_corpus
from melodystudio.evaluation import report
from melodystudio.evaluation.metrics import overlapping_area
from melodystudio.evaluation.report import cpu_model
from melodystudio.retrieval.attributes import guess_key, song_attributes, tonic_name
from melodystudio.training.clmp_data import library_tunes

BM25_K1, BM25_B = 1.2, 0.75
QUERIES_PER_TUNE = 2
QUICK_TUNES, QUICK_PROMPTS = 60, 4
PROMPT_KINDS = {"6/8": ("jig", "Irish jig"), "3/4": ("waltz", "lullaby", "folk song"),
                "4/4": ("reel", "Chinese pop song", "chorale"), "2/4": ("German folk song", "polka")}


@dataclass(frozen=True)
class EvalSettings:
    corpus: Path
    prompts: int
    seed: int
    quick: bool
    model: Path | None
    retrieval: Path | None


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9#/]+", text.lower())


def bm25_scores(queries: Sequence[str], documents: Sequence[str]) -> np.ndarray:
    """(Q, D) Okapi BM25 scores (k1 = 1.2, b = 0.75, idf = ln(1 + (N - n + 0.5) / (n + 0.5)))."""
    docs = [Counter(words(d)) for d in documents]
    lengths = np.array([sum(d.values()) for d in docs], np.float64)
    df = Counter(w for d in docs for w in d)
    n = len(docs)
    out = np.zeros((len(queries), n))
    for qi, q in enumerate(queries):
        for w in set(words(q)):
            if w not in df:
                continue
            idf = math.log(1 + (n - df[w] + 0.5) / (df[w] + 0.5))
            tf = np.array([d.get(w, 0) for d in docs], np.float64)
            out[qi] += idf * tf * (BM25_K1 + 1) / (tf + BM25_K1 * (1 - BM25_B + BM25_B * lengths / lengths.mean()))
    return out


def rank_figures(scores: np.ndarray, truth: np.ndarray) -> dict[str, float]:
    """Recall@1/5/10 and median rank of the true item; ties count half (expected rank, random tie-break)."""
    true = scores[np.arange(len(scores)), truth][:, None]
    ranks = 1 + (scores > true).sum(1) + 0.5 * ((scores == true).sum(1) - 1)
    return {"R@1": float((ranks <= 1).mean()), "R@5": float((ranks <= 5).mean()),
            "R@10": float((ranks <= 10).mean()), "median_rank": float(np.median(ranks)), "queries": len(ranks),
            "gallery": scores.shape[1]}


def retrieval_section(retriever: Any, tunes: Sequence[Any]) -> dict[str, Any]:
    from melodystudio.retrieval.description import dequantize, fuse, quantize
    from melodystudio.retrieval.melody_embedding import melody_tokens

    queries = [t.caption(q, held_out=True) for t in tunes for q in range(QUERIES_PER_TUNE)]
    truth = np.repeat(np.arange(len(tunes)), QUERIES_PER_TUNE)
    melody = retriever.melody.embed_tokens([melody_tokens(t.song, retriever.melody.tokenizer) for t in tunes])
    text, described = retriever.embed_query(queries)
    clmp = text @ melody.T
    space = retriever.descriptions.space  # the shipped vectors are int8: the test tunes' go through the same
    gallery = dequantize(quantize(space.project(retriever.text.embed([t.description for t in tunes]))))
    description = described @ gallery.T
    hybrid = fuse(clmp, description, retriever.descriptions.weight)
    documents = [" ".join(t.caption(i) for i in range(3)) for t in tunes]
    from melodystudio.retrieval.prompt_parse import parse_prompt
    from melodystudio.retrieval.retriever import Filters

    entries = [_entry(t) for t in tunes]
    everything = np.ones(len(tunes), bool)
    allowed = np.stack([_or(Filters.of(parse_prompt(q)).allowed(entries), everything) for q in queries])
    return {"clmp": rank_figures(clmp, truth),
            "clmp_with_prompt_filters": rank_figures(np.where(allowed, clmp, -2.0), truth),
            "description": rank_figures(description, truth),
            "hybrid": rank_figures(hybrid, truth),
            "hybrid_with_prompt_filters": rank_figures(np.where(allowed, hybrid, -2.0), truth),
            "melody_weight": retriever.descriptions.weight,
            "bm25_captions": rank_figures(bm25_scores(queries, documents), truth),
            "random": {"R@1": 1 / len(tunes), "R@5": 5 / len(tunes), "R@10": 10 / len(tunes),
                       "median_rank": (len(tunes) + 1) / 2},
            "example_queries": queries[:6]}


def _or(mask: np.ndarray | None, default: np.ndarray) -> np.ndarray:
    return default if mask is None else mask


def _entry(tune: Any) -> Any:
    from melodystudio.retrieval.library import LibraryEntry

    return LibraryEntry.of(tune.title, tune.source, tune.tune_id, "", tune.attrs, tune.song)


def make_prompts(n: int, rng: np.random.Generator) -> list[str]:
    """Prompts with every hard attribute explicit: key + mode, meter, bars, range (and a tempo word)."""
    out = []
    for _ in range(n):
        meter = str(rng.choice(list(PROMPT_KINDS)))
        kind = str(rng.choice(PROMPT_KINDS[meter]))
        mode = str(rng.choice(["major", "minor"], p=[0.6, 0.4]))
        tonic = tonic_name(int(rng.integers(12)), mode)
        bars = int(rng.choice([4, 8, 16]))
        low = int(rng.integers(55, 65))
        span = int(rng.choice([12, 14, 17, 19]))
        from melodystudio.core import note_name

        tempo = str(rng.choice(["slow", "lively", "moderate", ""]))
        out.append(f"a {tempo} {kind} in {tonic} {mode}, {meter}, {bars} bars, range "
                   f"{note_name(low)}-{note_name(low + span)}".replace("a  ", "a "))
    return out


def adherence(result: Any) -> dict[str, bool | None]:
    song, spec = result.song, result.spec
    notes = song.notes
    key = result.key
    scale = key.scale_pitch_classes
    tl = song.timeline
    meter_ok = len(song.time_signatures) == 1 and str(song.time_signatures[0]) in spec.meters
    bars_ok = bool(notes) and tl.bar_at(notes[-1].end - 1) == result.bars - 1 and tl.bar_at(notes[0].onset) == 0
    lo, hi = spec.pitch_range
    estimated = guess_key(np.array([n.pitch for n in notes]), np.array([n.duration for n in notes])) if notes else None
    return {"key_scale": bool(notes) and all(n.pitch % 12 in scale for n in notes),
            "key_estimated": estimated == (key.tonic_pc, key.mode),
            "mode_estimated": estimated is not None and estimated[1] == key.mode,
            "meter": meter_ok, "bars": bars_ok, "range": bool(notes) and all(lo <= n.pitch <= hi for n in notes),
            # the song's tempo is the requested one (a bpm, or what the tempo word sets); None: none asked
            "tempo": None if spec.bpm is None else len(song.tempos) == 1 and abs(song.tempos[0].bpm - spec.bpm) < 0.5}


def _rates(checks: Sequence[dict[str, bool | None]]) -> dict[str, float]:
    """Share of the prompts meeting each attribute, over the prompts that asked for it."""
    out = {}
    for k in checks[0] if checks else {}:
        asked = [bool(c[k]) for c in checks if c[k] is not None]
        if asked:
            out[k] = sum(asked) / len(asked)
    return out


def similarity(result: Any, random_ref: Any) -> dict[str, float]:
    gen = result.song.notes
    ref = result.reference.context.notes
    rnd = random_ref.context.notes
    return {"pitch_oa_reference": overlapping_area([n.pitch for n in gen], [n.pitch for n in ref]),
            "pitch_oa_random": overlapping_area([n.pitch for n in gen], [n.pitch for n in rnd]),
            "duration_oa_reference": overlapping_area([n.duration / 40 for n in gen], [n.duration / 40 for n in ref]),
            "duration_oa_random": overlapping_area([n.duration / 40 for n in gen], [n.duration / 40 for n in rnd])}


def evaluation(settings: EvalSettings, command: str) -> Job[dict[str, Any]]:
    from melodystudio.engine.melody import MelodyEngine
    from melodystudio.retrieval.guided import GuidedOptions, prompt_job, reference_for
    from melodystudio.retrieval.retriever import Match, MelodyRetriever

    started = time.perf_counter()
    yield Progress(0.0, "loading")
    retriever = MelodyRetriever.load(settings.retrieval)
    engine = MelodyEngine.load(settings.model, provider="cpu")
    tunes = library_tunes(load_corpus(settings.corpus), splits=("test",))
    if settings.quick:
        tunes = tunes[:: max(1, len(tunes) // QUICK_TUNES)][:QUICK_TUNES]
    yield Progress(0.1, "retrieval")
    retrieval = retrieval_section(retriever, tunes)
    rng = np.random.default_rng(settings.seed)
    prompts = make_prompts(QUICK_PROMPTS if settings.quick else settings.prompts, rng)
    checks: list[dict[str, bool | None]] = []
    baseline_checks: list[dict[str, bool | None]] = []
    reference_keys: list[bool] = []
    sims: list[dict[str, float]] = []
    seconds, unguided_seconds, rows = [], [], []
    for i, text in enumerate(prompts):
        yield Progress(0.2 + 0.8 * i / len(prompts), f"prompt {i + 1} of {len(prompts)}")
        t0 = time.perf_counter()
        (result,) = yield from prompt_job(retriever, engine, text, GuidedOptions(variations=1, seed=settings.seed + i))
        seconds.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        (unguided,) = yield from prompt_job(retriever, engine, text, GuidedOptions(
            variations=1, seed=settings.seed + i, use_reference=False))
        unguided_seconds.append(time.perf_counter() - t0)
        checks.append(adherence(result))
        baseline_checks.append(adherence(unguided))
        if result.reference is not None:  # the key-finding measure on the human reference itself
            ctx = result.reference.context.notes
            reference_keys.append(guess_key(np.array([n.pitch for n in ctx]), np.array([n.duration for n in ctx]))
                                  == (result.key.tonic_pc, result.key.mode))
        if result.reference is not None:
            label = int(rng.integers(len(retriever.library)))
            fake = Match(0.0, retriever.library.entries[label], label)
            sims.append(similarity(result, reference_for(retriever, fake, result.spec, 8)))
        rows.append({"prompt": text, "reference": result.reference.describe() if result.reference else None,
                     "notes": len(result.song.notes), **checks[-1],
                     "measured": asdict(song_attributes(result.song)) if result.song.notes else None})
    rate = _rates(checks)
    baseline_rate = _rates(baseline_checks)
    return {
        "suite": "prompt", "command": command, "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpu": cpu_model(), "cores": __import__("os").cpu_count()},
        "retrieval_manifest_sha256": {k: v["sha256"] for k, v in retriever.files.manifest["files"].items()},
        "retrieval": retrieval, "adherence": rate, "adherence_unguided_baseline": baseline_rate,
        "reference_key_estimated": float(np.mean(reference_keys)) if reference_keys else None,
        "prompts": len(prompts),
        "similarity": {k: float(np.mean([s[k] for s in sims])) for k in sims[0]} if sims else {},
        "seconds_per_prompt": {"guided": float(np.median(seconds)) if seconds else None,
                               "unguided_baseline": float(np.median(unguided_seconds)) if seconds else None},
        "cases": rows, "seconds": round(time.perf_counter() - started, 1),
    }


def render(result: dict[str, Any]) -> str:
    r = result["retrieval"]
    lines = ["# Prompt evaluation", "", f"`{result['command']}` on {result['machine']['cpu']} "
             f"({result['machine']['cores']} cores), {result['date']}", "",
             f"## Text-to-melody retrieval ({r['clmp']['queries']} held-out-template captions of "
             f"{r['clmp']['gallery']} test tunes)", "", "| method | R@1 | R@5 | R@10 | median rank |",
             "|---|---|---|---|---|"]
    for name in ("clmp", "clmp_with_prompt_filters", "description", "hybrid", "hybrid_with_prompt_filters",
                 "bm25_captions", "random"):
        f = r[name]
        lines.append(f"| {name} | {f['R@1']:.3f} | {f['R@5']:.3f} | {f['R@10']:.3f} | {f['median_rank']:.1f} |")
    lines += ["", f"clmp: text vs melody embedding (notes only); description: query vs the tune's fixed description "
                  f"(metadata + measured features, int8 PCA); hybrid: {r['melody_weight']:.2f} x clmp + "
                  f"{1 - r['melody_weight']:.2f} x description (weight chosen on validation tunes); "
                  "bm25_captions: BM25 over the tunes' training-template captions."]
    lines += ["", f"## Attribute adherence ({result['prompts']} prompts, 1 variation each)", "",
              "| attribute | guided | unguided baseline |", "|---|---|---|"]
    base = result["adherence_unguided_baseline"]
    lines += [f"| {k} | {v:.1%} | {base[k]:.1%} |" for k, v in result["adherence"].items()]
    if result["reference_key_estimated"] is not None:
        lines += ["", f"key_estimated (Krumhansl-Schmuckler key of the notes = the requested key) on the "
                      f"retrieved references' context bars themselves: {result['reference_key_estimated']:.1%}."]
    lines += ["", "## Distribution similarity (overlapping area, %)", "",
              "| | retrieved reference | random reference |", "|---|---|---|"]
    s = result["similarity"]
    if s:
        lines.append(f"| pitch | {s['pitch_oa_reference']:.1f} | {s['pitch_oa_random']:.1f} |")
        lines.append(f"| duration | {s['duration_oa_reference']:.1f} | {s['duration_oa_random']:.1f} |")
    t = result["seconds_per_prompt"]
    lines += ["", f"Median seconds per prompt (1 variation, incl. retrieval): guided {t['guided']:.3f}, "
                  f"unguided baseline {t['unguided_baseline']:.3f}.", ""]
    return "\n".join(lines)


def write_report(result: dict[str, Any], out: Path) -> tuple[Path, Path]:
    return report.write_report(result, out, "eval", render)
