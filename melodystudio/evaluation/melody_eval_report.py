"""The Markdown page of a melody evaluation, written from its JSON result (``melodystudio eval``).

Only formatting lives here: every figure is in the JSON, and the page shows it with its units.
A missing figure (no case produced it) shows as a dash.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

DASH = "–"
METHOD_NAMES = {"model": "model", "ngram": "n-gram pitches + tune's durations",
                "copy_previous_bar": "copy previous bar",
                "random_in_key": "random in-key pitches, previous bar's rhythm", "human": "human (true bars)"}


def fmt(value: float | int | None, digits: int = 3) -> str:
    if value is None:
        return DASH
    return str(value) if isinstance(value, int) else f"{value:.{digits}f}"


def pct(value: float | None) -> str:
    return DASH if value is None else f"{100 * value:.1f}%"


def table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    return ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|",
            *("| " + " | ".join(r) + " |" for r in rows)]


def render(result: dict[str, Any]) -> str:
    """The whole page."""
    sections = result["sections"]
    lines = [*_header(result), "", *_nll(sections["nll"]), ""]
    lines += _fills("2. Inpainting 2-4 bars of test tunes", sections["inpainting"], repetition=False)
    lines += ["", *_fills("3. Continuing test tunes by 8 bars from their first 4-8 bars", sections["continuation"],
                          repetition=True)]
    lines += ["", *_timings(result["timings"]), "", *_method_notes(result)]
    return "\n".join(lines) + "\n"


def _header(r: dict[str, Any]) -> list[str]:
    m, c, model, ts, ng = r["machine"], r["corpus"], r["model"], r["test_set"], r["ngram"]
    return [
        "# Melody model evaluation", "",
        f"- run: {r['created']}, `{r['command']}`" + (" (quick smoke run: small samples)" if r["options"]["quick"]
                                                        else ""),
        f"- model: `{model['directory']}`, manifest sha256 `{model['manifest_sha256']}`, "
        f"training step {fmt(model.get('training_step'))}, provider {m['provider']}",
        f"- machine: {m['cpu']}, {m['cores']} cores ({m['usable_cores']} usable), onnxruntime {m['onnxruntime']} "
        f"with {m['onnx_threads']} threads, {m['platform']}",
        f"- corpus: `{c['path']}` (sha256 `{c['sha256'][:16]}...`, {c['tunes']} tunes, built in "
        f"{fmt(c['build_seconds'], 0)} s from {', '.join(c['sources_built'] or [])})",
        f"- corpus build, {ts['source']}: {_build_cells(c['test_source'].get(ts['source']))}",
        f"- test tunes: {ts['source']} {ts['split']} split: {ts['used']} of {ts['in_corpus']} used "
        f"({ts['from_source_files']} read again from their ABC file; left out: {ts['left_out'] or 'none'})",
        f"- n-gram baseline: order {ng['order']}, trained on the train split of {', '.join(ng['sources'])} "
        f"({ng['train_tunes']} tunes, {ng['train_notes']} notes); sources: {ng['sources_chosen_by']}",
    ]


def _build_cells(splits: dict[str, dict[str, int]] | None) -> str:
    """'train 7319 tunes / 390000 notes (3 failed, 40 duplicates), valid ...' from the build statistics."""
    if not splits:
        return DASH
    return ", ".join(f"{name} {c['tunes']} tunes / {c['notes']} notes ({c['failed']} failed, {c['duplicates']} "
                     f"duplicates dropped)" for name, c in splits.items())


def _nll(s: dict[str, Any]) -> list[str]:
    model, attrs = s["model"], s["model"]["attributes"]
    rows = [["model", "whole note (kind + onset + duration + pitch)", *_nll_cells(model["note"], False)]]
    rows += [["model", f"{name} only", *_nll_cells(attrs[name])] for name in ("kind", "onset", "duration", "pitch")]
    rows += [[f"{name} (order {s[key]['order']})", "pitch", *_nll_cells(s[key]["pitch"])]
             for key, name in (("ngram", "Kneser-Ney n-gram"), ("short_term_mix", "n-gram + short-term mix"))]
    return [
        f"## 1. Per-note NLL on the test tunes ({s['tunes']} tunes, {s['notes']} notes)", "",
        *table(["predictor", "predicts", "nats/note", "bits/note", "perplexity"], rows), "",
        f"Pitch perplexity: model {fmt(model['pitch_perplexity'], 2)}, n-gram "
        f"{fmt(s['ngram']['pitch_perplexity'], 2)}, short-term mix {fmt(s['short_term_mix']['pitch_perplexity'], 2)}. "
        f"{s['tunes_cut_into_windows']} tunes were longer than one model window ({s['model_windows']} windows in all).",
        "", "Conditioned on:", "",
        *(f"- **{k.replace('_', ' ')}**: {v}" for k, v in s["conditioning"].items()),
    ]


def _nll_cells(f: dict[str, float | None], perplexity: bool = True) -> list[str]:
    """nats, bits and perplexity; a sum over several attributes gets no perplexity (it is no
    branching factor of one choice)."""
    return [fmt(f["nats"]), fmt(f["bits"]), fmt(f["perplexity"], 2) if perplexity else DASH]


def _fills(title: str, s: dict[str, Any], repetition: bool) -> list[str]:
    nll = s["nll_true_bars"]
    out = [f"## {title}", "", _fills_intro(s), "", "NLL of the true bars:", "",
           *table(["what", "nats", "bits", "perplexity"], [
               ["model, per token (each true note + the closing END)", *_nll_cells(nll["model_per_token"], False)],
               ["model, pitch per true note", *_nll_cells(nll["model_pitch"])],
               ["n-gram, pitch per true note (given every pitch before)", *_nll_cells(nll["ngram_pitch"])],
               ["model, the closing END per blank", *_nll_cells(nll["model_end"], False)],
               ["model's own sampled fills, per token", *_nll_cells(nll["model_sampled_fills_per_token"], False)]]),
           "", "Fills against the true bars:", ""]
    head = ["method", "pitch-class overlap (mean / pooled)", "duration overlap (mean / pooled)", "in key",
            "bar fit", "notes per fill (true)", "empty fills"]
    if repetition:
        head += ["bar similarity", "repeated bars", "repeats incl. prompt"]
    rows = []
    for method, m in s["methods"].items():
        row = [METHOD_NAMES.get(method, method), f"{fmt(m['pc_overlap_mean'])} / {fmt(m['pc_overlap_pooled'])}",
               f"{fmt(m['dur_overlap_mean'])} / {fmt(m['dur_overlap_pooled'])}", pct(m["in_key"]),
               pct(m["bar_fit_rate"]), f"{fmt(m['notes_mean'], 1)} ({fmt(m['true_notes_mean'], 1)})",
               fmt(m["empty_fills"])]
        if repetition:
            row += [fmt(m.get("similarity_mean")), pct(m.get("repeat_share")), pct(m.get("prompt_repeat_share"))]
        rows.append(row)
    return out + table(head, rows)


def _fills_intro(s: dict[str, Any]) -> str:
    nll = s["nll_true_bars"]
    scored = f"{nll['cases_scored']} scored teacher-forced, {nll['true_notes']} true notes"
    if nll.get("unscored"):
        scored += f"; not scored: {nll['unscored']}"
    text = (f"{s['cases']} cases ({scored}), {s['variations']} fills per method and case; model sampled at "
            f"temperature {s['temperature']}, top-p {s['top_p']}.")
    return text + (f" Skipped: {s['skipped']}." if s["skipped"] else "")


def _timings(t: dict[str, float]) -> list[str]:
    return ["## Timings", "", *table(["stage", "seconds"], [[k.replace("_", " "), f"{v:.1f}"] for k, v in t.items()])]


def _method_notes(r: dict[str, Any]) -> list[str]:
    return ["## How to read this", "", *(f"- {line}" for line in r["notes"])]
