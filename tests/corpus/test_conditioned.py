"""The conditioned tune set: stress from the CMU dictionary, lyric columns of real lyrics, the build."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from melodystudio.corpus import paths
from melodystudio.corpus.conditioned import SOURCES, build
from melodystudio.corpus.conditioned_lyrics import (
    lyrics_melody_columns,
    name_split,
    positions_in_words,
    song_lyric_columns,
    stresses_by_word,
)
from melodystudio.tokens import conditions
from melodystudio.tokens.conditions import CHORD, PHRASE, PHRASE_LEFT, STRESS, TEXT, WORD, WPOS
from tests.conftest import twinkle


def test_stress_is_looked_up_per_word_with_melismas_skipped() -> None:
    texts = ["beau", "ti", "ful", "the", "won", None, "der", "I"]
    words = [0, 0, 0, 1, 2, 2, 2, 3]
    # BEAU-ti-ful; 'the' and 'I' are weak function words; WON-(held)-der; no lyric: -1
    assert stresses_by_word(texts, words) == [2, 1, 1, 1, 2, 0, 1, 1]
    assert stresses_by_word(["la", "x"], [-1, 0]) == [0, 2]


def test_word_positions_come_from_the_word_ids() -> None:
    assert positions_in_words([0, 0, 1, 2, 2, 2, -1, 3]) == [2, 4, 1, 2, 3, 4, 0, 1]


def test_lyric_columns_of_a_sung_tune() -> None:
    """'Twin-kle twin-kle lit-tle star / How I won_der': 7 words, 2 phrases, a melisma on 'won'."""
    cols = song_lyric_columns(twinkle())
    assert cols[:, WORD].tolist() == [1, 1, 2, 2, 3, 3, 4, 5, 6, 7, 7, 7]
    assert cols[:, PHRASE].tolist() == [1] * 7 + [2] * 5
    assert cols[:, PHRASE_LEFT].tolist() == [7, 6, 5, 4, 3, 2, 1, 5, 4, 3, 2, 1]
    assert cols[:, WPOS].tolist() == [2, 4, 2, 4, 2, 4, 1, 1, 1, 2, 0, 4]
    assert cols[:, STRESS].tolist() == [2, 1, 2, 1, 2, 1, 2, 2, 1, 2, 0, 1]  # 'I' is weak; the melisma skipped
    assert cols[10, TEXT] == 0 and cols[0, TEXT] == cols[2, TEXT] == conditions.text_bucket("twin")
    assert not cols[:, CHORD].any()


def test_lyrics_melody_records_become_columns() -> None:
    cols = lyrics_melody_columns(["The", "first", "beau", "ti", "ful"], [0, 1, 2, 2, 2], [0, 0, 0, 1, 1])
    assert cols[:, WORD].tolist() == [1, 2, 3, 3, 3] and cols[:, WPOS].tolist() == [1, 1, 2, 3, 4]
    assert cols[:, STRESS].tolist() == [1, 2, 2, 1, 1] and cols[:, PHRASE_LEFT].tolist() == [3, 2, 1, 2, 1]
    assert cols[:, TEXT].tolist()[2] == conditions.text_bucket("beau")


def test_lead_sheet_splits_go_by_file_name() -> None:
    assert name_split("Alicia_Scott__Annie_Laurie.mxl") == "train" and name_split("a.mxl") == "valid"
    assert name_split("Alicia_Scott__Annie_Laurie.mxl") == name_split("Alicia_Scott__Annie_Laurie.mxl")


@pytest.mark.skipif(not paths.pop909_path().is_file(), reason="the shared data folder is not here")
def test_a_small_build_is_a_tune_set_with_aligned_conditions(tmp_path: Path) -> None:
    out = tmp_path / "c.npz"
    report = build(out, SOURCES, limit=2)
    assert dict(report.read) == {s: 2 for s in SOURCES} and not report.failed
    with np.load(out) as d:
        tokens, cond, offsets, source = d["tokens"], d["cond"], d["offsets"], d["tune_source"]
        assert cond.shape == (len(tokens), conditions.N_COND) and offsets[-1] == len(tokens)
        windows = {s: np.flatnonzero(source == i) for i, s in enumerate(SOURCES)}
        rows = {s: np.concatenate([np.arange(offsets[w], offsets[w + 1]) for w in idx]) for s, idx in windows.items()}
    assert (cond[rows["pop909"], CHORD] > 0).all() and not cond[rows["pop909"], WORD].any()
    assert (cond[rows["lyrics_melody"], WORD] > 0).all() and not cond[rows["lyrics_melody"], CHORD].any()
    assert (cond[rows["openewld"], CHORD] > 0).mean() > 0.9 and (cond[rows["openewld"], TEXT] > 0).mean() > 0.5
