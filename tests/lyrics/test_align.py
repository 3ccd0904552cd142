"""Syllables to note lyrics and back, and syllables of a data set's word and phrase ids."""

from __future__ import annotations

import pytest

from melodystudio.core import PPQ, Lyric, Note, Syllabic
from melodystudio.core.errors import MelodyStudioError
from melodystudio.lyrics import (
    Stress,
    Syllable,
    WordPosition,
    note_lyrics,
    parse_lyrics,
    syllables_from_notes,
    syllables_from_words,
)
from tests.conftest import twinkle

P, U = Stress.PRIMARY, Stress.UNSTRESSED


def test_note_lyrics_of_parsed_text() -> None:
    lyrics = parse_lyrics("Twin-kle twin-kle lit-tle star\nHow I won_-der")
    assert note_lyrics(lyrics.syllables) == [n.lyric for n in twinkle().notes]


def test_syllables_from_notes_round_trip() -> None:
    notes = twinkle().notes
    syllables = syllables_from_notes(notes)
    assert [s.text for s in syllables] == ["Twin", "kle", "twin", "kle", "lit", "tle", "star", "How", "I", "won", "",
                                           "der"]
    assert [s.word for s in syllables] == [0, 0, 1, 1, 2, 2, 3, 4, 5, 6, 6, 6]
    assert [s.phrase for s in syllables] == [0] * 7 + [1] * 5
    assert [s.stress for s in syllables] == [P, U, P, U, P, U, P, P, U, P, P, U]
    assert syllables[10].melisma and syllables[10].position == WordPosition.BEGIN
    assert note_lyrics(syllables) == [n.lyric for n in notes]


def test_syllables_from_notes_needs_a_lyric_on_every_note() -> None:
    with pytest.raises(MelodyStudioError, match="tick 480 has no syllable"):
        syllables_from_notes([Note(0, PPQ, 60, lyric=Lyric("la")), Note(PPQ, PPQ, 62)])
    with pytest.raises(MelodyStudioError, match="holds a syllable, but none comes before it"):
        syllables_from_notes([Note(0, PPQ, 60, lyric=Lyric.continuation())])


def test_syllables_from_data_set_words() -> None:
    # lyrics_melody style: one syllable per note, word and phrase ids (not starting at 0)
    texts = ["I", "re", "mem", "ber", "those", "days", "'Cause", "I", "dont", "wan", "na"]
    words = [5, 6, 6, 6, 7, 8, 9, 10, 11, 12, 12]
    phrases = [2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3]
    syllables = syllables_from_words(texts, words, phrases)
    assert syllables[:4] == (Syllable("I", U, 0, 0, WordPosition.SINGLE),
                             Syllable("re", U, 1, 0, WordPosition.BEGIN),
                             Syllable("mem", P, 1, 0, WordPosition.MIDDLE),
                             Syllable("ber", U, 1, 0, WordPosition.END))
    # those, days, 'Cause (K AH0 Z), I (a weak pronoun), dont (unknown: one vowel group), wan-na
    assert [s.stress for s in syllables[4:]] == [P, P, U, U, P, P, U]
    assert [s.phrase for s in syllables] == [0] * 6 + [1] * 5
    with pytest.raises(MelodyStudioError, match="3 syllables but 2 word ids"):
        syllables_from_words(["a", "b", "c"], [0, 1], [0, 0, 0])


def test_syllabic_of_positions() -> None:
    lyrics = note_lyrics(parse_lyrics("beau-ti-ful day").syllables)
    assert [(x.text, x.syllabic, x.phrase_start) for x in lyrics] == [
        ("beau", Syllabic.BEGIN, True), ("ti", Syllabic.MIDDLE, False), ("ful", Syllabic.END, False),
        ("day", Syllabic.SINGLE, False)]
