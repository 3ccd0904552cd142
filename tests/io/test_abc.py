"""ABC: real Essen tunes checked note by note (hand-verified, and against abc2midi where installed),
ABC's accidental rule, phrases from line breaks, ties, pickups, and the bad files we refuse.

Essen tunes are taken one at a time from music21's corpus folder; never a whole collection.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import mido
import music21
import pytest

from melodystudio.core import PPQ, Chord, ChordSymbol, KeySignature, Note, TempoChange, TimeSignature
from melodystudio.core.errors import FileFormatError
from melodystudio.io import load_song
from melodystudio.io.abc import AbcTune, decode_abc, parse_abc_tune, read_abc, split_tunes

Q = PPQ
ESSEN = Path(music21.common.getCorpusFilePath()) / "essenFolksong"


def essen_text(file: str, number: int) -> str:
    tunes = dict(split_tunes(decode_abc((ESSEN / file).read_bytes())[0]))
    return tunes[number]


def essen(file: str, number: int) -> AbcTune:
    return parse_abc_tune(essen_text(file, number), source=file)


def notes_at(tune: AbcTune, *onsets: int) -> list[tuple[int, int, int]]:
    by_onset = {n.onset: n for n in tune.song.notes}
    return [(by_onset[t].onset, by_onset[t].duration, by_onset[t].pitch) for t in onsets]


# -- Das Hildebrandslied (altdeu10.abc X:1): K:G, M:4/2, L:1/4 -----------------------------------
HILDEBRAND_PITCHES = [
    67, 70, 70, 72, 72, 74, 74,  # G2 | _B2B2c2c2 | d4d4      (_B carries to the next B)
    74, 74, 74, 76, 77, 74, 74,  # z2d4d2 | d2e2=f2d2 | d4z2  (=f: F natural in G major)
    74, 74, 76, 77, 74, 75, 74,  # d2 | d2e2=f2d2 | _e4d4
    74, 72, 70, 74, 70, 70,  # z2d2c2_B2 | d2_B2B4
    70, 70, 70, 72, 72, 74, 74,  # z2B2B2B2 | ...  (no bar line ends the line above: still that bar, so Bb)
    74, 72, 70, 70, 70, 69, 67,  # d2 | c2_B2B2B2 | A4G4
    74, 74, 72, 70,  # z2d2d3c | _B4z2
    74, 75, 74, 74, 70, 72, 74,  # d2 | _e2d2d2_B2 | c4d4
    72, 70, 70, 67, 67, 64, 66, 67,  # z2c2_BBG2 | G2E2F4 | G6  (F: F# from the key)
]


def test_hildebrandslied_pitches_pickup_and_report() -> None:
    song, report = read_abc(ESSEN / "altdeu10.abc", tune=1)
    assert song.title == "Das Hildebrandslied"
    assert song.time_signatures == (TimeSignature(0, 4, 2),)
    assert song.keys == (KeySignature(0, "G", "major"),) and song.tempos == (TempoChange(0, 500_000),)
    assert [n.pitch for n in song.notes] == HILDEBRAND_PITCHES
    # The pickup (G2, a half note) is padded with a 6-quarter rest: Bb falls on bar 2's first beat.
    assert [(n.onset, n.duration) for n in song.notes[:3]] == [(6 * Q, 2 * Q), (8 * Q, 2 * Q), (10 * Q, 2 * Q)]
    assert song.timeline.bar_start(1) == 8 * Q
    assert "the pickup bar was padded with a 6-quarter rest so that bars stay regular" in report.warnings
    assert "the file holds 313 tunes; tune X:1 was imported" in report.warnings


def test_hildebrandslied_phrases_come_from_the_line_breaks() -> None:
    tune = essen("altdeu10.abc", 1)
    assert len(tune.phrase_starts) == len(tune.song.notes) == 60
    assert [i for i, start in enumerate(tune.phrase_starts) if start] == [0, 7, 14, 21, 27, 34, 41, 45, 52]
    assert not any("phrases" in w for w in tune.report.warnings)


def test_accidentals_carry_through_the_bar_and_over_tied_bar_lines() -> None:
    """Die Sonne ist verblichen (altdeu10.abc X:101): K:G, M:4/4, L:1/8, a pickup of one quarter."""
    tune = essen("altdeu10.abc", 101)
    pad = 3 * Q
    assert tune.song.notes[0].onset == pad
    # "| A4G4- | G4A2_B2- | B2G2=F2G2 |": ties over bar lines merge; the Bb keeps its flat.
    assert notes_at(tune, 27840, 29760, 30240, 31200, 31680) == [
        (27840, 4 * Q, 67), (29760, Q, 69), (30240, 2 * Q, 70), (31200, Q, 67), (31680, Q, 65)]
    # "| =F4F2G2- |": the second F is still natural (music21 alone reads F#).
    assert notes_at(tune, 34560, 35520) == [(34560, 2 * Q, 65), (35520, Q, 65)]
    # "| _B3BB2c2 |": the flat carries to both later Bs; "| F4" in the next bar is F# again.
    assert notes_at(tune, 48000, 48720, 48960, 46080) == [
        (48000, 3 * Q // 2, 70), (48720, Q // 2, 70), (48960, Q, 70), (46080, 2 * Q, 66)]


def test_was_mein_gott_will_naturals_flats_and_a_tied_flat() -> None:
    """altdeu20.abc X:289: K:D, M:4/2, L:1/4."""
    tune = essen("altdeu20.abc", 289)
    assert [n.pitch for n in tune.song.notes[:8]] == [62, 65, 67, 65, 70, 70, 69, 70]  # D4 | =F4G4 | =F2_B2B2A2 | _B2
    assert notes_at(tune, 68160) == [(68160, 4 * Q, 70)]  # "_B2- | B2": one Bb, four quarters
    assert notes_at(tune, 64320, 65280) == [(64320, 2 * Q, 65), (65280, 3 * Q, 65)]  # "=F4z2 / F2 | =F3": F natural


def test_notes_music21_splits_when_re_barring_stay_one_note_and_phrases_hold() -> None:
    """han2.abc X:330: 'e2f2e6a2' overfills a 2/4 bar; music21 cuts e6 in two tied notes."""
    tune = essen("han2.abc", 330)
    assert len(tune.song.notes) == 27
    assert Note(3 * Q, 3 * Q // 2, 76) in tune.song.notes  # e6 (L:1/16) after e2f2 in bar 2, over the bar line
    assert [i for i, start in enumerate(tune.phrase_starts) if start] == [0, 14]
    assert tune.report.warnings == []


@pytest.mark.skipif(shutil.which("abc2midi") is None, reason="abc2midi is not installed")
@pytest.mark.parametrize(("file", "number"), [("altdeu10.abc", 1), ("altdeu10.abc", 101),
                                              ("altdeu20.abc", 289), ("han2.abc", 330)])
def test_pitches_and_onsets_agree_with_abc2midi(tmp_path: Path, file: str, number: int) -> None:
    text = essen_text(file, number)
    (tmp_path / "t.abc").write_text(text, "utf-8")
    subprocess.run(["abc2midi", str(tmp_path / "t.abc"), "-o", str(tmp_path / "t.mid")],
                   check=True, capture_output=True)
    midi = mido.MidiFile(tmp_path / "t.mid")
    assert midi.ticks_per_beat == PPQ
    theirs, tick = [], 0
    for message in midi.tracks[0]:
        tick += message.time
        if message.type == "note_on" and message.velocity > 0:
            theirs.append((tick, message.note))
    ours = parse_abc_tune(text).song.notes
    assert [p for _, p in theirs] == [n.pitch for n in ours]
    assert [t - theirs[0][0] for t, _ in theirs] == [n.onset - ours[0].onset for n in ours]


# -- small tunes written here ------------------------------------------------------------------
SMALL = """%abc-2.1
L:1/8

X:7
T:Small
M:3/4
Q:1/4=90
K:F
"F"A2 ^F2 f2 | f2 [CEG]2 {AB}c2 | "C7/G"B2- B2 "N.C."z2 |
"Dm"d6 |]
w: one two three

X:8
T:Second
K:C
C2 D2 | E4 |]
"""


def test_accidentals_hold_in_every_octave_chords_graces_and_chord_symbols(tmp_path: Path) -> None:
    path = tmp_path / "small.abc"
    path.write_text(SMALL, "utf-8")
    song, report = read_abc(path)
    assert song.title == "Small" and song.tempos == (TempoChange.from_bpm(0, 90),)
    # ^F carries to f (ABC 2.1: every octave) until the bar line; [CEG] keeps its top note G;
    # the grace notes {AB} are dropped; B is Bb from the key and its tie is merged.
    assert [(n.onset, n.duration, n.pitch) for n in song.notes] == [
        (0, Q, 69), (Q, Q, 66), (2 * Q, Q, 78), (3 * Q, Q, 77), (4 * Q, Q, 67), (5 * Q, Q, 72),
        (6 * Q, 2 * Q, 70), (9 * Q, 3 * Q, 74)]
    assert song.chords == (Chord(0, 6 * Q, ChordSymbol("F")), Chord(6 * Q, 2 * Q, ChordSymbol("C", "7", "G")),
                           Chord(9 * Q, 3 * Q, ChordSymbol("D", "min")))
    assert report.dropped_notes == 2
    assert "2 grace notes left out" in report.warnings
    assert "ABC lyrics (w: lines) are not imported" in report.warnings
    assert "the file holds 2 tunes; tune X:7 was imported" in report.warnings


def test_tune_chosen_by_x_number_and_file_header_applies_to_it(tmp_path: Path) -> None:
    path = tmp_path / "small.abc"
    path.write_text(SMALL, "utf-8")
    song, _ = load_song(path, tune=8)
    assert song.title == "Second"
    assert [(n.onset, n.duration, n.pitch) for n in song.notes] == [(0, Q, 60), (Q, Q, 62), (2 * Q, 2 * Q, 64)]
    with pytest.raises(FileFormatError, match=r"small.abc: there is no tune X:9 \(2 tunes, X:7..X:8\)"):
        read_abc(path, tune=9)


def test_without_unit_length_or_meter_the_abc_defaults_hold() -> None:
    tune = parse_abc_tune("X:1\nK:C\nCDE F2|]\n", source="bare.abc")
    assert [n.duration for n in tune.song.notes] == [Q // 2, Q // 2, Q // 2, Q]  # L:1/8
    assert "no time signature: bars are 4/4" in tune.report.warnings
    tune = parse_abc_tune("X:1\nM:2/4\nK:C\nCD E2|]\n", source="short.abc")
    assert [n.duration for n in tune.song.notes] == [Q // 4, Q // 4, Q // 2]  # L:1/16 under 3/4


def test_latin1_text_is_read_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "latin.abc"
    path.write_bytes("X:1\nT:Schöne Grüße\nM:2/4\nL:1/4\nK:G\nGA|B2|]\n".encode("latin-1"))
    song, report = read_abc(path)
    assert song.title == "Schöne Grüße"
    assert "the file is not UTF-8; it was read as Latin-1" in report.warnings


# -- bad files ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "message"), [
    ("just some words\nabout nothing\n", r"bad.abc: no ABC tune found \(a tune starts with an X: or K: field\)"),
    ("", r"bad.abc: no ABC tune found"),
    ("X:1\nT:Silence\nM:4/4\nL:1/4\nK:C\nz4|z4|]\n", r"bad.abc: the tune has no notes"),
    ("X:1\nT:Header only\nK:C\n", r"bad.abc: the tune has no notes"),
    ("X:1\nM:0/0\nK:C\nabc|\n", r"bad.abc: cannot read the ABC tune \(float division by zero\)"),
])
def test_bad_files_give_one_line_errors_naming_the_file(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.abc"
    path.write_text(text, "utf-8")
    with pytest.raises(FileFormatError, match=message) as info:
        read_abc(path)
    assert "\n" not in str(info.value)
