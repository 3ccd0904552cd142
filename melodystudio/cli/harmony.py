"""Sub-commands for harmony: ``harmonize`` (add a chord track) and ``eval-chords`` (``melodystudio eval chords``).

    melodystudio harmonize IN [--bars 5-8] [--per beat|half-bar|bar] [--rich] [--change-rate X] [--keep-chords] -o OUT
    melodystudio eval chords [--model DIR] [--data data_cache/harmony.npz] [--per half-bar] [--split test] [--out DIR]

``eval chords`` scores the harmonizer and the rule-based baseline (``harmony.rules``) on the same
segments of the pop909 test songs and of the held-out lead sheets (openewld test split), per
segment (``harmony.measures``); it writes OUT/eval.json and OUT/eval.md.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from melodystudio.cli.progress import run_with_progress
from melodystudio.core.errors import MelodyStudioError
from melodystudio.core.progress import Job, Progress, run_to_end
from melodystudio.engine.api import MODELS_ENV, PROVIDER_CHOICES, PROVIDER_ENV

if TYPE_CHECKING:
    from melodystudio.engine.harmonizer import Harmonizer

PER_CHOICES = ("beat", "half-bar", "bar")
TEST_SETS = (("pop909", "pop909"), ("lead sheets (openewld)", "openewld"))
METHODS = ("model", "model (maj/min only)", "model arg-max (no decoding)", "rules", "rules (maj/min only)")


def _args_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", type=Path, default=None,
                   help=f"harmonizer directory (default: ${MODELS_ENV}/harmonizer, then models/harmonizer)")
    p.add_argument("--provider", choices=PROVIDER_CHOICES, default="auto",
                   help=f"onnxruntime provider (default: auto; ${PROVIDER_ENV} sets auto's choice)")


def _harmonizer(args: argparse.Namespace) -> Harmonizer:
    from melodystudio.engine.harmonizer import Harmonizer

    return Harmonizer.load(args.model, args.provider)


# -- harmonize -------------------------------------------------------------------------------
def _args_harmonize(p: argparse.ArgumentParser) -> None:
    from melodystudio.cli.generate import bar_range
    from melodystudio.io import writable_extensions

    p.add_argument("input", type=Path, help="a .mstudio, MIDI, MusicXML or ABC file")
    p.add_argument("-o", "--output", type=Path, required=True, help=f"output file ({', '.join(writable_extensions())})")
    p.add_argument("--bars", type=bar_range, default=None, metavar="A-B", help="only these bars (default: all)")
    p.add_argument("--per", choices=PER_CHOICES, default="half-bar", help="one chord per ... (default half-bar)")
    p.add_argument("--rich", action="store_true", help="7ths, maj7, m7, dim, m7b5, aug, sus (default: maj/min only)")
    p.add_argument("--change-rate", type=float, default=1.0,
                   help="how often chords change: 1 = as in the training songs, 0.5 fewer, 2 more (default 1)")
    p.add_argument("--keep-chords", action="store_true", help="keep the song's chords and fill only the gaps")
    p.add_argument("--track", type=int, default=None, help="MIDI: number of the part to take as the melody")
    _args_common(p)


def _run_harmonize(args: argparse.Namespace) -> int:
    from melodystudio.engine.harmonizer import HarmonizeOptions
    from melodystudio.io import load_song, save_song

    options = HarmonizeOptions(args.per, args.rich, args.change_rate)  # bad options fail before loading
    song, report = load_song(args.input, **({"track": args.track} if args.track is not None else {}))
    for line in report.lines():
        print(f"  note: {line}", file=sys.stderr)
    if args.keep_chords:
        options = HarmonizeOptions(args.per, args.rich, args.change_rate, song.chords)
    first, last = args.bars if args.bars is not None else (0, song.bar_count - 1)
    if last >= song.bar_count:
        raise MelodyStudioError(f"bars {first + 1}-{last + 1}: the song has {song.bar_count} bars")
    result = run_with_progress(_harmonizer(args).harmonize(song, first, last, options), "harmonizing")
    song.apply(result.edit)
    save_song(song, args.output)
    bars = song.timeline.bar_at(result.start) + 1, song.timeline.bar_at(result.end - 1) + 1
    print(f"{len(result.chords)} chords for bars {bars[0]}-{bars[1]}: "
          f"{' '.join(str(c.symbol) for c in result.chords[:24])}{' ...' if len(result.chords) > 24 else ''}")
    print(f"wrote {args.output}")
    return 0


# -- eval chords -----------------------------------------------------------------------------
@dataclass(frozen=True)
class ChordEvalSettings:
    model: Path | None
    data: Path
    per: str
    split: str
    songs: int  # per test set; 0 = all
    provider: str


def chord_evaluation(settings: ChordEvalSettings, command: str) -> Job[dict[str, Any]]:
    """Every method on every test set; the JSON-ready result."""
    import numpy as np

    from melodystudio.cli.eval_common import machine
    from melodystudio.corpus.harmony_data import HarmonySet
    from melodystudio.engine.harmonizer import Harmonizer
    from melodystudio.harmony.decode import decode
    from melodystudio.harmony.measures import ChordAccuracy
    from melodystudio.harmony.rules import harmonize_rules
    from melodystudio.harmony.segments import segment_classes

    data = HarmonySet(settings.data)
    t0 = time.time()
    harmonizer = Harmonizer.load(settings.model, settings.provider)
    load_s = time.time() - t0
    trans = harmonizer.bigrams.log_transitions(settings.per)
    sets = {name: data.indices(settings.split, (source,)) for name, source in TEST_SETS}
    if settings.songs:
        sets = {k: v[:settings.songs] for k, v in sets.items()}
    total = max(1, sum(len(v) for v in sets.values()))
    results: dict[str, Any] = {}
    timing = {"model_s": 0.0, "decode_s": 0.0, "rules_s": 0.0}
    done = 0
    for name, indices in sets.items():
        acc = {m: ChordAccuracy() for m in METHODS}
        for i in indices:
            song = data.song(i)
            t = time.time()
            segs, probs = run_to_end(harmonizer.segment_probs(song, settings.per, 0, song.bar_count - 1))
            timing["model_s"] += time.time() - t
            target = segment_classes(song.chords, segs)
            t = time.time()
            acc["model"].add(decode(probs, trans, rich=True, decoding=harmonizer.decoding), target)
            acc["model (maj/min only)"].add(decode(probs, trans, rich=False, decoding=harmonizer.decoding), target)
            timing["decode_s"] += time.time() - t
            acc["model arg-max (no decoding)"].add(np.argmax(probs[:, 1:], axis=1) + 1, target)
            t = time.time()
            acc["rules"].add(harmonize_rules(song, segs, rich=True), target)
            acc["rules (maj/min only)"].add(harmonize_rules(song, segs, rich=False), target)
            timing["rules_s"] += time.time() - t
            done += 1
            yield Progress(done / total, f"{name}: {song.title}")
        results[f"{name} {settings.split}"] = {"songs": len(indices), "methods": {m: a.rates() for m, a in acc.items()}}
    return {
        "suite": "chords", "command": command, "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "seed": None, "deterministic": True,
        "settings": {"per": settings.per, "split": settings.split, "songs": settings.songs,
                     "data": str(settings.data), "model": str(harmonizer.directory)},
        "model_manifest": {k: harmonizer.manifest.get(k) for k in ("model_config", "files", "graph", "decoding",
                                                                   "training")},
        "data_meta": data.meta, "machine": machine(harmonizer.provider, 0),
        "timings": {"load_s": load_s, **timing}, "results": results,
        "notes": [f"Per {settings.per} segment; segments annotated 'no chord' are left out. root: same root pitch "
                  "class; maj/min: the same major/minor reading (7 -> maj, m7 -> min, sus -> maj, dim -> min); "
                  "full: the same class of the 121-class vocabulary (12 roots x 10 qualities + no chord).",
                  "model: Viterbi over the model's probabilities with the training songs' chord bigrams (weight and "
                  "hold offset from the model's manifest), change rate 1, all 10 qualities; maj/min only: the same "
                  "restricted to major and minor chords; arg-max: the most probable chord of each segment alone.",
                  "The lead-sheet test split is the held-out lead sheets: openewld files whose name's SHA-1 falls "
                  "in the first 15% (corpus/harmony_data.py); none of them is seen in training.",
                  "rules: duration-weighted pitch-class profile of each segment vs chord templates, diatonic and "
                  "primary chords of the key preferred, ties and silences hold the previous chord "
                  "(melodystudio.harmony.rules)."]}


def render_markdown(result: dict[str, Any]) -> str:
    s = result["settings"]
    lines = [f"# Chord suggestion: model vs rule-based baseline ({s['split']} split, per {s['per']})", "",
             f"`{result['command']}`", "",
             f"Machine: {result['machine']['cpu']}, {result['machine']['cores']} cores, "
             f"onnxruntime {result['machine']['onnxruntime']} ({result['machine']['provider']}). "
             f"Date {result['date']}. Deterministic (no sampling).", ""]
    for name, r in result["results"].items():
        first = next(iter(r["methods"].values()))
        lines += [f"## {name}: {r['songs']} songs, {first['segments']} segments", "",
                  "| method | root | maj/min | full vocabulary |", "| --- | --- | --- | --- |"]
        for m, v in r["methods"].items():
            cells = [f"{100 * v[k]:.1f}%" if v[k] is not None else "-" for k in ("root", "majmin", "full")]
            lines.append(f"| {m} | {' | '.join(cells)} |")
        lines.append("")
    t = result["timings"]
    lines += [f"Timings: model load {t['load_s']:.2f} s, model {t['model_s']:.1f} s, decoding {t['decode_s']:.1f} s, "
              f"rules {t['rules_s']:.1f} s.", "", *(f"- {n}" for n in result["notes"]), ""]
    return "\n".join(lines)


def _args_eval(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", type=Path, default=Path("data_cache/harmony.npz"),
                   help="from `python -m melodystudio.corpus.harmony_data` (default data_cache/harmony.npz)")
    p.add_argument("--per", choices=PER_CHOICES, default="half-bar", help="segment size (default half-bar)")
    p.add_argument("--split", choices=("test", "valid"), default="test", help="default test")
    p.add_argument("--songs", type=int, default=0, help="at most this many songs per test set (default all)")
    p.add_argument("--out", type=Path, default=Path("reports/chords"), help="folder for eval.json and eval.md")
    _args_common(p)


def _run_eval(args: argparse.Namespace) -> int:
    from melodystudio.evaluation.report import json_safe
    from melodystudio.io.atomic import write_atomically

    settings = ChordEvalSettings(args.model, args.data, args.per, args.split, args.songs, args.provider)
    command = "melodystudio " + " ".join(sys.argv[1:]) if sys.argv[1:] else "melodystudio eval chords"
    result = json_safe(run_with_progress(chord_evaluation(settings, command), "evaluating"))
    args.out.mkdir(parents=True, exist_ok=True)
    write_atomically(args.out / "eval.json", (json.dumps(result, indent=1) + "\n").encode())
    write_atomically(args.out / "eval.md", render_markdown(result).encode("utf-8"))
    print(render_markdown(result))
    print(f"wrote {args.out / 'eval.json'} and {args.out / 'eval.md'}", file=sys.stderr)
    return 0


COMMANDS = (
    ("harmonize", "suggest chords for the melody and write the song with its chord track", _args_harmonize,
     _run_harmonize),
    ("eval-chords", "harmonizer accuracy vs the rule-based baseline (run as `melodystudio eval chords`)",
     _args_eval, _run_eval),
)
