"""Chord labels of our data sets mapped onto the 121-class vocabulary."""

from __future__ import annotations

import numpy as np
import pytest

from melodystudio.core import MelodyStudioError
from melodystudio.core.chord_vocabulary import NO_CHORD
from melodystudio.harmony.vocabulary import (
    ROOT,
    SIMPLE,
    TEMPLATES,
    allowed_classes,
    label_class,
    to_simple_probs,
    transpose_classes,
)
from melodystudio.io.abc import parse_abc_tune


def cls(root: int, quality: int) -> int:
    return 1 + 10 * root + quality  # qualities: maj min 7 maj7 min7 dim hdim7 aug sus2 sus4


@pytest.mark.parametrize(("label", "expected"), [
    # POP909 labels (chord_midi.txt style), as found in pop909.jsonl.gz
    ("B:maj", cls(11, 0)), ("C#:min7", cls(1, 4)), ("E:maj/3", cls(4, 0)), ("N", NO_CHORD),
    ("C:sus2", cls(0, 8)), ("D:min/5", cls(2, 1)), ("Bb:min7", cls(10, 4)), ("G:sus4", cls(7, 9)),
    ("Ab:maj", cls(8, 0)), ("F#:min", cls(6, 1)),
    # lead-sheet symbols as openewld's <harmony> elements read back
    ("G7", cls(7, 2)), ("Cmaj7", cls(0, 3)), ("Am7b5", cls(9, 6)), ("C#dim", cls(1, 5)), ("Gaug7", cls(7, 7)),
    ("C6", cls(0, 0)), ("Bb9", cls(10, 2)), ("Am/C", cls(9, 1)), ("E7/B", cls(4, 2)), ("N.C.", NO_CHORD),
    ("Bbdim7", cls(10, 5)), ("Dm9", cls(2, 4)), ("Esus", cls(4, 9)),
])
def test_labels_map_to_their_class(label: str, expected: int) -> None:
    assert label_class(label) == expected


def test_a_label_that_is_no_chord_symbol_is_refused() -> None:
    with pytest.raises(MelodyStudioError, match="not a chord symbol"):
        label_class("Slow")


def test_abc_quoted_chords_read_into_the_vocabulary() -> None:
    tune = 'X:1\nT:t\nM:3/4\nL:1/4\nK:G\n"G"GBd|"C"c2 e|"D7"d2 A|"Em"B3|"Am/c"c2 "D7/f#"d|"G"G3|\n'
    song = parse_abc_tune(tune).song
    assert [(c.onset, label_class(str(c.symbol))) for c in song.chords] == [
        (0, cls(7, 0)), (1440, cls(0, 0)), (2880, cls(2, 2)), (4320, cls(4, 1)), (5760, cls(9, 1)),
        (6720, cls(2, 2)), (7200, cls(7, 0))]


def test_tables() -> None:
    assert ROOT[cls(9, 6)] == 9 and ROOT[NO_CHORD] == -1
    assert SIMPLE[cls(9, 6)] == cls(9, 1) and SIMPLE[cls(7, 2)] == cls(7, 0) and SIMPLE[cls(2, 9)] == cls(2, 0)
    assert np.flatnonzero(TEMPLATES[cls(7, 2)]).tolist() == [2, 5, 7, 11]  # G7 = G B D F
    assert transpose_classes(np.array([cls(11, 4), NO_CHORD]), 2).tolist() == [cls(1, 4), NO_CHORD]
    assert allowed_classes(False).sum() == 24 and allowed_classes(True).sum() == 120


def test_simple_probabilities_sum_onto_major_and_minor() -> None:
    p = np.zeros((1, 121))
    p[0, [cls(7, 2), cls(7, 0), cls(9, 4)]] = [0.5, 0.2, 0.3]
    s = to_simple_probs(p)
    assert s[0, cls(7, 0)] == pytest.approx(0.7) and s[0, cls(9, 1)] == pytest.approx(0.3)
    assert s.sum() == pytest.approx(1.0)
