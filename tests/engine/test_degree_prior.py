"""The scale-degree prior: its table, its file, the per-note weights, and what it does to a lyric's pitches."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from melodystudio.core import KeySignature, Song
from melodystudio.core.errors import MelodyStudioError
from melodystudio.core.progress import run_to_end
from melodystudio.engine import GenerationOptions
from melodystudio.engine.constraints import BAR_S, Rules
from melodystudio.engine.context import Limits, inpaint_prompt
from melodystudio.engine.degree_prior import DEGREE_PRIOR_FILE, TABLE_SHAPE, DegreePrior, degree_counts
from melodystudio.engine.melody import MelodyEngine
from melodystudio.engine.request_conditions import phrase_ends
from melodystudio.lyrics.syllables import Stress, Syllable, WordPosition
from melodystudio.tokens import CompoundTokenizer, TokenizerConfig
from melodystudio.tokens.heads import CASCADE
from melodystudio.training.export import add_json_to_model
from tests.engine.conftest import Q, scale_song

BAR_TICKS = 4 * Q


def counts_with(mode: int, place: int, degrees: dict[int, int]) -> np.ndarray:
    table = np.zeros(TABLE_SHAPE, dtype=np.int64)
    for degree, n in degrees.items():
        table[mode, place, degree] = n
    return table


def test_the_table_is_the_smoothed_log_ratio_of_human_to_model_counts() -> None:
    human = counts_with(0, 1, {0: 30, 7: 10})  # major phrase ends: tonic 30, fifth 10
    model = counts_with(0, 1, {0: 10, 7: 10, 1: 20})  # the model: tonic 10, fifth 10, b2 20
    prior = DegreePrior.fit(human, model, (0.5, 1.5))
    h, m = human[0, 1] + 1.0, model[0, 1] + 1.0
    assert prior.log_ratio[0, 1, 0] == pytest.approx(np.log(31 / h.sum()) - np.log(11 / m.sum()))
    assert prior.log_ratio[0, 1, 0] > 0 > prior.log_ratio[0, 1, 1]  # tonic drawn in, b2 pushed off
    assert np.allclose(prior.log_ratio[1], 0.0)  # no counts either side: no preference
    again = DegreePrior.from_json(json.loads(json.dumps(prior.to_json(human, model, "test counts"))))
    assert again.weights == (0.5, 1.5) and np.allclose(again.log_ratio, prior.log_ratio, atol=1e-4)
    with pytest.raises(ValueError, match="shape"):
        DegreePrior.fit(human[0], model[0], (1.0, 1.0))


def test_degree_counts_and_pitch_weights_follow_the_key() -> None:
    d_major, b_minor = KeySignature(0, "D"), KeySignature(0, "B", "minor")
    counts = degree_counts(np.array([62, 66, 69, 74, 61]), d_major, np.array([False, False, True, True, False]))
    assert counts[0, 0, [0, 4, 11]].tolist() == [1, 1, 1]  # D, F#, C# inside the phrase
    assert counts[0, 1, [7, 0]].tolist() == [1, 1]  # A and D end phrases
    assert counts.sum() == 5 and counts[1].sum() == 0
    table = np.arange(np.prod(TABLE_SHAPE), dtype=np.float64).reshape(TABLE_SHAPE)
    weights = DegreePrior(table, (3.0, 2.0)).pitch_weights(b_minor)
    assert weights.shape == (2, 128)
    assert weights[1, 71] == 2.0 * table[1, 1, 0]  # B: the tonic of B minor, at a phrase end
    assert weights[0, 62] == 3.0 * table[1, 0, 3]  # D: its minor third, inside a phrase


def test_phrase_ends_of_syllables() -> None:
    syllables = [Syllable("la", Stress.PRIMARY, w, p, WordPosition.SINGLE) for w, p in
                 [(0, 0), (1, 0), (2, 1), (3, 1), (4, 1), (5, 2)]]
    assert phrase_ends(syllables) == [False, True, False, False, True, True]
    assert phrase_ends([]) == []


def phrase_syllables(n: int, per_phrase: int) -> list[Syllable]:
    return [Syllable("la", Stress.PRIMARY, i, i // per_phrase, WordPosition.SINGLE) for i in range(n)]


@pytest.fixture(scope="module")
def tonic_prior_dir(cond_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny conditioned model with a prior that all but forbids anything but the tonic at phrase
    ends (degree 0 gets 1000 human notes against 1 for the model: log ratio about +6.9 nats, weight 3;
    no weight inside phrases)."""
    out = tmp_path_factory.mktemp("with-degrees") / "melody"
    shutil.copytree(cond_model_dir, out)
    human = np.ones(TABLE_SHAPE, dtype=np.int64)
    human[:, 1, 0] = 1000
    model = np.ones(TABLE_SHAPE, dtype=np.int64)
    add_json_to_model(out, DEGREE_PRIOR_FILE, DegreePrior.fit(human, model, (0.0, 3.0)).to_json(human, model, "test"))
    return out


def test_rules_give_each_row_the_weights_of_its_key_and_place() -> None:
    scale = scale_song(bars=8, key="G")
    song = Song("two keys", time_signatures=scale.time_signatures, notes=scale.notes,
                keys=[*scale.keys, KeySignature(4 * BAR_TICKS, "E", "minor")])  # E minor from bar 5
    cfg = TokenizerConfig()
    limits = Limits(window_bars=cfg.max_bars - 1, max_context=62, max_notes=62)
    prompt = inpaint_prompt(song, 2, 5, CompoundTokenizer(cfg), limits)
    sizes = tuple(cfg.sizes()[c] for c in CASCADE)
    rules = Rules(prompt, [(4, 4)] * (len(prompt.bar_starts) - 1), song.keys, cfg, sizes, GenerationOptions(),
                  limits.max_notes, 8, Q // 4)
    assert rules.pitch_prior(np.array([0]), np.zeros((1, 5), dtype=np.int64)) is None  # none heard yet
    table = np.arange(np.prod(TABLE_SHAPE), dtype=np.float64).reshape(TABLE_SHAPE)
    rules.hear_degrees(DegreePrior(table, (0.5, 0.25)), [False, False, False, True, False, False, False, True])
    chosen = np.zeros((3, 5), dtype=np.int64)
    chosen[:, BAR_S] = [2 - prompt.window_bar, 3 - prompt.window_bar, 5 - prompt.window_bar]  # G, G, E minor
    weights = rules.pitch_prior(np.array([0, 3, 7]), chosen)  # notes 1, 4 (a phrase end), 8 (the last)
    assert weights is not None and weights.shape == (3, 128)
    assert weights[0, 67] == 0.5 * table[0, 0, 0]  # G inside a phrase in G major: the tonic
    assert weights[1, 71] == 0.25 * table[0, 1, 4]  # B ending a phrase in G major: the third
    assert weights[2, 71] == 0.25 * table[1, 1, 7]  # B ending the last phrase in E minor: the fifth
    with pytest.raises(ValueError, match="one phrase-end flag per note"):
        rules.hear_degrees(DegreePrior(table, (0.5, 0.25)), [True])


def test_a_model_with_the_prior_ends_phrases_on_the_tonic(tonic_prior_dir: Path, cond_engine: MelodyEngine) -> None:
    engine = MelodyEngine.load(tonic_prior_dir, provider="cpu", threads=1)
    song, syllables = scale_song(bars=10, key="G"), phrase_syllables(16, 4)
    options = GenerationOptions(variations=6, seed=3)

    def ending_tonics(e: MelodyEngine, s: object = song, use_lyrics: bool = True) -> float:
        variations = run_to_end(e.lyrics(s, 1, 8, syllables, options, use_lyrics))  # type: ignore[arg-type]
        ends = [n for v in variations for n, end in zip(v.notes, phrase_ends(syllables)) if end]
        return float(np.mean([n.pitch % 12 == 7 for n in ends]))
    assert ending_tonics(engine) == 1.0 and ending_tonics(cond_engine) < 0.5
    # hidden syllables (no lyric input) and a song without a key get no prior: as the model alone
    assert ending_tonics(engine, use_lyrics=False) == ending_tonics(cond_engine, use_lyrics=False)
    keyless = scale_song(bars=10, key=None)
    assert ending_tonics(engine, keyless) == ending_tonics(cond_engine, keyless)


def test_a_damaged_degree_prior_is_one_clear_error(tonic_prior_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "melody"
    shutil.copytree(tonic_prior_dir, copy)
    data = json.loads((copy / DEGREE_PRIOR_FILE).read_text(encoding="utf-8"))
    data["log_ratio"] = data["log_ratio"][:1]  # a wrong table with a fresh checksum
    add_json_to_model(copy, DEGREE_PRIOR_FILE, data)
    with pytest.raises(MelodyStudioError, match="not a degree prior"):
        MelodyEngine.load(copy, provider="cpu")
    (copy / DEGREE_PRIOR_FILE).write_text("{}", encoding="utf-8")  # now its checksum is wrong too
    with pytest.raises(MelodyStudioError, match=r"degree_prior\.json"):
        MelodyEngine.load(copy, provider="cpu")
