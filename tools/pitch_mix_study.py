"""Study: what a tune's own earlier notes and transposed re-readings add to the model's pitch prediction.

    python tools/pitch_mix_study.py dump --split valid|test [--offsets 0,-3,-2,-1,1,2,3] [--limit N]
    python tools/pitch_mix_study.py mix [--offsets ...]

``dump`` scores the Essen tunes of one split exactly as ``MelodyEngine.score`` does (the same
windows, part A and teacher-forced cascade), but keeps the model's whole pitch distribution at every
note, not only the true pitch's NLL, once per transposition offset (the tune and its key shifted by
k semitones, the distribution shifted back). Written to data_cache/pitch_study/SPLIT_K.npz.

``mix`` combines them on the validation tunes, chooses each combination's setting there, and prints
the pitch perplexity of every combination on the test tunes with the validation choice:

- the model alone (offset 0): the figure ``melodystudio eval`` reports;
- transposition averaging: the mean of the distributions over the offsets;
- IDyOM-style short-term model: a Kneser-Ney model of each order, trained on the tune's earlier
  pitches only (nothing from any other tune), mixed with the model by ``combine_by_entropy``
  (geometric or arithmetic, bias chosen on validation) or by a fixed weight;
- both.
"""

from __future__ import annotations

import argparse
import bisect
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from melodystudio.cli.eval_data import load_test_tunes, open_corpus  # noqa: E402
from melodystudio.core.progress import run_to_end  # noqa: E402
from melodystudio.engine import context  # noqa: E402
from melodystudio.engine.melody import MelodyEngine  # noqa: E402
from melodystudio.engine.sampling import log_softmax, teacher_forced_nll  # noqa: E402
from melodystudio.evaluation.ngram import KneserNey  # noqa: E402
from melodystudio.tokens import glm  # noqa: E402
from melodystudio.tokens.compound import BAR, KIND, START  # noqa: E402
from melodystudio.tokens.heads import CASCADE  # noqa: E402
from melodystudio.training.data import transpose  # noqa: E402

OUT = REPO / "data_cache" / "pitch_study"
PITCH_STAGE = len(CASCADE) - 1
PITCHES = 128


def decode_window(engine: MelodyEngine, tokens: np.ndarray, blank_bar: int, skip: int,
                  k: int) -> tuple[list[np.ndarray], list[float]]:
    """Teacher-force the notes from window bar ``blank_bar`` on after the notes before as part A (read
    k semitones higher): each scored note's pitch log-distribution (shifted back) and note NLL (nats)."""
    tokens = transpose(tokens, k)
    span = glm.continuation_span(tokens, blank_bar)
    part_a, (mask_at,) = glm.part_a(tokens, [span])
    notes = tokens[span.start:]
    start = part_a[mask_at].copy()
    start[KIND] = START
    inputs = np.concatenate([start[None], notes[:-1]])
    target = notes[:, list(CASCADE)]
    pitch_rows, note_nll = [], []
    decoder = engine.decoder()
    try:
        decoder.start(part_a, np.arange(len(part_a)), np.zeros(len(part_a), dtype=np.int64), batch=1)
        for t in range(len(notes)):
            h = decoder.step(inputs[t:t + 1], np.array([mask_at]), np.array([t + 1]))
            if t < skip:
                continue
            note_nll.append(float(teacher_forced_nll(engine.heads, h, target[t:t + 1]).sum()))
            logits = engine.heads.logits(PITCH_STAGE, h, target[t:t + 1]).astype(np.float64)[0]
            shifted = np.full(PITCHES, -np.inf)  # p(x) = p_k(x + k)
            lo, hi = max(0, -k), min(PITCHES, PITCHES - k)
            shifted[lo:hi] = logits[lo + k:hi + k]
            pitch_rows.append(log_softmax(shifted[None])[0])
    finally:
        decoder.close()
    return pitch_rows, note_nll


def window_jobs(engine: MelodyEngine, song, method: str) -> list[tuple[np.ndarray, int, int]]:  # type: ignore[no-untyped-def]
    """(tokens, blank bar, notes to skip) of every decoding pass that scores ``song``.

    ``windows``: ``engine.context.score_windows``, as ``MelodyEngine.score``. ``bars``: one pass per
    bar, its notes the blank and the whole bars before it (as many as a window holds) part A, so each
    note is predicted from the earlier bars read whole and the earlier notes of its own bar."""
    if method == "windows":
        return [(w.tokens, w.blank_bar, w.skip) for w in context.score_windows(song, engine.tokenizer, engine.limits)]
    limits, tl, notes = engine.limits, song.timeline, song.notes
    per_window = min(limits.max_notes, limits.window_notes or limits.max_notes)
    starts = [n.onset for n in notes]
    jobs, i = [], 0
    while i < len(notes):
        bar = tl.bar_at(notes[i].onset)
        stop = bisect.bisect_left(starts, tl.bar_start(bar + 1))
        room = min(limits.max_context - 1, per_window - (stop - i))
        w0 = bar
        while w0 > 0 and bar - w0 + 1 < limits.window_bars and \
                i - bisect.bisect_left(starts, tl.bar_start(w0 - 1)) <= room:
            w0 -= 1
        tokens = engine.tokenizer.encode(song, w0, n_bars=bar - w0 + 1).tokens.astype(np.int64)
        assert len(tokens) - int(np.searchsorted(tokens[:, BAR], bar - w0)) == stop - i
        jobs.append((tokens, bar - w0, 0))
        i = stop
    return jobs


def dump(split: str, offsets: list[int], limit: int | None, method: str) -> None:
    engine = MelodyEngine.load(None, provider="cpu")
    corpus = open_corpus(REPO / "data_cache" / "corpus.npz")
    tunes = run_to_end(load_test_tunes(corpus, "essenFolksong", split, limit)).tunes
    OUT.mkdir(parents=True, exist_ok=True)
    pitches = [np.array([n.pitch for n in t.song.notes]) for t in tunes]
    jobs = [window_jobs(engine, t.song, method) for t in tunes]
    for k in offsets:
        logp, nll = [], []
        for tune_jobs, tune_pitches in zip(jobs, pitches):
            rows: list[np.ndarray] = []
            for tokens, blank_bar, skip in tune_jobs:
                got, note = decode_window(engine, tokens, blank_bar, skip, k)
                rows += got
                nll += note
            assert len(rows) == len(tune_pitches)
            logp += rows
        all_pitches = np.concatenate(pitches)
        arr = np.array(logp, dtype=np.float32)
        np.savez_compressed(OUT / f"{split}_{method}_{k}.npz", logp=arr, note_nll=np.array(nll),
                            pitch=all_pitches, lengths=np.array([len(p) for p in pitches]))
        pitch_nll = -arr[np.arange(len(all_pitches)), all_pitches].astype(np.float64)
        print(f"{split} {method} offset {k:+d}: {len(tunes)} tunes, {len(arr)} notes, "
              f"{sum(map(len, jobs))} passes, pitch perplexity {np.exp(pitch_nll.mean()):.4f}, "
              f"note NLL {np.mean(nll):.4f}", flush=True)


def load(split: str, offsets: list[int], method: str = "windows") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(offsets, notes, 128) probabilities, (notes,) true pitches, (tunes,) lengths."""
    parts = [np.load(OUT / f"{split}_{method}_{k}.npz") for k in offsets]
    return np.exp(np.stack([p["logp"].astype(np.float64) for p in parts])), parts[0]["pitch"], parts[0]["lengths"]


def short_term(pitch: np.ndarray, lengths: np.ndarray, order: int) -> np.ndarray:
    """(notes, 128): each note's pitch predicted by a Kneser-Ney model of the tune's earlier pitches."""
    out = np.empty((len(pitch), PITCHES))
    at = 0
    for n in lengths:
        tune = [int(p) for p in pitch[at:at + n]]
        model = KneserNey(order, PITCHES)
        for i, w in enumerate(tune):
            out[at + i] = model.distribution(tune[:i])
            model.observe(tune[:i], w)
        at += n
    return out


def perplexity(p: np.ndarray, pitch: np.ndarray) -> float:
    return float(np.exp(-np.log(np.maximum(p[np.arange(len(pitch)), pitch], 1e-300)).mean()))


def entropy_mix(model: np.ndarray, stm: np.ndarray, bias: float, method: str) -> np.ndarray:
    """``combine_by_entropy`` of the two predictions of every note, all notes at once: (notes, 128)."""
    dists = np.stack([model, stm])  # (2, notes, V)
    logs = np.log(np.maximum(dists, 1e-300))
    relative = -(dists * logs).sum(axis=2) / np.log(PITCHES)  # (2, notes)
    weights = np.maximum(relative, 1e-6) ** -bias
    weights /= weights.sum(axis=0)
    if method == "arithmetic":
        return (weights[..., None] * dists).sum(axis=0)
    mixed = (weights[..., None] * logs).sum(axis=0)
    mixed = np.exp(mixed - mixed.max(axis=1, keepdims=True))
    return mixed / mixed.sum(axis=1, keepdims=True)


def mix(offsets: list[int]) -> None:
    sets = {s: load(s, offsets) for s in ("valid", "test")}
    stms = {s: {o: short_term(sets[s][1], sets[s][2], o) for o in (2, 3, 4, 5)} for s in sets}
    candidates: dict[str, dict[str, np.ndarray]] = {s: {} for s in sets}
    for s, (probs, _, _) in sets.items():
        candidates[s]["model alone"] = probs[0]
        for reach in range(1, max(abs(k) for k in offsets) + 1):
            chosen = [i for i, k in enumerate(offsets) if abs(k) <= reach]
            if len(chosen) > 1:
                candidates[s][f"mean over offsets {sorted(offsets[i] for i in chosen)}"] = probs[chosen].mean(axis=0)
    results = []
    for base in list(candidates["valid"]):
        v_pitch, t_pitch = sets["valid"][1], sets["test"][1]
        results.append((base, "-", perplexity(candidates["valid"][base], v_pitch),
                        perplexity(candidates["test"][base], t_pitch)))
        settings = [(o, m, b) for o in (2, 3, 4, 5) for m in ("geometric", "arithmetic") for b in (1, 2, 3, 5, 7)]
        scored = [(perplexity(entropy_mix(candidates["valid"][base], stms["valid"][o], b, m), v_pitch), o, m, b)
                  for o, m, b in settings]
        best, o, m, b = min(scored)
        test = perplexity(entropy_mix(candidates["test"][base], stms["test"][o], b, m), t_pitch)
        results.append((base, f"+ short-term order {o}, {m} entropy mix, bias {b}", best, test))
        fixed = [(perplexity((1 - w) * candidates["valid"][base] + w * stms["valid"][o], v_pitch), o, w)
                 for o in (2, 3, 4, 5) for w in (0.05, 0.1, 0.15, 0.2, 0.3)]
        best, o, w = min(fixed)
        test = perplexity((1 - w) * candidates["test"][base] + w * stms["test"][o], t_pitch)
        results.append((base, f"+ short-term order {o}, fixed weight {w}", best, test))
    print("| prediction | mixed with | valid | test |\n| --- | --- | --- | --- |")
    for base, how, valid, test in results:
        print(f"| {base} | {how} | {valid:.4f} | {test:.4f} |")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("what", choices=("dump", "mix"))
    p.add_argument("--split", choices=("valid", "test"), default="test")
    p.add_argument("--offsets", default="0,-3,-2,-1,1,2,3", help="offset 0 first")
    p.add_argument("--limit", type=int, default=None)
    p.add_argument("--method", choices=("windows", "bars"), default="windows")
    args = p.parse_args()
    offsets = [int(x) for x in args.offsets.split(",")]
    if args.what == "dump":
        dump(args.split, offsets, args.limit, args.method)
    else:
        mix(offsets)


if __name__ == "__main__":
    main()
