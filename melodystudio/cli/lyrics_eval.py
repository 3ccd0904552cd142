"""``melodystudio eval lyrics``: lyric-to-melody figures on lyrics_melody test songs, with a baseline.

    melodystudio eval lyrics [--model DIR] [--data F] [--cases 100] [--seed 0] [--draws 1] [--quick]
        [--out reports/]

For each case (``corpus.lyric_cases``: a test song's opening phrases, 8-16 bars of 4/4, and its human
melody) the engine sets the syllables over the same bars twice: with the syllables heard by the model
(``lyrics``) and with them hidden (``baseline``: the same model and count rule, one note per
syllable, no lyric input). Each set is compared with the human melodies by SongGLM's metrics
(``evaluation.lyrics_metrics``), and each melody, the human ones included, by where its stressed
syllables fall. With ``--draws K`` every case is set K times with other seeds: SongGLM's figures are
then the mean over the K sets (each set scored alone, as SongGLM scores one) with their standard
deviation, and the placement shares pool all K. One draw of 400 songs moves DD by about one point
from seed to seed, so settings are compared on the mean of several. Writes OUT/lyrics_eval.json
(every figure, the cases, the machine, the model) and OUT/lyrics_eval.md. Same model, data, seed,
draws and case count: the same cases and melodies.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from melodystudio.core import Note, Song, TempoChange
from melodystudio.core.errors import MelodyStudioError
from melodystudio.core.progress import Job, Progress, run_to_end, within
from melodystudio.engine.api import MODELS_ENV, PROVIDER_CHOICES, PROVIDER_ENV, GenerationOptions
from melodystudio.lyrics import Stress, Syllable

DEFAULT_CASES, QUICK_CASES = 100, 8
MAX_DRAWS = 20
DRAW_SEED_STEP = 1_000_000  # draw k sets case i with seed --seed * 1000 + i + k * DRAW_SEED_STEP
TRAIN_SPLIT = "train"  # where the human reference melodies of other songs come from
TEMPO_BPM = 120.0  # the source's eighth-note unit at its median pace (lyrics_melody README)
SYSTEMS = ("lyrics", "baseline")
# SongGLM (Yu et al., AAAI 2025), Table 1, on its own test data: DA, DP, DD, DIOI in percent, MD.
PUBLISHED = {"SongGLM small": {"DA": 94.32, "DP": 96.48, "DD": 95.34, "DIOI": 93.44, "MD": 4.17},
             "SongGLM base": {"DA": 96.83, "DP": 96.50, "DD": 96.48, "DIOI": 94.10, "MD": 3.85}}
NOTES = (
    "Cases: the opening whole phrases of lyrics_melody test songs, as many as reach 8 bars of 4/4 (the source's "
    "unit read as an eighth note), songs passing 16 bars or the model's notes per request skipped; drawn with "
    "--seed. The source has no bar lines: the downbeat is estimated from the rhythm alone (the eighth-note offset "
    "whose beats 1 and 3 start the most note duration). The source also dropped rests under one unit, so its "
    "onsets drift off any grid within a song: the human figures on strong beats are a lower bound.",
    "Each case's song carries the key estimated from its human melody (Krumhansl-Kessler), no chords, 120 bpm.",
    "lyrics: the engine sets the syllables (text, stress, word and phrase) in the case's bars, with the model's "
    "stress-to-meter prior (stress_prior.json) when it has one; baseline: the same request with the syllables "
    "hidden from the model (one note per syllable, no lyric input, so no stress prior either). Both keep the "
    "engine's pacing (each note within a bar, at most a quarter of the bars, of its even share). One variation "
    "per case and draw, seed --seed * 1000 + case index + draw * 1000000 (draw 0 first), temperature and "
    "top-p as given. With several draws, SongGLM's figures are the mean over the draws' sets with the standard "
    "deviation (±), and the other figures pool the draws.",
    "DA, DP, DD, DIOI: SongGLM's overlapped area (percent) of the intra-generated and generated-to-human distance "
    "distributions of per-song features (notes per word, pitch-class shares, shares of 69 exact durations, mean "
    "inter-onset interval); MD: mean DTW distance of mean-centred pitch series (10-tick frames) per generated "
    "frame. See melodystudio/evaluation/lyrics_metrics.py. With one note per syllable, DA compares identical "
    "notes-per-word histograms whenever the engine keeps its contract, so it is not informative here.",
    "Stressed syllables: primary stress by lyrics.word_stresses. Strong beats: the bar line, and beat 3 in 4/4. "
    "Peaks: higher than the note before, at least as high as the note after. Shares are pooled over all cases.",
    "Phrase ends: the last note of each phrase that another phrase follows (the lyric's lines as the source marks "
    "them). Lengthened: the next onset is at least twice the melody's median inter-onset interval away; stable: "
    "the pitch class is the tonic, third or fifth of the case's key. The other notes (but each melody's last) "
    "give the base rates. IOI ratio: the mean inter-onset interval from a phrase end to the next note over the "
    "mean from the other notes. Pooled over all cases.",
    "Other test songs: the human melodies of as many other eligible test songs (drawn with the same seed), paired "
    "with the cases in order, scored as if generated: real melodies that ignore these lyrics.",
    "SongGLM's published figures are on its own data (MelodyNet-derived songs), shown for reference only.",
)


@dataclass(frozen=True)
class LyricsEvalSettings:
    model: Path | None
    data: Path | None
    cases: int
    seed: int
    quick: bool
    provider: str
    temperature: float
    top_p: float | None  # None: the engine's auto setting for lyrics
    split: str = "test"  # 'valid': the validation songs, for choosing settings without the test songs
    pitch_temperature: float | None = None  # None: the engine's auto setting for lyrics
    degree_weights: tuple[float, float] | None = None  # the degree prior's weights (None: the model's own)
    phrase_breath: float | None = None  # notes' worth a line's last note takes in the pacing (None: the engine's)
    draws: int = 1  # times each case is set (other seeds); SongGLM's figures: the mean over the draws

    @property
    def pitch_temperature_used(self) -> float:
        return GenerationOptions(temperature=self.temperature,
                                 pitch_temperature=self.pitch_temperature).pitch_temperature_for(lyric=True)

    @property
    def top_p_used(self) -> float:
        return GenerationOptions(top_p=self.top_p).top_p_for(lyric=True)

    @property
    def case_count(self) -> int:
        return min(self.cases, QUICK_CASES) if self.quick else self.cases


def evaluation(settings: LyricsEvalSettings, command: str) -> Job[dict[str, Any]]:
    """Load the cases and the model, set every case twice, score; the JSON-ready result."""
    from melodystudio.cli.eval_common import machine
    from melodystudio.corpus.lyric_cases import MAX_BARS, MIN_BARS, choose_cases, read_split_records
    from melodystudio.corpus.paths import lyrics_melody_path
    from melodystudio.engine.melody import MelodyEngine

    clock = time.monotonic()
    data = settings.data or lyrics_melody_path()
    yield Progress(0.0, "reading: the test songs")
    records = read_split_records(data, settings.split)
    engine = MelodyEngine.load(settings.model, provider=settings.provider)
    if settings.degree_weights is not None:
        if engine.degree_prior is None:
            raise MelodyStudioError(f"the model in {engine.model_dir} has no degree prior to weigh")
        engine.degree_prior = replace(engine.degree_prior, weights=settings.degree_weights)
    draw = choose_cases(records, settings.case_count, settings.seed, engine.limits.max_notes)
    cases = draw.cases
    timings = {"load": time.monotonic() - clock}
    generated: dict[str, list[list[tuple[Note, ...]]]] = {}  # system -> draw -> case -> melody
    for k, system in enumerate(SYSTEMS):
        start = time.monotonic()
        generated[system] = []
        for repeat in range(settings.draws):
            lo = 0.05 + 0.4 * k + 0.4 * repeat / settings.draws
            melodies = yield from within(_set_all(engine, cases, settings, system == "lyrics", repeat),
                                         lo, lo + 0.4 / settings.draws, f"setting: {system}")
            generated[system].append(melodies)
        timings[system] = time.monotonic() - start
    yield Progress(0.9, "scoring: SongGLM metrics")
    start = time.monotonic()
    results: dict[str, dict[str, Any] | None] = {s: _figures(notes, cases) for s, notes in generated.items()}
    results["human"] = _placement_figures([c.human for c in cases], cases)
    results["other_songs"] = _other_songs(draw.others, cases)
    timings["scoring"] = time.monotonic() - start
    yield Progress(0.95, "scoring: human melodies of training songs")
    start = time.monotonic()
    results["train_songs"] = _train_songs(data, cases, settings.draws, settings.seed, engine.limits.max_notes)
    timings["train_songs"] = time.monotonic() - start
    timings["total"] = time.monotonic() - clock
    return {
        "format": "melodystudio-eval-lyrics", "version": 1, "command": command,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "options": {"cases": len(cases), "seed": settings.seed, "draws": settings.draws, "quick": settings.quick,
                    "split": settings.split,
                    "provider": settings.provider, "temperature": settings.temperature, "top_p": settings.top_p_used,
                    "pitch_temperature": settings.pitch_temperature_used,
                    "degree_weights": None if engine.degree_prior is None else list(engine.degree_prior.weights),
                    "phrase_breath": GenerationOptions(phrase_breath=settings.phrase_breath).phrase_breath_used},
        "machine": machine(engine.provider, engine.threads),
        "model": {"directory": str(engine.model_dir), "supports_lyrics": engine.supports_lyrics,
                  "manifest_sha256": _manifest_sha(engine.model_dir)},
        "data": {"path": str(data), "test_songs": len(records), "songs_making_a_case": draw.eligible,
                 "case_bars": [MIN_BARS, MAX_BARS], "max_syllables": engine.limits.max_notes,
                 "cases": [{"id": c.song_id, "bars": c.bars, "phrases": c.phrases, "syllables": len(c.syllables),
                           "key": c.key.label()} for c in cases]},
        "results": results, "published": PUBLISHED,
        "timings": {k: round(v, 2) for k, v in timings.items()}, "notes": list(NOTES),
    }


def _set_all(engine: Any, cases: Sequence[Any], settings: LyricsEvalSettings,
             use_lyrics: bool, draw: int = 0) -> Job[list[tuple[Note, ...]]]:
    """One variation per case (engine: MelodyEngine, cases: LyricCase), seeded by the case and the draw."""

    out = []
    for i, case in enumerate(cases):
        song = Song(case.song_id, tempos=[TempoChange.from_bpm(0, TEMPO_BPM)], keys=[case.key])
        seed = settings.seed * 1000 + i + draw * DRAW_SEED_STEP
        options = GenerationOptions(variations=1, seed=seed, temperature=settings.temperature,
                                    top_p=settings.top_p, pitch_temperature=settings.pitch_temperature,
                                    phrase_breath=settings.phrase_breath)
        job = engine.lyrics(song, 0, case.bars - 1, case.syllables, options, use_lyrics=use_lyrics)
        variations = yield from within(job, i / len(cases), (i + 1) / len(cases))
        out.append(variations[0].notes)
    return out


def stressed_flags(syllables: Sequence[Syllable]) -> list[bool]:
    """Per note: does it start a syllable with primary stress (held notes never do)?"""
    return [s.stress == Stress.PRIMARY and not s.melisma for s in syllables]


def _figures(draws: list[list[tuple[Note, ...]]], cases: Sequence[Any]) -> dict[str, Any]:
    """SongGLM's figures against the human melodies (each draw's set scored alone; the mean over the
    draws, and with several draws each draw's figures and their standard deviation), stress placement
    (cases where the engine kept one note per syllable, pooled over the draws), and how often it kept
    that contract and the bars (cases: LyricCase)."""
    from melodystudio.corpus.lyric_cases import METER
    from melodystudio.evaluation import bar_fit
    from melodystudio.evaluation.lyrics_metrics import songglm_figures

    figures = _mean_of_draws([songglm_figures(generated, [c.human for c in cases]) for generated in draws])
    generated = [g for d in draws for g in d]
    cases = list(cases) * len(draws)
    kept = [len(g) == len(c.syllables) for g, c in zip(generated, cases)]
    figures.update(_placement_figures([g for g, k in zip(generated, kept) if k], [c for c, k in zip(cases, kept) if k]))
    figures["one_note_per_syllable"] = float(np.mean(kept))
    figures["bar_fit"] = float(np.mean([bar_fit(g, 0, c.bars * METER.bar_ticks) if g else False
                                        for g, c in zip(generated, cases)]))
    return figures


def _other_songs(others: Sequence[Any], cases: Sequence[Any]) -> dict[str, Any] | None:
    """SongGLM's figures of other test songs' human melodies in place of generated ones (paired in
    order, as many as there are): what a system writing real but unrelated melodies scores."""
    from melodystudio.evaluation.lyrics_metrics import songglm_figures

    if not others:
        return None
    figures: dict[str, Any] = dict(songglm_figures([o.human for o in others], [c.human for c in cases[:len(others)]]))
    figures["pairs"] = len(others)
    return figures


def _train_songs(data: Path, cases: Sequence[Any], draws: int, seed: int, max_notes: int) -> dict[str, Any] | None:
    """The set figures (DA, DP, DD, DIOI) of the human melodies of training songs in place of generated
    ones: ``draws`` disjoint sets as large as the cases, drawn as cases are (their opening phrases),
    each scored alone; mean, and with several sets each one's figures and the standard deviation.
    Real melodies, not of these lyrics: what a system writing human-like melodies would score at this
    set size. None when the data holds fewer such songs than one set needs."""
    from melodystudio.corpus.lyric_cases import choose_cases, read_split_records
    from melodystudio.evaluation.lyrics_metrics import set_figures

    try:
        records = read_split_records(data, TRAIN_SPLIT)
        songs = choose_cases(records, len(cases) * draws, seed, max_notes).cases
    except MelodyStudioError:  # no training songs, or none making a case
        return None
    sets = [songs[k * len(cases):(k + 1) * len(cases)] for k in range(len(songs) // len(cases))]
    if not sets:
        return None
    humans = [c.human for c in cases]
    figures = _mean_of_draws([set_figures([s.human for s in chosen], humans) for chosen in sets])
    figures.update(songs=len(cases), sets=len(sets))
    return figures


def _mean_of_draws(per_draw: list[dict[str, float]]) -> dict[str, Any]:
    """Each figure's mean over the draws (sets scored alone); with several draws also each draw's
    figures ("draws") and their standard deviation ("spread")."""
    figures: dict[str, Any] = {k: float(np.mean([d[k] for d in per_draw])) for k in per_draw[0]}
    if len(per_draw) > 1:
        figures["draws"] = per_draw
        figures["spread"] = {k: float(np.std([d[k] for d in per_draw], ddof=1)) for k in per_draw[0]}
    return figures


def _placement_figures(melodies: list[tuple[Note, ...]], cases: Sequence[Any]) -> dict[str, Any]:
    """Pooled over the melodies (one note per syllable of each case, cases: LyricCase, 4/4 from tick
    0): shares of stressed syllables on strong beats and on melodic peaks, and of interior phrase ends
    lengthened and on the tonic triad, with the same shares over the other notes as base rates."""
    from melodystudio.evaluation.lyrics_metrics import (
        interior_phrase_ends,
        lengthened,
        melodic_peaks,
        on_strong_beats,
        on_tonic_triad,
    )

    timeline = Song().timeline
    counts = dict.fromkeys(("stressed", "strong", "peaks", "ends", "ends_long", "ends_stable", "ends_ioi",
                            "inner", "inner_long", "inner_stable", "inner_ioi"), 0)
    for notes, case in zip(melodies, cases):
        flags = stressed_flags(case.syllables)
        counts["stressed"] += sum(flags)
        counts["strong"] += sum(f and s for f, s in zip(flags, on_strong_beats(notes, timeline)))
        counts["peaks"] += sum(f and p for f, p in zip(flags, melodic_peaks(notes)))
        ends = interior_phrase_ends([s.phrase for s in case.syllables])
        iois = np.diff([n.onset for n in notes])
        for end, long, stable, ioi in zip(ends[:-1], lengthened(notes), on_tonic_triad(notes, case.key), iois):
            prefix = "ends" if end else "inner"  # the song's last note is neither
            counts[prefix] += 1
            counts[f"{prefix}_long"] += long
            counts[f"{prefix}_stable"] += stable
            counts[f"{prefix}_ioi"] += int(ioi)

    def share(part: str, whole: str) -> float | None:
        return counts[part] / counts[whole] if counts[whole] else None

    return {"stressed_syllables": counts["stressed"],
            "stress_on_strong_beats": share("strong", "stressed"),
            "stress_on_peaks": share("peaks", "stressed"),
            "phrase_ends": counts["ends"],
            "phrase_end_lengthened": share("ends_long", "ends"),
            "phrase_end_stable": share("ends_stable", "ends"),
            "other_notes_lengthened": share("inner_long", "inner"),
            "other_notes_stable": share("inner_stable", "inner"),
            # mean inter-onset interval after a phrase end over the mean after the other notes
            "phrase_end_ioi_ratio": counts["ends_ioi"] * counts["inner"] / (counts["ends"] * counts["inner_ioi"])
            if counts["inner_ioi"] and counts["ends"] else None}


def _manifest_sha(directory: Path) -> str:
    from melodystudio.engine.model_files import file_sha256

    return file_sha256(directory / "manifest.json")


def write_report(result: dict[str, Any], out: Path) -> tuple[Path, Path]:
    from melodystudio.cli.lyrics_eval_report import render
    from melodystudio.evaluation.report import write_report as write

    return write(result, out, "lyrics_eval", render)


# -- the command ------------------------------------------------------------------------------------
def _args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", type=Path, default=None, help=f"model directory (default: ${MODELS_ENV}, then "
                                                            "models/melody)")
    p.add_argument("--data", type=Path, default=None,
                   help="lyrics_melody.jsonl.gz (default: $MELODYSTUDIO_DATA/lyrics_melody/, else ../shared/data/)")
    p.add_argument("--cases", type=int, default=DEFAULT_CASES, help=f"test songs to set (default {DEFAULT_CASES})")
    p.add_argument("--seed", type=int, default=0, help="seed of the case choice and of every melody (default 0)")
    p.add_argument("--draws", type=int, default=1,
                   help="times each case is set, with other seeds; SongGLM's figures are then the mean over the "
                        "draws with their standard deviation (default 1)")
    p.add_argument("--quick", action="store_true", help=f"smoke run: at most {QUICK_CASES} cases")
    d = GenerationOptions()
    p.add_argument("--temperature", type=float, default=d.temperature, help=f"(default {d.temperature})")
    p.add_argument("--top-p", type=float, default=None, help="(default: auto, the engine's setting for lyrics)")
    p.add_argument("--pitch-temperature", type=float, default=None,
                   help="the pitches' own temperature (default: auto, the engine's setting for lyrics)")
    p.add_argument("--out", type=Path, default=Path("reports"), help="folder for lyrics_eval.json and .md")
    p.add_argument("--provider", choices=PROVIDER_CHOICES, default="auto",
                   help=f"onnxruntime provider (default: auto; ${PROVIDER_ENV} sets auto's choice)")
    p.add_argument("--degree-weights", type=float, nargs=2, default=None, metavar=("INSIDE", "END"),
                   help="weights of the model's scale-degree prior inside phrases and at their ends "
                        "(default: the model's own; 0 0 turns it off)")
    p.add_argument("--phrase-breath", type=float, default=None, metavar="SHARES",
                   help="notes' worth of the selection the last note of a line takes in the pacing "
                        "(default: the engine's; 1 paces every note alike)")
    p.add_argument("--split", choices=("test", "valid"), default="test",
                   help="songs of the test split (default) or of the validation split, for choosing settings")


def _run(args: argparse.Namespace) -> int:
    from melodystudio.cli.evaluate import _progress_printer

    if args.cases < 1 or args.seed < 0 or not 1 <= args.draws <= MAX_DRAWS:
        raise MelodyStudioError(f"--cases must be 1 or more, --seed 0 or more and --draws 1-{MAX_DRAWS}")
    if args.degree_weights is not None and not all(0.0 <= w <= 10.0 for w in args.degree_weights):
        raise MelodyStudioError("--degree-weights must each be 0-10")
    # checks them before any loading
    GenerationOptions(temperature=args.temperature, top_p=args.top_p, pitch_temperature=args.pitch_temperature,
                      phrase_breath=args.phrase_breath)
    settings = LyricsEvalSettings(args.model, args.data, args.cases, args.seed, args.quick, args.provider,
                                  args.temperature, args.top_p, args.split, args.pitch_temperature,
                                  None if args.degree_weights is None else tuple(args.degree_weights),
                                  args.phrase_breath, args.draws)
    result = run_to_end(evaluation(settings, command_line(args)), _progress_printer())
    json_path, md_path = write_report(result, args.out)
    if sys.stderr.isatty():
        print(file=sys.stderr)
    for line in summary(result):
        print(line)
    print(f"wrote {json_path} and {md_path}")
    return 0


def command_line(args: argparse.Namespace) -> str:
    """The command line that reproduces this run (every option spelled out)."""
    parts = ["melodystudio eval lyrics", f"--cases {args.cases}", f"--seed {args.seed}",
             f"--temperature {args.temperature}", f"--out {args.out}",
             f"--provider {args.provider}"]
    parts += [f"--model {args.model}"] if args.model is not None else []
    parts += [f"--data {args.data}"] if args.data is not None else []
    parts += [f"--draws {args.draws}"] if args.draws != 1 else []
    parts += ["--quick"] if args.quick else []
    parts += [f"--split {args.split}"] if args.split != "test" else []
    parts += [f"--pitch-temperature {args.pitch_temperature}"] if args.pitch_temperature is not None else []
    parts += [f"--top-p {args.top_p}"] if args.top_p is not None else []
    parts += ["--degree-weights {:g} {:g}".format(*args.degree_weights)] if args.degree_weights is not None else []
    parts += [f"--phrase-breath {args.phrase_breath:g}"] if args.phrase_breath is not None else []
    return " ".join(parts)


def summary(result: dict[str, Any]) -> list[str]:
    from melodystudio.cli.lyrics_eval_report import fmt_share, songglm_figure, songglm_line

    r = result["results"]
    lines = [f"model {result['model']['directory']} ({'with' if result['model']['supports_lyrics'] else 'without'} "
             f"lyric conditioning) on {result['machine']['provider']}: {result['options']['cases']} cases"]
    for system in SYSTEMS:
        f = r[system]
        lines.append(f"  {system}: {songglm_line(f)}; stress on strong beats {fmt_share(f['stress_on_strong_beats'])}, "
                     f"on peaks {fmt_share(f['stress_on_peaks'])}")
    lines.append(f"  human: stress on strong beats {fmt_share(r['human']['stress_on_strong_beats'])}, "
                 f"on peaks {fmt_share(r['human']['stress_on_peaks'])}")
    for system in (*SYSTEMS, "human"):
        f = r[system]
        lines.append(f"  {system}: phrase ends lengthened {fmt_share(f['phrase_end_lengthened'])} (other notes "
                     f"{fmt_share(f['other_notes_lengthened'])}), on the tonic triad "
                     f"{fmt_share(f['phrase_end_stable'])} ({fmt_share(f['other_notes_stable'])})")
    if r.get("train_songs"):
        f = r["train_songs"]
        lines.append(f"  {f['songs']} training songs' melodies ({f['sets']} sets): "
                     + " ".join(f"{k} {songglm_figure(f, k)}" for k in ("DA", "DP", "DD", "DIOI")))
    if r["other_songs"]:
        f = r["other_songs"]
        lines.append(f"  other test songs' melodies: DA {f['DA']:.2f} DP {f['DP']:.2f} DD {f['DD']:.2f} "
                     f"DIOI {f['DIOI']:.2f} MD {f['MD']:.2f}")
    return lines


COMMANDS = (
    ("eval-lyrics", "evaluate lyric-to-melody on lyrics_melody test songs (SongGLM metrics, stress placement), "
                    "with the model's lyric conditioning off as the baseline", _args, _run),
)
