"""``melodystudio eval chords-melody`` and ``eval lyrics-setting``: does the conditioned model follow
the chords and the lyric? Measured on held-out songs against the same model with the condition
hidden, the previous (unconditioned) model and the human melodies of the same bars.

    melodystudio eval chords-melody [--model DIR] [--baseline models/melody] [--cases 100] [--seed 0] [--out reports/]
    melodystudio eval lyrics-setting [same options]

chords-melody: POP909 test songs, 4 bars refilled per case (inpainting, the song's chords kept).
lyrics-setting: the bars of 1-2 lyric phrases of lyrics_melody test songs (``--source lyrics_melody``;
their meter is unknown, bars are assumed 4/4 from the first note) or 2-4 fully sung bars of the
OpenEWLD test lead sheets (``--source openewld``, real meters and chords), set to their syllables
(one note per syllable for every method; 'hidden' and the previous model get the same count rule).
``--split valid`` draws the same kinds of cases from the validation songs instead (to choose a setting
without looking at the test songs). Writes OUT/<suite>.json and OUT/<suite>.md.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from melodystudio.core import Note, Song
from melodystudio.core.errors import MelodyStudioError
from melodystudio.core.progress import Job, Progress, run_to_end
from melodystudio.engine.api import MODELS_ENV, PROVIDER_CHOICES, GenerationOptions

VARIATIONS = 2  # fills per case and method
METHODS = ("conditioned", "hidden", "previous", "human")
LABELS = {"conditioned": "model, condition given", "hidden": "same model, condition hidden",
          "previous": "previous model (chords given, lyrics hidden)", "human": "human melody"}


@dataclass
class Case:
    song: Song
    first_bar: int
    last_bar: int
    syllables: list[Any] | None = None  # lyrics.Syllable per note to set (lyrics-setting)


def chord_cases(count: int, rng: np.random.Generator, split: str = "test") -> list[Case]:
    """4-bar spans of POP909 test songs with chords and at least 4 melody notes."""
    from melodystudio.corpus.pop909 import iter_pop909

    songs = [t.song for t in iter_pop909() if t.split == split]
    cases = []
    for i in range(count):
        song = songs[i % len(songs)]
        for _ in range(20):
            first = int(rng.integers(0, max(song.bar_count - 4, 1)))
            start, end = song.bar_range_ticks(first, first + 3)
            if len(song.notes_between(start, end)) >= 4 and song.chords_between(start, end):
                cases.append(Case(song, first, first + 3))
                break
    return cases


def lyric_cases(count: int, rng: np.random.Generator, split: str = "test") -> list[Case]:
    """The bars of 1-2 consecutive phrases of lyrics_melody test songs, every note there a syllable."""
    from melodystudio.corpus.conditioned_lyrics import positions_in_words, stresses_by_word
    from melodystudio.corpus.lyrics_melody import iter_lyrics_melody
    from melodystudio.lyrics.syllables import Stress, Syllable, WordPosition

    tunes = [t for t in iter_lyrics_melody() if t.split == split]
    cases: list[Case] = []
    for i in range(count):
        tune = tunes[int(rng.integers(len(tunes)))] if i >= len(tunes) else tunes[i]
        song, meta = tune.song, tune.meta
        phrase = np.array(meta["phrase"])
        p0 = int(rng.integers(phrase.max() + 1))
        idx = np.flatnonzero((phrase >= p0) & (phrase <= p0 + int(rng.integers(0, 2))))
        tl = song.timeline
        first, last = tl.bar_at(song.notes[idx[0]].onset), tl.bar_at(song.notes[idx[-1]].onset)
        if last - first > 7:
            continue
        start, end = song.bar_range_ticks(first, last)
        sel = [k for k, n in enumerate(song.notes) if start <= n.onset < end]
        texts = [str(meta["syllables"][k]) for k in sel]
        words = [int(meta["word"][k]) for k in sel]
        stress = stresses_by_word(texts, words)
        positions = positions_in_words(words)
        syllables = [Syllable(t, Stress(s) if s else Stress.UNSTRESSED, w, int(meta["phrase"][k]), WordPosition(p))
                     for t, s, w, k, p in zip(texts, stress, words, sel, positions)]
        cases.append(Case(song, first, last, syllables))
    return cases


def lead_sheet_cases(count: int, rng: np.random.Generator, split: str = "test") -> list[Case]:
    """2-4 bars of OpenEWLD test lead sheets in which every note carries a syllable."""
    from melodystudio.corpus import paths
    from melodystudio.corpus.conditioned_lyrics import name_split, stresses_by_word
    from melodystudio.io import load_song
    from melodystudio.lyrics.syllables import Stress, Syllable, WordPosition

    files = [f for f in sorted((paths.data_root() / "openewld").glob("*.mxl")) if name_split(f.name) == split]
    positions = {"single": WordPosition.SINGLE, "begin": WordPosition.BEGIN, "middle": WordPosition.MIDDLE,
                 "end": WordPosition.END}
    cases: list[Case] = []
    songs = [load_song(f)[0] for f in files]
    for i in range(count):
        song = songs[i % len(songs)]
        align = song.lyric_alignment()
        for _ in range(20):
            n_bars = int(rng.integers(2, 5))
            first = int(rng.integers(0, max(song.bar_count - n_bars, 1)))
            start, end = song.bar_range_ticks(first, first + n_bars - 1)
            sel = [k for k, n in enumerate(song.notes) if start <= n.onset < end]
            if len(sel) < 4 or any(align[k] is None or song.notes[k].lyric is None for k in sel):
                continue
            lyrics = [song.notes[k].lyric for k in sel]
            texts = [None if ly.melisma else ly.text for ly in lyrics]  # type: ignore[union-attr]
            words = [align[k][0] for k in sel]  # type: ignore[index]
            stress = stresses_by_word(texts, words)
            syllables = [Syllable(ly.text, Stress(s) if s else Stress.UNSTRESSED, w, align[k][1],  # type: ignore
                                  positions[ly.syllabic.value], melisma=ly.melisma)  # type: ignore[union-attr]
                         for ly, s, w, k in zip(lyrics, stress, words, sel)]
            cases.append(Case(song, first, first + n_bars - 1, syllables))
            break
    return cases


def _fills(engine: Any, case: Case, method: str, seed: int) -> list[tuple[Note, ...]]:
    opts = GenerationOptions(variations=VARIATIONS, seed=seed, use_chords=method != "hidden")
    if case.syllables is not None:
        job = engine.lyrics(case.song, case.first_bar, case.last_bar, case.syllables, opts,
                            use_lyrics=method == "conditioned")
    else:
        job = engine.inpaint(case.song, case.first_bar, case.last_bar, opts)
    return [v.notes for v in run_to_end(job)]


def _human(case: Case) -> tuple[Note, ...]:
    return tuple(case.song.notes_between(*case.song.bar_range_ticks(case.first_bar, case.last_bar)))


def run_suite(suite: str, model: Path | None, baseline: Path | None, count: int, seed: int,
              provider: str, source: str = "lyrics_melody", split: str = "test") -> Job[dict[str, Any]]:
    from melodystudio.cli.eval_common import machine
    from melodystudio.engine.melody import MelodyEngine
    from melodystudio.evaluation import chord_fit

    engine = MelodyEngine.load(model, provider=provider)
    previous = MelodyEngine.load(baseline, provider=provider) if baseline is not None else None
    rng = np.random.default_rng([seed, 11])
    cases = chord_cases(count, rng, split) if suite == "chords-melody" else \
        lead_sheet_cases(count, rng, split) if source == "openewld" else lyric_cases(count, rng, split)
    methods = [m for m in METHODS if m != "previous" or previous is not None]
    sung: dict[str, list[list[chord_fit.SungNote]]] = {m: [] for m in methods}
    clock = time.monotonic()
    skipped = 0
    for i, case in enumerate(cases):
        stresses = [int(s.stress) for s in case.syllables] if case.syllables is not None else None
        try:
            fills = {m: [_human(case)] if m == "human" else
                     _fills(previous if m == "previous" else engine, case, m, seed + 10 * i) for m in methods}
        except MelodyStudioError:  # e.g. more syllables than the bars can hold at a sixteenth each
            skipped += 1
            continue
        for method in methods:
            sung[method] += [chord_fit.sung_notes(case.song, f, stresses) for f in fills[method]]
        yield Progress((i + 1) / len(cases), f"{suite}: case {i + 1} of {len(cases)}")
    figures = {m: _figures(sung[m], sung["human"], suite) for m in methods}
    return {"format": "melodystudio-eval-conditioned", "version": 1, "suite": suite,
            "source": source if suite != "chords-melody" else "pop909", "split": split,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": machine(engine.provider, engine.threads), "cases": len(cases) - skipped, "skipped": skipped,
            "variations": VARIATIONS,
            "model": str(engine.model_dir), "model_manifest": engine.files.manifest.get("files"),
            "baseline": str(previous.model_dir) if previous else None, "seconds": round(time.monotonic() - clock, 1),
            "methods": {LABELS[m]: f for m, f in figures.items()}}


def _figures(fills: list[list[Any]], human: list[list[Any]], suite: str) -> dict[str, Any]:
    from melodystudio.evaluation import chord_fit

    notes = [n for f in fills for n in f]
    ref = [n for f in human for n in f]
    strong, strong_n = chord_fit.chord_tone_counts(notes, strong_only=True)
    every, every_n = chord_fit.chord_tone_counts(notes, strong_only=False)
    out: dict[str, Any] = {"fills": len(fills), "notes_per_fill": len(notes) / max(len(fills), 1),
                           **{f"overlap_with_human_{k}": v for k, v in chord_fit.overlap_with(ref, notes).items()}}
    if suite == "chords-melody":
        out |= {"strong_beat_chord_tones": strong / strong_n if strong_n else None, "strong_beat_notes": strong_n,
                "all_chord_tones": every / every_n if every_n else None}
    else:
        out |= chord_fit.stress_alignment(fills)
    return out


def markdown(result: dict[str, Any], command: str) -> str:
    rows = result["methods"]
    keys = sorted({k for r in rows.values() for k in r})
    lines = [f"# eval {result['suite']}", "", f"`{command}`", "",
             f"{result['cases']} cases x {result['variations']} fills; model `{result['model']}`, previous "
             f"`{result['baseline']}`; {result['machine']['cpu']} ({result['machine']['cores']} cores), "
             f"{result['seconds']} s.", "", "| measure | " + " | ".join(rows) + " |",
             "| --- |" + " --- |" * len(rows)]
    for k in keys:
        cells = [rows[m].get(k) for m in rows]
        lines.append(f"| {k} | " + " | ".join("-" if v is None else f"{v:.3f}" if isinstance(v, float) else str(v)
                                               for v in cells) + " |")
    return "\n".join(lines) + "\n"


def _args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", type=Path, default=None, help=f"the conditioned model (default: ${MODELS_ENV}, then "
                                                              "models/melody)")
    p.add_argument("--baseline", type=Path, default=None, help="a previous model to compare with (optional)")
    p.add_argument("--cases", type=int, default=100, help="cases (default 100)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", type=Path, default=Path("reports"))
    p.add_argument("--provider", choices=PROVIDER_CHOICES, default="auto")
    p.add_argument("--source", choices=("lyrics_melody", "openewld"), default="lyrics_melody",
                   help="lyrics-setting: the test songs to set (default lyrics_melody)")
    p.add_argument("--split", choices=("test", "valid"), default="test",
                   help="songs of the test split (default) or of the validation split, for choosing settings")


def _runner(suite: str) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        from melodystudio.evaluation.report import json_safe
        from melodystudio.io.atomic import write_atomically

        if args.cases < 1 or args.seed < 0:
            raise MelodyStudioError("--cases must be 1 or more and --seed 0 or more")
        command = " ".join([f"melodystudio eval {suite}", f"--cases {args.cases}", f"--seed {args.seed}",
                            f"--out {args.out}", f"--provider {args.provider}",
                            *([f"--source {args.source}"] if suite == "lyrics-setting" else []),
                            *([f"--split {args.split}"] if args.split != "test" else []),
                            *([f"--model {args.model}"] if args.model else []),
                            *([f"--baseline {args.baseline}"] if args.baseline else [])])
        result = run_to_end(run_suite(suite, args.model, args.baseline, args.cases, args.seed, args.provider,
                                      args.source, args.split), _printer())
        result["command"] = command
        args.out.mkdir(parents=True, exist_ok=True)
        safe = json_safe(result)
        name = suite if suite == "chords-melody" else f"{suite}-{args.source}"
        write_atomically(args.out / f"{name}.json", (json.dumps(safe, indent=1) + "\n").encode())
        write_atomically(args.out / f"{name}.md", markdown(safe, command).encode())
        print(markdown(safe, command))
        print(f"wrote {args.out / (name + '.json')} and {args.out / (name + '.md')}")
        return 0

    return run


def _printer() -> Callable[[Progress], None]:
    last = [0.0]

    def show(p: Progress) -> None:
        if p.fraction - last[0] >= 0.1 or p.fraction >= 1.0:
            last[0] = p.fraction
            print(f"  {p.fraction:4.0%} {p.message}", file=sys.stderr, flush=True)

    return show


def _iter_commands() -> Iterator[tuple[str, str, Callable[[argparse.ArgumentParser], None],
                                       Callable[[argparse.Namespace], int]]]:
    yield ("eval-chords-melody", "does the melody model follow the chords? (POP909 test songs, with baselines)",
           _args, _runner("chords-melody"))
    yield ("eval-lyrics-setting", "does the melody model set syllables well? (lyrics_melody test songs, with "
           "baselines)", _args, _runner("lyrics-setting"))


COMMANDS = tuple(_iter_commands())
