"""MusicXML: exact round trips, what real files look like, and every bad file we refuse."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from melodystudio.core import (
    PPQ,
    QUALITIES,
    Chord,
    ChordSymbol,
    KeySignature,
    Lyric,
    Note,
    Song,
    Syllabic,
    TempoChange,
    TimeSignature,
)
from melodystudio.core.errors import FileFormatError
from melodystudio.core.song import GM_PROGRAM_DEFAULT
from melodystudio.io import load_song, save_song
from melodystudio.io.musicxml import read_musicxml, write_musicxml
from tests.conftest import twinkle
from tests.io.openewld_survey import OPENEWLD

Q = PPQ


def round_trip(song: Song, path: Path) -> Song:
    write_musicxml(song, path)
    back, _ = read_musicxml(path)
    return back


def same_except_program(a: Song, b: Song) -> None:
    """MusicXML does not store the GM program: everything else must come back exactly."""
    assert b.program == GM_PROGRAM_DEFAULT
    ca, cb = a.content(), b.content()
    assert (ca[0], *ca[2:]) == (cb[0], *cb[2:])


# -- round trips -------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["twinkle.musicxml", "twinkle.xml", "twinkle.mxl"])
def test_twinkle_round_trips_exactly(tmp_path: Path, name: str) -> None:
    """Tempo and meter changes, a key, velocities, multi-syllable words, a melisma, two phrases,
    and chords with an inversion (F/A)."""
    song = twinkle()
    same_except_program(song, round_trip(song, tmp_path / name))


def test_plain_and_compressed_files(tmp_path: Path) -> None:
    write_musicxml(twinkle(), tmp_path / "a.musicxml")
    write_musicxml(twinkle(), tmp_path / "a.mxl")
    assert (tmp_path / "a.musicxml").read_bytes().startswith(b"<?xml")
    with zipfile.ZipFile(tmp_path / "a.mxl") as z:
        assert z.namelist()[0] == "mimetype"
        assert z.read("mimetype") == b"application/vnd.recordare.musicxml"
        assert b"<score-partwise" in z.read("score.musicxml")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.musicxml", "a.mxl"]  # no temporary files left


def test_sixteenths_dotted_notes_and_a_triplet_bar(tmp_path: Path) -> None:
    triplets = [(0, 160), (160, 160), (320, 160), (480, 320), (800, 160), (960, 320), (1280, 160),
                (1440, 160), (1600, 320)]  # bar 1: eighth triplets and quarter+eighth triplet pairs
    others = [(1920, Q // 4), (2040, Q // 4), (2160, Q // 2), (2400, 3 * Q // 2), (3120, 3 * Q // 4),
              (3480, Q // 4), (3840, 3 * Q)]  # bar 2: sixteenths, a dotted quarter, a dotted eighth
    notes = [Note(on, d, 60 + i) for i, (on, d) in enumerate(triplets + others)]
    song = Song("rhythm", notes=notes)
    same_except_program(song, round_trip(song, tmp_path / "r.musicxml"))


def test_the_whole_midi_range_round_trips(tmp_path: Path) -> None:
    """MIDI 0-11 is octave -1, which music21 mistakes for pitch classes unless given as MIDI numbers."""
    song = Song("range", notes=[Note(i * Q // 2, Q // 2, pitch) for i, pitch in enumerate(range(128))])
    same_except_program(song, round_trip(song, tmp_path / "range.musicxml"))


def test_notes_across_bar_lines_are_written_tied_and_read_back_whole(tmp_path: Path) -> None:
    song = Song("ties", notes=[Note(3 * Q, 6 * Q, 67), Note(9 * Q, 7 * Q, 69)])  # G over 3 bars, A into bar 4
    path = tmp_path / "ties.musicxml"
    write_musicxml(song, path)
    xml = path.read_text("utf-8")
    assert xml.count('<tie type="start"') == 3 and xml.count('<tie type="stop"') == 3
    same_except_program(song, round_trip(song, path))


def test_every_chord_quality_and_inversions_round_trip(tmp_path: Path) -> None:
    chords = [Chord(i * 2 * Q, 2 * Q, ChordSymbol("Bb", q.name, "D" if i % 4 == 1 else None))
              for i, q in enumerate(QUALITIES)]
    chords.append(Chord(len(QUALITIES) * 2 * Q, 2 * Q, ChordSymbol("F#", "min7", "E")))
    song = Song("chords", notes=[Note(0, Q, 70)], chords=chords)
    same_except_program(song, round_trip(song, tmp_path / "c.mxl"))


def test_chord_gaps_key_changes_and_odd_tempos_round_trip(tmp_path: Path) -> None:
    song = Song(
        "maps", tempos=[TempoChange(0, 512_345), TempoChange(5 * Q, TempoChange.from_bpm(0, 72.5).us_per_quarter)],
        time_signatures=[TimeSignature(0, 6, 8), TimeSignature(2, 5, 4), TimeSignature(3, 2, 2)],
        keys=[KeySignature(0, "Eb", "minor"), KeySignature(2 * Q + 40, "F#", "major")],  # mid-note key change
        notes=[Note(0, 3 * Q, 63, 40), Note(3 * Q, 4 * Q, 66, 127), Note(8 * Q, Q, 61, 1)],
        chords=[Chord(0, Q, ChordSymbol("Eb", "min")), Chord(2 * Q, Q, ChordSymbol("B", "maj7")),
                Chord(3 * Q, 5 * Q, ChordSymbol("C#", "7", "G#"))])  # gaps: a no-chord mark ends the chord
    same_except_program(song, round_trip(song, tmp_path / "m.musicxml"))


def test_song_without_notes_or_keys_round_trips(tmp_path: Path) -> None:
    song = Song("", chords=[Chord(0, 4 * Q, ChordSymbol("C"))])
    same_except_program(song, round_trip(song, tmp_path / "empty.musicxml"))


def test_lyric_lines_and_melismas_are_written_as_end_line_and_extend(tmp_path: Path) -> None:
    notes = [Note(0, Q, 60, lyric=Lyric("Glo", Syllabic.BEGIN, phrase_start=True)),
             Note(Q, Q, 62, lyric=Lyric.continuation()),
             Note(2 * Q, Q, 64, lyric=Lyric("ri", Syllabic.MIDDLE)),
             Note(3 * Q, Q, 65, lyric=Lyric("a", Syllabic.END)),
             Note(4 * Q, Q, 64, lyric=Lyric.continuation()),
             Note(5 * Q, Q, 62, lyric=Lyric.continuation()),
             Note(6 * Q, 2 * Q, 60, lyric=Lyric("in", Syllabic.SINGLE, phrase_start=True)),
             Note(8 * Q, Q, 67),
             Note(10 * Q, Q, 67, lyric=Lyric.continuation())]  # a held note after a rest is kept too
    song = Song("gloria", notes=notes)
    path = tmp_path / "g.musicxml"
    write_musicxml(song, path)
    xml = path.read_text("utf-8")
    assert xml.count('<extend type="start"') == 1  # after "a" (a word end); "Glo-" is carried by its hyphen
    assert xml.count('<extend type="continue"') == 1 and xml.count('<extend type="stop"') == 3
    assert xml.count("<end-line") == 1  # the line ends after the melisma on "a"
    assert "melodystudio:" not in xml and 'name="' not in xml
    same_except_program(song, round_trip(song, path))


# -- reading files from elsewhere -----------------------------------------------------------
def note_xml(step: str, octave: int, duration: int, extra: str = "", alter: int = 0, chord: bool = False) -> str:
    alter_xml = f"<alter>{alter}</alter>" if alter else ""
    return (f"<note>{'<chord/>' if chord else ''}<pitch><step>{step}</step>{alter_xml}<octave>{octave}</octave>"
            f"</pitch><duration>{duration}</duration>{extra}</note>")


def rest_xml(duration: int) -> str:
    return f"<note><rest/><duration>{duration}</duration></note>"


def lyric_xml(text: str, syllabic: str = "single", extra: str = "", number: int = 1) -> str:
    return f'<lyric number="{number}"><syllabic>{syllabic}</syllabic><text>{text}</text>{extra}</lyric>'


ATTRIBUTES = "<attributes><divisions>4</divisions><time><beats>3</beats><beat-type>4</beat-type></time></attributes>"


def score_xml(*parts: tuple[str, list[str]]) -> str:
    """A partwise score: (part name, [measure contents]) per part; divisions 4 (a sixteenth = 1)."""
    part_list = "".join(f'<score-part id="P{i}"><part-name>{name}</part-name></score-part>'
                        for i, (name, _) in enumerate(parts))
    body = "".join(f'<part id="P{i}">' + "".join(f'<measure number="{j + 1}">{m}</measure>'
                                                for j, m in enumerate(measures)) + "</part>"
                   for i, (_, measures) in enumerate(parts))
    head = '<?xml version="1.0"?><score-partwise version="3.1">'
    return f"{head}<part-list>{part_list}</part-list>{body}</score-partwise>"


def write(tmp_path: Path, text: str, name: str = "in.musicxml") -> Path:
    path = tmp_path / name
    path.write_text(text, "utf-8")
    return path


def test_melody_part_is_chosen_by_name_then_by_having_notes(tmp_path: Path) -> None:
    piano = ATTRIBUTES + note_xml("C", 3, 12)
    voice = ATTRIBUTES + note_xml("E", 5, 12)
    path = write(tmp_path, score_xml(("Piano", [piano]), ("Lead Vocal", [voice])))
    song, report = read_musicxml(path)
    assert [n.pitch for n in song.notes] == [76]
    assert report.chosen_part == "part 1 'Lead Vocal' (1 notes) (named as a melody part)"
    assert report.other_parts == ["part 0 'Piano' (1 notes)"]
    song, report = read_musicxml(path, part=0)
    assert [n.pitch for n in song.notes] == [48] and "chosen by the caller" in report.chosen_part
    with pytest.raises(FileFormatError, match=r"in.musicxml: there is no part 2 \(the file has parts 0-1\)"):
        read_musicxml(path, part=2)
    path = write(tmp_path, score_xml(("Strings", [ATTRIBUTES + rest_xml(12)]), ("Flute", [voice])))
    assert read_musicxml(path)[1].chosen_part == "part 1 'Flute' (1 notes) (the first part with notes)"


def test_chords_keep_the_top_note_and_grace_notes_are_dropped(tmp_path: Path) -> None:
    grace = '<note><grace/><pitch><step>D</step><octave>5</octave></pitch></note>'
    measure = (ATTRIBUTES + note_xml("C", 4, 4) + note_xml("E", 4, 0, chord=True).replace("<duration>0</duration>",
               "<duration>4</duration>") + note_xml("G", 4, 4, chord=True) + grace + note_xml("C", 5, 8))
    song, report = read_musicxml(write(tmp_path, score_xml(("Melody", [measure]))))
    assert [(n.onset, n.duration, n.pitch) for n in song.notes] == [(0, Q, 67), (Q, 2 * Q, 72)]
    assert report.dropped_notes == 2
    assert "1 grace notes left out" in report.warnings


def test_title_key_mode_and_tempo_defaults(tmp_path: Path) -> None:
    key = "<key><fifths>-1</fifths><mode>dorian</mode></key>"
    xml = score_xml(("Melody", [ATTRIBUTES.replace("<time>", key + "<time>") + note_xml("G", 4, 12)]))
    xml = xml.replace('version="3.1">', 'version="3.1"><movement-title>Air</movement-title>')
    song, _ = read_musicxml(write(tmp_path, xml))
    assert song.title == "Air"
    assert song.keys == (KeySignature(0, "F", "major"),)  # a mode other than major/minor reads as major
    assert song.tempos == (TempoChange(0, 500_000),)  # no metronome mark: 120 bpm


def test_velocity_comes_from_the_note_then_the_last_dynamic_mark_else_90(tmp_path: Path) -> None:
    def dynamic(mark: str) -> str:
        return f"<direction><direction-type><dynamics><{mark}/></dynamics></direction-type></direction>"

    loud = note_xml("E", 4, 4).replace("<note>", '<note dynamics="50">')  # 50% of forte (90)
    measure = ATTRIBUTES + note_xml("C", 4, 4) + dynamic("p") + note_xml("D", 4, 4) + loud
    song, _ = read_musicxml(write(tmp_path, score_xml(("Melody", [measure, dynamic("ff") + note_xml("F", 4, 12)]))))
    assert [n.velocity for n in song.notes] == [90, 44, 45, 108]


def test_pickup_measure_is_padded_to_a_full_bar(tmp_path: Path) -> None:
    pickup = ATTRIBUTES + note_xml("G", 4, 4, lyric_xml("Oh"))
    bar = note_xml("C", 5, 12, lyric_xml("say"))
    xml = score_xml(("Voice", [pickup, bar])).replace('<measure number="1">', '<measure number="0" implicit="yes">')
    song, report = read_musicxml(write(tmp_path, xml))
    assert [(n.onset, n.duration, n.pitch) for n in song.notes] == [(2 * Q, Q, 67), (3 * Q, 3 * Q, 72)]
    assert song.timeline.is_bar_line(3 * Q)
    assert "the pickup bar was padded with a 2-quarter rest so that bars stay regular" in report.warnings


def test_extend_lines_hyphens_verses_and_line_ends_from_other_programs(tmp_path: Path) -> None:
    m1 = (ATTRIBUTES + note_xml("C", 4, 4, lyric_xml("Love", "single", "<extend/>") + lyric_xml("Hope", number=2))
          + note_xml("D", 4, 4) + rest_xml(4))
    m2 = note_xml("E", 4, 4) + note_xml("F", 4, 4, lyric_xml("me", "begin", "<end-line/>")) + note_xml("G", 4, 4)
    m3 = note_xml("A", 4, 4, lyric_xml("do", "end")) + note_xml("B", 4, 4, "<lyric><extend type=\"stop\"/></lyric>")
    song, report = read_musicxml(write(tmp_path, score_xml(("Voice", [m1, m2, m3]))))
    assert [n.lyric for n in song.notes] == [
        Lyric("Love", Syllabic.SINGLE, phrase_start=True), Lyric.continuation(),  # under the extend line
        None,  # after the rest: not sung
        Lyric("me", Syllabic.BEGIN), Lyric.continuation(),  # held through the hyphen
        Lyric("do", Syllabic.END, phrase_start=True),  # after <end-line/>
        Lyric.continuation()]  # an extend-only lyric
    assert "only the first of 2 verses of lyrics was imported" in report.warnings


def test_unknown_chord_kinds_become_the_closest_triad(tmp_path: Path) -> None:
    def harmony(step: str, kind: str, degree: str = "") -> str:
        return f"<harmony><root><root-step>{step}</root-step></root><kind>{kind}</kind>{degree}</harmony>"

    b9 = "<degree><degree-value>9</degree-value><degree-alter>-1</degree-alter><degree-type>add</degree-type></degree>"
    measure = (ATTRIBUTES + harmony("C", "dominant-13th") + note_xml("C", 5, 4) + harmony("D", "minor-11th")
               + note_xml("D", 5, 4) + harmony("G", "dominant", b9) + note_xml("B", 4, 4))
    song, report = read_musicxml(write(tmp_path, score_xml(("Melody", [measure]))))
    assert song.chords == (Chord(0, Q, ChordSymbol("C", "maj")), Chord(Q, Q, ChordSymbol("D", "min")),
                           Chord(2 * Q, Q, ChordSymbol("G", "7")))
    assert any("'dominant-13th'" in w and "maj triad" in w for w in report.warnings)
    assert any("alterations" in w for w in report.warnings)


def test_openewld_lead_sheet_with_lyrics_and_chords() -> None:
    path = OPENEWLD / "Traditional__Shenandoah.mxl"
    if not path.exists():
        pytest.skip("the OpenEWLD data set is not on this machine")
    song, report = read_musicxml(path)
    assert song.title == "Shenandoah"
    assert song.keys == (KeySignature(0, "F", "major"),) and song.time_signatures == (TimeSignature(0, 4, 4),)
    assert len(song.notes) == 38
    assert song.notes[0].same(Note(3 * Q, Q, 60, 90, Lyric("Oh,", Syllabic.SINGLE, phrase_start=True)))  # padded pickup
    assert song.notes[1].same(Note(4 * Q, Q, 65, 90, Lyric("Shen", Syllabic.BEGIN)))
    assert song.notes[3].same(Note(6 * Q, 3 * Q, 65, 90, Lyric("doah", Syllabic.END)))  # tied over the bar line
    assert song.notes[10].same(Note(19 * Q, Q, 76, 90, Lyric.continuation()))  # "A-" held before "way"
    assert song.lyric_text().startswith("Oh, Shenandoah I long to hear you Away you rolling river")
    assert song.chords[:3] == (Chord(4 * Q, 8 * Q, ChordSymbol("F")), Chord(12 * Q, 4 * Q, ChordSymbol("Bb")),
                               Chord(16 * Q, 4 * Q, ChordSymbol("F")))
    assert song.chords[4] == Chord(24 * Q, 4 * Q, ChordSymbol("C", "7"))
    assert "only the first of 2 verses of lyrics was imported" in report.warnings
    assert "the pickup bar was padded with a 3-quarter rest so that bars stay regular" in report.warnings


def test_load_and_save_dispatch_to_musicxml(tmp_path: Path) -> None:
    save_song(twinkle(), tmp_path / "t.mxl")
    back, report = load_song(tmp_path / "t.mxl")
    same_except_program(twinkle(), back)
    assert report.chosen_part.startswith("part 0 'Melody'")


# -- bad files ---------------------------------------------------------------------------------
@pytest.mark.filterwarnings("ignore:The following exception took place")
@pytest.mark.parametrize(("name", "data", "message"), [
    ("garbage.musicxml", b"this is not xml <<<", r"garbage.musicxml: not valid MusicXML \("),
    ("html.xml", b"<html><body>hello</body></html>", r"html.xml: not a MusicXML score \(its root element is <html>\)"),
    ("time.xml", b"<score-timewise/>", r"time.xml: timewise MusicXML is not supported"),
    ("plain.mxl", b"<score-partwise/>", r"plain.mxl: not a readable .mxl archive"),
    ("hollow.xml", b"<score-partwise><part-list/></score-partwise>", r"hollow.xml: the score has no parts"),
    ("bad.musicxml", score_xml(("V", [ATTRIBUTES.replace("<divisions>4", "<divisions>x")
                                      + note_xml("C", 4, 4)])).encode(), r"bad.musicxml: cannot read MusicXML \("),
])
def test_bad_files_give_one_line_errors_naming_the_file(tmp_path: Path, name: str, data: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(FileFormatError, match=message) as info:
        read_musicxml(path)
    assert "\n" not in str(info.value)


def test_truncated_and_empty_mxl_archives(tmp_path: Path) -> None:
    write_musicxml(twinkle(), tmp_path / "whole.mxl")
    data = (tmp_path / "whole.mxl").read_bytes()
    (tmp_path / "cut.mxl").write_bytes(data[: len(data) // 2])
    with pytest.raises(FileFormatError, match=r"cut.mxl: not a readable .mxl archive"):
        read_musicxml(tmp_path / "cut.mxl")
    with zipfile.ZipFile(tmp_path / "empty.mxl", "w") as z:
        z.writestr("readme.txt", "no score here")
    with pytest.raises(FileFormatError, match=r"empty.mxl: the archive holds no MusicXML score"):
        read_musicxml(tmp_path / "empty.mxl")


def test_durations_musicxml_cannot_notate_are_snapped_not_refused(tmp_path: Path) -> None:
    write_musicxml(Song("odd", notes=[Note(0, 437, 60)]), tmp_path / "odd.musicxml")
    back, _ = read_musicxml(tmp_path / "odd.musicxml")
    assert [(n.onset, n.duration) for n in back.notes] == [(0, 440)]
