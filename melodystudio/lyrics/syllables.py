"""The syllable: what lyrics processing hands to the models and what a generated note sings."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class WordPosition(enum.IntEnum):
    """Where a syllable sits in its word (also the model's input feature value)."""

    SINGLE = 1  # a one-syllable word
    BEGIN = 2
    MIDDLE = 3
    END = 4


class Stress(enum.IntEnum):
    """Lexical stress as the CMU dictionary writes it, shifted so that 0 can mean 'unknown'."""

    UNSTRESSED = 1  # CMU 0
    PRIMARY = 2  # CMU 1
    SECONDARY = 3  # CMU 2


@dataclass(frozen=True, slots=True)
class Syllable:
    text: str  # as sung and shown under the note, e.g. "beau"
    stress: Stress
    word: int  # word index in the lyric, from 0, rises by 0 or 1
    phrase: int  # phrase (line) index, from 0, rises by 0 or 1; a new phrase starts a new word
    position: WordPosition
    melisma: bool = False  # an extra note that holds the previous syllable ("_" in the text)
