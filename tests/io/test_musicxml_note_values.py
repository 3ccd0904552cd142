"""MusicXML writing of notes no single written value can spell: they go out as tied notes of plain,
dotted and triplet values, and come back whole."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from melodystudio.core import PPQ, Lyric, Note, Song, Syllabic, TimeSignature
from melodystudio.io import load_song, save_song
from melodystudio.io.musicxml import read_musicxml, write_musicxml
from melodystudio.io.notation_grid import off_grid_notes, snapped_for_notation
from melodystudio.io.note_values import is_written_value
from tests.io.openewld_survey import OPENEWLD, differing_parts, round_trip_outcome

Q = PPQ


def odd_meters_song() -> Song:
    """4/4, 4/4, 5/8, 7/8, 3/4: notes over bar lines and meter changes, 2.5-quarter notes, a full 5/8
    bar, triplets off the beat, a 100-tick note and a syllable written with its hyphen."""
    signatures = [TimeSignature(0, 4, 4), TimeSignature(2, 5, 8), TimeSignature(3, 7, 8), TimeSignature(4, 3, 4)]
    notes = [
        Note(0, 5 * Q // 2, 60, 90, Lyric("Quar", Syllabic.BEGIN, phrase_start=True)),  # half + eighth
        Note(5 * Q // 2, 5 * Q // 2, 62, 90, Lyric("ter", Syllabic.END)),  # over the bar line into bar 2
        Note(5 * Q, 11 * Q // 2, 64),  # the rest of bar 2 and the whole 5/8 bar
        Note(11 * Q, Q + 2 * Q // 3, 65),  # after an eighth rest in 7/8: quarter + quarter triplet
        Note(12 * Q + 2 * Q // 3, 100, 67),  # 100 ticks
        Note(12 * Q + 2 * Q // 3 + 100, 540, 69),  # to the 3/4 bar line: 16th + double-dotted eighth
        Note(14 * Q, 2 * Q // 3, 71, 90, Lyric("pop", Syllabic.BEGIN)),  # quarter triplets in 3/4
        Note(14 * Q + 2 * Q // 3, 2 * Q // 3, 72, 90, Lyric("-er", Syllabic.END)),
        Note(14 * Q + 4 * Q // 3, 5 * Q // 3, 74, 64),  # quarter triplet + quarter to the end of the bar
    ]
    return Song("odd meters", time_signatures=signatures, notes=notes)


def time_modifications(xml: str) -> set[tuple[str, str]]:
    return set(re.findall(r"<actual-notes>(\d+)</actual-notes>\s*<normal-notes>(\d+)</normal-notes>", xml))


def written_note_count(xml: str) -> int:
    return len(re.findall(r"<note[^>]*>\s*<pitch>", xml))


def test_notes_no_single_value_can_spell_are_written_tied_and_read_back_whole(tmp_path: Path) -> None:
    song = odd_meters_song()
    path = tmp_path / "odd.musicxml"
    write_musicxml(song, path)
    xml = path.read_text("utf-8")
    # 9 notes in 17 written pieces: 2 + (1 + 1) + (1 + 2) + 2 + 2 + 2 + 1 + 1 + 2
    assert written_note_count(xml) == 17 and xml.count('<tie type="start"') == 8
    assert time_modifications(xml) == {("3", "2")}  # only triplets, no 11-in-the-time-of-12
    assert "<text>-er</text>" in xml
    back, _ = read_musicxml(path)
    assert differing_parts(song, back) == []


def test_every_grid_length_from_a_64th_triplet_to_a_whole_note_round_trips(tmp_path: Path) -> None:
    """96 note lengths, each followed by a rest of another length, in 7/8: every position in the bar."""
    notes, tick = [], 0
    for i in range(1, 97):
        notes.append(Note(tick, 20 * i, 55 + i % 24))
        tick += 20 * i + 20 * (i * 7 % 13)
    song = Song("lengths", time_signatures=[TimeSignature(0, 7, 8)], notes=notes)
    path = tmp_path / "lengths.musicxml"
    write_musicxml(song, path)
    assert time_modifications(path.read_text("utf-8")) == {("3", "2")}
    assert differing_parts(song, read_musicxml(path)[0]) == []


def test_off_grid_notes_are_snapped_then_spelled(tmp_path: Path) -> None:
    song = Song("recorded", time_signatures=[TimeSignature(0, 5, 8)],
                notes=[Note(3, 1197, 60), Note(1207, 233, 62), Note(1450, 950, 64)])
    assert off_grid_notes(song) == 3
    save_song(song, tmp_path / "r.mxl")
    back, _ = load_song(tmp_path / "r.mxl")
    assert [(n.onset, n.duration) for n in back.notes] == [(0, 1200), (1200, 240), (1440, 960)]
    assert differing_parts(snapped_for_notation(song), back) == []


# -- real lead sheets ------------------------------------------------------------------------------
def openewld_file(name: str) -> Path:
    path = OPENEWLD / name
    if not path.exists():
        pytest.skip("the OpenEWLD data set (../shared/data/openewld) is not on this machine")
    return path


def test_lead_sheet_with_two_and_a_half_quarter_notes_round_trips_exactly(tmp_path: Path) -> None:
    path = openewld_file("Al_Dubin-Harry_Warren__About_a_Quarter_to_Nine.mxl")
    song, _ = load_song(path)
    bars = song.timeline
    unwritable = [n for n in song.notes if bars.bar_at(n.onset) == bars.bar_at(n.end - 1)
                  and not is_written_value(n.duration)]
    # music21 refused bar 16: "... be-gins", 2.5 quarters from the downbeat
    assert [(bars.bar_at(n.onset) + 1, n.duration, n.lyric) for n in unwritable] == [
        (16, 5 * Q // 2, Lyric("gins", Syllabic.END))]
    outcome = round_trip_outcome(path, tmp_path)
    assert (outcome.result, outcome.detail, outcome.moved_notes) == ("exact", "", 0)


def test_lead_sheet_with_a_hyphen_written_in_a_syllable_round_trips_exactly(tmp_path: Path) -> None:
    path = openewld_file("Al_Lewis-Larry_Stock-Vincent_Rose__Blueberry_Hill.mxl")
    song, _ = load_song(path)
    assert song.notes[57].lyric == Lyric("-er", Syllabic.END)  # "nev-er", the hyphen written twice
    assert round_trip_outcome(path, tmp_path).result == "exact"
