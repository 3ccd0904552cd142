"""Measured attributes of a melody: what captions describe and what prompt filters check.

One ``TuneAttributes`` per tune, measured from its notes (ticks at PPQ 480), its dominant meter
and its key. The same measure serves the corpus captions at build time and the user's melodies
at run time, so a filter such as "3/4, minor" means the same thing for both.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from melodystudio.core import PPQ, KeySignature, Song
from melodystudio.core.pitch import FLAT_NAMES, SHARP_NAMES
from melodystudio.harmony.rules import KK_MAJOR, KK_MINOR, key_of_profile

# Note density bins in notes per quarter note: below SLOW_DENSITY reads as slow/sparse, at or
# above LIVELY_DENSITY as lively/busy (running eighths are 2 per quarter).
SLOW_DENSITY, LIVELY_DENSITY = 1.15, 1.8
NARROW_AMBITUS, WIDE_AMBITUS = 9, 17  # semitones: within a sixth is narrow, beyond an eleventh wide
LOW_REGISTER, HIGH_REGISTER = 64.0, 74.0  # mean MIDI pitch below/above: low/high melody
CONTOUR_STEP = 2.5  # semitones between thirds of the tune that count as rising or falling


@dataclass(frozen=True)
class TuneAttributes:
    meter: str  # '3/4'; '' when unknown
    tonic_pc: int | None  # 0-11, None when the key is unknown
    mode: str | None  # 'major' | 'minor' | None
    bars: int
    lowest: int  # MIDI pitch
    highest: int
    mean_pitch: float
    notes_per_quarter: float
    contour: str  # 'rising' | 'falling' | 'arch' | 'valley' | 'level'
    phrases: int  # 0 when unknown
    tempo_bpm: float | None = None

    @property
    def ambitus(self) -> int:
        return self.highest - self.lowest

    @property
    def density(self) -> str:
        """'slow', 'moderate' or 'lively' from the note density."""
        if self.notes_per_quarter < SLOW_DENSITY:
            return "slow"
        return "lively" if self.notes_per_quarter >= LIVELY_DENSITY else "moderate"

    @property
    def range_width(self) -> str:
        if self.ambitus <= NARROW_AMBITUS:
            return "narrow"
        return "wide" if self.ambitus >= WIDE_AMBITUS else "medium"

    @property
    def register(self) -> str:
        if self.mean_pitch < LOW_REGISTER:
            return "low"
        return "high" if self.mean_pitch > HIGH_REGISTER else "middle"

    def key_label(self) -> str:
        """'D minor', or '' when the key is unknown."""
        if self.tonic_pc is None or self.mode is None:
            return ""
        return f"{tonic_name(self.tonic_pc, self.mode)} {self.mode}"


def tonic_name(pc: int, mode: str) -> str:
    """Spelling of a tonic as key signatures have it: F major, Bb major, F# minor, Eb minor."""
    flat_majors, flat_minors = {5, 10, 3, 8, 1}, {2, 7, 0, 5, 10, 3}  # F Bb Eb Ab Db ; D G C F Bb Eb
    flats = pc in (flat_majors if mode == "major" else flat_minors)
    return (FLAT_NAMES if flats else SHARP_NAMES)[pc]


def contour_of(pitches: np.ndarray) -> str:
    """Shape from the mean pitch of the first, middle and last third of the notes."""
    if len(pitches) < 3:
        return "level"
    first, middle, last = (float(p.mean()) for p in np.array_split(pitches.astype(np.float64), 3))
    if middle - max(first, last) >= CONTOUR_STEP:
        return "arch"
    if min(first, last) - middle >= CONTOUR_STEP:
        return "valley"
    if last - first >= CONTOUR_STEP:
        return "rising"
    if first - last >= CONTOUR_STEP:
        return "falling"
    return "level"


def measure(onsets: np.ndarray, durations: np.ndarray, pitches: np.ndarray, meter: tuple[int, int] | None,
            tonic_pc: int | None, mode: str | None, phrases: int = 0, tempo_bpm: float | None = None,
            bar_ticks: int | None = None) -> TuneAttributes:
    """Attributes of notes (onset/duration ticks, MIDI pitches, onset order); ``bar_ticks`` defaults
    to the meter's bar length (4/4 when the meter is unknown)."""
    if len(pitches) == 0:
        raise ValueError("a melody without notes has no attributes")
    if bar_ticks is None:
        bar_ticks = meter[0] * PPQ * 4 // meter[1] if meter else 4 * PPQ
    start, end = int(onsets[0]), int(max(onsets + durations))
    first_bar, last_bar = start // bar_ticks, max(end - 1, start) // bar_ticks
    bars = last_bar - first_bar + 1
    quarters = max((end - start) / PPQ, 1.0)
    return TuneAttributes(f"{meter[0]}/{meter[1]}" if meter else "", tonic_pc, mode, bars, int(pitches.min()),
                          int(pitches.max()), float(pitches.mean()), len(pitches) / quarters, contour_of(pitches),
                          phrases, tempo_bpm)


def song_attributes(song: Song) -> TuneAttributes:
    """Attributes of a song's melody: its dominant meter, its first key (or the mode guessed from
    the notes when it has none), its first tempo."""
    notes = song.notes
    if not notes:
        raise ValueError("a melody without notes has no attributes")
    tl = song.timeline
    meters = Counter(str(tl.signature_at(n.onset)) for n in notes)
    num, den = (int(x) for x in meters.most_common(1)[0][0].split("/"))
    onsets = np.array([n.onset for n in notes], np.int64)
    pitches = np.array([n.pitch for n in notes], np.int64)
    durations = np.array([n.duration for n in notes], np.int64)
    key = song.keys[0] if song.keys else None
    tonic, mode = (key.tonic_pc, key.mode) if key else guess_key(pitches, durations)
    attrs = measure(onsets, durations, pitches, (num, den), tonic, mode, tempo_bpm=round(song.tempos[0].bpm, 1))
    bars = tl.bar_at(max(n.end for n in notes) - 1) - tl.bar_at(notes[0].onset) + 1
    return TuneAttributes(**{**attrs.__dict__, "bars": bars})


def guess_key(pitches: np.ndarray, durations: np.ndarray) -> tuple[int, str]:
    """(tonic pitch class, mode) of duration-weighted pitch classes (``harmony.rules.key_of_profile``)."""
    return key_of_profile(np.bincount(pitches % 12, weights=durations.astype(np.float64), minlength=12))


def mode_from_signature(major_tonic_pc: int, pitches: np.ndarray, durations: np.ndarray) -> tuple[int, str]:
    """A key signature names a major key and its relative minor; folk tunes end on their tonic, so
    a last note on the relative minor's tonic (and a minor profile at least as good) reads minor."""
    minor_tonic = (major_tonic_pc + 9) % 12
    if int(pitches[-1]) % 12 != minor_tonic:
        return major_tonic_pc, "major"
    weights = np.bincount(pitches % 12, weights=durations.astype(np.float64), minlength=12)
    if weights.std() == 0:
        return minor_tonic, "minor"
    r_major = float(np.corrcoef(weights, np.roll(KK_MAJOR, major_tonic_pc))[0, 1])
    r_minor = float(np.corrcoef(weights, np.roll(KK_MINOR, minor_tonic))[0, 1])
    return (minor_tonic, "minor") if r_minor >= r_major else (major_tonic_pc, "major")


def key_signature(tonic_pc: int, mode: str, tick: int = 0) -> KeySignature:
    return KeySignature(tick, tonic_name(tonic_pc, mode), mode)
