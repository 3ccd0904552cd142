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


@pytest.mark.skipif(not paths.lyrics_melody_path().is_file(), reason="the shared data folder is not here")
def test_estimate_keys_gives_the_lyric_songs_a_key(tmp_path: Path) -> None:
    import json

    from melodystudio.tokens.compound import KEY, UNKNOWN_KEY

    plain, keyed = tmp_path / "plain.npz", tmp_path / "keyed.npz"
    build(plain, ("lyrics_melody",), limit=3)
    build(keyed, ("lyrics_melody",), limit=3, estimate_keys=True)
    with np.load(plain) as a, np.load(keyed) as b:
        assert json.loads(str(a["build"])) == {"estimate_keys": False}
        assert json.loads(str(b["build"])) == {"estimate_keys": True}
        assert (a["tokens"][:, KEY] == UNKNOWN_KEY).all()  # the source has no key
        assert (b["tokens"][:, KEY] != UNKNOWN_KEY).all()
        # nothing else changes: notes, conditions and windows are the same
        columns = [c for c in range(a["tokens"].shape[1]) if c != KEY]
        np.testing.assert_array_equal(a["tokens"][:, columns], b["tokens"][:, columns])
        np.testing.assert_array_equal(a["cond"], b["cond"])
        np.testing.assert_array_equal(a["offsets"], b["offsets"])


def test_an_estimated_key_is_the_melodys(tmp_path: Path) -> None:
    from melodystudio.core import Note, Song
    from melodystudio.corpus.conditioned import conditioned
    from melodystudio.corpus.records import CorpusTune, base_meta
    from melodystudio.tokens import CompoundTokenizer, TokenizerConfig
    from melodystudio.tokens.compound import KEY, key_field

    q = 480
    a_minor = [57, 60, 64, 69, 64, 60, 57, 59, 60, 64, 62, 59, 57]  # arpeggios that start and end on A
    song = Song("a", notes=[Note(i * q, q, p) for i, p in enumerate(a_minor)])
    tune = CorpusTune("lyrics_melody", "a", "train", song, None, base_meta())
    tokens = conditioned(tune, None, CompoundTokenizer(TokenizerConfig()), estimate_key=True).encoded.tokens
    assert song.keys[0].tonic_pc == 9 and song.keys[0].mode == "minor"
    assert (tokens[:, KEY] == key_field(song.keys[0])).all()

