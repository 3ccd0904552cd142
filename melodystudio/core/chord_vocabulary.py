"""The models' chord vocabulary: 12 roots x 10 qualities plus no-chord, one integer class each.

Every quality of ``chords.QUALITIES`` maps to the nearest vocabulary quality (a table, not branches):
added sixths and ninths drop, 7sus4 keeps its suspension, dim7 reads as dim, a power chord as major.
The bass of an inversion is dropped (the vocabulary names harmony, not voicing).

Classes::

    0                       no chord (N.C., or a gap in the chord track)
    1 + 10 * root_pc + q    root pitch class 0..11, q = index in ``VOCAB_QUALITIES``

"Simple" vocabulary: major / minor only (q in {0, 1}), for the maj/min accuracy measure and the
harmonizer's plain-triads option: each quality has a simple reading in ``SIMPLE_OF``.
"""

from __future__ import annotations

from melodystudio.core.chords import QUALITY_BY_NAME, ChordSymbol
from melodystudio.core.pitch import FLAT_NAMES, SHARP_NAMES

VOCAB_QUALITIES = ("maj", "min", "7", "maj7", "min7", "dim", "hdim7", "aug", "sus2", "sus4")
N_CHORD_CLASSES = 1 + 12 * len(VOCAB_QUALITIES)  # 121
NO_CHORD = 0

# Quality name (chords.QUALITIES) -> vocabulary quality.
VOCAB_OF: dict[str, str] = {
    "maj": "maj", "min": "min", "7": "7", "maj7": "maj7", "min7": "min7", "dim": "dim", "dim7": "dim",
    "hdim7": "hdim7", "aug": "aug", "sus2": "sus2", "sus4": "sus4", "maj6": "maj", "min6": "min", "9": "7",
    "maj9": "maj7", "min9": "min7", "7sus4": "sus4", "minmaj7": "min", "aug7": "aug", "5": "maj",
}
# Vocabulary quality -> its major/minor reading (the third decides; sus chords read as major).
SIMPLE_OF: dict[str, str] = {
    "maj": "maj", "min": "min", "7": "maj", "maj7": "maj", "min7": "min", "dim": "min", "hdim7": "min",
    "aug": "maj", "sus2": "maj", "sus4": "maj",
}
assert set(VOCAB_OF) == set(QUALITY_BY_NAME), "every chord quality needs a vocabulary reading"


def chord_class(symbol: ChordSymbol | None) -> int:
    """The vocabulary class of a chord symbol (None = no chord)."""
    if symbol is None:
        return NO_CHORD
    return 1 + 10 * symbol.root_pc + VOCAB_QUALITIES.index(VOCAB_OF[symbol.quality])


def class_root_quality(cls: int) -> tuple[int, str] | None:
    """(root pitch class, vocabulary quality) of a class; None for no chord."""
    if not 0 <= cls < N_CHORD_CLASSES:
        raise ValueError(f"chord class {cls} is outside 0..{N_CHORD_CLASSES - 1}")
    if cls == NO_CHORD:
        return None
    root, q = divmod(cls - 1, 10)
    return root, VOCAB_QUALITIES[q]


def class_symbol(cls: int, flats: bool = False) -> ChordSymbol | None:
    """The chord symbol a class stands for, spelled with sharps (or flats); None for no chord."""
    rq = class_root_quality(cls)
    if rq is None:
        return None
    names = FLAT_NAMES if flats else SHARP_NAMES
    return ChordSymbol(names[rq[0]], rq[1])


def simple_class(cls: int) -> int:
    """The class's major/minor reading (no chord stays no chord)."""
    rq = class_root_quality(cls)
    if rq is None:
        return NO_CHORD
    return 1 + 10 * rq[0] + VOCAB_QUALITIES.index(SIMPLE_OF[rq[1]])


def transpose_class(cls: int, semitones: int) -> int:
    rq = class_root_quality(cls)
    if rq is None:
        return NO_CHORD
    return 1 + 10 * ((rq[0] + semitones) % 12) + VOCAB_QUALITIES.index(rq[1])


def class_pitch_classes(cls: int) -> frozenset[int]:
    """Pitch classes of the class's chord (empty for no chord)."""
    symbol = class_symbol(cls)
    return symbol.pitch_classes if symbol is not None else frozenset()
