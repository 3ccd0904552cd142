"""The rule-based harmonizer: key-aware chord-template matching of the melody in each segment.

Per segment, every allowed chord scores the cosine between the segment's duration-weighted
pitch-class profile and the chord's 0/1 template, plus a bonus when all its tones are in the key
(``DIATONIC_BONUS``; minor keys also admit the raised seventh, for V and vii°) and a little more
for the primary chords I, IV, V (i, iv, V in minor). The best chord wins; when the previous
segment's chord scores as well (within ``TIE``), it is held. A silent segment holds the previous
chord (the tonic chord at the start). The key is the song's key signature at the segment, else
the one estimated from the whole melody (Krumhansl-Kessler profiles).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from melodystudio.core import KeySignature, Note, Song
from melodystudio.core.chord_vocabulary import NO_CHORD, VOCAB_QUALITIES
from melodystudio.harmony.segments import Segment, note_overlaps, pitch_class_profile
from melodystudio.harmony.vocabulary import N_CHORD_CLASSES, TEMPLATES, allowed_classes

DIATONIC_BONUS = 0.10
PRIMARY_BONUS = 0.05
TIE = 1e-6
# Krumhansl & Kessler (1982) key profiles, tonic first.
KK_MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
KK_MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])
_MAJ, _MIN = VOCAB_QUALITIES.index("maj"), VOCAB_QUALITIES.index("min")


def estimate_key(notes: Sequence[Note]) -> tuple[int, str]:
    """(tonic pitch class, 'major' | 'minor') best correlated with the melody's duration profile."""
    hist = np.zeros(12)
    for n in notes:
        hist[n.pitch % 12] += n.duration
    return key_of_profile(hist)


def key_of_profile(profile: np.ndarray) -> tuple[int, str]:
    """The Krumhansl-Schmuckler key of a (12,) pitch-class weight profile (durations, counts): the
    tonic pitch class and mode whose rotated Krumhansl-Kessler profile correlates best with it (major
    before minor and lower tonics first on a tie; C major for a flat profile, which has no key)."""
    weights = np.asarray(profile, dtype=np.float64)
    if weights.std() == 0:
        return 0, "major"
    best, best_r = (0, "major"), -2.0
    for mode, reference in (("major", KK_MAJOR), ("minor", KK_MINOR)):
        for tonic in range(12):
            r = float(np.corrcoef(weights, np.roll(reference, tonic))[0, 1])
            if r > best_r:
                best, best_r = (tonic, mode), r
    return best


def key_prior(tonic: int, mode: str) -> np.ndarray:
    """(121,) score bonus of each class in this key: diatonic chords, and more for the primary ones."""
    steps = (0, 2, 4, 5, 7, 9, 11) if mode == "major" else (0, 2, 3, 5, 7, 8, 10, 11)  # + raised 7th
    scale = np.zeros(12, bool)
    scale[[(tonic + s) % 12 for s in steps]] = True
    diatonic = (TEMPLATES[:, ~scale].sum(axis=1) == 0) & (np.arange(N_CHORD_CLASSES) != NO_CHORD)
    primary = {(tonic, _MAJ if mode == "major" else _MIN), ((tonic + 5) % 12, _MAJ if mode == "major" else _MIN),
               ((tonic + 7) % 12, _MAJ)}
    bonus = DIATONIC_BONUS * diatonic.astype(np.float64)
    for root, q in primary:
        bonus[1 + 10 * root + q] += PRIMARY_BONUS
    return bonus


def template_scores(profile: np.ndarray) -> np.ndarray:
    """(S, 12) profiles -> (S, 121) cosine similarity with each chord template (0 for no chord)."""
    norms = np.linalg.norm(TEMPLATES, axis=1)
    unit = np.divide(TEMPLATES, norms[:, None], out=np.zeros_like(TEMPLATES), where=norms[:, None] > 0)
    pnorm = np.linalg.norm(profile, axis=1, keepdims=True)
    p = np.divide(profile, pnorm, out=np.zeros_like(profile), where=pnorm > 0)
    return p @ unit.T


def harmonize_rules(song: Song, segs: Sequence[Segment], rich: bool = True) -> np.ndarray:
    """(S,) chord class per segment chosen by the rules above."""
    overlaps = note_overlaps(song.notes, segs)
    profile = pitch_class_profile(song.notes, overlaps)
    scores = template_scores(profile).astype(np.float64)
    allowed = allowed_classes(rich)
    fallback = estimate_key(song.notes)
    out = np.zeros(len(segs), np.int64)
    prev = -1
    for i, seg in enumerate(segs):
        key: KeySignature | None = song.key_at(seg.start)
        tonic, mode = (key.tonic_pc, key.mode) if key is not None else fallback
        if not profile[i].any():  # silence: hold, or start on the tonic chord
            out[i] = prev if prev > 0 else 1 + 10 * tonic + (_MAJ if mode == "major" else _MIN)
        else:
            s = np.where(allowed, scores[i] + key_prior(tonic, mode), -np.inf)
            best = int(np.argmax(s))
            out[i] = prev if prev > 0 and allowed[prev] and s[prev] >= s[best] - TIE else best
        prev = int(out[i])
    return out
