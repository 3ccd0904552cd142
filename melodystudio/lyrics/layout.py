"""How many bars a lyric takes when the composer does not say: whole bars per phrase.

A phrase gets ceil(its notes / quarter notes per bar) bars, at least one: about one syllable per
quarter note (4 to a 4/4 bar, 3 to a 3/4 or 6/8 bar). That is the pace of the human songs in the
lyrics_melody test split: a median 3.5 syllables per 4/4 bar, a 6-syllable line over about 1.3
bars and a 12-syllable line over about 2.7 (rests included).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import groupby

from melodystudio.core import PPQ, TimeSignature
from melodystudio.lyrics.syllables import Syllable

SYLLABLES_PER_QUARTER = 1.0


def phrase_note_counts(syllables: Sequence[Syllable]) -> list[int]:
    """Notes (syllables, held ones included) of each phrase in order."""
    return [len(list(group)) for _, group in groupby(syllables, key=lambda s: s.phrase)]


def phrase_bars(syllables: Sequence[Syllable], signature: TimeSignature) -> list[int]:
    """Bars for each phrase of ``syllables`` in a meter (module docstring)."""
    per_bar = SYLLABLES_PER_QUARTER * signature.bar_ticks / PPQ
    return [max(1, math.ceil(n / per_bar)) for n in phrase_note_counts(syllables)]


def lyric_bars(syllables: Sequence[Syllable], signature: TimeSignature) -> int:
    """Bars the whole lyric takes: its phrases' bars added up (0 for no syllables)."""
    return sum(phrase_bars(syllables, signature))
