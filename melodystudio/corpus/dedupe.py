"""Identical tunes, kept once.

Two tunes are identical when their notes give the same sequence of
(onset within its bar in ticks, duration in ticks, pitch interval from the previous note), the
first interval counted as 0. The key ignores transposition, tempo, title and source, but keeps
rhythm and its place in the bar, so one tune copied into two collections (or twice into one, or
written out in another key) is one tune, while the same pitches in another meter are not.

Of each group of identical tunes one copy is kept: a test copy before a valid copy before a train
copy (nothing seen in a held-out split is trained on), then the first in build order.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from melodystudio.core import Song
from melodystudio.corpus.splits import SPLIT_ID


def dedupe_key(song: Song) -> bytes:
    """SHA-1 of the (onset in bar, duration, interval) sequence; empty songs share one key."""
    tl = song.timeline
    rows = np.zeros((len(song.notes), 3), dtype=np.int64)
    prev = None
    for i, n in enumerate(song.notes):
        rows[i] = (n.onset - tl.bar_start(tl.bar_at(n.onset)), n.duration, 0 if prev is None else n.pitch - prev)
        prev = n.pitch
    return hashlib.sha1(rows.tobytes()).digest()


def kept_copies(keys: Sequence[bytes], splits: Sequence[str]) -> tuple[list[bool], int]:
    """(per tune: kept, number of groups whose copies span more than one split)."""
    best: dict[bytes, int] = {}
    seen_splits: dict[bytes, set[str]] = {}
    for i, (key, split) in enumerate(zip(keys, splits)):
        seen_splits.setdefault(key, set()).add(split)
        j = best.get(key)
        if j is None or SPLIT_ID[split] > SPLIT_ID[splits[j]]:  # test (2) > valid (1) > train (0)
            best[key] = i
    kept = [False] * len(keys)
    for i in best.values():
        kept[i] = True
    spanning = sum(1 for s in seen_splits.values() if len(s) > 1)
    return kept, spanning
