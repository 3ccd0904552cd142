"""Build the scale-degree prior (``engine.degree_prior``) of an exported model and add it to the model.

    python -m melodystudio.training.degree_prior [--data lyrics_melody.jsonl.gz] [--cases 600]
        [--seed 0] [--weights INSIDE END] [--phrase-breath SHARES] [--model models/melody]

Draws ``--cases`` lyric-setting cases (``corpus.lyric_cases``: opening phrases of 8-16 bars and the
key estimated from the human melody) from the lyrics_melody *training* split, has the model set each
case's syllables once (one variation, the engine's default sampling, pacing and breath after each
line, and its stress prior; any earlier degree prior switched off), counts the notes of its settings
and of the human melodies by the key's mode, their place (inside a phrase or its last note) and their
scale degree, fits the add-one smoothed log-ratio table, writes ``degree_prior.json`` into the model
directory and lists it with its sha256 in manifest.json. The weights (notes inside a phrase, phrase
ends) are chosen on the validation songs (``melodystudio eval lyrics --split valid``).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from melodystudio.core import Song, TempoChange
from melodystudio.core.progress import Job, Progress, run_to_end, within
from melodystudio.corpus.lyric_cases import LyricCase, choose_cases, read_split_records
from melodystudio.corpus.paths import lyrics_melody_path
from melodystudio.engine.api import GenerationOptions
from melodystudio.engine.degree_prior import DEGREE_PRIOR_FILE, MODES, PLACES, TABLE_SHAPE, DegreePrior, degree_counts
from melodystudio.engine.melody import MelodyEngine
from melodystudio.engine.request_conditions import phrase_ends
from melodystudio.training.export import add_json_to_model

TEMPO_BPM = 120.0  # as ``melodystudio eval lyrics``: the source's eighth-note unit at its median pace
DEGREE_NAMES = ("1", "b2", "2", "b3", "3", "4", "#4", "5", "b6", "6", "b7", "7")


def count_settings(engine: MelodyEngine, cases: list[LyricCase], seed: int,
                   phrase_breath: float | None = None) -> Job[tuple[np.ndarray, np.ndarray]]:
    """TABLE_SHAPE note counts of the human melodies and of the model's settings of ``cases``
    (``phrase_breath``: GenerationOptions.phrase_breath)."""
    human = np.zeros(TABLE_SHAPE, dtype=np.int64)
    model = np.zeros(TABLE_SHAPE, dtype=np.int64)
    for i, case in enumerate(cases):
        song = Song(case.song_id, tempos=[TempoChange.from_bpm(0, TEMPO_BPM)], keys=[case.key])
        ends = np.array(phrase_ends(case.syllables))
        options = GenerationOptions(variations=1, seed=seed + i, phrase_breath=phrase_breath)
        job = engine.lyrics(song, 0, case.bars - 1, case.syllables, options)
        notes = (yield from within(job, i / len(cases), (i + 1) / len(cases)))[0].notes
        model += degree_counts(np.array([n.pitch for n in notes]), case.key, ends)
        human += degree_counts(np.array([n.pitch for n in case.human]), case.key, ends)
    return human, model


def describe(human: np.ndarray, model: np.ndarray, prior: DegreePrior) -> list[str]:
    """The degree shares of both and the log-ratio, one block per mode and place."""
    lines = ["degree:          " + " ".join(f"{d:>6}" for d in DEGREE_NAMES)]
    for m, mode in enumerate(MODES):
        for p, place in enumerate(PLACES):
            lines.append(f"{mode}, {place} ({int(human[m, p].sum())} notes):")
            for name, table in (("human", human), ("model", model)):
                shares = table[m, p] / max(int(table[m, p].sum()), 1)
                lines.append(f"  {name} share    " + " ".join(f"{v:6.3f}" for v in shares))
            lines.append("  log ratio      " + " ".join(f"{v:+6.2f}" for v in prior.log_ratio[m, p]))
    return lines


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m melodystudio.training.degree_prior", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", type=Path, default=None, help="lyrics_melody.jsonl.gz (default: ../shared/data)")
    p.add_argument("--cases", type=int, default=600, help="training songs to set (default 600)")
    p.add_argument("--seed", type=int, default=0, help="seed of the case draw and the settings (default 0)")
    p.add_argument("--weights", type=float, nargs=2, default=(0.0, 1.0), metavar=("INSIDE", "END"),
                   help="the prior's weights against the model, inside a phrase and at its end (default 0 1)")
    p.add_argument("--phrase-breath", type=float, default=None, metavar="SHARES",
                   help="notes' worth of the pacing a line's last note takes (default: the engine's)")
    p.add_argument("--model", type=Path, default=Path("models/melody"), help="model directory to add it to")
    args = p.parse_args(argv)
    clock = time.monotonic()
    data = args.data or lyrics_melody_path()
    engine = MelodyEngine.load(args.model, provider="cpu")
    if not engine.supports_lyrics:
        raise SystemExit(f"{args.model} is not a lyric-conditioned model")
    engine.degree_prior = None  # the model's own degrees, not those of an earlier prior
    cases = choose_cases(read_split_records(data, "train"), args.cases, args.seed, engine.limits.max_notes).cases

    shown = [-1]

    def progress(p: Progress) -> None:  # a line per 10%: the run's log stays short
        if int(p.fraction * 10) > shown[0]:
            shown[0] = int(p.fraction * 10)
            print(f"  {p.fraction:4.0%} of the training cases set", flush=True)
    breath = GenerationOptions(phrase_breath=args.phrase_breath).phrase_breath_used  # checks it too
    human, model = run_to_end(count_settings(engine, cases, args.seed * 1000, breath), progress)
    prior = DegreePrior.fit(human, model, (args.weights[0], args.weights[1]))
    described = (f"lyrics_melody training split, {len(cases)} cases (seed {args.seed}), "
                 f"{int(human.sum())} notes each side, set by the model in {args.model.name} "
                 f"(a line's last note paced as {breath:g} notes)")
    path = add_json_to_model(args.model, DEGREE_PRIOR_FILE, prior.to_json(human, model, described))
    print("\n".join([described, *describe(human, model, prior)]))
    print(f"wrote {path} (weights {args.weights[0]:g}, {args.weights[1]:g}) and its checksum into "
          f"{args.model / 'manifest.json'} in {time.monotonic() - clock:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
