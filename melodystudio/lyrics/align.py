"""Syllables to the lyrics of notes and back: one note per ``Syllable`` (held syllables included)."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby

from melodystudio.core import Lyric, Note, Syllabic
from melodystudio.core.errors import MelodyStudioError
from melodystudio.lyrics.pronounce import word_stresses
from melodystudio.lyrics.syllables import Syllable, WordPosition

SYLLABIC_OF_POSITION = {WordPosition.SINGLE: Syllabic.SINGLE, WordPosition.BEGIN: Syllabic.BEGIN,
                        WordPosition.MIDDLE: Syllabic.MIDDLE, WordPosition.END: Syllabic.END}


def position_in_word(index: int, size: int) -> WordPosition:
    """Position of syllable ``index`` (from 0) in a word of ``size`` syllables."""
    if size == 1:
        return WordPosition.SINGLE
    return WordPosition.BEGIN if index == 0 else WordPosition.END if index == size - 1 else WordPosition.MIDDLE


def note_lyrics(syllables: Sequence[Syllable]) -> list[Lyric]:
    """The core ``Lyric`` each syllable's note carries: a held syllable gets ``Lyric.continuation()``,
    the first sung syllable of each phrase ``phrase_start``."""
    out: list[Lyric] = []
    phrase = None
    for s in syllables:
        if s.melisma:
            out.append(Lyric.continuation())
            continue
        out.append(Lyric(s.text, SYLLABIC_OF_POSITION[s.position], phrase_start=s.phrase != phrase))
        phrase = s.phrase
    return out


def syllables_from_words(texts: Sequence[str], words: Sequence[int], phrases: Sequence[int]) -> tuple[Syllable, ...]:
    """Syllables of a data set that gives one syllable per note with word and phrase ids (rising by
    0 or 1, a new phrase starting a new word): stress from ``word_stresses`` on each word's syllables
    joined, for as many syllables as the data gives it. Ids are renumbered from 0."""
    if not len(texts) == len(words) == len(phrases):
        raise MelodyStudioError(f"{len(texts)} syllables but {len(words)} word ids and {len(phrases)} phrase ids")
    out: list[Syllable] = []
    for word_number, (_, group) in enumerate(groupby(range(len(texts)), key=lambda i: (words[i], phrases[i]))):
        members = list(group)
        stresses = word_stresses("".join(texts[i] for i in members), len(members))
        phrase = phrases[members[0]] - phrases[0]
        for k, (i, stress) in enumerate(zip(members, stresses)):
            out.append(Syllable(texts[i], stress, word_number, phrase, position_in_word(k, len(members))))
    return tuple(out)


def syllables_from_notes(notes: Sequence[Note]) -> tuple[Syllable, ...]:
    """The syllables a melody sings (every note must carry a lyric): words and phrases as
    ``Song.lyric_alignment`` derives them, stress from ``word_stresses`` on each word."""
    texts: list[str] = []
    words: list[int] = []
    phrases: list[int] = []
    held: list[bool] = []
    word, phrase, continues = -1, -1, False
    for n in notes:
        lyr = n.lyric
        if lyr is None:
            raise MelodyStudioError(f"the note at tick {n.onset} has no syllable")
        if lyr.melisma and word < 0:
            raise MelodyStudioError(f"the note at tick {n.onset} holds a syllable, but none comes before it")
        if not lyr.melisma:
            if lyr.phrase_start or phrase < 0:
                phrase += 1
            if not continues or lyr.phrase_start or word < 0:
                word += 1
            continues = lyr.syllabic.continues
        texts.append(lyr.text)
        words.append(word)
        phrases.append(phrase)
        held.append(lyr.melisma)
    sung = [i for i, h in enumerate(held) if not h]
    plain = syllables_from_words([texts[i] for i in sung], [words[i] for i in sung], [phrases[i] for i in sung])
    out: list[Syllable] = []
    for syllable in plain:
        out.append(syllable)
        while len(out) < len(held) and held[len(out)]:
            out.append(Syllable("", syllable.stress, syllable.word, syllable.phrase, syllable.position, melisma=True))
    return tuple(out)
