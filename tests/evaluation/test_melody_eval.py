"""``melodystudio eval`` end to end on a tiny random model and a tiny corpus, and its baselines.

The corpus is written with the corpus package's own encoder and writer: Essen-like folk tunes in
the train, valid and test splits, one Bach-like train tune, and one test tune in 7/4 (a meter the
tokens cannot say, and with no ABC file to read it from: it must be left out and counted).
"""

from __future__ import annotations

import json
import math
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest

from melodystudio.cli.eval_data import open_corpus, train_pitch_sequences
from melodystudio.cli.main import main
from melodystudio.core import PPQ, KeySignature, Note, Song, TimeSignature
from melodystudio.core.progress import run_to_end
from melodystudio.corpus.dataset import write_npz, write_sidecar
from melodystudio.corpus.encode import encode_tune
from melodystudio.corpus.records import CorpusTune, base_meta
from melodystudio.corpus.stats import BuildStats
from melodystudio.engine.inpaint_score import score_blank
from melodystudio.engine.melody import MelodyEngine
from melodystudio.evaluation import KneserNey, bar_fit
from melodystudio.evaluation.melody_eval_baselines import (
    Blank,
    copy_previous_bar,
    ngram_fill,
    random_in_key,
)
from melodystudio.evaluation.melody_eval_songs import song_from_windows, windows_of
from melodystudio.tokens import CompoundTokenizer, TokenizerConfig
from tests.engine.conftest import scale_song, shipped_or_exported, tiny_glm

Q = PPQ
BAR = 4 * Q  # a 4/4 bar in ticks
G_MAJOR = (67, 69, 71, 72, 74, 76, 78, 79)
D_MINOR = (62, 64, 65, 67, 69, 70, 72, 74)
RHYTHMS = ((Q, Q, Q, Q), (Q // 2, Q // 2, Q, 2 * Q), (Q, Q // 2, Q // 2, Q, Q), (3 * Q // 2, Q // 2, 2 * Q))
FIT_METHODS = ("model", "ngram", "copy_previous_bar", "random_in_key", "human")


def folk_tune(seed: int, scale: tuple[int, ...] = G_MAJOR, key: KeySignature | None = None, bars: int = 16,
              meter: tuple[int, int] = (4, 4)) -> Song:
    """A stepwise tune on ``scale``, one of RHYTHMS per 4/4 bar (a 7/4 bar adds a dotted half)."""
    rng = np.random.default_rng(seed)
    bar_ticks = meter[0] * 4 * Q // meter[1]
    notes, degree = [], 3
    for bar in range(bars):
        rhythm = RHYTHMS[int(rng.integers(len(RHYTHMS)))] + ((3 * Q,) if bar_ticks == 7 * Q else ())
        onset = bar * bar_ticks
        for duration in rhythm:
            degree = int(np.clip(degree + rng.integers(-2, 3), 0, len(scale) - 1))
            notes.append(Note(onset, duration, scale[degree]))
            onset += duration
    return Song(f"tune {seed}", time_signatures=[TimeSignature(0, *meter)],
                keys=[key or KeySignature(0, "G")], notes=notes)


TUNES = [  # (source, split, song)
    *(("essenFolksong", "train", folk_tune(s)) for s in range(4)),
    ("essenFolksong", "valid", folk_tune(10)),
    ("essenFolksong", "test", folk_tune(20)),
    ("essenFolksong", "test", folk_tune(21, D_MINOR, KeySignature(0, "D", "minor"))),
    ("essenFolksong", "test", folk_tune(22, meter=(7, 4))),
    ("bach", "train", folk_tune(30, D_MINOR, KeySignature(0, "D", "minor"), bars=8)),
]


@pytest.fixture(scope="module")
def corpus_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    config = TokenizerConfig()
    tokenizer = CompoundTokenizer(config)
    encoded = [encode_tune(CorpusTune(source, f"tune{i}.abc#1", split, song, None, base_meta(title=song.title)),
                           tokenizer) for i, (source, split, song) in enumerate(TUNES)]
    stats = BuildStats()
    for tune in encoded:
        stats.add_read(tune)
        stats.add_kept(tune)
    path = tmp_path_factory.mktemp("corpus") / "corpus.npz"
    write_npz(path, encoded, config)
    write_sidecar(path, encoded, config, {"sources_built": ["essenFolksong", "bach"], "stats": stats.to_dict()})
    return path


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return shipped_or_exported(tmp_path_factory, tiny_glm, "eval-model")


def run_eval(corpus_path: Path, model_dir: Path, out: Path) -> dict:
    args = ["eval", "--model", str(model_dir), "--corpus", str(corpus_path), "--quick", "--out", str(out),
            "--provider", "cpu", "--seed", "3"]
    assert main(args) == 0
    page = (out / "eval.md").read_text()
    assert all(f"## {n}." in page for n in (1, 2, 3)) and "## Timings" in page
    return json.loads((out / "eval.json").read_text())


@pytest.fixture(scope="module")
def report(corpus_path: Path, model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    return run_eval(corpus_path, model_dir, tmp_path_factory.mktemp("reports"))


# -- the command end to end -----------------------------------------------------------------------
def test_report_has_every_section_and_the_run_facts(report: dict) -> None:
    assert set(report["sections"]) == {"nll", "inpainting", "continuation"}
    assert report["model"]["manifest_sha256"] and len(report["model"]["manifest_sha256"]) == 64
    assert report["machine"]["provider"] == "CPU" and report["machine"]["cores"] >= 1
    assert report["corpus"]["test_source"]["essenFolksong"]["test"]["tunes"] == 3
    assert set(report["timings"]) >= {"load_model", "nll", "inpainting", "continuation", "total"}


def test_test_tunes_are_the_test_split_and_the_7_4_tune_is_left_out(report: dict) -> None:
    test = report["test_set"]
    assert (test["in_corpus"], test["used"], test["from_source_files"]) == (3, 2, 0)
    assert test["left_out"] == {"not rebuildable from its tokens and no ABC source file to read": 1}
    nll = report["sections"]["nll"]
    assert nll["tunes"] == 2 and nll["notes"] == len(TUNES[5][2].notes) + len(TUNES[6][2].notes)


def test_ngram_learns_from_the_train_split_only(report: dict) -> None:
    ngram = report["ngram"]
    train = [song for _, split, song in TUNES if split == "train"]
    assert ngram["sources"] == ["essenFolksong", "bach"] and ngram["split"] == "train"
    assert (ngram["train_tunes"], ngram["train_notes"]) == (len(train), sum(len(s.notes) for s in train))


def test_every_method_fits_the_bars_and_figures_are_finite(report: dict) -> None:
    for name in ("inpainting", "continuation"):
        section = report["sections"][name]
        assert section["cases"] >= 1 and not section["skipped"]
        for method in FIT_METHODS:
            figures = section["methods"][method]
            assert figures["bar_fit_rate"] == 1.0, (name, method)
            assert figures["fills"] == section["cases"] * (1 if method == "human" else 4)
            for key in ("pc_overlap_mean", "pc_overlap_pooled", "dur_overlap_mean", "dur_overlap_pooled",
                        "notes_mean", "true_notes_mean"):
                assert math.isfinite(figures[key]), (name, method, key)
        assert section["methods"]["human"]["pc_overlap_mean"] == 1.0
        true_bars = section["nll_true_bars"]
        assert true_bars["cases_scored"] >= 1
        assert all(true_bars[k]["nats"] > 0 for k in ("model_per_token", "model_pitch", "ngram_pitch"))
    assert math.isfinite(report["sections"]["continuation"]["methods"]["human"]["similarity_mean"])
    nll = report["sections"]["nll"]
    for figures in (nll["model"]["note"], *nll["model"]["attributes"].values(), nll["ngram"]["pitch"],
                    nll["short_term_mix"]["pitch"]):
        assert math.isfinite(figures["nats"]) and figures["bits"] == pytest.approx(figures["nats"] / math.log(2))
    assert nll["model"]["pitch_perplexity"] == pytest.approx(math.exp(nll["model"]["attributes"]["pitch"]["nats"]))


def test_the_same_seed_scores_the_same_cases_with_the_same_fills(report: dict, corpus_path: Path, model_dir: Path,
                                                                  tmp_path: Path) -> None:
    assert run_eval(corpus_path, model_dir, tmp_path)["sections"] == report["sections"]


def test_a_missing_corpus_cache_says_how_to_build_it(model_dir: Path, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["eval", "--model", str(model_dir), "--corpus", str(tmp_path / "none.npz"), "--out", str(tmp_path)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and len(err) == 1
    assert "no corpus cache at" in err[0] and "python -m melodystudio.corpus.build" in err[0]
    assert not (tmp_path / "eval.json").exists()


def test_train_pitch_sequences_hold_only_train_tunes(corpus_path: Path) -> None:
    got = train_pitch_sequences(open_corpus(corpus_path), ["essenFolksong"])
    expected = [[n.pitch for n in song.notes] for source, split, song in TUNES
                if source == "essenFolksong" and split == "train"]
    assert [s.tolist() for s in got] == expected


# -- rebuilding songs and scoring blanks ------------------------------------------------------------
def test_a_song_comes_back_from_its_tokens() -> None:
    song = folk_tune(5, D_MINOR, KeySignature(0, "D", "minor"), bars=6)
    tokenizer = CompoundTokenizer()
    rebuilt = song_from_windows(windows_of(song, tokenizer), tokenizer.config.grid, "x")
    assert rebuilt is not None and rebuilt.notes == song.notes
    assert rebuilt.time_signatures == song.time_signatures and rebuilt.keys == song.keys
    assert song_from_windows(windows_of(folk_tune(5, meter=(7, 4)), tokenizer), 40) is None  # 7/4: 'other'


def test_blank_score_of_a_whole_tune_equals_the_left_to_right_score(model_dir: Path) -> None:
    engine = MelodyEngine.load(model_dir, provider="cpu", threads=1)
    song = scale_song(bars=4)
    blank = run_to_end(score_blank(engine, song, 0, 3))
    bits = np.array([(s.kind, s.bar, s.pos, s.duration, s.pitch) for s in run_to_end(engine.score(song)).notes])
    np.testing.assert_allclose(blank.notes / math.log(2), bits, atol=1e-5)
    assert blank.end > 0 and blank.tokens == len(song.notes) + 1
    assert blank.total == pytest.approx(blank.notes.sum() + blank.end)


# -- baselines --------------------------------------------------------------------------------------
def blank_after_one_bar() -> Blank:
    """Bars 2-3 of a 4/4 tune in G to fill; bar 1: quarter G4, eighths A4 B4, a half D5 held over."""
    bar1 = (Note(0, Q, 67), Note(Q, Q // 2, 69), Note(3 * Q // 2, Q // 2, 71), Note(2 * Q, 3 * Q, 74))
    return Blank((BAR, 2 * BAR, 3 * BAR), bar1, 0, KeySignature(0, "G"))


def test_copy_previous_bar_fills_exactly_the_bars() -> None:
    fill = copy_previous_bar(blank_after_one_bar())
    bar = ((0, Q, 67), (Q, Q // 2, 69), (3 * Q // 2, Q // 2, 71), (2 * Q, 2 * Q, 74))  # onset in bar, length, pitch
    expected = [Note(start + onset, duration, pitch) for start in (BAR, 2 * BAR) for onset, duration, pitch in bar]
    assert fill == expected  # the held D5 is cut at each bar line
    assert bar_fit(fill, BAR, 3 * BAR)


def test_random_in_key_stays_in_key_and_range_and_keeps_the_rhythm() -> None:
    blank = blank_after_one_bar()
    rhythm = [(n.onset, n.duration) for n in copy_previous_bar(blank)]
    for seed in range(20):
        fill = random_in_key(blank, np.random.default_rng(seed))
        assert [(n.onset, n.duration) for n in fill] == rhythm
        assert all(n.pitch % 12 in {7, 9, 11, 0, 2, 4, 6} and 67 <= n.pitch <= 74 for n in fill)


def test_ngram_fill_plays_the_tunes_durations_back_to_back_to_the_end() -> None:
    blank = blank_after_one_bar()
    model = KneserNey(order=3).fit([[67, 69, 71, 74] * 4])
    for seed in range(10):
        fill = ngram_fill(blank, model, np.random.default_rng(seed), temperature=0.9)
        assert fill[0].onset == BAR and fill[-1].end == 3 * BAR
        assert all(a.end == b.onset for a, b in pairwise(fill))
        assert all(n.duration in (Q, Q // 2, 3 * Q) for n in fill[:-1])  # the last one may be cut to fit
        assert bar_fit(fill, BAR, 3 * BAR)
