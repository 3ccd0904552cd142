"""Chord accuracy measures, counted per segment over segments whose annotation has a chord.

- root: the predicted chord's root pitch class is the annotated one's;
- maj/min: the major/minor readings (``chord_vocabulary.SIMPLE_OF``) are the same chord;
- full: the same vocabulary class (root and one of the 10 qualities).
Segments annotated "no chord" are left out: the harmonizer always suggests a chord.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from melodystudio.core.chord_vocabulary import NO_CHORD
from melodystudio.harmony.vocabulary import ROOT, SIMPLE

MEASURES = ("root", "majmin", "full")


@dataclass
class ChordAccuracy:
    segments: int = 0
    root: int = 0
    majmin: int = 0
    full: int = 0

    def add(self, predicted: np.ndarray, target: np.ndarray) -> None:
        """Count one song: predicted and annotated classes (S,) of the same segments."""
        if predicted.shape != target.shape:
            raise ValueError(f"{predicted.shape} predictions for {target.shape} targets")
        keep = target != NO_CHORD
        p, t = predicted[keep], target[keep]
        self.segments += int(keep.sum())
        self.root += int((ROOT[p] == ROOT[t]).sum())
        self.majmin += int((SIMPLE[p] == SIMPLE[t]).sum())
        self.full += int((p == t).sum())

    def rates(self) -> dict[str, float | int | None]:
        n = self.segments
        return {"segments": n, **{m: (getattr(self, m) / n if n else None) for m in MEASURES}}
