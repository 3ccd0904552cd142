"""Bars a lyric takes by default: about a syllable per quarter note, whole bars per phrase."""

from __future__ import annotations

from melodystudio.core import TimeSignature
from melodystudio.lyrics import parse_lyrics
from melodystudio.lyrics.layout import lyric_bars, phrase_bars, phrase_note_counts

TWINKLE = "Twinkle, twinkle, little star,\nHow I won_-der what you are!\nUp\n" \
          "Up above the world so high, like a diamond in the sky"


def test_phrase_bars_in_common_meters() -> None:
    syllables = parse_lyrics(TWINKLE).syllables
    assert phrase_note_counts(syllables) == [7, 8, 1, 7, 7]  # the 14-syllable line splits at its comma
    assert phrase_bars(syllables, TimeSignature(0, 4, 4)) == [2, 2, 1, 2, 2]
    assert lyric_bars(syllables, TimeSignature(0, 4, 4)) == 9
    assert phrase_bars(syllables, TimeSignature(0, 3, 4)) == [3, 3, 1, 3, 3]
    assert phrase_bars(syllables, TimeSignature(0, 6, 8)) == [3, 3, 1, 3, 3]  # 6/8 holds three quarters
    assert phrase_bars(syllables, TimeSignature(0, 2, 2)) == [2, 2, 1, 2, 2]
    assert lyric_bars((), TimeSignature(0, 4, 4)) == 0
