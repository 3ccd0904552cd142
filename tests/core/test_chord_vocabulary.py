import pytest

from melodystudio.core.chord_vocabulary import (
    N_CHORD_CLASSES,
    NO_CHORD,
    chord_class,
    class_pitch_classes,
    class_symbol,
    simple_class,
    transpose_class,
)
from melodystudio.core.chords import QUALITIES, ChordSymbol


@pytest.mark.parametrize(("label", "expected"), [
    ("C", "C"), ("Am", "Am"), ("G7", "G7"), ("Fmaj7", "Fmaj7"), ("Dm7", "Dm7"), ("Bdim", "Bdim"),
    ("Bm7b5", "Bm7b5"), ("Caug", "Caug"), ("Dsus2", "Dsus2"), ("Gsus4", "Gsus4"),
    # reductions to the 10-quality vocabulary
    ("C6", "C"), ("Am6", "Am"), ("G9", "G7"), ("Cmaj9", "Cmaj7"), ("Dm9", "Dm7"), ("G7sus4", "Gsus4"),
    ("Bdim7", "Bdim"), ("C5", "C"), ("E:maj/3", "E"), ("Bb:min7", "A#m7"), ("C/E", "C"),
])
def test_labels_map_to_the_vocabulary(label: str, expected: str) -> None:
    assert str(class_symbol(chord_class(ChordSymbol.parse(label)))) == expected


def test_no_chord_and_every_class_round_trips() -> None:
    assert chord_class(ChordSymbol.parse("N.C.")) == NO_CHORD and class_symbol(NO_CHORD) is None
    assert {chord_class(class_symbol(c)) for c in range(1, N_CHORD_CLASSES)} == set(range(1, N_CHORD_CLASSES))
    assert all(chord_class(ChordSymbol("C", q.name)) >= 1 for q in QUALITIES)


def test_simple_reading_transposition_and_pitch_classes() -> None:
    g7 = chord_class(ChordSymbol.parse("G7"))
    assert str(class_symbol(simple_class(g7))) == "G"
    assert str(class_symbol(simple_class(chord_class(ChordSymbol.parse("Bm7b5"))))) == "Bm"
    assert str(class_symbol(transpose_class(g7, 5))) == "C7"
    assert str(class_symbol(transpose_class(g7, -8))) == "B7"
    assert class_pitch_classes(g7) == frozenset({7, 11, 2, 5})
    assert str(class_symbol(chord_class(ChordSymbol.parse("Bb")), flats=True)) == "Bb"
    with pytest.raises(ValueError):
        class_symbol(N_CHORD_CLASSES)
