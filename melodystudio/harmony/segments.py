"""Cutting a melody's bars into the segments that each get one chord: beats, half bars or bars.

Rules (``RULES``), applied bar by bar with the bar's own time signature:

- ``beat``: every felt beat (``TimeSignature.beat_ticks``: a dotted quarter in 6/8, 9/8, 12/8);
  ticks a bar has beyond its last whole beat belong to the last beat.
- ``half-bar``: a bar of an even number of beats splits in the middle (4/4 = 2 + 2 beats, 6/8 =
  one dotted quarter + one, 2/2 = half + half); a bar of 1 or 3 beats (3/4, 9/8) stays whole,
  because a triple bar has no middle; longer odd bars split after the larger half (5/4 = 3 + 2).
- ``bar``: the whole bar.

The chord of a segment in annotated data (``segment_classes``) is the one sounding longest
within it (ties: the earlier one); a segment no chord sounds in is "no chord". The same rule
serves all three segment sizes, so a half-bar's chord is its longer-held chord, not merely the
one at its start.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from melodystudio.core import Chord, MelodyStudioError, Note, Song, TimeSignature
from melodystudio.core.chord_vocabulary import NO_CHORD, chord_class

RULES = ("beat", "half-bar", "bar")


@dataclass(frozen=True, slots=True)
class Segment:
    """Ticks [start, end) of bar ``bar`` (0-based), the ``index``-th of ``count`` segments in it."""

    start: int
    end: int
    bar: int
    index: int
    count: int


def check_rule(per: str) -> str:
    if per not in RULES:
        raise MelodyStudioError(f"'{per}' is not a chord segment size (use one of {', '.join(RULES)})")
    return per


def bar_cuts(ts: TimeSignature, per: str) -> list[int]:
    """Offsets (ticks from the bar line) where the bar's segments start."""
    beats, beat = ts.beats_per_bar, ts.beat_ticks
    if per == "beat":
        return [k * beat for k in range(max(beats, 1))]
    if per == "bar" or beats in (1, 3) or beats < 1:
        return [0]
    return [0, ((beats + 1) // 2) * beat]  # even: the middle; odd (5, 7 ...): after the larger half


def segments(song: Song, per: str, first_bar: int = 0, last_bar: int | None = None) -> list[Segment]:
    """The segments of bars first_bar..last_bar (inclusive; default: to the song's last bar)."""
    check_rule(per)
    last = song.bar_count - 1 if last_bar is None else last_bar
    if first_bar < 0 or last < first_bar:
        raise MelodyStudioError(f"bar range {first_bar + 1}-{last + 1} is empty or negative")
    tl = song.timeline
    out: list[Segment] = []
    for bar in range(first_bar, last + 1):
        start, end = tl.bar_start(bar), tl.bar_start(bar + 1)
        cuts = bar_cuts(tl.signature_at_bar(bar), per)
        edges = [start + c for c in cuts] + [end]
        out.extend(Segment(a, b, bar, i, len(cuts)) for i, (a, b) in enumerate(itertools.pairwise(edges)))
    return out


def segment_classes(chords: Sequence[Chord], segs: Sequence[Segment]) -> np.ndarray:
    """(S,) int64 chord class of each segment: the chord sounding longest in it, else no chord."""
    onsets = [c.onset for c in chords]
    out = np.full(len(segs), NO_CHORD, np.int64)
    for i, seg in enumerate(segs):
        j = max(bisect.bisect_right(onsets, seg.start) - 1, 0)
        best, best_len = None, 0
        while j < len(chords) and chords[j].onset < seg.end:
            overlap = min(chords[j].end, seg.end) - max(chords[j].onset, seg.start)
            if overlap > best_len:
                best, best_len = chords[j], overlap
            j += 1
        if best is not None:
            out[i] = chord_class(best.symbol)
    return out


def note_overlaps(notes: Sequence[Note], segs: Sequence[Segment]) -> np.ndarray:
    """(S, N) float32 ticks of note n sounding within segment s (the melody's weight in each segment)."""
    out = np.zeros((len(segs), len(notes)), np.float32)
    if not notes or not segs:
        return out
    onsets = np.array([n.onset for n in notes])
    ends = np.array([n.end for n in notes])
    for i, seg in enumerate(segs):
        out[i] = np.clip(np.minimum(ends, seg.end) - np.maximum(onsets, seg.start), 0, None)
    return out


def pitch_class_profile(notes: Sequence[Note], overlaps: np.ndarray) -> np.ndarray:
    """(S, 12) float32: each segment's sounding time per pitch class, normalised to sum 1 (0 when silent)."""
    onehot = np.zeros((len(notes), 12), np.float32)
    if notes:
        onehot[np.arange(len(notes)), [n.pitch % 12 for n in notes]] = 1.0
    profile = overlaps @ onehot
    total = profile.sum(axis=1, keepdims=True)
    return np.divide(profile, total, out=np.zeros_like(profile), where=total > 0)
