from __future__ import annotations

import pytest

from melodystudio.core import ChordSymbol, KeySignature, MelodyStudioError, note_name, parse_note_name


@pytest.mark.parametrize("name, pitch", [("C4", 60), ("A4", 69), ("Bb3", 58), ("F#5", 78), ("C-1", 0), ("G9", 127)])
def test_note_names(name: str, pitch: int) -> None:
    assert parse_note_name(name) == pitch


def test_note_name_spelling() -> None:
    assert note_name(61) == "C#4" and note_name(61, flats=True) == "Db4"
    with pytest.raises(MelodyStudioError):
        parse_note_name("H4")
    with pytest.raises(MelodyStudioError, match="outside the MIDI range"):
        parse_note_name("A9")


@pytest.mark.parametrize("text, sharps, mode", [
    ("D", 2, "major"), ("D major", 2, "major"), ("F#m", 3, "minor"), ("Bb minor", -5, "minor"),
    ("Gb:maj", -6, "major"), ("E:min", 1, "minor"), ("c", 0, "major")])
def test_key_parsing(text: str, sharps: int, mode: str) -> None:
    k = KeySignature.parse(text)
    assert (k.sharps, k.mode) == (sharps, mode)


def test_key_scale_and_roundtrip_through_sharps() -> None:
    k = KeySignature.parse("A minor")
    assert k.scale_pitch_classes == {9, 11, 0, 2, 4, 5, 7}
    assert KeySignature.from_sharps(0, -3, "minor").tonic == "C"
    with pytest.raises(MelodyStudioError):
        KeySignature.parse("H dur")


@pytest.mark.parametrize("text, shown, pcs", [
    ("C", "C", {0, 4, 7}), ("Am", "Am", {9, 0, 4}), ("G7", "G7", {7, 11, 2, 5}), ("Fmaj7", "Fmaj7", {5, 9, 0, 4}),
    ("Dm7", "Dm7", {2, 5, 9, 0}), ("Bdim", "Bdim", {11, 2, 5}), ("F#m7b5", "F#m7b5", {6, 9, 0, 4}),
    ("Bø", "Bm7b5", {11, 2, 5, 9}), ("Caug", "Caug", {0, 4, 8}), ("Dsus4", "Dsus4", {2, 7, 9}),
    ("Esus2", "Esus2", {4, 6, 11}), ("C/E", "C/E", {0, 4, 7}), ("D7/F#", "D7/F#", {2, 6, 9, 0}),
    # POP909 / Harte labels
    ("B:maj", "B", {11, 3, 6}), ("C#:min7", "C#m7", {1, 4, 8, 11}), ("E:maj/3", "E/G#", {4, 8, 11}),
    ("A:min/b3", "Am/C", {9, 0, 4}), ("G:7/b7", "G7/F", {7, 11, 2, 5}), ("D:hdim7", "Dm7b5", {2, 5, 8, 0}),
])
def test_chord_symbols(text: str, shown: str, pcs: set[int]) -> None:
    sym = ChordSymbol.parse(text)
    assert sym is not None
    assert str(sym) == shown and sym.pitch_classes == pcs
    assert ChordSymbol.parse(str(sym)) == sym


def test_no_chord_and_errors() -> None:
    assert ChordSymbol.parse("N") is None and ChordSymbol.parse("N.C.") is None
    with pytest.raises(MelodyStudioError, match="unknown chord quality"):
        ChordSymbol.parse("Cblah")
    with pytest.raises(MelodyStudioError, match="not a chord symbol"):
        ChordSymbol.parse("xyz")


def test_voicing_puts_the_bass_below() -> None:
    assert ChordSymbol.parse("C/E").voicing() == [40, 48, 52, 55]
    assert ChordSymbol.parse("Am").voicing() == [57, 60, 64]
