"""Text prompts: ``prompt`` (retrieval-guided generation), ``search``, ``similar`` and ``eval prompt``.

    melodystudio prompt "a lively Irish reel in D, 8 bars" -o reel.mid [--variations 4 --seed 7 --show-reference]
    melodystudio search "slow lullaby in 3/4" [--top 10]
    melodystudio similar tune.mid [--top 10]
    melodystudio eval prompt [--out reports/prompt] [--quick]

Variations go to OUT's stem + "-A", "-B", ...; ``--show-reference`` also writes the reference melody
that guided them to OUT's stem + "-reference".
"""

from __future__ import annotations

import argparse
import json
import string
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from melodystudio.cli.generate import add_engine_arguments, add_output_arguments
from melodystudio.cli.progress import run_with_progress
from melodystudio.core.errors import MelodyStudioError
from melodystudio.engine.api import MODELS_ENV
from melodystudio.io import load_song, save_song, writable_extensions

if TYPE_CHECKING:
    from melodystudio.retrieval.retriever import Match, MelodyRetriever

LETTERS = string.ascii_uppercase


def _args_retrieval(p: argparse.ArgumentParser) -> None:
    p.add_argument("--retrieval", type=Path, default=None,
                   help=f"retrieval model folder (default: ${MODELS_ENV}/retrieval, then models/retrieval)")


def _retriever(args: argparse.Namespace) -> MelodyRetriever:
    from melodystudio.retrieval.retriever import MelodyRetriever  # onnxruntime loads only for these commands

    return MelodyRetriever.load(args.retrieval)


def _match_rows(matches: list[Match]) -> list[dict[str, object]]:
    return [{"rank": i, "score": round(m.score, 4), "title": m.entry.title, "source": m.entry.source,
             "id": m.entry.tune_id, "key": m.entry.key_label, "meter": m.entry.meter, "bars": m.entry.bars,
             "caption": m.entry.caption} for i, m in enumerate(matches, 1)]


def _print_matches(matches: list[Match], as_json: bool) -> None:
    rows = _match_rows(matches)
    if as_json:
        print(json.dumps(rows, indent=1, ensure_ascii=False))
        return
    if not rows:
        print("no melody in the library matches these attributes")
    for r in rows:
        print(f"{r['rank']:>3}  {r['score']:.3f}  {str(r['title'])[:40]:<40}  {r['source']:<13} "
              f"{r['key'] or '?':<9} {r['meter'] or '?':<5} {r['caption']}")


# -- search / similar ---------------------------------------------------------------------------
def _args_search(p: argparse.ArgumentParser) -> None:
    p.add_argument("text", help="what the melody is like, e.g. \"a slow lullaby in 3/4, D minor\"")
    p.add_argument("--top", type=int, default=10, help="how many matches (default 10)")
    p.add_argument("--json", action="store_true", help="print the matches as JSON")
    _args_retrieval(p)


def _run_search(args: argparse.Namespace) -> int:
    from melodystudio.retrieval.prompt_parse import parse_prompt

    spec = parse_prompt(args.text)  # an empty prompt fails before the models load
    _print_matches(_retriever(args).search(spec, top=args.top), args.json)
    return 0


def _args_similar(p: argparse.ArgumentParser) -> None:
    p.add_argument("input", type=Path, help="a .mstudio, MIDI, MusicXML or ABC file")
    p.add_argument("--track", type=int, default=None, help="MIDI: number of the part to take as the melody")
    p.add_argument("--top", type=int, default=10, help="how many matches (default 10)")
    p.add_argument("--json", action="store_true", help="print the matches as JSON")
    _args_retrieval(p)


def _run_similar(args: argparse.Namespace) -> int:
    song, _ = load_song(args.input, **({"track": args.track} if args.track is not None else {}))
    _print_matches(_retriever(args).similar(song, top=args.top), args.json)
    return 0


# -- prompt --------------------------------------------------------------------------------------
def _args_prompt(p: argparse.ArgumentParser) -> None:
    p.add_argument("text", help="what to compose, e.g. \"a slow, tender lullaby in 3/4, D minor, 16 bars\"")
    add_output_arguments(p)
    p.add_argument("--bars", type=int, default=None, help="bars to compose (default: the prompt's, else 8)")
    p.add_argument("--show-reference", action="store_true", help="also write the reference melody (OUT-reference)")
    p.add_argument("--no-reference", action="store_true", help="compose without a reference (same constraints)")
    add_engine_arguments(p)
    _args_retrieval(p)


def _run_prompt(args: argparse.Namespace) -> int:
    from melodystudio.engine.melody import MelodyEngine
    from melodystudio.retrieval.guided import GuidedOptions, prompt_job
    from melodystudio.retrieval.prompt_parse import parse_prompt

    parse_prompt(args.text)  # an empty or impossible prompt fails before the models load
    out: Path = args.output
    if out.suffix.lower() not in writable_extensions():
        raise MelodyStudioError(f"cannot write '{out.suffix}' files; use one of {', '.join(writable_extensions())}")
    options = GuidedOptions(bars=args.bars, variations=args.variations, temperature=args.temperature,
                            top_p=args.top_p, seed=args.seed, use_reference=not args.no_reference,
                            pitch_temperature=args.pitch_temperature)
    retriever = _retriever(args)
    engine = MelodyEngine.load(args.model, provider=args.provider)
    out.parent.mkdir(parents=True, exist_ok=True)
    results = run_with_progress(prompt_job(retriever, engine, args.text, options), "composing")
    ref = results[0].reference
    if ref is None:
        print("reference: none fits the requested meter and mode; composed from scratch", file=sys.stderr)
    else:
        print(f"reference: {ref.describe()}, transposed {ref.transposition:+d} semitones")
        if args.show_reference:
            target = out.with_name(f"{out.stem}-reference{out.suffix}")
            save_song(retriever.song(ref.match), target)
            print(f"wrote {target}: the reference melody ({ref.match.entry.caption})")
    for i, r in enumerate(results):
        target = out.with_name(f"{out.stem}-{LETTERS[i]}{out.suffix}")
        save_song(r.song, target)
        print(f"wrote {target}: variation {LETTERS[i]}, {r.bars} bars, {r.key.label()}, {r.meter[0]}/{r.meter[1]}, "
              f"{len(r.song.notes)} notes, seed {r.seed}")
    return 0


# -- eval prompt ---------------------------------------------------------------------------------
def _args_eval(p: argparse.ArgumentParser) -> None:
    p.add_argument("--corpus", type=Path, default=Path("data_cache/corpus.npz"), help="the cached corpus")
    p.add_argument("--out", type=Path, default=Path("reports/prompt"), help="folder for eval.json and eval.md")
    p.add_argument("--prompts", type=int, default=60, help="generation prompts for adherence and similarity")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quick", action="store_true", help="a smoke run: few tunes and prompts")
    p.add_argument("--model", type=Path, default=None, help="melody model directory (default: models/melody)")
    _args_retrieval(p)


def _run_eval(args: argparse.Namespace) -> int:
    from melodystudio.cli.eval_data import BUILD_HINT
    from melodystudio.corpus.dataset import sidecar_path
    from melodystudio.training.clmp_eval import EvalSettings, evaluation, write_report

    if not args.corpus.is_file() or not sidecar_path(args.corpus).is_file():
        raise MelodyStudioError(f"no corpus cache at {args.corpus} (or its .json beside it): {BUILD_HINT}")
    settings = EvalSettings(args.corpus, args.prompts, args.seed, args.quick, args.model, args.retrieval)
    command = "melodystudio eval prompt " + " ".join(sys.argv[3:] if sys.argv[1:3] == ["eval", "prompt"] else [])
    result = run_with_progress(evaluation(settings, command.strip()), "evaluating")
    json_path, md_path = write_report(result, args.out)
    print(f"wrote {json_path} and {md_path}")
    return 0


COMMANDS = (
    ("prompt", "compose melodies from a text prompt, guided by a retrieved reference melody", _args_prompt,
     _run_prompt),
    ("search", "find library melodies that fit a text description (score: w x melody cosine + (1 - w) x "
               "description cosine, w = 0.45 from models/retrieval)", _args_search, _run_search),
    ("similar", "find library melodies similar to a melody file", _args_similar, _run_similar),
    ("eval-prompt", "text-to-melody retrieval and prompt adherence figures (melodystudio eval prompt)", _args_eval,
     _run_eval),
)
