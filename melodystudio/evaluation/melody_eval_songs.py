"""Songs back from corpus tokens, so the evaluation can run the engine on the corpus's test tunes.

The corpus keeps a tune as CompoundTokenizer windows: window w starts at song bar
``window_first_bar[w]`` and its BAR field counts from 0 (``corpus.dataset``). A bar's length comes
from the METER field of its notes; a bar without notes keeps the meter before it. Where some METER
is 'other' (index 0) the bar length is not in the tokens, and where notes snapped to the grid
overlap the tokens are no monophonic melody: ``song_from_windows`` returns None for both, and the
caller reads the tune again from its source file. Keys come from the KEY field (tonic pitch
class + mode), spelled as the key signature with the fewest accidentals.

``windows_of`` cuts a song into windows the way the corpus build does, so a rebuilt song can be
checked against the stored tokens exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

import numpy as np

from melodystudio.core import KeySignature, Note, Song, TimeSignature
from melodystudio.tokens import CompoundTokenizer
from melodystudio.tokens.compound import BAR, DUR, KEY, METER, METERS, PITCH, POS, UNKNOWN_KEY

DEFAULT_VELOCITY = 90
# Tonic spelling per pitch class: the key signature with the fewest accidentals (F# over Gb).
MAJOR_TONICS = ("C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
MINOR_TONICS = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "G#", "A", "Bb", "B")

Window = tuple[int, np.ndarray]  # (song bar of window bar 0, tokens (n, 7))


def key_of_field(tick: int, key: int) -> KeySignature | None:
    """The KEY token field (tonic pitch class + 12 for minor, 24 unknown) as a key from ``tick``."""
    if key == UNKNOWN_KEY:
        return None
    return KeySignature(tick, MINOR_TONICS[key - 12], "minor") if key >= 12 else KeySignature(tick, MAJOR_TONICS[key])


def bar_meters(windows: Sequence[Window]) -> list[int] | None:
    """METER index of every song bar up to the last note's; None when some bar's meter is 'other'."""
    rows = [(first + int(t[BAR]), int(t[METER])) for first, tokens in windows for t in tokens]
    if not rows or any(meter == 0 for _, meter in rows):
        return None
    meters: list[int] = []
    by_bar = dict(reversed(rows))  # the first note of each bar decides (all notes of a bar agree)
    for bar in range(max(b for b, _ in rows) + 1):
        meters.append(by_bar.get(bar, meters[-1] if meters else rows[0][1]))
    return meters


def signatures(meters: Sequence[int]) -> list[TimeSignature]:
    """A TimeSignature at bar 0 and at every bar whose meter differs from the bar before."""
    out = []
    for bar, meter in enumerate(meters):
        if bar == 0 or meter != meters[bar - 1]:
            numerator, denominator = map(int, METERS[meter].split("/"))
            out.append(TimeSignature(bar, numerator, denominator))
    return out


def song_from_windows(windows: Sequence[Window], grid: int, title: str = "") -> Song | None:
    """The tune of these corpus windows as a Song (ticks), or None when a meter is unknown or two
    notes overlap."""
    meters = bar_meters(windows)
    if meters is None:
        return None
    skeleton = Song(title, time_signatures=signatures(meters))
    tl = skeleton.timeline
    notes: list[Note] = []
    keys: list[KeySignature] = []
    last_key = UNKNOWN_KEY
    for first, tokens in windows:
        for t in tokens:
            onset = tl.bar_start(first + int(t[BAR])) + int(t[POS]) * grid
            notes.append(Note(onset, int(t[DUR]) * grid, int(t[PITCH]), DEFAULT_VELOCITY))
            key = key_of_field(0 if not keys else onset, int(t[KEY]))  # None where unknown: the last key holds
            if key is not None and int(t[KEY]) != last_key:
                keys.append(key)
                last_key = int(t[KEY])
    notes.sort(key=lambda n: n.onset)
    if any(a.end > b.onset for a, b in pairwise(notes)):
        return None
    return Song(title, time_signatures=skeleton.time_signatures, keys=keys, notes=notes)


def windows_of(song: Song, tokenizer: CompoundTokenizer) -> list[Window]:
    """The song cut into ``max_bars`` windows as the corpus build does (empty windows left out)."""
    size = tokenizer.config.max_bars
    out = []
    for first in range(0, song.bar_count, size):
        tokens = tokenizer.encode(song, first, size).tokens
        if len(tokens):
            out.append((first, tokens))
    return out


def same_tokens(song: Song, windows: Sequence[Window], tokenizer: CompoundTokenizer) -> bool:
    """True when ``song`` encodes to exactly these windows (bars and every token field)."""
    mine = windows_of(song, tokenizer)
    return len(mine) == len(windows) and all(
        a == b and ta.shape == tb.shape and np.array_equal(ta, tb) for (a, ta), (b, tb) in zip(mine, windows))
