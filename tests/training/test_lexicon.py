from __future__ import annotations

import math

import numpy as np

from melodystudio.training.lexicon import Lexicon, build_lexicon, onsets, units
from tests.training.conftest import tune_of

# "Ode to Joy" opening figure as intervals: E E F G G F E D  ->  0 +1 +2 0 -2 -1 -2
MOTIF_STEPS = (0, 1, 2, 0, -2, -1, -2)
MOTIF_DURS = (12, 12, 12, 12, 12, 12, 12, 12)


def _random_tune(rng: np.random.Generator, plant: bool) -> np.ndarray:
    """A random walk of 24-40 quarter-ish notes, with the motif planted in a random key and place."""
    n = int(rng.integers(24, 40))
    pitches = list(60 + np.cumsum(rng.choice([-7, -5, -4, -3, 3, 4, 5, 7, 9], size=n)) % 24)
    durs = list(rng.choice([6, 12, 18, 24], size=n))
    if plant:
        at, base = int(rng.integers(0, n - 8)), int(rng.integers(55, 70))
        pitches[at:at + 8] = list(base + np.concatenate([[0], np.cumsum(MOTIF_STEPS)]))
        durs[at:at + 8] = MOTIF_DURS
    onset = np.concatenate([[0], np.cumsum(durs)[:-1]])
    return tune_of([(int(o) // 48, int(o) % 48, int(p), int(d)) for o, p, d in zip(onset, pitches, durs)])


def test_units_are_relative_to_the_previous_note() -> None:
    # quarter C, eighth D after an eighth rest, half E: bar 0 pos 0 / 18 / 24
    t = tune_of([(0, 0, 60, 12), (0, 18, 62, 6), (0, 24, 64, 24)])
    assert onsets(t).tolist() == [0, 18, 24]
    assert units(t, "pitch") == ["+2", "+2"]
    assert units(t, "rhythm") == ["1/2@3/2", "4/1@1/1"]  # the rest shows as onset gap 3/2 of the quarter
    assert units(t, "combined") == ["+2:1/2", "+2:4/1"]


def test_onsets_follow_the_meter_of_each_bar() -> None:
    three_four, four_four = 2, 1
    t = np.concatenate([tune_of([(0, 0, 60, 36)], meter=three_four), tune_of([(1, 0, 62, 48)], meter=four_four),
                        tune_of([(2, 12, 64, 12)], meter=four_four)])
    assert onsets(t).tolist() == [0, 36, 36 + 48 + 12]


def test_a_planted_motif_is_found_in_any_key() -> None:
    rng = np.random.default_rng(3)
    tunes = [_random_tune(rng, plant=i % 2 == 0) for i in range(60)]
    lex = build_lexicon(tunes, n_max=8, top_k=40, min_count=5)
    pitch = [e.units for e in lex.kind_entries("pitch")]
    motif = tuple(f"{s:+d}" for s in MOTIF_STEPS)
    assert motif in pitch  # the whole 7-interval motif survives the significance ranking
    combined = [e.units for e in lex.kind_entries("combined")]
    assert any(len(u) >= 5 for u in combined)
    probe = _random_tune(np.random.default_rng(99), plant=True)
    found = lex.find(probe)
    seq = units(probe, "pitch")
    at = next(i for i in range(len(seq) - 6) if tuple(seq[i:i + 7]) == motif)
    assert (at, at + 8) in found  # 7 intervals = 8 notes


def test_score_is_the_t_statistic_against_the_likeliest_split() -> None:
    rng = np.random.default_rng(5)
    tunes = [_random_tune(rng, plant=True) for _ in range(30)]
    lex = build_lexicon(tunes, n_max=4, top_k=400, min_count=3)
    seqs = [tuple(units(t, "pitch")) for t in tunes]

    def count(g: tuple[str, ...]) -> int:
        return sum(1 for s in seqs for i in range(len(s) - len(g) + 1) if s[i:i + len(g)] == g)

    def total(n: int) -> int:
        return sum(len(s) - n + 1 for s in seqs)

    for e in lex.kind_entries("pitch")[:5] + lex.kind_entries("pitch")[-3:]:
        g, n, f = e.units, len(e.units), count(e.units)
        expected = total(n) * max(count(g[:k]) / total(k) * count(g[k:]) / total(n - k) for k in range(1, n))
        assert e.count == f and math.isclose(e.score, (f - expected) / math.sqrt(f), rel_tol=1e-9)


def test_lexicon_round_trips_through_json(tmp_path) -> None:
    rng = np.random.default_rng(1)
    lex = build_lexicon([_random_tune(rng, plant=True) for _ in range(20)], top_k=10, min_count=3)
    lex.save(tmp_path / "lex.json")
    back = Lexicon.load(tmp_path / "lex.json")
    assert [(e.kind, e.units, e.count) for e in back.entries] == [(e.kind, e.units, e.count) for e in lex.entries]
    probe = _random_tune(rng, plant=True)
    assert back.find(probe) == lex.find(probe)
