"""What a request tells a conditioned model: the song's chords and the syllables to set.

Laid out as the model was trained (``tokens.glm``): part A notes carry the CHORD at their onset,
the MASK the CHORD where the blank begins; part-B input k carries the CHORD at its own onset (START:
the blank's start) and the lyric columns of the note it is about to write, syllable k (none once
every syllable has its note); the pitch stage sees the CHORD at the onset just chosen. Context
notes carry no lyric columns (the model was trained with context lyrics hidden half of the time).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from melodystudio.core import Lyric, Song, Syllabic
from melodystudio.lyrics.syllables import Syllable, WordPosition
from melodystudio.tokens import conditions
from melodystudio.tokens.conditions import CHORD, LYRIC_COLUMNS, NOTES_LEFT, ChordTrack

SYLLABIC_OF = {WordPosition.SINGLE: Syllabic.SINGLE, WordPosition.BEGIN: Syllabic.BEGIN,
               WordPosition.MIDDLE: Syllabic.MIDDLE, WordPosition.END: Syllabic.END}


@dataclass
class RequestConditions:
    """Conditions of one request; ``chords`` None = no chord information (all zeros)."""

    part_a: np.ndarray  # (Ta, N_COND) int64
    start_tick: int  # where the blank begins (the START's onset)
    chords: ChordTrack | None
    lyric_rows: np.ndarray | None  # (n + 1, N_COND): lyric columns of target k; row n (the END) zeros

    def chord_at(self, ticks: np.ndarray) -> np.ndarray:
        """(B,) CHORD values at onset ticks (zeros without chords)."""
        return self.chords.values(ticks) if self.chords is not None else np.zeros(len(ticks), np.int64)

    def step(self, input_ticks: np.ndarray, count: np.ndarray) -> np.ndarray:
        """(B, N_COND) conditions of the part-B inputs whose onsets are ``input_ticks`` (B,), for rows
        that have written ``count`` (B,) notes so far."""
        out = conditions.empty(len(count))
        out[:, CHORD] = self.chord_at(input_ticks)
        if self.lyric_rows is not None:
            rows = self.lyric_rows[np.minimum(count, len(self.lyric_rows) - 1)]
            out[:, list(LYRIC_COLUMNS)] = rows[:, list(LYRIC_COLUMNS)]
        return out


def part_a_conditions(part_a_ticks: np.ndarray, mask_index: int, start_tick: int,
                      chords: ChordTrack | None) -> np.ndarray:
    """(Ta, N_COND) part A conditions: the CHORD at each note's onset and, for the MASK, at the start
    of the blank (``part_a_ticks`` (Ta,): onsets of part A's tokens, any value for BOS)."""
    out = conditions.empty(len(part_a_ticks))
    if chords is not None:
        ticks = np.array(part_a_ticks, dtype=np.int64)
        ticks[mask_index] = start_tick
        out[1:, CHORD] = chords.values(ticks[1:])  # BOS carries nothing
    return out


def chord_track(song: Song, use_chords: bool) -> ChordTrack | None:
    return ChordTrack.of(song) if use_chords else None


def syllable_rows(syllables: Sequence[Syllable]) -> np.ndarray:
    """(n + 1, N_COND) lyric columns of each syllable's note (WORD / PHRASE from 1 at the first
    syllable) plus NOTES_LEFT, and a last all-zero row for the END."""
    texts = [None if s.melisma else s.text for s in syllables]
    stress = [0 if s.melisma else int(s.stress) for s in syllables]
    position = [0 if s.melisma else int(s.position) for s in syllables]
    rows = conditions.lyric_columns(texts, stress, position, [s.word for s in syllables],
                                    [s.phrase for s in syllables])
    rows[:, NOTES_LEFT] = np.arange(len(syllables), 0, -1)
    return np.concatenate([conditions.cap(rows), conditions.empty(1)])


def syllable_lyrics(syllables: Sequence[Syllable]) -> list[Lyric]:
    """The core Lyric each syllable's note carries: its text and place in the word, a phrase start at
    each phrase's first syllable, a melisma as a continuation."""
    out = []
    for i, s in enumerate(syllables):
        if s.melisma:
            out.append(Lyric.continuation())
            continue
        starts_phrase = i == 0 or s.phrase != syllables[i - 1].phrase
        out.append(Lyric(s.text, SYLLABIC_OF[WordPosition(s.position)], phrase_start=starts_phrase))
    return out


def phrase_ends(syllables: Sequence[Syllable]) -> list[bool]:
    """For each syllable's note: is it the last of its phrase (the next one starts another phrase, or
    none follows)?"""
    return [i + 1 == len(syllables) or syllables[i + 1].phrase != s.phrase for i, s in enumerate(syllables)]
