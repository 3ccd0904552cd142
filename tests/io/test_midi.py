"""MIDI import/export: exact round trips of our own files, files from other tools, and every bad input."""

from __future__ import annotations

import shutil
import struct
import subprocess
from pathlib import Path

import mido
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from melodystudio.core import (
    PPQ,
    Chord,
    ChordSymbol,
    KeySignature,
    Lyric,
    MelodyStudioError,
    Note,
    Song,
    Syllabic,
    TempoChange,
    TimeSignature,
)
from melodystudio.core.chords import QUALITIES
from melodystudio.core.errors import FileFormatError
from melodystudio.io import load_song, save_song
from melodystudio.io import midi as midi_module
from melodystudio.io.midi import read_midi, write_midi

Q = PPQ  # a quarter note
B, M, E, S = Syllabic.BEGIN, Syllabic.MIDDLE, Syllabic.END, Syllabic.SINGLE


# -- helpers ------------------------------------------------------------------------------------
def meta(kind: str, **fields: object) -> mido.MetaMessage:
    return mido.MetaMessage(kind, **fields)


def track(*events: tuple[int, mido.Message | mido.MetaMessage]) -> mido.MidiTrack:
    """A track from (absolute tick, message) pairs; equal ticks keep the order given."""
    out = mido.MidiTrack()
    now = 0
    for tick, msg in sorted(events, key=lambda e: e[0]):
        out.append(msg.copy(time=tick - now))
        now = tick
    return out


def notes_of(channel: int, *notes: tuple[int, int, int, int]) -> list[tuple[int, mido.Message]]:
    """(onset, duration, pitch, velocity) -> note_on/note_off pairs."""
    out: list[tuple[int, mido.Message]] = []
    for onset, dur, pitch, vel in notes:
        out.append((onset, mido.Message("note_on", channel=channel, note=pitch, velocity=vel)))
        out.append((onset + dur, mido.Message("note_off", channel=channel, note=pitch)))
    return out


def save(path: Path, *tracks: mido.MidiTrack, tpb: int = 480, type: int = 1, charset: str = "utf-8") -> Path:
    mid = mido.MidiFile(type=type, ticks_per_beat=tpb, charset=charset)
    mid.tracks.extend(tracks)
    mid.save(str(path))
    return path


def simple_file(path: Path, *extra: tuple[int, mido.Message | mido.MetaMessage], tpb: int = 480) -> Path:
    """One track: a C-D-E melody (one quarter each) plus ``extra`` events."""
    melody = notes_of(0, (0, tpb, 60, 90), (tpb, tpb, 62, 90), (2 * tpb, tpb, 64, 90))
    return save(path, track(*melody, *extra), tpb=tpb)


def shape(song: Song) -> list[tuple[int, int, int, int]]:
    return [(n.onset, n.duration, n.pitch, n.velocity) for n in song.notes]


def texts(song: Song) -> list[str | None]:
    return [None if n.lyric is None else "_" if n.lyric.melisma else n.lyric.text for n in song.notes]


def lyric_events(path: Path) -> list[str]:
    return [m.text for tr in mido.MidiFile(str(path), charset="utf-8").tracks for m in tr if m.type == "lyrics"]


# -- our own files: exact round trip ------------------------------------------------------------
def halleluja() -> Song:
    """Two phrases in German (UTF-8), a melisma, a 4/4 -> 3/4 change at bar 3, a key change at bar 4,
    three tempos, and chords with an inversion and sevenths."""
    def lyr(text: str, syl: Syllabic = S, phrase: bool = False) -> Lyric:
        return Lyric(text, syl, phrase_start=phrase)

    notes = [
        Note(0, Q, 67, 100, lyr("Hal", B, True)), Note(Q, Q, 67, 80, lyr("le", M)),
        Note(2 * Q, Q, 69, 85, lyr("lu", M)), Note(3 * Q, Q, 71, 90, lyr("ja", E)),
        Note(4 * Q, 2 * Q, 72, 96, lyr("Grü", B)), Note(6 * Q, Q // 2, 71, 70, lyr("ße", E)),
        Note(6 * Q + Q // 2, Q // 2, 69, 70, Lyric.continuation()),  # rest from beat 4 of bar 2
        Note(8 * Q, Q, 67, 88, lyr("Wie", S, True)), Note(9 * Q, Q, 66, 80, lyr("schön")),
        Note(10 * Q, Q, 67, 84, lyr("Mor", B)), Note(11 * Q, 3 * Q, 62, 92, lyr("gen", E)),
        Note(14 * Q, Q, 62, 64),  # no lyric
    ]
    chords = [
        Chord(0, 2 * Q, ChordSymbol("G")), Chord(2 * Q, 2 * Q, ChordSymbol("C", "maj", "E")),
        Chord(4 * Q, 4 * Q, ChordSymbol("G", "7")),  # bars 3 beat 1: no chord
        Chord(9 * Q, 2 * Q, ChordSymbol("A", "min7")), Chord(11 * Q, 3 * Q, ChordSymbol("D", "min")),
    ]
    return Song("Grüße – Übung", program=73,
                tempos=[TempoChange.from_bpm(0, 96), TempoChange.from_bpm(8 * Q, 72),
                        TempoChange.from_bpm(11 * Q, 100.5)],
                time_signatures=[TimeSignature(0, 4, 4), TimeSignature(2, 3, 4)],
                keys=[KeySignature(0, "G"), KeySignature(11 * Q, "D", "minor")],
                notes=notes, chords=chords)


def test_round_trip_is_exact(tmp_path: Path) -> None:
    song = halleluja()
    path = tmp_path / "halleluja.mid"
    write_midi(song, path)
    back, report = read_midi(path)
    assert back.content() == song.content()
    assert back.lyric_text() == "Halleluja Grüße\nWie schön Morgen"
    assert report.lines() == ["melody: part 0 (track 2 'Melody', channel 1, 12 notes): the only part with notes"]


def test_fixture_song_round_trips(tmp_path: Path, song: Song) -> None:
    write_midi(song, tmp_path / "twinkle.mid")
    assert read_midi(tmp_path / "twinkle.mid")[0].content() == song.content()


def test_written_file_layout(tmp_path: Path) -> None:
    path = tmp_path / "halleluja.mid"
    write_midi(halleluja(), path)
    mid = mido.MidiFile(str(path), charset="utf-8")
    assert (mid.type, mid.ticks_per_beat, len(mid.tracks)) == (1, 480, 3)
    conductor, melody, chords = mid.tracks
    assert conductor[0] == meta("track_name", name="Grüße – Übung")
    assert [(m.type, m.numerator) for m in conductor if m.type == "time_signature"] == [
        ("time_signature", 4), ("time_signature", 3)]
    assert [m.key for m in conductor if m.type == "key_signature"] == ["G", "Dm"]
    assert [m.tempo for m in conductor if m.type == "set_tempo"] == [625_000, 833_333, 597_015]
    assert melody.name == "Melody"
    assert [m.program for m in melody if m.type == "program_change"] == [73]
    assert {m.channel for m in melody if m.type == "note_on"} == {0}
    assert lyric_events(path) == ["/Hal-", "le-", "lu-", "ja", "Grü-", "ße", "_", "/Wie", "schön", "Mor-", "gen"]
    assert chords.name == "Chords"
    assert [m.text for m in chords if m.type == "marker"] == ["G", "C/E", "G7", "Am7", "Dm"]
    on = [(m.channel, m.note, m.velocity) for m in chords if m.type == "note_on"]
    assert on[:7] == [(1, 55, 60), (1, 59, 60), (1, 62, 60), (1, 40, 60), (1, 48, 60), (1, 52, 60), (1, 55, 60)]
    assert "Grü-".encode() in path.read_bytes()  # UTF-8 on disk


def test_repeated_pitch_ends_before_it_sounds_again(tmp_path: Path) -> None:
    # G (55) ends exactly where C/E's G starts: the note-off must come first or the chord loses a note.
    path = tmp_path / "halleluja.mid"
    write_midi(halleluja(), path)
    chords = mido.MidiFile(str(path)).tracks[2]
    tick, order = 0, []
    for m in chords:
        tick += m.time
        if tick == 2 * Q and m.type.startswith("note") and m.note == 55:
            order.append(m.type)
    assert order == ["note_off", "note_on"]


def test_song_without_chords_has_two_tracks(tmp_path: Path) -> None:
    song = Song("Solo", notes=[Note(0, Q, 60), Note(Q, Q, 62)])
    write_midi(song, tmp_path / "solo.mid")
    assert len(mido.MidiFile(str(tmp_path / "solo.mid")).tracks) == 2
    assert read_midi(tmp_path / "solo.mid")[0].content() == song.content()


def test_every_chord_quality_round_trips(tmp_path: Path) -> None:
    chords = [Chord(i * Q, Q, ChordSymbol(root, q.name)) for i, (root, q) in
              enumerate(zip(["C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"] * 2, QUALITIES))]
    chords.append(Chord(len(chords) * Q, 2 * Q, ChordSymbol("Bb", "maj7", "D")))
    song = Song("Qualities", notes=[Note(0, Q, 72)], chords=chords)
    write_midi(song, tmp_path / "q.mid")
    assert read_midi(tmp_path / "q.mid")[0].chords == song.chords


def test_formats_dispatch_mid_and_kar(tmp_path: Path) -> None:
    song = halleluja()
    for name in ("via.mid", "via.midi", "via.kar"):
        save_song(song, tmp_path / name)
        back, _ = load_song(tmp_path / name)
        assert back.content() == song.content()


def test_program_outside_general_midi_is_refused_by_the_model() -> None:
    with pytest.raises(MelodyStudioError, match=r"GM program 200 is outside 0-127"):
        Song("Odd", program=200, notes=[Note(0, Q, 60)])


_SYLLABLES = ("la", "Grü", "ße", "déjà", "vu", "Lie", "be", "夜", "O", "sing")
_CHORDS = ("C", "Am7", "F/A", "G7", "Bbmaj7", "F#m7b5", "Ebdim7", "Dsus4", "E7sus4", "C/E", "Cm(maj7)")


@st.composite
def songs(draw: st.DrawFn) -> Song:
    notes, tick, in_word = [], 0, False
    for _ in range(draw(st.integers(1, 16))):
        tick += draw(st.sampled_from([0, 0, 40, Q]))
        dur = draw(st.sampled_from([40, 60, Q // 2, Q, 3 * Q, 8 * Q]))
        kind = draw(st.sampled_from(["none", "melisma", "syllable", "syllable"]))
        lyric = None
        if kind == "melisma":
            lyric = Lyric.continuation()
        elif kind == "syllable":
            goes_on = draw(st.booleans())
            syllabic = (M if goes_on else E) if in_word else (B if goes_on else S)
            phrase = not in_word and draw(st.booleans())
            lyric, in_word = Lyric(draw(st.sampled_from(_SYLLABLES)), syllabic, phrase), goes_on
        notes.append(Note(tick, dur, draw(st.integers(0, 127)), draw(st.integers(1, 127)), lyric))
        tick += dur
    chords, at = [], 0
    for text in draw(st.lists(st.sampled_from(_CHORDS), max_size=5)):
        at += draw(st.sampled_from([0, Q]))
        symbol = ChordSymbol.parse(text)
        assert symbol is not None
        chords.append(Chord(at, 2 * Q, symbol))
        at += 2 * Q
    bpm = draw(st.sampled_from([10, 63.5, 120, 999]))
    meter = draw(st.sampled_from([(4, 4), (6, 8), (5, 4), (2, 2), (7, 16)]))
    key = draw(st.sampled_from(["C", "Cb", "F#m", "Ebm", "A#m", "Gb"]))
    return Song(draw(st.text(max_size=12)), program=draw(st.integers(0, 127)),
                tempos=[TempoChange.from_bpm(0, bpm), TempoChange.from_bpm(7 * Q, 88)],
                time_signatures=[TimeSignature(0, *meter), TimeSignature(3, 3, 8)],
                keys=[KeySignature.parse(key), KeySignature.parse("D", tick=5 * Q)], notes=notes, chords=chords)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(song=songs())
def test_any_song_round_trips(tmp_path: Path, song: Song) -> None:
    path = tmp_path / "any.mid"
    write_midi(song, path)
    assert read_midi(path)[0].content() == song.content()


# -- files from other tools ---------------------------------------------------------------------
TWINKLE_LYRICS = ["Twin-", "kle", "twin-", "kle", "lit-", "tle", "star"]


def band_file(path: Path) -> Path:
    """Type 0, 96 ticks per beat: a polyphonic piano on channel 1, a sung melody on channel 2, drums."""
    piano = notes_of(0, (0, 384, 60, 50), (0, 192, 48, 50), (0, 192, 52, 50), (0, 192, 55, 50),
                     (192, 192, 48, 50), (192, 192, 52, 50), (192, 192, 55, 50),
                     *[(t, 192, p, 50) for t in (384, 576) for p in (43, 47, 50, 53)])
    tune = notes_of(1, *[(i * 96, 192 if i == 6 else 96, p, 100 - i)
                         for i, p in enumerate([72, 72, 79, 79, 81, 81, 79])])
    lyrics = [(i * 96, meta("lyrics", text=t)) for i, t in enumerate(TWINKLE_LYRICS)]
    drums = notes_of(9, *[(i * 96, 48, 36, 110) for i in range(8)])
    head = [(0, meta("track_name", name="Demo Song")), (0, meta("set_tempo", tempo=600_000)),
            (0, meta("time_signature", numerator=4, denominator=4)), (0, meta("key_signature", key="C")),
            (0, mido.Message("program_change", channel=0, program=0)),
            (0, mido.Message("program_change", channel=1, program=73))]
    return save(path, track(*head, *lyrics, *tune, *piano, *drums), tpb=96, type=0)


def test_type0_file_picks_the_sung_channel(tmp_path: Path) -> None:
    song, report = read_midi(band_file(tmp_path / "band.mid"))
    assert shape(song) == [(i * 480, 960 if i == 6 else 480, p, 100 - i)
                           for i, p in enumerate([72, 72, 79, 79, 81, 81, 79])]
    assert (song.title, song.program, song.tempos) == ("Demo Song", 73, (TempoChange(0, 600_000),))
    assert song.keys == (KeySignature(0, "C"),)
    assert song.lyric_text() == "Twinkle twinkle little star"
    assert [n.lyric.syllabic for n in song.notes if n.lyric] == [B, E, B, E, B, E, S]
    assert report.dropped_notes == 0
    assert report.lines() == [
        "melody: part 1 (track 1 'Demo Song', channel 2, 7 notes): its notes carry the most lyrics (7)",
        "not imported: part 0 (track 1 'Demo Song', channel 1, 15 notes)",
        "drum notes on channel 10 skipped: 8",
    ]


def test_track_override_reduces_the_piano_to_its_top_voice(tmp_path: Path) -> None:
    song, report = read_midi(band_file(tmp_path / "band.mid"), track=0)
    # C5 held over the first two chords is cut where the second chord starts; chords keep their top.
    assert shape(song) == [(0, 960, 60, 50), (960, 960, 55, 50), (1920, 960, 53, 50), (2880, 960, 53, 50)]
    assert song.program == 0
    assert report.dropped_notes == 11  # 3 + 2 + 3 + 3 notes under the top at the four onsets
    assert report.chosen_part == "part 0 (track 1 'Demo Song', channel 1, 15 notes): chosen by the caller (track=0)"
    assert "11 notes below the top voice were dropped to keep one melody" in report.lines()
    assert "overlapping notes shortened to end where the next note starts: 1" in report.lines()


def test_track_override_out_of_range(tmp_path: Path) -> None:
    with pytest.raises(FileFormatError, match=r"^band.mid: there is no part 2; the file has parts 0-1$"):
        read_midi(band_file(tmp_path / "band.mid"), track=2)


def test_type1_file_picks_the_track_named_like_a_melody(tmp_path: Path) -> None:
    conductor = track((0, meta("set_tempo", tempo=500_000)))
    piano = track((0, meta("track_name", name="Piano")),
                  *notes_of(0, *[(t, 96, p, 60) for t in range(0, 768, 96) for p in (76, 79, 84)]))
    vocal = track((0, meta("track_name", name="Lead Vocal")),
                  *notes_of(1, *[(i * 96, 96, p, 90) for i, p in enumerate([60, 62, 64, 65, 67, 65, 64, 62])]))
    song, report = read_midi(save(tmp_path / "named.mid", conductor, piano, vocal, tpb=96))
    assert [n.pitch for n in song.notes] == [60, 62, 64, 65, 67, 65, 64, 62]
    assert report.chosen_part == "part 1 (track 3 'Lead Vocal', channel 2, 8 notes): its track is named 'Lead Vocal'"
    assert report.dropped_notes == 0


def test_without_lyrics_or_names_the_highest_busy_part_wins(tmp_path: Path) -> None:
    bass = track((0, meta("track_name", name="Bass")),
                 *notes_of(2, *[(i * 480, 480, 36 + i % 3, 70) for i in range(16)]))
    bells = track((0, meta("track_name", name="Bells")), *notes_of(3, (0, 1920, 96, 40)))  # 1 note: a fill
    strings = track((0, meta("track_name", name="Strings")),
                    *notes_of(4, *[(i * 480, 480, p, 80) for i, p in enumerate([69, 71, 72, 74, 76])]))
    song, report = read_midi(save(tmp_path / "nameless.mid", track(), bass, bells, strings))
    assert [n.pitch for n in song.notes] == [69, 71, 72, 74, 76]
    assert report.chosen_part == ("part 2 (track 4 'Strings', channel 5, 5 notes): "
                                  "it has the highest mean pitch (72.4)")
    assert report.other_parts == ["part 0 (track 2 'Bass', channel 3, 16 notes)",
                                  "part 1 (track 3 'Bells', channel 4, 1 note)"]


def test_music21_corpus_tune(tmp_path: Path) -> None:
    music21 = pytest.importorskip("music21")
    score = music21.corpus.parse("essenFolksong/altdeu10", number=1)  # "Das Hildebrandslied", 4/2, G major
    path = tmp_path / "hildebrandslied.mid"
    score.write("midi", fp=str(path))
    song, report = read_midi(path)
    expected = [(round(n.offset * Q), round(n.quarterLength * Q), n.pitch.midi)
                for n in score.stripTies().flatten().notes]
    assert [(n.onset, n.duration, n.pitch) for n in song.notes] == expected
    assert len(expected) == 60
    assert shape(song)[:6] == [(0, 960, 67, 90), (960, 960, 70, 90), (1920, 960, 71, 90),
                               (2880, 960, 72, 90), (3840, 960, 72, 90), (4800, 1920, 74, 90)]
    assert song.time_signatures == (TimeSignature(0, 4, 2),)
    assert song.keys == (KeySignature(0, "G"),)
    assert song.tempos == (TempoChange(0, 500_000),)
    assert report.warnings == []  # 10080 ticks per quarter divide exactly into 480


needs_abc2midi = pytest.mark.skipif(shutil.which("abc2midi") is None, reason="abc2midi is not installed")


def abc2midi(tmp_path: Path, abc: str) -> Path:
    (tmp_path / "tune.abc").write_text(abc)
    out = tmp_path / "tune.mid"
    subprocess.run(["abc2midi", str(tmp_path / "tune.abc"), "-o", str(out), "-quiet"],
                   check=True, capture_output=True, timeout=30)
    return out


@needs_abc2midi
def test_abc2midi_file_keeps_an_accidental_through_the_bar(tmp_path: Path) -> None:
    path = abc2midi(tmp_path, "X:1\nT:Sharp Carry\nM:4/4\nL:1/4\nK:C\n^F F G A | F c d2 |]\n")
    song, report = read_midi(path)
    # ^F F: both F#4; the next bar's F is natural again. abc2midi starts each note a tick late.
    assert shape(song) == [(1, 479, 66, 105), (481, 479, 66, 80), (961, 479, 67, 95), (1441, 479, 69, 80),
                           (1921, 479, 65, 105), (2401, 479, 72, 80), (2881, 959, 74, 95)]
    assert (song.title, song.keys, song.time_signatures) == (
        "Sharp Carry", (KeySignature(0, "C"),), (TimeSignature(0, 4, 4),))
    assert report.warnings == []


@needs_abc2midi
def test_abc2midi_karaoke_lyrics(tmp_path: Path) -> None:
    abc = ("X:2\nT:Hello Song\nM:3/4\nL:1/4\nQ:1/4=100\nK:G\n"
           "G A B | c2 B |\nw: Hel-lo dear friend, how\nA G F | G3 |]\nw: are you to-day?\n")
    song, report = read_midi(abc2midi(tmp_path, abc))
    assert [n.pitch for n in song.notes] == [67, 69, 71, 72, 71, 69, 67, 66, 67]  # F is F# in G major
    assert song.lyric_text() == "Hello dear friend, how\nare you today?"
    assert [n.lyric.syllabic for n in song.notes if n.lyric] == [B, E, S, S, S, S, S, B, E]
    assert [n.lyric.phrase_start for n in song.notes if n.lyric] == [True] + [False] * 4 + [True] + [False] * 3
    # Its conductor events sit one tick after the start: they move back onto the bar line.
    assert song.tempos == (TempoChange(0, 600_000),)
    assert song.time_signatures == (TimeSignature(0, 3, 4),)
    assert song.keys == (KeySignature(0, "G"),)
    assert "time signature 3/4 at tick 1 was moved back to the start of bar 1" in report.warnings
    assert "lyric events on no melody note, left out: 1" in report.warnings  # its 'notes/lyric track' comment


def test_soft_karaoke_words_track(tmp_path: Path) -> None:
    words = track((0, meta("track_name", name="Words")), (0, meta("text", text="@KMIDI KARAOKE FILE")),
                  (0, meta("text", text="@V0100")), (0, meta("text", text="@TTwinkle Star")),
                  *[(i * 120, meta("text", text=t))
                    for i, t in enumerate(["\\Twin", "kle ", "twin", "kle ", "/lit", "tle ", "star"])])
    piano = track((0, meta("track_name", name="Piano")), *notes_of(0, (0, 480, 48, 50), (480, 360, 41, 50)))
    tune = track((0, meta("track_name", name="Tune")),
                 *notes_of(1, *[(i * 120, 120, p, 90) for i, p in enumerate([60, 60, 67, 67, 69, 69, 67])]))
    song, report = read_midi(save(tmp_path / "twinkle.kar", track(), words, piano, tune, tpb=120))
    assert song.title == "Twinkle Star"
    assert [n.pitch for n in song.notes] == [60, 60, 67, 67, 69, 69, 67]
    assert song.lyric_text() == "Twinkle twinkle\nlittle star"
    assert [n.lyric.syllabic for n in song.notes if n.lyric] == [B, E, B, E, B, E, S]
    assert report.chosen_part.endswith("its notes carry the most lyrics (7)")


def test_line_break_on_the_previous_syllable(tmp_path: Path) -> None:
    lyrics = [(0, meta("lyrics", text="Hap-")), (480, meta("lyrics", text="py\r")), (960, meta("lyrics", text="day"))]
    song, _ = read_midi(simple_file(tmp_path / "cr.mid", *lyrics))
    assert [(n.lyric.text, n.lyric.syllabic, n.lyric.phrase_start) for n in song.notes if n.lyric] == [
        ("Hap", B, False), ("py", E, False), ("day", S, True)]


def test_non_utf8_text_falls_back_to_latin1(tmp_path: Path) -> None:
    melody = notes_of(0, (0, 480, 64, 90), (480, 480, 62, 90), (960, 480, 60, 90))
    lyrics = [(0, meta("lyrics", text="Grü-")), (480, meta("lyrics", text="ße")), (960, meta("lyrics", text="Käse"))]
    path = save(tmp_path / "latin1.mid", track((0, meta("track_name", name="Frühling")), *melody, *lyrics),
                tpb=480, type=0, charset="latin1")
    assert b"Gr\xfc-" in path.read_bytes()
    song, _ = read_midi(path)
    assert song.title == "Frühling"
    assert texts(song) == ["Grü", "ße", "Käse"]


def test_lyric_with_control_bytes_is_cleaned(tmp_path: Path) -> None:
    lyrics = [(0, meta("lyrics", text="a\x00b")), (480, meta("lyrics", text="_")), (960, meta("lyrics", text="x" * 80))]
    song, report = read_midi(simple_file(tmp_path / "ctl.mid", *lyrics))
    assert texts(song) == ["a b", "_", "x" * 64]
    assert "syllables cut to 64 characters: 1" in report.warnings


def test_ticks_per_beat_that_does_not_divide_is_rounded(tmp_path: Path) -> None:
    song, report = read_midi(save(tmp_path / "odd.mid", track(*notes_of(0, (0, 33, 60, 90), (33, 67, 62, 90))),
                                  tpb=100))
    assert shape(song) == [(0, 158, 60, 90), (158, 322, 62, 90)]  # 33 * 4.8 = 158.4, 100 * 4.8 = 480
    assert "times were rounded to 480 ticks per quarter note" in report.warnings


def test_zero_length_overlapping_and_unended_notes(tmp_path: Path) -> None:
    events = [*notes_of(0, (0, 600, 60, 90), (480, 480, 62, 91), (960, 0, 64, 92), (960, 480, 65, 93)),
              (1440, mido.Message("note_on", note=67, velocity=94)), (1920, meta("text", text="end"))]
    song, report = read_midi(save(tmp_path / "messy.mid", track(*events)))
    assert shape(song) == [(0, 480, 60, 90), (480, 480, 62, 91), (960, 480, 65, 93), (1440, 480, 67, 94)]
    assert report.dropped_notes == 0
    assert report.warnings == [
        "zero-length notes dropped (note-on and note-off at the same tick): 1",
        "notes without a note-off, ended at the end of their track: 1",
        "overlapping notes shortened to end where the next note starts: 1",
    ]


def test_time_signature_inside_a_bar_moves_to_the_next_bar_line(tmp_path: Path) -> None:
    meters = [(0, meta("time_signature", numerator=4, denominator=4)),
              (600, meta("time_signature", numerator=3, denominator=4)),
              (1920 + 2 * 1440, meta("time_signature", numerator=2, denominator=4))]
    song, report = read_midi(simple_file(tmp_path / "meter.mid", *meters))
    assert song.time_signatures == (TimeSignature(0, 4, 4), TimeSignature(1, 3, 4), TimeSignature(3, 2, 4))
    assert report.warnings == ["time signature 3/4 at tick 600 was not on a bar line: it now starts at bar 2"]


def test_chords_from_markers_without_notes_last_until_the_next(tmp_path: Path) -> None:
    chords = track((0, meta("track_name", name="Chords")), (0, meta("marker", text="Am")),
                   (1920, meta("marker", text="F")), (3840, meta("marker", text="N.C.")),
                   (4320, meta("marker", text="Hxyz")), (4800, meta("marker", text="G7")),
                   (5760, meta("end_of_track")))
    melody = track(*notes_of(0, (0, 1920, 69, 90), (1920, 1920, 65, 90), (4800, 960, 67, 90)))
    song, report = read_midi(save(tmp_path / "leadsheet.mid", track(), melody, chords))
    assert song.chords == (Chord(0, 1920, ChordSymbol("A", "min")), Chord(1920, 1920, ChordSymbol("F")),
                           Chord(4800, 960, ChordSymbol("G", "7")))
    assert any(w.startswith("chord marker at tick 4320 ignored:") for w in report.warnings)


def test_program_set_in_the_conductor_track(tmp_path: Path) -> None:
    conductor = track((0, mido.Message("program_change", channel=0, program=40)))
    song, _ = read_midi(save(tmp_path / "violin.mid", conductor, track(*notes_of(0, (0, 480, 76, 90)))))
    assert song.program == 40


def test_lyric_just_after_the_onset_attaches_to_the_sounding_note(tmp_path: Path) -> None:
    lyrics = [(10, meta("lyrics", text="Ah")), (960, meta("lyrics", text="oh")), (1200, meta("lyrics", text="no"))]
    song, report = read_midi(simple_file(tmp_path / "late.mid", *lyrics))
    assert texts(song) == ["Ah", None, "ohno"]  # two events on one note are sung as one syllable
    assert report.warnings == []


def test_stray_spaces_in_our_lyrics_do_not_join_words(tmp_path: Path) -> None:
    song = Song("Spaces", notes=[Note(0, Q, 60, 90, Lyric("one ")), Note(Q, Q, 62, 90, Lyric("two")),
                                 Note(2 * Q, Q, 64, 90, Lyric(" three"))])
    write_midi(song, tmp_path / "spaces.mid")
    back, _ = read_midi(tmp_path / "spaces.mid")
    assert [(n.lyric.text, n.lyric.syllabic) for n in back.notes if n.lyric] == [("one", S), ("two", S), ("three", S)]


def test_text_that_cannot_be_encoded_is_refused(tmp_path: Path) -> None:
    song = Song("bad \udc80 title", notes=[Note(0, Q, 60)])
    with pytest.raises(FileFormatError, match=r"^surrogate.mid: cannot write MIDI"):
        write_midi(song, tmp_path / "surrogate.mid")


# -- bad input ----------------------------------------------------------------------------------
def refused(path: Path, pattern: str, **options: object) -> str:
    with pytest.raises(FileFormatError, match=pattern) as info:
        read_midi(path, **options)  # type: ignore[arg-type]
    message = str(info.value)
    assert message.startswith(f"{path.name}: ") and "\n" not in message
    return message


def test_truncated_files(tmp_path: Path) -> None:
    write_midi(halleluja(), tmp_path / "whole.mid")
    data = (tmp_path / "whole.mid").read_bytes()
    for cut in (10, 14, 30, len(data) // 2, len(data) - 1):
        (tmp_path / "cut.mid").write_bytes(data[:cut])
        refused(tmp_path / "cut.mid", r"truncated")


def test_garbage_bytes(tmp_path: Path) -> None:
    (tmp_path / "noise.mid").write_bytes(b"RIFF\x00\x10 this is a wave file, not MIDI" * 20)
    refused(tmp_path / "noise.mid", r"^noise.mid: not a MIDI file \(it does not start with 'MThd'\)$")
    header = struct.pack(">4sLhhh", b"MThd", 6, 1, 1, 480)
    (tmp_path / "bad.mid").write_bytes(header + b"MTrk\x00\x00\x00\x06\x00\xf4\x01\x02\x03\x04")
    refused(tmp_path / "bad.mid", r"damaged MIDI data")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_damaged_files_fail_cleanly(tmp_path: Path, data: st.DataObject) -> None:
    path = tmp_path / "halleluja.mid"
    if not path.exists():
        write_midi(halleluja(), path)
    raw = bytearray(path.read_bytes())
    for _ in range(data.draw(st.integers(1, 6))):
        raw[data.draw(st.integers(8, len(raw) - 1))] = data.draw(st.integers(0, 255))
    (tmp_path / "damaged.mid").write_bytes(bytes(raw[: data.draw(st.integers(14, len(raw)))]))
    try:
        read_midi(tmp_path / "damaged.mid")
    except FileFormatError as e:
        assert str(e).startswith("damaged.mid: ") and "\n" not in str(e)


def test_empty_and_missing_files(tmp_path: Path) -> None:
    (tmp_path / "empty.mid").write_bytes(b"")
    refused(tmp_path / "empty.mid", r"^empty.mid: the file is empty$")
    refused(tmp_path / "missing.mid", r"^missing.mid: cannot read the file")


def test_files_without_notes(tmp_path: Path) -> None:
    save(tmp_path / "silent.mid", track((0, meta("set_tempo", tempo=500_000)), (1920, meta("text", text="fine"))))
    refused(tmp_path / "silent.mid", r"^silent.mid: no notes$")
    save(tmp_path / "drums.mid", track(*notes_of(9, (0, 240, 36, 100), (480, 240, 38, 100))))
    refused(tmp_path / "drums.mid", r"^drums.mid: no notes \(only drums on channel 10\)$")


def test_tempo_zero_and_out_of_range(tmp_path: Path) -> None:
    refused(simple_file(tmp_path / "zero.mid", (0, meta("set_tempo", tempo=0))),
            r"^zero.mid: the tempo at tick 0 is 0 \(a tempo must be above 0 bpm\)$")
    refused(simple_file(tmp_path / "slow.mid", (960, meta("set_tempo", tempo=12_000_000))),
            r"^slow.mid: tempo 5.0 bpm at tick 960 is outside 10-1000 bpm$")


def test_absurd_ticks(tmp_path: Path) -> None:
    refused(simple_file(tmp_path / "far.mid", (2**31, mido.Message("note_on", note=70, velocity=80)),
                        (2**31 + 480, mido.Message("note_off", note=70))),
            r"^far.mid: a note at tick 2147483648 lies beyond the 10000-bar limit$")
    refused(simple_file(tmp_path / "meter.mid", (2**31, meta("time_signature", numerator=3, denominator=4))),
            r"beyond the 10000-bar limit")


def test_too_many_notes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(midi_module, "MAX_NOTES", 2)
    refused(simple_file(tmp_path / "long.mid"), r"^long.mid: the melody has 3 notes; a song holds at most 2$")


def test_oversized_file(tmp_path: Path) -> None:
    (tmp_path / "huge.mid").write_bytes(b"MThd" + bytes(midi_module.MAX_MIDI_BYTES))
    refused(tmp_path / "huge.mid", r"^huge.mid: 4.2 MB is too large for a MIDI song \(limit 4 MB\)$")


def test_unsupported_timing_and_type(tmp_path: Path) -> None:
    smpte = struct.pack(">4sLhhh", b"MThd", 6, 0, 1, -(25 << 8) + 40)  # 25 fps, 40 ticks per frame
    (tmp_path / "smpte.mid").write_bytes(smpte + b"MTrk\x00\x00\x00\x04\x00\xff\x2f\x00")
    refused(tmp_path / "smpte.mid", r"SMPTE")
    save(tmp_path / "patterns.mid", track(*notes_of(0, (0, 480, 60, 90))), type=2)
    refused(tmp_path / "patterns.mid", r"^patterns.mid: MIDI type 2 files are not supported")
