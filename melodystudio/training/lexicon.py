"""MelodyGLM's melodic n-gram lexicon: frequent, significant motifs in relative form.

Each pair of consecutive notes (i, i+1) gives one *unit* per kind, so motifs match in any key and
at any tempo:

    pitch     the interval in semitones                       "+2"
    rhythm    duration ratio @ onset interval / duration      "1/2@1/1" (the second number > 1: a rest)
    combined  interval : duration ratio                        "+2:1/2"

An n-gram is n consecutive units (n + 1 notes). Its significance is a t-statistic of its count
against what its parts predict if they occurred independently, taking the most probable split::

    t(w) = (f(w) - N_n * max_k p(w[:k]) p(w[k:])) / sqrt(f(w))      p(x) = f(x) / N_len(x)

where f counts occurrences in the corpus and N_n counts the n-gram positions of length n. The
numerator is observed minus expected count; sqrt(f) estimates the count's standard deviation
(Poisson). Using the most probable split means a motif is kept only if it is more than any of its
two-part decompositions explains (lexicon extraction as in word segmentation, used by MelodyGLM).
The top K per kind are kept.
"""

from __future__ import annotations

import argparse
import json
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from melodystudio.core import PPQ
from melodystudio.tokens import TokenizerConfig
from melodystudio.tokens.compound import BAR, DUR, METER, METERS, PITCH, POS

LEXICON_VERSION = 1
KINDS = ("pitch", "rhythm", "combined")
WHOLE = 4 * PPQ // TokenizerConfig().grid  # grid units per whole note (48)


def bar_lengths(tune: np.ndarray, whole: int = WHOLE) -> np.ndarray:
    """Grid units of each window bar, from the meter of the notes in it; an 'other' meter takes the
    extent of the bar's notes (at least a quarter)."""
    n_bars = int(tune[-1, BAR]) + 1 if len(tune) else 0
    lengths, meter = np.zeros(n_bars, np.int64), int(tune[0, METER]) if len(tune) else 0
    for b in range(n_bars):
        in_bar = tune[tune[:, BAR] == b]
        meter = int(in_bar[0, METER]) if len(in_bar) else meter
        if meter:
            num, den = (int(x) for x in METERS[meter].split("/"))
            lengths[b] = num * whole // den
        else:
            lengths[b] = max(int((in_bar[:, POS] + in_bar[:, DUR]).max()) if len(in_bar) else 0, whole // 4)
    return lengths


def onsets(tune: np.ndarray, whole: int = WHOLE) -> np.ndarray:
    """Onset of each note in grid units from the window start, (N,) int64."""
    starts = np.concatenate([[0], np.cumsum(bar_lengths(tune, whole))])
    return starts[tune[:, BAR]] + tune[:, POS]


def _ratio(a: int, b: int) -> str:
    g = math.gcd(a, b) or 1
    return f"{a // g}/{b // g}"


def units(tune: np.ndarray, kind: str, whole: int = WHOLE) -> list[str]:
    """The N - 1 units of a tune for one lexicon kind (unit i relates note i to note i + 1)."""
    pitch, dur = tune[:, PITCH].astype(int), tune[:, DUR].astype(int)
    if kind == "pitch":
        return [f"{d:+d}" for d in np.diff(pitch)]
    if kind == "combined":
        return [f"{d:+d}:{_ratio(dur[i + 1], dur[i])}" for i, d in enumerate(np.diff(pitch))]
    if kind == "rhythm":
        ioi = np.diff(onsets(tune, whole))
        return [f"{_ratio(dur[i + 1], dur[i])}@{_ratio(int(ioi[i]), dur[i])}" for i in range(len(ioi))]
    raise ValueError(f"unknown lexicon kind {kind!r}")


@dataclass(frozen=True)
class Entry:
    kind: str
    units: tuple[str, ...]
    count: int
    score: float


@dataclass
class Lexicon:
    entries: list[Entry]
    n_min: int = 2
    n_max: int = 8
    whole: int = WHOLE
    _index: dict[str, dict[int, set[tuple[str, ...]]]] = field(default_factory=dict, repr=False)

    def save(self, path: str | Path) -> None:
        data = {"version": LEXICON_VERSION, "n_min": self.n_min, "n_max": self.n_max, "whole": self.whole,
                "entries": [{"kind": e.kind, "units": list(e.units), "count": e.count, "score": round(e.score, 4)}
                            for e in self.entries]}
        Path(path).write_text(json.dumps(data, indent=0))

    @staticmethod
    def load(path: str | Path) -> Lexicon:
        data = json.loads(Path(path).read_text())
        if data.get("version") != LEXICON_VERSION:
            raise ValueError(f"{path}: lexicon version {data.get('version')} is not {LEXICON_VERSION}")
        entries = [Entry(e["kind"], tuple(e["units"]), e["count"], e["score"]) for e in data["entries"]]
        return Lexicon(entries, data["n_min"], data["n_max"], data["whole"])

    def kind_entries(self, kind: str) -> list[Entry]:
        return [e for e in self.entries if e.kind == kind]

    def find(self, tune: np.ndarray) -> list[tuple[int, int]]:
        """[start, stop) note ranges of every lexicon n-gram occurring in a tune (all kinds)."""
        if not self._index:
            for e in self.entries:
                self._index.setdefault(e.kind, {}).setdefault(len(e.units), set()).add(e.units)
        found: set[tuple[int, int]] = set()
        for kind, by_n in self._index.items():
            seq = units(tune, kind, self.whole)
            for n, grams in by_n.items():
                found.update((i, i + n + 1) for i in range(len(seq) - n + 1) if tuple(seq[i:i + n]) in grams)
        return sorted(found)


def _count(seqs: Sequence[Sequence[int]], n_max: int, min_count: int) -> list[Counter[tuple[int, ...]]]:
    """counts[n][gram] for n = 1..n_max; a gram is counted only if both (n-1)-grams in it are
    frequent (an n-gram is never more frequent than its parts, so nothing kept is lost)."""
    counts: list[Counter[tuple[int, ...]]] = [Counter(), Counter((u,) for s in seqs for u in s)]
    for n in range(2, n_max + 1):
        prev, c = counts[n - 1], Counter[tuple[int, ...]]()
        for s in seqs:
            for i in range(len(s) - n + 1):
                g = tuple(s[i:i + n])
                if prev[g[:-1]] >= min_count and prev[g[1:]] >= min_count:
                    c[g] += 1
        counts.append(c)
    return counts


def _t_scores(counts: list[Counter[tuple[int, ...]]], totals: list[int], n_min: int,
              min_count: int) -> list[tuple[float, tuple[int, ...], int]]:
    """(t, gram, count) for each frequent gram of n_min..n_max units with t > 0."""
    def p(g: tuple[int, ...]) -> float:
        return counts[len(g)][g] / totals[len(g)]

    scored = []
    for n in range(max(n_min, 2), len(counts)):
        for g, f in counts[n].items():
            if f < min_count:
                continue
            expected = totals[n] * max(p(g[:k]) * p(g[k:]) for k in range(1, n))
            t = (f - expected) / math.sqrt(f)
            if t > 0:
                scored.append((t, g, f))
    return scored


def build_lexicon(tunes: Iterable[np.ndarray], n_min: int = 2, n_max: int = 8, top_k: int = 1000,
                  min_count: int = 5, whole: int = WHOLE) -> Lexicon:
    """The top ``top_k`` n-grams (n_min..n_max units) per kind of a corpus of (N, 7) tunes."""
    tunes = [t for t in tunes if len(t) > 1]
    entries: list[Entry] = []
    for kind in KINDS:
        vocab: dict[str, int] = {}
        seqs = [[vocab.setdefault(u, len(vocab)) for u in units(t, kind, whole)] for t in tunes]
        names = {i: u for u, i in vocab.items()}
        counts = _count(seqs, n_max, min_count)
        totals = [0] + [sum(max(len(s) - n + 1, 0) for s in seqs) for n in range(1, n_max + 1)]
        scored = sorted(_t_scores(counts, totals, n_min, min_count), key=lambda x: (-x[0], x[1]))[:top_k]
        entries += [Entry(kind, tuple(names[u] for u in g), f, t) for t, g, f in scored]
    return Lexicon(entries, n_min, n_max, whole)


def main(argv: list[str] | None = None) -> None:
    from melodystudio.training.data import TuneSet

    ap = argparse.ArgumentParser(description="Build the melodic n-gram lexicon from a tune set's train split.")
    ap.add_argument("--data", required=True, help=".npz tune set (see training/data.py)")
    ap.add_argument("--out", required=True, help="lexicon .json to write")
    ap.add_argument("--top-k", type=int, default=1000)
    ap.add_argument("--n-max", type=int, default=8)
    ap.add_argument("--min-count", type=int, default=5)
    args = ap.parse_args(argv)
    tunes = TuneSet.load(args.data)
    lex = build_lexicon(tunes.split("train"), n_max=args.n_max, top_k=args.top_k, min_count=args.min_count)
    lex.save(args.out)
    print(f"{len(lex.entries)} n-grams -> {args.out}")


if __name__ == "__main__":
    main()
