"""Sub-commands that run the melody model: ``inpaint``, ``continue`` and ``score``.

Bars are 1-based and inclusive on the command line (``--bars 5-8``), 0-based in the engine. Each
variation is written as the whole song with the bars replaced, to OUT's stem + "-A", "-B", ...
unless ``--pick`` keeps one (same seed, same variations: the same result). ``--chords "C G Am F"``
sets one chord per generated bar (repeating) in place of the song's chords there, which a
chord-conditioned model then follows; ``--no-chords`` hides the chord track from the model.
"""

from __future__ import annotations

import argparse
import json
import re
import string
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from melodystudio.cli.progress import run_with_progress
from melodystudio.core import PPQ, Chord, ChordSymbol, Song, note_name, parse_note_name
from melodystudio.core.errors import MelodyStudioError
from melodystudio.engine.api import (
    DEFAULT_TOP_P,
    LYRIC_TOP_P,
    MODELS_ENV,
    PROVIDER_CHOICES,
    PROVIDER_ENV,
    GenerationOptions,
    ScoreResult,
    Variation,
)
from melodystudio.io import load_song, save_song, writable_extensions

if TYPE_CHECKING:
    from melodystudio.engine.melody import MelodyEngine

LETTERS = string.ascii_uppercase
_RANGE_RE = re.compile(r"^\s*([A-Ga-g][#b]?-?\d+|\d+)\s*(?:-|\.\.|:)\s*([A-Ga-g][#b]?-?\d+|\d+)\s*$")


# -- argument types ---------------------------------------------------------------------------
def bar_range(text: str) -> tuple[int, int]:
    """'5-8' or '5' (1-based, inclusive) -> (4, 7) (0-based)."""
    m = re.fullmatch(r"\s*(\d+)\s*(?:-\s*(\d+)\s*)?", text)
    if m is None:
        raise argparse.ArgumentTypeError(f"'{text}' is not a bar range (expected e.g. 5-8 or 5)")
    first, last = int(m.group(1)), int(m.group(2) or m.group(1))
    if first < 1 or last < first:
        raise argparse.ArgumentTypeError(f"bar range '{text}' must go from bar 1 or later, low to high")
    return first - 1, last - 1


def _pitch(text: str) -> int:
    if text.isdigit():
        if int(text) > 127:
            raise MelodyStudioError(f"pitch {text} is outside the MIDI range 0-127")
        return int(text)
    return parse_note_name(text)


def pitch_range(text: str) -> tuple[int, int]:
    """'C4-G5', 'C4..G5' or '60-79' -> (60, 79)."""
    m = _RANGE_RE.match(text)
    if m is None:
        raise argparse.ArgumentTypeError(f"'{text}' is not a pitch range (expected e.g. C4-G5 or 60-79)")
    try:
        low, high = _pitch(m.group(1)), _pitch(m.group(2))
    except MelodyStudioError as e:
        raise argparse.ArgumentTypeError(str(e)) from None
    if low > high:
        raise argparse.ArgumentTypeError(f"pitch range '{text}' goes from high to low")
    return low, high


def chord_list(text: str) -> list[ChordSymbol | None]:
    """'C G Am F' (spaces or commas; N.C. for no chord) -> chord symbols, None for no chord."""
    names = [t for t in re.split(r"[\s,|]+", text.strip()) if t]
    if not names:
        raise argparse.ArgumentTypeError("--chords needs at least one chord, e.g. \"C G Am F\"")
    try:
        return [ChordSymbol.parse(n) for n in names]
    except MelodyStudioError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def with_chords(song: Song, first_bar: int, last_bar: int, chords: list[ChordSymbol | None]) -> Song:
    """A copy of ``song`` whose chords in bars first_bar..last_bar are ``chords``, one per bar, repeating."""
    out = song.copy()
    start, end = out.bar_range_ticks(first_bar, last_bar)
    placed = []
    for i, bar in enumerate(range(first_bar, last_bar + 1)):
        symbol = chords[i % len(chords)]
        if symbol is not None:
            b0, b1 = out.bar_range_ticks(bar, bar)
            placed.append(Chord(b0, b1 - b0, symbol))
    out.set_chords(placed, start, end)
    return out


def pick(text: str) -> int:
    """'2' or 'B' -> 1 (0-based index of the variation)."""
    t = text.strip().upper()
    if t.isdigit() and int(t) >= 1:
        return int(t) - 1
    if len(t) == 1 and t in LETTERS:
        return LETTERS.index(t)
    raise argparse.ArgumentTypeError(f"'{text}' is not a variation (a number from 1 or a letter A, B, ...)")


# -- shared options ---------------------------------------------------------------------------
def _args_model(p: argparse.ArgumentParser) -> None:
    p.add_argument("input", type=Path, help="a .mstudio, MIDI, MusicXML or ABC file")
    p.add_argument("--track", type=int, default=None, help="MIDI: number of the part to take as the melody")
    add_engine_arguments(p)


def add_engine_arguments(p: argparse.ArgumentParser) -> None:
    """--model and --provider (read by ``load_engine``)."""
    p.add_argument("--model", type=Path, default=None,
                   help=f"model directory (default: ${MODELS_ENV}, then models/melody)")
    p.add_argument("--provider", choices=PROVIDER_CHOICES, default="auto",
                   help=f"onnxruntime provider (default: auto = CUDA when available; "
                        f"${PROVIDER_ENV} sets auto's choice)")


def _args_sampling(p: argparse.ArgumentParser) -> None:
    add_sampling_arguments(p)
    chords = p.add_mutually_exclusive_group()
    chords.add_argument("--chords", type=chord_list, default=None, metavar="\"C G Am F\"",
                        help="one chord per generated bar, repeating; replaces the song's chords there")
    chords.add_argument("--no-chords", action="store_true",
                        help="generate without hearing the chord track (a chord-conditioned model)")


def add_output_arguments(p: argparse.ArgumentParser) -> None:
    """-o, --variations, --temperature, --top-p and --seed: what every generating command takes."""
    p.add_argument("-o", "--output", type=Path, required=True,
                   help=f"output file ({', '.join(writable_extensions())}); variations add -A, -B, ... to its name")
    d = GenerationOptions()
    p.add_argument("--variations", type=int, default=d.variations, help=f"how many, 1-16 (default {d.variations})")
    p.add_argument("--temperature", type=float, default=d.temperature, help=f"0.05-3.0 (default {d.temperature})")
    p.add_argument("--pitch-temperature", type=float, default=None,
                   help="the pitches' own temperature, 0.05-3.0 (default: the temperature; for lyrics 7/9 of it)")
    p.add_argument("--top-p", type=float, default=None,
                   help=f"nucleus mass, (0, 1] (default {DEFAULT_TOP_P}; for lyrics {LYRIC_TOP_P}, no cut)")
    p.add_argument("--seed", type=int, default=None, help="seed for reproducible results (default: a fresh one)")


def add_sampling_arguments(p: argparse.ArgumentParser) -> None:
    """-o and the sampling options (read by ``generation_options`` and ``write_variations``)."""
    add_output_arguments(p)
    p.add_argument("--key-lock", action="store_true", help="only pitches of the song's key")
    p.add_argument("--range", type=pitch_range, default=None, metavar="LOW-HIGH",
                   help="pitch range, e.g. C4-G5 or 60-79")
    p.add_argument("--pick", type=pick, default=None, metavar="N",
                   help="write only variation N (1, 2, ... or A, B, ...)")


def generation_options(args: argparse.Namespace) -> GenerationOptions:
    if args.pick is not None and args.pick >= args.variations:
        raise MelodyStudioError(f"--pick {args.pick + 1} asks for a variation beyond the {args.variations} generated")
    return GenerationOptions(variations=args.variations, temperature=args.temperature, top_p=args.top_p,
                             pitch_temperature=args.pitch_temperature, seed=args.seed, key_lock=args.key_lock,
                             pitch_range=args.range,
                             keep_rhythm=getattr(args, "keep_rhythm", False),
                             use_chords=not getattr(args, "no_chords", False))


def _chorded(song: Song, first: int, last: int, args: argparse.Namespace, engine: MelodyEngine) -> Song:
    """The song with ``--chords`` placed on the bars to generate (unchanged without the option)."""
    if args.chords is None:
        return song
    if not engine.supports_chords:
        print("  note: this model does not hear chords; --chords only sets the written chord track", file=sys.stderr)
    return with_chords(song, first, last, args.chords)


def _load(args: argparse.Namespace) -> Song:
    song, report = load_song(args.input, **({"track": args.track} if args.track is not None else {}))
    for line in report.lines():
        print(f"  note: {line}", file=sys.stderr)
    return song


def load_engine(args: argparse.Namespace) -> MelodyEngine:
    """The model of --model / --provider, saying on stderr which one runs where."""
    from melodystudio.engine.melody import MelodyEngine  # onnxruntime loads only for these commands

    engine = MelodyEngine.load(args.model, provider=args.provider)
    print(f"model: {engine.model_dir} on {engine.provider}", file=sys.stderr)
    return engine




# -- inpaint / continue -----------------------------------------------------------------------
def write_variations(song: Song, variations: list[Variation], args: argparse.Namespace,
                     describe: Callable[[Variation, Song], str] | None = None) -> None:
    """Each variation (or the --pick one) placed into a copy of the song and saved: OUT-A, OUT-B, ...
    (OUT itself for --pick); one line per file, ``describe`` saying what was written."""
    chosen = [args.pick] if args.pick is not None else range(len(variations))
    out: Path = args.output
    for i in chosen:
        v = variations[i]
        target = out if args.pick is not None else out.with_name(f"{out.stem}-{LETTERS[i]}{out.suffix}")
        result = song.copy()
        result.replace_bars(v.first_bar, v.last_bar, v.notes)
        save_song(result, target)
        what = describe(v, result) if describe else f"bars {v.first_bar + 1}-{v.last_bar + 1}, {len(v.notes)} notes"
        print(f"wrote {target}: variation {LETTERS[i]}, {what}, seed {v.seed}, {v.mean_nll:.2f} nats/token")


def _run_inpaint(args: argparse.Namespace) -> int:
    song = _load(args)
    options = generation_options(args)
    engine = load_engine(args)
    first, last = args.bars
    song = _chorded(song, first, last, args, engine)
    variations = run_with_progress(engine.inpaint(song, first, last, options), "generating")
    write_variations(song, variations, args)
    return 0


def _args_inpaint(p: argparse.ArgumentParser) -> None:
    _args_model(p)
    p.add_argument("--bars", type=bar_range, required=True, metavar="FIRST-LAST", help="bars to regenerate, e.g. 5-8")
    p.add_argument("--keep-rhythm", action="store_true", help="keep the onsets and lengths, regenerate pitches only")
    _args_sampling(p)


def _run_continue(args: argparse.Namespace) -> int:
    song = _load(args)
    options = generation_options(args)
    engine = load_engine(args)
    if args.chords is not None:
        from melodystudio.engine.context import continuation_bars

        song = _chorded(song, *continuation_bars(song, args.bars, engine.limits), args, engine)
    variations = run_with_progress(engine.continuation(song, args.bars, options), "generating")
    write_variations(song, variations, args)
    return 0


def _args_continue(p: argparse.ArgumentParser) -> None:
    _args_model(p)
    p.add_argument("--bars", type=int, required=True, metavar="N", help="how many bars to add after the last note")
    _args_sampling(p)


# -- score ------------------------------------------------------------------------------------
def score_rows(song: Song, result: ScoreResult) -> list[dict[str, object]]:
    tl = song.timeline
    rows = []
    for i, s in enumerate(result.notes, 1):
        bar = tl.bar_at(s.note.onset)
        rows.append({"note": i, "bar": bar + 1, "beat": round((s.note.onset - tl.bar_start(bar)) / PPQ + 1, 3),
                     "pitch": note_name(s.note.pitch), "quarters": round(s.note.duration / PPQ, 3),
                     "kind_bits": round(s.kind, 3), "onset_bits": round(s.onset, 3),
                     "duration_bits": round(s.duration, 3), "pitch_bits": round(s.pitch, 3),
                     "total_bits": round(s.total, 3)})
    return rows


def _run_score(args: argparse.Namespace) -> int:
    song = _load(args)
    engine = load_engine(args)
    result = run_with_progress(engine.score(song), "scoring")
    rows = score_rows(song, result)
    means = {"pitch": result.mean_pitch_bits, "duration": result.mean_duration_bits,
             "onset": result.mean_onset_bits, "total": result.mean_total_bits}
    if args.json:
        print(json.dumps({"notes": rows, "mean_bits": {k: round(v, 3) for k, v in means.items()},
                          "windows": result.windows}, indent=1))
        return 0
    print("surprisal in bits (each note given the notes before it)")
    print(f"{'#':>4} {'bar':>4} {'beat':>6} {'note':>5} {'quarters':>8} {'kind':>6} {'onset':>6} {'dur':>6} "
          f"{'pitch':>6} {'total':>6}")
    for r in rows:
        print(f"{r['note']:>4} {r['bar']:>4} {r['beat']:>6} {r['pitch']:>5} {r['quarters']:>8} {r['kind_bits']:>6.2f} "
              f"{r['onset_bits']:>6.2f} {r['duration_bits']:>6.2f} {r['pitch_bits']:>6.2f} {r['total_bits']:>6.2f}")
    print("mean bits per note: " + ", ".join(f"{k} {v:.2f}" for k, v in means.items())
          + f" ({len(rows)} notes, {result.windows} window{'s' if result.windows > 1 else ''})")
    return 0


def _args_score(p: argparse.ArgumentParser) -> None:
    _args_model(p)
    p.add_argument("--json", action="store_true", help="print the table and means as JSON")


COMMANDS = (
    ("inpaint", "regenerate some bars of a melody with the model (several variations)", _args_inpaint, _run_inpaint),
    ("continue", "add bars after the last note with the model (several variations)", _args_continue, _run_continue),
    ("score", "how surprising each note is to the model (bits per note, left to right)", _args_score, _run_score),
)
