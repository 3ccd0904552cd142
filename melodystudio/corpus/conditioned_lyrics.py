"""Lyric condition columns of corpus songs: lyrics_melody records and lead sheets with core Lyrics.

Stress comes from ``lyrics.word_stresses`` on each word's syllables joined (the CMU dictionary,
weak function words unstressed, a heuristic for unknown words): the same rule that gives the
syllables of a typed lyric their stress, so training data and requests agree. Word positions come
from the word grouping (lyrics_melody) or from MusicXML's syllabic (lead sheets).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from melodystudio.core import Song, Syllabic
from melodystudio.lyrics import word_stresses
from melodystudio.lyrics.syllables import WordPosition
from melodystudio.tokens import conditions

_POSITION_OF = {Syllabic.SINGLE: WordPosition.SINGLE, Syllabic.BEGIN: WordPosition.BEGIN,
                Syllabic.MIDDLE: WordPosition.MIDDLE, Syllabic.END: WordPosition.END}


def positions_in_words(words: Sequence[int]) -> list[int]:
    """WordPosition of each note from its word id (ids rise by 0 or 1; -1 = no lyric)."""
    out = []
    for i, w in enumerate(words):
        if w < 0:
            out.append(0)
            continue
        first = i == 0 or words[i - 1] != w
        last = i == len(words) - 1 or words[i + 1] != w
        out.append(WordPosition.SINGLE if first and last else WordPosition.BEGIN if first else
                   WordPosition.END if last else WordPosition.MIDDLE)
    return out


def stresses_by_word(texts: Sequence[str | None], words: Sequence[int]) -> list[int]:
    """Stress of each note: every word's syllables (melisma notes, text None, skipped) looked up whole."""
    out = [0] * len(words)
    i = 0
    while i < len(words):
        j = i
        while j < len(words) and words[j] == words[i]:
            j += 1
        if words[i] >= 0:
            sung = [k for k in range(i, j) if texts[k]]
            if sung:
                for k, s in zip(sung, word_stresses("".join(str(texts[k]) for k in sung), len(sung))):
                    out[k] = int(s)
        i = j
    return out


def lyrics_melody_columns(syllables: Sequence[str], words: Sequence[int], phrases: Sequence[int]) -> np.ndarray:
    """(n, N_COND) lyric columns of a lyrics_melody record (one syllable per note)."""
    texts = [str(s) for s in syllables]
    return conditions.lyric_columns(texts, stresses_by_word(texts, words), positions_in_words(words),
                                    list(words), list(phrases))


def song_lyric_columns(song: Song) -> np.ndarray:
    """(n, N_COND) lyric columns of a song's notes from their core Lyrics; phrases only where the
    song marks more than one phrase start."""
    align = song.lyric_alignment()
    words = [a[0] if a is not None else -1 for a in align]
    texts = [n.lyric.text if n.lyric is not None and not n.lyric.melisma else None for n in song.notes]
    positions = [_POSITION_OF[n.lyric.syllabic] if n.lyric is not None and t else 0 for n, t in zip(song.notes, texts)]
    starts = sum(1 for n in song.notes if n.lyric is not None and n.lyric.phrase_start)
    phrases = [a[1] if a is not None else -1 for a in align] if starts > 1 else None
    return conditions.lyric_columns(texts, stresses_by_word(texts, words), positions, words, phrases)


def name_split(name: str) -> str:
    """Split of a lead sheet by the SHA-1 of its file name: 10% test, 10% valid."""
    bucket = int(hashlib.sha1(name.encode("utf-8")).hexdigest()[:8], 16) % 10
    return "test" if bucket == 0 else "valid" if bucket == 1 else "train"


