"""Study: what a lyric setting's note lengths do to SongGLM's DD, on lyrics_melody validation songs.

    python tools/lyric_duration_study.py [--variant defaults|free-end|duration-prior|duration-temperature]
        [--value X] [--breath 2] [--cases 400] [--draws 3] [--model models/melody]

Sets the cases of ``melodystudio eval lyrics --split valid --seed 2`` (draw d: melody seeds
2000 + case + 100000 d) ``--draws`` times with the engine's defaults but one change, and prints per
draw DP, DD, DIOI (SongGLM's set overlaps, ``evaluation.lyrics_metrics``) and the share of line ends
lengthened, then the means. It also prints, for draw 0 (and with ``--variant defaults`` for the
human melodies), how long the last note of a line lasts and the rest after it. The variants were tried and
not built into the engine, so this study patches it for the run (the engine's code is unchanged):

- ``free-end``: the last note of a line (not of the song) may end anywhere before the selection's
  end, not inside the next note's pacing window, so the breath may become a rest;
- ``duration-prior``: --value x log(human share / model share) of each note length (grid units,
  add-one smoothed, clipped to +-3) is added to the duration logits. The shares are counted over
  the human melodies and draw 0 of the defaults, i.e. fitted on the same validation songs: an upper
  bound of what such a prior could gain;
- ``duration-temperature``: the duration stage is drawn at --value instead of the temperature (0.9);
- ``rest-breath``: the last note of a line (not of the song) must end inside the next note's pacing
  window moved --value x the breath (the pacing share the line end takes beyond one note) earlier,
  so the breath tends to become a rest after a note of ordinary length;
- ``unknown-key``: the model's KEY field says "unknown" (as lyrics_melody songs were trained), while
  the degree prior and the constraints still use the song's key.

Numbers quoted in models/melody/MODEL_CARD.md (session 9) come from this script.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from melodystudio.core import Note, Song, TempoChange  # noqa: E402
from melodystudio.core.progress import run_to_end  # noqa: E402
from melodystudio.corpus.lyric_cases import choose_cases, read_split_records  # noqa: E402
from melodystudio.corpus.paths import lyrics_melody_path  # noqa: E402
from melodystudio.engine import constraints, context  # noqa: E402
from melodystudio.engine.api import GenerationOptions  # noqa: E402
from melodystudio.engine.melody import MelodyEngine  # noqa: E402
from melodystudio.evaluation.lyrics_metrics import (  # noqa: E402
    duration_shares,
    interior_phrase_ends,
    lengthened,
    mean_ioi,
    set_overlap,
)
from melodystudio.evaluation.metrics import pitch_class_histogram  # noqa: E402
from melodystudio.tokens.compound import UNKNOWN_KEY  # noqa: E402
from melodystudio.tokens.heads import CascadeHeads  # noqa: E402

SEED, DRAW_STEP, TEMPERATURE = 2, 100_000, 0.9
Melodies = list[tuple[Note, ...]]


def set_cases(engine: MelodyEngine, cases: list, breath: float, draw: int) -> Melodies:
    out = []
    for i, case in enumerate(cases):
        song = Song(case.song_id, tempos=[TempoChange.from_bpm(0, 120.0)], keys=[case.key])
        options = GenerationOptions(variations=1, seed=2000 + i + DRAW_STEP * draw, phrase_breath=breath)
        out.append(run_to_end(engine.lyrics(song, 0, case.bars - 1, case.syllables, options))[0].notes)
    return out


def figures(melodies: Melodies, cases: list) -> dict[str, float]:
    human = [c.human for c in cases]
    feats = {"DP": pitch_class_histogram, "DD": duration_shares}
    out = {k: set_overlap(np.stack([f(m) for m in melodies]), np.stack([f(h) for h in human]))
           for k, f in feats.items()}
    out["DIOI"] = set_overlap(np.array([mean_ioi(m) for m in melodies]), np.array([mean_ioi(h) for h in human]))
    ends = [(e, long) for m, c in zip(melodies, cases)
            for e, long in zip(interior_phrase_ends([s.phrase for s in c.syllables])[:-1], lengthened(m))]
    out["line ends lengthened %"] = 100 * float(np.mean([long for e, long in ends if e]))
    return out


def line_end_lengths(melodies: Melodies, cases: list) -> str:
    """Mean length of a line's last note and of the rest after it (ticks), over interior line ends."""
    notes, rests = [], []
    for m, c in zip(melodies, cases):
        for i, end in enumerate(interior_phrase_ends([s.phrase for s in c.syllables])[:len(m) - 1]):
            if end:
                notes.append(m[i].duration)
                rests.append(m[i + 1].onset - m[i].onset - m[i].duration)
    return f"line's last note {np.mean(notes):.0f} ticks, rest after it {np.mean(rests):.0f} ticks"


def length_counts(melodies: Melodies, grid: int, size: int) -> np.ndarray:
    counts = np.zeros(size)
    for m in melodies:
        for n in m:
            if n.duration % grid == 0 and n.duration // grid < size:
                counts[n.duration // grid] += 1
    return counts


def patch_duration_logits(add: np.ndarray, scale: float) -> None:
    """Duration logits -> (logits + add) * scale for every request of this process."""
    original = CascadeHeads.logits
    dur_stage = 3  # kind, bar, pos, dur, pitch

    def logits(self, stage, h, chosen, chord=None, first=None):  # type: ignore[no-untyped-def]
        out = original(self, stage, h, chosen, chord, first)
        if stage == dur_stage:
            out = (out + add[None, :out.shape[1]].astype(out.dtype)) * scale
        return out

    CascadeHeads.logits = logits  # type: ignore[method-assign]


def fitting_durations(rules, chosen, count):  # type: ignore[no-untyped-def]
    """Where each duration would end (B, dur size ticks) and which durations end inside the selection
    with room left for the notes still to come: the engine's duration rule without its pacing."""
    units = np.arange(rules.sizes[constraints.DUR_S])
    onset = rules.onset_ticks(chosen[:, constraints.BAR_S], chosen[:, constraints.POS_S])
    ends = onset[:, None] + units[None] * rules.grid
    free = (units[None] >= 1) & (ends <= rules.end_tick)
    free &= rules.fits_from(ends) >= np.maximum(rules.note_count - count - 1, 0)[:, None]
    return ends, free


def patch_free_line_ends() -> None:
    """The last note of a line may end anywhere (see the module docstring)."""
    breathe, allow = constraints.Rules.breathe, constraints.Rules.allow

    def remember(self, phrase_end, shares):  # type: ignore[no-untyped-def]
        self._study_ends = np.asarray(phrase_end, dtype=bool)
        breathe(self, phrase_end, shares)

    def freed(self, cursor, count):  # type: ignore[no-untyped-def]
        inner = allow(self, cursor, count)
        ends = getattr(self, "_study_ends", None)
        if ends is None:
            return inner
        at_end = ends[np.minimum(count, len(ends) - 1)] & (count < len(ends) - 1)

        def mask(stage, chosen):  # type: ignore[no-untyped-def]
            m = inner(stage, chosen)
            if stage != constraints.DUR_S or not at_end.any():
                return m
            _, free = fitting_durations(self, chosen, count)
            return np.where((at_end & free.any(axis=1))[:, None], free, m)
        return mask

    constraints.Rules.breathe, constraints.Rules.allow = remember, freed  # type: ignore[method-assign]


def patch_rest_breath(part: float) -> None:
    """The rest-breath variant (see the module docstring)."""
    breathe, allow = constraints.Rules.breathe, constraints.Rules.allow

    def remember(self, phrase_end, shares):  # type: ignore[no-untyped-def]
        breathe(self, phrase_end, shares)
        ends = np.asarray(phrase_end, dtype=bool)
        unit = (self.end_tick - self.start_tick) / float(np.where(ends, shares, 1.0).sum())
        self._study_rest = np.where(ends, part * (shares - 1.0) * unit, 0.0).astype(np.int64)

    def rested(self, cursor, count):  # type: ignore[no-untyped-def]
        inner = allow(self, cursor, count)
        rest = getattr(self, "_study_rest", None)
        if rest is None:
            return inner
        r = np.where(count < len(rest) - 1, rest[np.minimum(count, len(rest) - 1)], 0)

        def mask(stage, chosen):  # type: ignore[no-untyped-def]
            m = inner(stage, chosen)
            if stage != constraints.DUR_S:
                return m
            rows = (r > 0) & (chosen[:, constraints.KIND_S] != constraints.END)
            if not rows.any():
                return m
            ends, base = fitting_durations(self, chosen, count)
            k = np.minimum(count + 1, len(self.earliest) - 1)
            lb, ub = self.earliest[k] - r, self.latest[k] - r
            held = base & (ends >= lb[:, None]) & (ends <= ub[:, None])
            return np.where((rows & held.any(axis=1))[:, None], held, m)
        return mask

    constraints.Rules.breathe, constraints.Rules.allow = remember, rested  # type: ignore[method-assign]


def patch_unknown_key() -> None:
    """The KEY field of every model input row is UNKNOWN_KEY (the song keeps its key otherwise)."""
    context.key_index = lambda song, tick: UNKNOWN_KEY  # type: ignore[assignment]
    constraints.key_fields = lambda keys, ticks: np.full(len(ticks), UNKNOWN_KEY, dtype=np.int64)  # type: ignore[assignment]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--variant", choices=("defaults", "free-end", "duration-prior", "duration-temperature",
                                          "rest-breath", "unknown-key"),
                   default="defaults")
    p.add_argument("--value", type=float, default=1.0, help="the prior's weight, or the duration temperature")
    p.add_argument("--breath", type=float, default=2.0)
    p.add_argument("--cases", type=int, default=400)
    p.add_argument("--draws", type=int, default=3)
    p.add_argument("--model", type=Path, default=None)
    args = p.parse_args()
    engine = MelodyEngine.load(args.model, provider="cpu")
    cases = choose_cases(read_split_records(lyrics_melody_path(), "valid"), args.cases, SEED,
                         engine.limits.max_notes).cases
    if args.variant == "defaults":
        print("human:", line_end_lengths([c.human for c in cases], cases))
    elif args.variant == "free-end":
        patch_free_line_ends()
    elif args.variant == "rest-breath":
        patch_rest_breath(args.value)
    elif args.variant == "unknown-key":
        patch_unknown_key()
    elif args.variant == "duration-temperature":
        patch_duration_logits(np.zeros(engine.heads.sizes[3]), TEMPERATURE / args.value)
    else:
        size, grid = engine.heads.sizes[3], engine.files.tokenizer.grid
        human = length_counts([c.human for c in cases], grid, size) + 1
        model = length_counts(set_cases(engine, cases, args.breath, 0), grid, size) + 1
        patch_duration_logits(args.value * np.clip(np.log((human / human.sum()) / (model / model.sum())), -3, 3), 1.0)
    rows = []
    for draw in range(args.draws):
        melodies = set_cases(engine, cases, args.breath, draw)
        if draw == 0:
            print("model:", line_end_lengths(melodies, cases))
        rows.append(figures(melodies, cases))
        print(f"draw {draw}: " + ", ".join(f"{k} {v:.2f}" for k, v in rows[-1].items()), flush=True)
    print(f"{args.variant} {args.value:g}, breath {args.breath:g}, mean of {args.draws}: "
          + ", ".join(f"{k} {np.mean([r[k] for r in rows]):.2f}" for k in rows[0]))


if __name__ == "__main__":
    main()
