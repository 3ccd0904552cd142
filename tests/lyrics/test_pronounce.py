"""Syllable counts and stress of single words: dictionary words, variants and the heuristic."""

from __future__ import annotations

import pytest

from melodystudio.lyrics import Stress, word_stresses
from melodystudio.lyrics.pronounce import guess_stresses, known, syllable_count
from melodystudio.lyrics.spelling import split_spelling

P, S, U = Stress.PRIMARY, Stress.SECONDARY, Stress.UNSTRESSED

# word -> (stress per syllable, spelling split) with no syllable count given
WORDS = {
    "beautiful": ((P, U, U), ("beau", "ti", "ful")),
    "remember": ((U, P, U), ("re", "mem", "ber")),
    "understand": ((S, U, P), ("un", "der", "stand")),
    "yesterday": ((P, U, S), ("yes", "ter", "day")),
    "melody": ((P, U, U), ("me", "lo", "dy")),
    "away": ((U, P), ("a", "way")),
    "alone": ((U, P), ("a", "lone")),
    "idea": ((U, P, U), ("i", "de", "a")),
    "creation": ((U, P, U), ("cre", "a", "tion")),
    "hundred": ((P, U), ("hun", "dred")),
    "singing": ((P, U), ("sing", "ing")),
    "seeing": ((P, U), ("see", "ing")),
    "quiet": ((P, U), ("qui", "et")),
    "twinkle": ((P, U), ("twin", "kle")),
    "Jessica": ((P, U, U), ("Jes", "si", "ca")),  # a name the dictionary knows, case kept
    "café": ((U, P), ("ca", "fé")),  # accents looked up without, kept in the text
    # several pronunciations: the one whose count the spelling suggests
    "fire": ((P,), ("fire",)),
    "every": ((P, U, U), ("ev", "e", "ry")),
    # contractions and elisions
    "don't": ((P,), ("don't",)),
    "can't": ((P,), ("can't",)),
    "'cause": ((U,), ("'cause",)),
    "singin'": ((P, U), ("sin", "gin'")),  # dropped g: looked up as "singing"
    "ev'ry": ((P, U), ("ev'", "ry")),
    "o'er": ((U,), ("o'er",)),  # unknown: one vowel group across the apostrophe; a weak preposition
    "rose's": ((P, U), ("ros", "e's")),  # possessive after a sibilant adds a syllable
    "don’t": ((P,), ("don’t",)),  # a curly apostrophe
    "dont": ((P,), ("dont",)),  # lyric data drops apostrophes: looked up as "don't"
    "youre": ((U,), ("youre",)),  # as "you're", a weak pronoun form
    # weak one-syllable function words, whatever the dictionary's first pronunciation says
    "to": ((U,), ("to",)),
    "you": ((U,), ("you",)),
    "I'm": ((U,), ("I'm",)),
    "love": ((P,), ("love",)),
    # unknown words: vowel groups and the stress heuristic
    "blorptastic": ((U, P, U), ("blorp", "tas", "tic")),  # -ic draws the stress before it
    "flimbo": ((P, U), ("flim", "bo")),
    "zorp": ((P,), ("zorp",)),
    "hmm": ((P,), ("hmm",)),  # listed without a vowel: one syllable
}


@pytest.mark.parametrize("word", list(WORDS))
def test_word_stresses_and_split(word: str) -> None:
    stresses, pieces = WORDS[word]
    assert word_stresses(word) == stresses
    assert syllable_count(word) == len(stresses)
    assert split_spelling(word, len(stresses)) == pieces
    assert "".join(pieces) == word


def test_known_words_and_variants() -> None:
    assert known("beautiful") and known("singin'") and known("rose's") and known("café")
    assert not known("blorptastic") and not known("o'er")


def test_count_from_the_data_picks_a_matching_pronunciation() -> None:
    assert word_stresses("every", 2) == (P, U)  # EH1 V R IY0
    assert word_stresses("fire", 2) == (P, U)  # F AY1 ER0
    assert word_stresses("different", 2) == (P, U)


def test_count_the_dictionary_lacks_keeps_the_primary_stress_index() -> None:
    assert word_stresses("beautiful", 2) == (P, U)
    assert word_stresses("banana", 2) == (U, P)  # B AH0 N AE1 N AH0: primary on syllable 2
    assert word_stresses("understand", 2) == (U, P)  # primary on syllable 3, clamped to the last
    assert word_stresses("love", 2) == (P, U)
    assert word_stresses("a", 2) == (U, U)  # AH0: no primary stress to keep


def test_unknown_words_take_the_count_asked_for() -> None:
    assert word_stresses("blorptastic", 4) == (U, U, P, U)
    assert word_stresses("zorp", 2) == (P, U)
    assert word_stresses("!!", 1) == (P,)  # odd data never raises
    assert word_stresses("") == (P,)


def test_guess_stresses_rules() -> None:
    assert guess_stresses("xy", 1) == (P,)
    assert guess_stresses("xy", 2) == (P, U)
    assert guess_stresses("flombadora", 4) == (U, P, U, U)  # antepenult
    assert guess_stresses("grombility", 4) == (U, P, U, U)  # before -ity
    assert guess_stresses("zonation", 3) == (U, P, U)  # before -tion
    with pytest.raises(ValueError, match="at least one syllable"):
        guess_stresses("x", 0)
    with pytest.raises(ValueError, match="at least one syllable"):
        word_stresses("love", 0)


def test_split_never_makes_more_pieces_than_letters() -> None:
    assert split_spelling("tv", 2) == ("t", "v")
    assert split_spelling("a", 3) == ("a",)
    assert split_spelling("away", 1) == ("away",)
    assert split_spelling("beautiful", 2) == ("beau", "tiful")  # merge the shortest pair (ti+ful)
    with pytest.raises(ValueError):
        split_spelling("love", 0)
