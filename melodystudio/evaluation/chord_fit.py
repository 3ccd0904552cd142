"""How a melody sits on its chords and its lyric: chord tones on strong beats, root-relative pitch
and duration distributions, stressed syllables on strong beats and on pitch peaks.

Strong beats: the downbeat, and the middle of the bar when the numerator is 4, 6 or 12 (4/4 beats
1 and 3, 6/8 beats 1 and 4). A note is a chord tone when its pitch class belongs to the chord
sounding at its onset; notes under no chord are left out of chord measures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from melodystudio.core import Note, Song
from melodystudio.evaluation.metrics import histogram_overlap

HALVED_NUMERATORS = (4, 6, 12)
STRESSED = 2  # lyrics.Stress.PRIMARY (evaluation does not import lyrics: a sibling package)


@dataclass(frozen=True)
class SungNote:
    """One note with what the measures need to know about its place."""

    pitch: int
    duration: int  # ticks
    strong: bool  # on a strong beat
    chord: frozenset[int] | None  # pitch classes of the chord at the onset (None: no chord)
    root: int | None  # the chord's root pitch class
    stress: int = 0  # the syllable's Stress value (0: no lyric / unknown)


def is_strong(song: Song, tick: int) -> bool:
    tl = song.timeline
    bar = tl.bar_at(tick)
    offset, ts = tick - tl.bar_start(bar), tl.signature_at_bar(bar)
    return offset == 0 or (ts.numerator in HALVED_NUMERATORS and 2 * offset == ts.bar_ticks)


def sung_notes(song: Song, notes: Sequence[Note], stresses: Sequence[int] | None = None) -> list[SungNote]:
    """The notes (placed in ``song``'s bars and chords) as SungNotes."""
    out = []
    for i, n in enumerate(notes):
        chord = song.chord_at(n.onset)
        out.append(SungNote(n.pitch, n.duration, is_strong(song, n.onset),
                            chord.symbol.pitch_classes if chord else None, chord.symbol.root_pc if chord else None,
                            stresses[i] if stresses is not None else 0))
    return out


def chord_tone_counts(notes: Sequence[SungNote], strong_only: bool) -> tuple[int, int]:
    """(chord tones, notes under a chord), on strong beats only or everywhere."""
    under = [n for n in notes if n.chord is not None and (n.strong or not strong_only)]
    return sum(n.pitch % 12 in n.chord for n in under if n.chord is not None), len(under)


def root_intervals(notes: Sequence[SungNote]) -> np.ndarray:
    """Pitch class of each note under a chord relative to the chord's root, 0..11."""
    return np.array([(n.pitch - n.root) % 12 for n in notes if n.root is not None], dtype=np.int64)


def durations(notes: Sequence[SungNote], grid: int = 40, max_units: int = 96) -> np.ndarray:
    """Durations in grid units (1/12 quarter), capped."""
    return np.array([min(max(round(n.duration / grid), 1), max_units) for n in notes], dtype=np.int64)


def overlap_with(reference: Sequence[SungNote], notes: Sequence[SungNote]) -> dict[str, float | None]:
    """Histogram overlap (1 = the same distribution) of pitch classes, root-relative pitch classes
    and durations."""
    def overlap(a: np.ndarray, b: np.ndarray, bins: int) -> float | None:
        """Overlap of two histograms of integer values 0..bins-1 (None when either set is empty)."""
        if not len(a) or not len(b):
            return None
        return histogram_overlap(a.astype(float).tolist(), b.astype(float).tolist(), list(range(bins + 1)))

    ref_pc = np.array([n.pitch % 12 for n in reference], dtype=np.int64)
    pc = np.array([n.pitch % 12 for n in notes], dtype=np.int64)
    return {"pitch_class": overlap(ref_pc, pc, 12),
            "root_relative_pitch": overlap(root_intervals(reference), root_intervals(notes), 12),
            "duration": overlap(durations(reference), durations(notes), 97)}


def pitch_peaks(pitches: Sequence[int]) -> np.ndarray:
    """(n,) True where a note is a local pitch peak: at least as high as both neighbours and higher
    than one (the ends compare with their one neighbour)."""
    p = np.asarray(pitches, dtype=np.int64)
    if len(p) < 2:
        return np.zeros(len(p), dtype=bool)
    left = np.concatenate([[np.iinfo(np.int64).min], p[:-1]])
    right = np.concatenate([p[1:], [np.iinfo(np.int64).min]])
    return (p >= left) & (p >= right) & ((p > left) | (p > right))


def stress_alignment(cases: Sequence[Sequence[SungNote]]) -> dict[str, float | None]:
    """Shares of stressed syllables on strong beats and on pitch peaks (peaks found within each
    case), next to the same shares for unstressed syllables (what placement by chance gives)."""
    stress = np.array([n.stress for c in cases for n in c], dtype=np.int64)
    strong = np.array([n.strong for c in cases for n in c], dtype=bool)
    peaks = np.concatenate([pitch_peaks([n.pitch for n in c]) for c in cases]) if cases else np.zeros(0, bool)
    stressed, unstressed = stress == STRESSED, (stress > 0) & (stress != STRESSED)

    def share(mask: np.ndarray, where: np.ndarray) -> float | None:
        return float(where[mask].mean()) if mask.any() else None

    return {"stressed_on_strong": share(stressed, strong), "unstressed_on_strong": share(unstressed, strong),
            "stressed_on_peak": share(stressed, peaks), "unstressed_on_peak": share(unstressed, peaks)}
