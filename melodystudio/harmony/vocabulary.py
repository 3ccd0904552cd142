"""Array views of the chord vocabulary (``core.chord_vocabulary``) for models, decoding and measures.

The vocabulary itself (121 classes: 0 = no chord, 1 + 10 * root + quality) lives in core; this
module only tabulates it once as numpy arrays: the root and quality of every class, its
major/minor reading, its pitch-class template, and the class permutation of each transposition.
``label_class`` reads the chord labels of our data (POP909's "C#:min7", "E:maj/3", "N"; lead-sheet
and ABC symbols "Am7", "F#m7b5", "G/B", "N.C.").
"""

from __future__ import annotations

import numpy as np

from melodystudio.core.chord_vocabulary import (
    N_CHORD_CLASSES,
    NO_CHORD,
    VOCAB_QUALITIES,
    chord_class,
    class_pitch_classes,
    class_root_quality,
    simple_class,
    transpose_class,
)
from melodystudio.core.chords import ChordSymbol

CLASSES = np.arange(N_CHORD_CLASSES)
# Root pitch class of each class; -1 for no chord.
ROOT = np.array([-1] + [rq[0] for rq in (class_root_quality(c) for c in range(1, N_CHORD_CLASSES)) if rq])
# Quality index (VOCAB_QUALITIES) of each class; len(VOCAB_QUALITIES) (= 10) stands for no chord.
QUALITY = np.array([len(VOCAB_QUALITIES)] + [VOCAB_QUALITIES.index(rq[1]) for rq in
                                             (class_root_quality(c) for c in range(1, N_CHORD_CLASSES)) if rq])
N_QUALITY_SLOTS = len(VOCAB_QUALITIES) + 1  # the 10 qualities plus no chord
SIMPLE = np.array([simple_class(c) for c in range(N_CHORD_CLASSES)])  # class -> its maj/min class
IS_SIMPLE = SIMPLE == CLASSES  # maj and min classes (and no chord)
_TO_SIMPLE = np.eye(N_CHORD_CLASSES)[SIMPLE]  # (121, 121): row c is one-hot at SIMPLE[c]
# (121, 12) 0/1 chord-tone templates; the no-chord row is all zero.
TEMPLATES = np.zeros((N_CHORD_CLASSES, 12), np.float32)
for _c in range(1, N_CHORD_CLASSES):
    TEMPLATES[_c, sorted(class_pitch_classes(_c))] = 1.0
# TRANSPOSE[k, c] = class c moved up k semitones.
TRANSPOSE = np.array([[transpose_class(c, k) for c in range(N_CHORD_CLASSES)] for k in range(12)])


def label_class(text: str) -> int:
    """The class of a chord label; raises MelodyStudioError for a label that is not a chord symbol."""
    return chord_class(ChordSymbol.parse(text))


def allowed_classes(rich: bool) -> np.ndarray:
    """(121,) bool: the classes a harmonization may choose (no chord is never suggested)."""
    allowed = np.ones(N_CHORD_CLASSES, bool) if rich else IS_SIMPLE.copy()
    allowed[NO_CHORD] = False
    return allowed


def to_simple_probs(probs: np.ndarray) -> np.ndarray:
    """(..., 121) probabilities -> the same shape with each class's mass moved to its maj/min reading."""
    return probs @ _TO_SIMPLE.astype(probs.dtype)


def transpose_classes(classes: np.ndarray, semitones: int) -> np.ndarray:
    return TRANSPOSE[semitones % 12][classes]
