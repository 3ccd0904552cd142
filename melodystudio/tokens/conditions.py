"""Per-note conditions: chords and lyric syllables, one int row per token beside the (N, 7) tokens.

Columns of a condition array ``cond`` (N, len(COND_FIELDS)); 0 always means unknown / absent, so
unconditioned data is all zeros and a model given zeros behaves as the unconditioned model::

    CHORD        1 = no chord, 2.. = 1 + ``core.chord_vocabulary.chord_class`` (0: the song has no chords)
    STRESS       ``lyrics.Stress`` (1 unstressed, 2 primary, 3 secondary)
    WPOS         ``lyrics.WordPosition`` (1 single, 2 begin, 3 middle, 4 end)
    WORD         the syllable's word, counted from 1 within the example (SongGLM's 2D alignment id)
    PHRASE       its phrase (lyric line), counted from 1 within the example
    PHRASE_LEFT  lyric notes left in the phrase, this one included (where the cadence is)
    TEXT         1 + crc32 of the lower-cased syllable text without punctuation, mod 1023
    NOTES_LEFT   part B only: notes left to write in the blank, this one included (set with the
                 lyric columns: 'so many syllables are still to come')

A melisma note (holding the previous syllable) keeps its syllable's WORD / PHRASE and has 0 in
STRESS, WPOS and TEXT. Values above a column's size are capped at its last value.
"""

from __future__ import annotations

import string
import zlib
from collections.abc import Sequence

import numpy as np

from melodystudio.core import Chord, Song
from melodystudio.core.chord_vocabulary import (
    N_CHORD_CLASSES,
    VOCAB_QUALITIES,
    chord_class,
    class_root_quality,
    transpose_class,
)

CONDITIONS_VERSION = 1
CHORD, STRESS, WPOS, WORD, PHRASE, PHRASE_LEFT, TEXT, NOTES_LEFT = range(8)
COND_FIELDS = ("chord", "stress", "wpos", "word", "phrase", "phrase_left", "text", "notes_left")
COND_SIZES = (N_CHORD_CLASSES + 1, 4, 5, 256, 64, 33, 1024, 64)
N_COND = len(COND_FIELDS)
LYRIC_COLUMNS = (STRESS, WPOS, WORD, PHRASE, PHRASE_LEFT, TEXT, NOTES_LEFT)
PRIMARY_STRESS = 2  # STRESS of a syllable with primary stress (lyrics.Stress.PRIMARY, which tokens cannot import)
NO_CHORD_VALUE = 1  # CHORD value of a gap in a song's chord track
TEXT_BUCKETS = COND_SIZES[TEXT] - 1
_PUNCTUATION = string.punctuation + "\u2018\u2019\u201c\u201d"


def empty(n: int) -> np.ndarray:
    """(n, N_COND) int64 zeros: nothing known."""
    return np.zeros((n, N_COND), dtype=np.int64)


def cap(cond: np.ndarray) -> np.ndarray:
    """Clip every column into its vocabulary (in place) and return it."""
    np.minimum(cond, np.array(COND_SIZES, dtype=cond.dtype) - 1, out=cond)
    return cond


def chord_value(cls: int | None) -> int:
    """CHORD value of a chord class (None: the song has no chord track at all)."""
    return 0 if cls is None else cls + 1


class ChordTrack:
    """A song's chord track as arrays, for CHORD lookups by tick (the one rule corpus and engine share):
    the chord sounding at a tick, NO_CHORD_VALUE in a gap, 0 everywhere when the song has no chords."""

    def __init__(self, chords: Sequence[Chord]) -> None:
        self.onsets = np.array([c.onset for c in chords], dtype=np.int64)  # sorted, non-overlapping
        self.ends = np.array([c.end for c in chords], dtype=np.int64)
        self.classes = np.array([chord_class(c.symbol) + 1 for c in chords], dtype=np.int64)

    @staticmethod
    def of(song: Song) -> ChordTrack:
        return ChordTrack(song.chords)

    def values(self, ticks: Sequence[int] | np.ndarray) -> np.ndarray:
        """(n,) CHORD values at ``ticks``."""
        t = np.asarray(ticks, dtype=np.int64).reshape(-1)
        if not len(self.onsets):
            return np.zeros(len(t), dtype=np.int64)
        j = np.searchsorted(self.onsets, t, side="right") - 1
        jj = np.maximum(j, 0)
        inside = (j >= 0) & (t < self.ends[jj])
        return np.where(inside, self.classes[jj], NO_CHORD_VALUE)


def chord_values(song: Song, ticks: Sequence[int] | np.ndarray) -> np.ndarray:
    """CHORD value at each tick of ``song`` (``ChordTrack``)."""
    return ChordTrack.of(song).values(ticks)


def transpose_chords(cond: np.ndarray, semitones: int) -> np.ndarray:
    """A copy with the CHORD column transposed (no chord and unknown stay)."""
    out = cond.copy()
    col = out[:, CHORD]
    for i in np.flatnonzero(col > NO_CHORD_VALUE):
        col[i] = transpose_class(int(col[i]) - 1, semitones) + 1
    return out


N_PRIOR = len(VOCAB_QUALITIES) * 12  # chord-tone prior weights: one per (quality, interval above the root)


def chord_prior_index(n_pitches: int = 128) -> np.ndarray:
    """(COND_SIZES[CHORD], n_pitches) index of the chord-tone prior weight that pitch p gets under
    CHORD value v: quality * 12 + (p - root) % 12, or N_PRIOR (a fixed zero) for no chord / unknown.
    One weight per quality and interval serves every root and octave, so it is learnt from few notes."""
    out = np.full((COND_SIZES[CHORD], n_pitches), N_PRIOR, dtype=np.int64)
    pitches = np.arange(n_pitches)
    for value in range(NO_CHORD_VALUE + 1, COND_SIZES[CHORD]):
        rq = class_root_quality(value - 1)
        if rq is not None:
            out[value] = VOCAB_QUALITIES.index(rq[1]) * 12 + (pitches - rq[0]) % 12
    return out


def text_bucket(text: str) -> int:
    """TEXT value of a syllable: case and surrounding punctuation do not matter; 0 for no text."""
    core = text.strip().strip(_PUNCTUATION).lower()
    if not core:
        return 0
    return 1 + zlib.crc32(core.encode("utf-8")) % TEXT_BUCKETS


def lyric_columns(texts: Sequence[str | None], stresses: Sequence[int], positions: Sequence[int],
                  words: Sequence[int], phrases: Sequence[int] | None) -> np.ndarray:
    """(n, N_COND) lyric columns of n notes (CHORD and NOTES_LEFT left 0).

    texts: the syllable (None or "" for a melisma note); stresses / positions: Stress / WordPosition
    values (0 unknown); words / phrases: ids rising from any start, -1 for a note without lyric;
    phrases None where the source marks no phrases (PHRASE and PHRASE_LEFT stay 0).
    """
    n = len(words)
    out = empty(n)
    word = np.asarray(words, dtype=np.int64)
    sung = word >= 0
    if not sung.any():
        return out
    out[sung, WORD] = word[sung] - word[sung].min() + 1
    out[:, STRESS] = np.where(sung, np.asarray(stresses, dtype=np.int64), 0)
    out[:, WPOS] = np.where(sung, np.asarray(positions, dtype=np.int64), 0)
    out[:, TEXT] = [text_bucket(t) if s and t else 0 for t, s in zip(texts, sung)]
    if phrases is not None:
        phrase = np.asarray(phrases, dtype=np.int64)
        out[sung, PHRASE] = phrase[sung] - phrase[sung].min() + 1
        left, run_phrase, count = np.zeros(n, dtype=np.int64), None, 0
        for i in range(n - 1, -1, -1):  # count the phrase's lyric notes from its end backwards
            if not sung[i]:
                continue
            count = count + 1 if phrase[i] == run_phrase else 1
            run_phrase, left[i] = phrase[i], count
        out[:, PHRASE_LEFT] = left
    return cap(out)


def rebase_ids(cond: np.ndarray) -> np.ndarray:
    """WORD and PHRASE renumbered (in place) so that the smallest id present is 1: the ids count
    from the first syllable the model is shown, in training windows and in requests alike."""
    for col in (WORD, PHRASE):
        ids = cond[:, col]
        present = ids > 0
        if present.any():
            ids[present] -= ids[present].min() - 1
    return cond


def drop(cond: np.ndarray, columns: Sequence[int]) -> np.ndarray:
    """A copy with these columns unknown."""
    out = cond.copy()
    out[:, list(columns)] = 0
    return out


def has_lyrics(cond: np.ndarray) -> bool:
    return bool((cond[:, WORD] > 0).any())
