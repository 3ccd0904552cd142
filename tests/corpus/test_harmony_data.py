"""The harmonizer's data file: split rule, ABC chord scan, and songs that read back exactly."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import numpy as np
import pytest

from melodystudio.core import PPQ, Chord, ChordSymbol, KeySignature, MelodyStudioError, Note, Song, TimeSignature
from melodystudio.corpus.harmony_data import (
    BuildLog,
    HarmonySet,
    SongRecord,
    abc_chord_count,
    lead_sheet_split,
    save,
)
from melodystudio.harmony.segments import RULES, segment_classes, segments
from melodystudio.io import load_song, save_song
from tests.conftest import twinkle

Q = PPQ


def test_lead_sheet_split_is_the_sha1_of_the_file_name() -> None:
    name = "Al_Dubin-Harry_Warren__Shadow_Waltz.mxl"
    assert int(hashlib.sha1(name.encode()).hexdigest()[:8], 16) / 2 ** 32 < 0.15
    assert lead_sheet_split(name) == "test"
    assert lead_sheet_split("Abe_Olman-Ed_Rose__Oh_Johnny_oh_Johnny_Oh.mxl") == "valid"
    assert lead_sheet_split("A._Emmett_Adams-Douglas_Furber__The_Bells_of_St._Mary_s.mxl") == "train"


def test_abc_chord_scan_counts_chord_symbols_not_fingerings_or_words() -> None:
    ryans = 'K:Am\nu"4"e|(c<A)"^SEGUE"A>B (c<A)A>B | "Slow"c<d"4"e>c A2A>B |'
    nottingham = 'K:D\n|"D"A/2d/2 d/2e/2|"Em"e/2d/2 "A7"AA/2B/2|"Am/c"c2 "G7/b"e2|'
    assert abc_chord_count(ryans) == 0
    assert abc_chord_count(nottingham) == 5


def test_songs_and_targets_read_back(tmp_path: Path) -> None:
    waltz = Song("waltz", time_signatures=[TimeSignature(0, 3, 4)], keys=[KeySignature(0, "F")],
                 notes=[Note(0, 2 * Q, 65), Note(2 * Q, Q, 69), Note(3 * Q, 3 * Q, 72)],
                 chords=[Chord(0, 3 * Q, ChordSymbol("F")), Chord(3 * Q, 3 * Q, ChordSymbol("C", "7", "E"))])
    records = [SongRecord("pop909", "001", "train", twinkle(), np.zeros((12, 7), np.int16), [(0, 12)]),
               SongRecord("openewld", "waltz", "test", waltz, np.zeros((3, 7), np.int16), [(0, 3)])]
    path = tmp_path / "h.npz"
    save(path, records, BuildLog())
    data = HarmonySet(path)
    assert data.indices("test") == [1] and data.indices("train", ("pop909",)) == [0] and data.source(1) == "openewld"
    back = data.song(1)
    assert [(n.onset, n.duration, n.pitch) for n in back.notes] == [(n.onset, n.duration, n.pitch) for n in waltz.notes]
    assert back.time_signatures == waltz.time_signatures and back.keys == waltz.keys
    assert [str(c.symbol) for c in back.chords] == ["F", "C7"]  # the vocabulary drops the bass
    for i, song in enumerate((twinkle(), waltz)):
        for rule in RULES:
            segs = segments(song, rule)
            stored = data.targets(i, rule)
            assert stored[:, 0].tolist() == [s.start for s in segs]
            assert stored[:, 2].tolist() == segment_classes(song.chords, segs).tolist()
    assert data.tokens(1).shape == (3, 7)
    with pytest.raises(MelodyStudioError, match="does not exist"):
        HarmonySet(tmp_path / "none.npz")


def test_a_lead_sheet_with_a_broken_container_is_read_from_its_score(tmp_path: Path) -> None:
    plain = tmp_path / "t.musicxml"
    save_song(twinkle(), plain)
    archive = tmp_path / "Someone__It_s_Broken.mxl"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("META-INF/container.xml", "<?xml version='1.0'?><container><rootfiles>"
                   "<rootfile full-path='It's Broken.xml'/></rootfiles></container>")
        z.writestr("It's Broken.xml", plain.read_bytes())
    song = load_song(archive)[0]  # io's container fallback (tests/io/test_mxl_container.py)
    assert [n.pitch for n in song.notes] == [n.pitch for n in twinkle().notes]
    assert [str(c.symbol) for c in song.chords] == [str(c.symbol) for c in twinkle().chords]
