"""A lyric longer than one blank: cut into groups of lines, bars shared out, set one group at a time."""

from __future__ import annotations

import pytest

from melodystudio.core import PPQ, Song, TimeSignature
from melodystudio.core.errors import MelodyStudioError
from melodystudio.core.progress import run_to_end
from melodystudio.engine import GenerationOptions
from melodystudio.engine.long_lyrics import share_bars, syllable_groups
from melodystudio.engine.melody import MelodyEngine
from melodystudio.lyrics import parse_lyrics
from melodystudio.lyrics.syllables import Stress, Syllable, WordPosition
from tests.engine.test_lyrics import check

SIXTEENTH = PPQ // 4
VERSE = ("When the morning light comes creeping through the window of my room\n"
         "I remember all the promises we made beneath the moon\n"
         "Oh my darling come back home again\n"
         "Through the sunshine and the rain\n")


def empty_song(numerator: int = 4) -> Song:
    return Song("new", time_signatures=[TimeSignature(0, numerator, 4)])


def test_groups_cut_at_phrases_then_words_then_anywhere() -> None:
    lyric = parse_lyrics(VERSE).syllables
    assert [sum(1 for s in lyric if s.phrase == p) for p in range(4)] == [15, 15, 9, 7]
    assert syllable_groups(lyric, 98) == [(0, 46)]
    assert syllable_groups(lyric, 30) == [(0, 30), (30, 46)]  # two whole phrases, then the other two
    assert syllable_groups(lyric, 29) == [(0, 15), (15, 39), (39, 46)]  # as many whole phrases as fit
    # a 15-syllable phrase in groups of 8: cut between words ('creeping' ends at 8: 'When the mor-ning
    # light comes creep-ing' is 8 syllables), never inside 'win-dow'
    first = syllable_groups(lyric[:15], 8)
    assert first[0] == (0, 8) and all(lyric[e - 1].word != lyric[e].word for _, e in first[:-1])
    one_word = [Syllable(f"s{i}", Stress.UNSTRESSED, 0, 0, WordPosition.MIDDLE) for i in range(5)]
    assert syllable_groups(one_word, 2) == [(0, 2), (2, 4), (4, 5)]  # no boundary at all: anywhere


def test_bars_are_shared_in_proportion_with_each_groups_minimum() -> None:
    song = empty_song()
    assert share_bars(song, 0, 11, [60, 30, 30], SIXTEENTH) == [(0, 5), (6, 8), (9, 11)]
    assert share_bars(song, 4, 7, [40, 2], SIXTEENTH) == [(4, 6), (7, 7)]  # 40 sixteenths need 3 bars, 2 syllables 1
    with pytest.raises(MelodyStudioError, match="do not fit in bars 1-2"):
        share_bars(song, 0, 1, [20, 20], SIXTEENTH)  # 40 syllables, 32 sixteenths
    waltz = empty_song(3)  # 12 sixteenths a bar: 30 syllables need 3 bars
    assert share_bars(waltz, 0, 3, [30, 1], SIXTEENTH) == [(0, 2), (3, 3)]


def test_a_long_lyric_is_set_one_note_per_syllable_across_groups(cond_engine: MelodyEngine) -> None:
    lyric = parse_lyrics(VERSE * 4).syllables  # 184 syllables: more than one blank
    n = len(lyric)
    assert n > cond_engine.limits.max_notes
    song = empty_song()
    options = GenerationOptions(variations=2, seed=11)
    variations = run_to_end(cond_engine.lyrics(song, 0, 47, lyric, options))
    check(song, 0, 47, list(lyric), variations)
    assert variations[0].notes != variations[1].notes
    alone = run_to_end(cond_engine.lyrics(song, 0, 47, lyric, GenerationOptions(variations=1, seed=12)))
    assert alone[0].notes == variations[1].notes  # a variation reruns alone from its own seed
    texts = [n.lyric.text for n in variations[0].notes if n.lyric and not n.lyric.melisma]
    assert texts[:4] == ["When", "the", "morn", "ing"]


def test_a_long_lyric_replaces_the_selection_and_keeps_the_rest(cond_engine: MelodyEngine) -> None:
    from tests.engine.conftest import scale_song

    song = scale_song(bars=40)
    lyric = parse_lyrics(VERSE * 3).syllables  # 138 syllables over bars 3-38
    (v,) = run_to_end(cond_engine.lyrics(song, 2, 37, lyric, GenerationOptions(variations=1, seed=5)))
    check(song, 2, 37, list(lyric), [v])
    start, end = song.bar_range_ticks(2, 37)
    edited = song.copy()
    edited.replace_bars(2, 37, v.notes)
    outside = [n for n in song.notes if not start <= n.onset < end]
    assert [n for n in edited.notes if not start <= n.onset < end] == outside and len(outside) == 16
    with pytest.raises(MelodyStudioError, match="lie outside the song"):
        cond_engine.lyrics(song, 30, 45, lyric)
    with pytest.raises(MelodyStudioError, match="select fewer bars"):
        cond_engine.lyrics(empty_song(), 0, 199, lyric)  # two groups of ~100 bars: wider than a window
