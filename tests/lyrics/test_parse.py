"""Typed lyrics to phrases, words and syllables: conventions, numbers, long lines, errors."""

from __future__ import annotations

import pytest

from melodystudio.core.errors import MelodyStudioError
from melodystudio.lyrics import Lyrics, Stress, WordPosition, parse_lyrics

P, S, U = Stress.PRIMARY, Stress.SECONDARY, Stress.UNSTRESSED


def texts(lyrics: Lyrics) -> list[str]:
    return [s.text if not s.melisma else "_" for s in lyrics.syllables]


def test_twinkle_two_lines() -> None:
    lyrics = parse_lyrics("Twinkle, twinkle, little star,\nHow I wonder what you are!")
    assert texts(lyrics) == ["Twin", "kle", "twin", "kle", "lit", "tle", "star",
                             "How", "I", "won", "der", "what", "you", "are"]
    assert [s.stress for s in lyrics.syllables] == [P, U, P, U, P, U, P, P, U, P, U, P, U, U]
    assert [s.word for s in lyrics.syllables] == [0, 0, 1, 1, 2, 2, 3, 4, 5, 6, 6, 7, 8, 9]
    assert [s.phrase for s in lyrics.syllables] == [0] * 7 + [1] * 7
    assert [s.position for s in lyrics.syllables[:7]] == [WordPosition.BEGIN, WordPosition.END] * 3 + [
        WordPosition.SINGLE]
    assert [w.text for w in lyrics.words[:4]] == ["Twinkle,", "twinkle,", "little", "star,"]
    assert [w.sung for w in lyrics.words[:4]] == ["Twinkle", "twinkle", "little", "star"]
    assert [(p.text, p.line, p.start, p.stop, p.first_word, p.word_stop) for p in lyrics.phrases] == [
        ("Twinkle, twinkle, little star,", 0, 0, 7, 0, 4), ("How I wonder what you are!", 1, 7, 14, 4, 10)]
    assert lyrics.text == "Twinkle twinkle little star\nHow I wonder what you are"
    assert lyrics.warnings == ()


def test_hyphens_force_the_split_and_keep_dictionary_stress() -> None:
    lyrics = parse_lyrics("beau-ti-ful Twin- kle lit -- tle")
    assert texts(lyrics) == ["beau", "ti", "ful", "Twin", "kle", "lit", "tle"]
    assert [s.stress for s in lyrics.syllables] == [P, U, U, P, U, P, U]
    assert [w.sung for w in lyrics.words] == ["beautiful", "Twinkle", "little"]
    assert lyrics.warnings == ()


def test_hyphens_against_the_dictionary_count_are_obeyed_with_a_warning() -> None:
    lyrics = parse_lyrics("beaut-iful")
    assert texts(lyrics) == ["beaut", "iful"]
    assert [s.stress for s in lyrics.syllables] == [P, U]
    assert lyrics.warnings == ("'beaut-iful' is sung in 2 syllables as typed (the dictionary has 3)",)


def test_compound_of_dictionary_words_is_split_into_words() -> None:
    lyrics = parse_lyrics("twenty-one x-ray")
    assert texts(lyrics) == ["twen", "ty", "one", "x", "ray"]
    assert [w.sung for w in lyrics.words] == ["twenty", "one", "x-ray"]  # x-ray is listed with its hyphen
    assert [s.stress for s in lyrics.syllables] == [P, U, P, P, S]


def test_melisma_marks() -> None:
    lyrics = parse_lyrics("How I won_-der love__ you _\n_ oh")
    assert texts(lyrics) == ["How", "I", "won", "_", "der", "love", "_", "_", "you", "_", "_", "oh"]
    held = [s for s in lyrics.syllables if s.melisma]
    assert all(s.text == "" for s in held)
    won, hold = lyrics.syllables[2], lyrics.syllables[3]
    assert (hold.word, hold.phrase, hold.position, hold.stress) == (won.word, won.phrase, won.position, won.stress)
    # a "_" starting a line holds the previous line's last syllable
    assert (lyrics.syllables[10].word, lyrics.syllables[10].phrase) == (lyrics.syllables[8].word, 0)
    assert lyrics.words[3].start == 5 and lyrics.words[3].stop == 8  # "love" and its two held notes
    assert lyrics.phrases[1].start == 11


def test_a_tilde_sings_a_word_as_one_syllable() -> None:
    plain = parse_lyrics("every heaven")
    assert texts(plain) == ["ev", "e", "ry", "heav", "en"]
    lyrics = parse_lyrics("ev~ery heav~en, fire~ and stars~_")
    assert texts(lyrics) == ["every", "heaven", "fire", "and", "stars", "_"]
    assert [s.stress for s in lyrics.syllables] == [P, P, P, U, P, P]
    assert [s.position for s in lyrics.syllables[:2]] == [WordPosition.SINGLE] * 2
    assert [w.text for w in lyrics.words[:2]] == ["every", "heaven,"]
    assert lyrics.warnings == ()


def test_melisma_before_anything_is_dropped_with_a_warning() -> None:
    lyrics = parse_lyrics("_ la la")
    assert texts(lyrics) == ["la", "la"]
    assert lyrics.warnings == ("a '_' before the first syllable holds nothing and was left out",)


def test_numbers_are_sung_as_words() -> None:
    lyrics = parse_lyrics("21 guns in 1999, 3.5 times, the 2nd of 1,000")
    assert " ".join(w.sung for w in lyrics.words) == (
        "twenty one guns in nineteen ninety nine three point five times the second of one thousand")
    assert lyrics.words[0].text == "twenty"


def test_contractions_and_quotes() -> None:
    lyrics = parse_lyrics("\"Don't stop,\" I'm singin' 'cause you'll (o'er) 'hello'")
    assert [w.sung for w in lyrics.words] == ["Don't", "stop", "I'm", "singin'", "'cause", "you'll", "o'er", "hello"]
    assert [w.text for w in lyrics.words] == ['"Don\'t', 'stop,"', "I'm", "singin'", "'cause", "you'll", "(o'er)",
                                              "hello"]
    assert texts(lyrics) == ["Don't", "stop", "I'm", "sin", "gin'", "'cause", "you'll", "o'er", "hel", "lo"]
    assert [w.known for w in lyrics.words] == [True, True, True, True, True, True, False, True]


def test_unknown_words_are_guessed_with_a_warning() -> None:
    lyrics = parse_lyrics("my blorptastic Zyxxa")
    assert texts(lyrics) == ["my", "blorp", "tas", "tic", "Zyxx", "a"]  # no English syllable starts with x
    assert [s.stress for s in lyrics.syllables] == [U, U, P, U, P, U]
    assert lyrics.warnings == (
        "'blorptastic' is not in the pronouncing dictionary: sung as blorp-tas-tic, stress guessed on 'tas'",
        "'Zyxxa' is not in the pronouncing dictionary: sung as Zyxx-a, stress guessed on 'Zyxx'")


def test_long_lines_split_at_punctuation() -> None:
    line = "I walked along the river, under skies of grey and gold; the evening came too soon"
    lyrics = parse_lyrics(line)
    assert [p.text for p in lyrics.phrases] == ["I walked along the river,", "under skies of grey and gold;",
                                                 "the evening came too soon"]
    assert [p.stop - p.start for p in lyrics.phrases] == [7, 7, 6]
    assert {p.line for p in lyrics.phrases} == {0}
    assert [s.phrase for s in lyrics.syllables] == [0] * 7 + [1] * 7 + [2] * 6


def test_short_line_with_commas_stays_one_phrase() -> None:
    assert len(parse_lyrics("Oh, my love, my darling").phrases) == 1


def test_long_line_without_punctuation_stays_and_warns() -> None:
    lyrics = parse_lyrics("\n\nand I will always love you more than anyone I ever knew\n")
    assert len(lyrics.phrases) == 1 and lyrics.phrases[0].line == 2
    assert lyrics.warnings == ("line 3 has 16 syllables and no punctuation to split it at: it stays one phrase",)


@pytest.mark.parametrize(("text", "message"), [
    ("", "the lyrics are empty"),
    ("   \n\t\n", "the lyrics are empty"),
    ("... !!! -- ?", "no words to sing"),
    ("_ __", "no words to sing"),
    ("我爱你 你爱我", "not look like English: 0 of 2 words are in the English pronouncing dictionary and 0 of 2 are"),
    ("Der Mond ist aufgegangen, die goldnen Sternlein prangen, am Himmel hell und klar. Über allen Gipfeln",
     "do not look like English"),
    ("supercalifragilisticexpialidociousandthensomemoreletterstomakeitlong", "longer than 64 characters"),
])
def test_errors(text: str, message: str) -> None:
    with pytest.raises(MelodyStudioError, match=message):
        parse_lyrics(text)


def test_english_with_a_few_foreign_words_is_accepted() -> None:
    lyrics = parse_lyrics("Je ne sais quoi, my darling, déjà vu again")
    assert len(lyrics.words) == 9


def test_spanish_without_accents_is_refused_but_a_list_of_english_words_is_not() -> None:
    with pytest.raises(MelodyStudioError, match="8 of 14 words are in the English pronouncing dictionary and 1 of 14"):
        parse_lyrics("Te quiero mucho mi amor y siempre voy a estar contigo en la noche")
    assert len(parse_lyrics("Monday Tuesday Wednesday Thursday Friday Saturday Sunday morning").words) == 8


def test_symbols_dashes_and_brackets() -> None:
    lyrics = parse_lyrics("rock & roll and/or (maybe) - yes — no")
    assert [w.sung for w in lyrics.words] == ["rock", "and", "roll", "and", "or", "maybe", "yes", "no"]
    assert [w.text for w in lyrics.words] == ["rock", "and", "roll", "and/", "or", "(maybe) -", "yes —", "no"]
    assert lyrics.phrases[0].text == "rock & roll and/or (maybe) - yes — no"  # the line as typed
