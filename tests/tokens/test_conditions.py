"""Condition columns: chords looked up by tick, lyric alignment ids, hashed syllable text."""

from __future__ import annotations

import numpy as np

from melodystudio.core import Chord, ChordSymbol, Song
from melodystudio.core.chord_vocabulary import chord_class
from melodystudio.tokens import conditions
from melodystudio.tokens.conditions import (
    CHORD,
    COND_SIZES,
    N_COND,
    PHRASE,
    PHRASE_LEFT,
    STRESS,
    TEXT,
    WORD,
    WPOS,
    ChordTrack,
)

Q = 480


def test_chords_are_looked_up_at_each_tick_with_gaps_as_no_chord() -> None:
    song = Song(chords=[Chord(0, 4 * Q, ChordSymbol("C")), Chord(4 * Q, 2 * Q, ChordSymbol("A", "min")),
                        Chord(8 * Q, 4 * Q, ChordSymbol("G", "7"))])
    values = conditions.chord_values(song, [0, 4 * Q - 1, 4 * Q, 6 * Q, 8 * Q, 20 * Q])
    c, am, g7 = (chord_class(ChordSymbol(*a)) + 1 for a in (("C",), ("A", "min"), ("G", "7")))
    assert values.tolist() == [c, c, am, conditions.NO_CHORD_VALUE, g7, conditions.NO_CHORD_VALUE]
    assert (c, am, g7) == (2, 93, 74)
    assert ChordTrack.of(Song()).values([0, 960]).tolist() == [0, 0]  # no chord track: unknown, not 'no chord'


def test_chords_transpose_with_the_melody() -> None:
    cond = conditions.empty(3)
    cond[:, CHORD] = [2, conditions.NO_CHORD_VALUE, 0]  # C major, no chord, unknown
    up = conditions.transpose_chords(cond, 2)
    assert up[:, CHORD].tolist() == [chord_class(ChordSymbol("D")) + 1, 1, 0]
    assert cond[0, CHORD] == 2  # a copy


def test_syllable_text_buckets_ignore_case_and_punctuation() -> None:
    assert conditions.text_bucket("Star,") == conditions.text_bucket("star") == conditions.text_bucket(" STAR! ")
    assert conditions.text_bucket("star") != conditions.text_bucket("stars")
    assert conditions.text_bucket("") == conditions.text_bucket("...") == 0
    assert 1 <= conditions.text_bucket("twin") < COND_SIZES[TEXT]


def test_lyric_columns_count_words_phrases_and_syllables_left() -> None:
    # "Twin-kle | star" on three notes, an unsung note, then "How" starting phrase 1
    texts = ["Twin", "kle", "star", None, "How"]
    cols = conditions.lyric_columns(texts, [2, 1, 2, 0, 2], [2, 4, 1, 0, 1], [10, 10, 11, -1, 12], [3, 3, 3, -1, 4])
    assert cols.shape == (5, N_COND) and cols.dtype == np.int64
    assert cols[:, WORD].tolist() == [1, 1, 2, 0, 3]
    assert cols[:, PHRASE].tolist() == [1, 1, 1, 0, 2]
    assert cols[:, PHRASE_LEFT].tolist() == [3, 2, 1, 0, 1]
    assert cols[:, STRESS].tolist() == [2, 1, 2, 0, 2] and cols[:, WPOS].tolist() == [2, 4, 1, 0, 1]
    assert cols[3, TEXT] == 0 and cols[0, TEXT] == conditions.text_bucket("twin")
    no_phrases = conditions.lyric_columns(texts, [0] * 5, [0] * 5, [0, 0, 1, -1, 2], None)
    assert (no_phrases[:, [PHRASE, PHRASE_LEFT]] == 0).all() and no_phrases[:, WORD].tolist() == [1, 1, 2, 0, 3]


def test_ids_are_rebased_to_the_first_shown_syllable_and_capped() -> None:
    cond = conditions.empty(4)
    cond[:, WORD] = [0, 7, 8, 8]
    cond[:, PHRASE] = [0, 3, 3, 4]
    conditions.rebase_ids(cond)
    assert cond[:, WORD].tolist() == [0, 1, 2, 2] and cond[:, PHRASE].tolist() == [0, 1, 1, 2]
    big = conditions.empty(1)
    big[0, WORD], big[0, PHRASE_LEFT] = 900, 40
    assert conditions.cap(big)[0, [WORD, PHRASE_LEFT]].tolist() == [COND_SIZES[WORD] - 1, COND_SIZES[PHRASE_LEFT] - 1]
