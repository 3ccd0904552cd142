"""The chord accompaniment: exact notes for block and broken chords in 4/4, 3/4, 6/8, across meter
changes and a pickup bar, and never past a chord's end."""

from __future__ import annotations

import pytest

from melodystudio.audio import AccompanimentStyle, AudioError, accompaniment_notes
from melodystudio.audio.accompaniment import BLOCK, BROKEN, OFF, ChordNote, broken_pattern, chord_notes
from melodystudio.core import PPQ, Chord, ChordSymbol, Song, TimeSignature

Q = PPQ
E = PPQ // 2  # an eighth note
BROKEN_STYLE = AccompanimentStyle(BROKEN)


def song_of(chords: list[tuple[int, int, str]], meters: tuple[tuple[int, int, int], ...] = ((0, 4, 4),)) -> Song:
    """A song of chords only: (onset, duration, symbol); meters (bar, numerator, denominator)."""
    harmony = []
    for onset, duration, text in chords:
        symbol = ChordSymbol.parse(text)
        assert symbol is not None
        harmony.append(Chord(onset, duration, symbol))
    return Song("Chords", time_signatures=[TimeSignature(*m) for m in meters], chords=harmony)


def plain(notes: list[ChordNote]) -> list[tuple[int, int, int]]:
    """(onset, end, pitch); velocities are checked separately."""
    return [(n.onset, n.end, n.pitch) for n in notes]


# -- broken chords in each meter ----------------------------------------------------------------
def test_four_four_is_root_fifth_third_fifth_on_the_beats() -> None:
    song = song_of([(0, 4 * Q, "C")])
    assert plain(accompaniment_notes(song, BROKEN_STYLE)) == [
        (0, Q, 48), (Q, 2 * Q, 55), (2 * Q, 3 * Q, 52), (3 * Q, 4 * Q, 55)]


def test_a_seventh_chord_plays_its_seventh_on_the_last_beat() -> None:
    song = song_of([(0, 4 * Q, "G7")])  # G3 B3 D4 F4
    assert [n.pitch for n in accompaniment_notes(song, BROKEN_STYLE)] == [55, 62, 59, 65]


def test_a_chord_starting_mid_bar_starts_on_its_bass_then_follows_the_bar() -> None:
    song = song_of([(0, 2 * Q, "C"), (2 * Q, 2 * Q, "F"), (4 * Q, 4 * Q, "G7")])
    assert plain(accompaniment_notes(song, BROKEN_STYLE)) == [
        (0, Q, 48), (Q, 2 * Q, 55),  # C: root, fifth
        (2 * Q, 3 * Q, 53), (3 * Q, 4 * Q, 60),  # F: its bass on beat 3, then beat 4's fifth
        (4 * Q, 5 * Q, 55), (5 * Q, 6 * Q, 62), (6 * Q, 7 * Q, 59), (7 * Q, 8 * Q, 65)]


def test_three_four_is_root_third_fifth() -> None:
    song = song_of([(0, 3 * Q, "Am"), (3 * Q, 3 * Q, "C7")], meters=((0, 3, 4),))
    assert plain(accompaniment_notes(song, BROKEN_STYLE)) == [
        (0, Q, 57), (Q, 2 * Q, 60), (2 * Q, 3 * Q, 64),  # A3 C4 E4
        (3 * Q, 4 * Q, 48), (4 * Q, 5 * Q, 52), (5 * Q, 6 * Q, 58)]  # C3 E3 Bb3: the seventh, not the fifth


def test_six_eight_is_root_third_fifth_in_eighths_on_each_dotted_beat() -> None:
    song = song_of([(0, 6 * E, "C"), (6 * E, 6 * E, "D7")], meters=((0, 6, 8),))
    assert broken_pattern(TimeSignature(0, 6, 8)) == (E, (0, 1, 3, 0, 1, 3))
    assert plain(accompaniment_notes(song, BROKEN_STYLE)) == [
        (k * E, (k + 1) * E, p) for k, p in enumerate([48, 52, 55, 48, 52, 55, 50, 54, 60, 50, 54, 60])]


@pytest.mark.parametrize(("meter", "step", "tones"), [
    ((2, 4), Q, (0, 2)),
    ((2, 2), 2 * Q, (0, 2)),
    ((5, 4), Q, (0, 2, 1, 3, 0)),
    ((3, 8), E, (0, 1, 3)),
    ((12, 8), E, (0, 1, 3) * 4),
])
def test_other_meters_take_one_step_per_beat_or_per_eighth(meter: tuple[int, int], step: int,
                                                           tones: tuple[int, ...]) -> None:
    assert broken_pattern(TimeSignature(0, *meter)) == (step, tones)


def test_the_pattern_follows_a_meter_change_inside_a_chord() -> None:
    song = song_of([(0, 4 * Q + 6 * E, "C")], meters=((0, 4, 4), (1, 6, 8)))
    notes = plain(accompaniment_notes(song, BROKEN_STYLE))
    assert notes[:4] == [(0, Q, 48), (Q, 2 * Q, 55), (2 * Q, 3 * Q, 52), (3 * Q, 4 * Q, 55)]
    assert notes[4:] == [(4 * Q + k * E, 4 * Q + (k + 1) * E, p) for k, p in enumerate([48, 52, 55, 48, 52, 55])]


def test_a_pickup_bar_gets_its_own_short_pattern() -> None:
    song = song_of([(0, Q, "G"), (Q, 3 * Q, "C")], meters=((0, 1, 4), (1, 3, 4)))  # one-beat pickup, then 3/4
    assert plain(accompaniment_notes(song, BROKEN_STYLE)) == [
        (0, Q, 55), (Q, 2 * Q, 48), (2 * Q, 3 * Q, 52), (3 * Q, 4 * Q, 55)]


def test_slash_and_power_chords_pick_sensible_tones() -> None:
    assert [n.pitch for n in accompaniment_notes(song_of([(0, 4 * Q, "C/E")]), BROKEN_STYLE)] == [40, 55, 52, 55]
    assert [n.pitch for n in accompaniment_notes(song_of([(0, 4 * Q, "C5")]), BROKEN_STYLE)] == [48, 55, 55, 55]


# -- never past the chord's end -----------------------------------------------------------------
def test_an_off_beat_chord_holds_its_bass_to_the_next_step() -> None:
    song = song_of([(0, 3 * Q // 2, "F"), (3 * Q // 2, 5 * Q // 2, "C")])
    assert plain(accompaniment_notes(song, BROKEN_STYLE)) == [
        (0, Q, 53), (Q, 3 * Q // 2, 60),  # F cut short by C on the "and" of beat 2
        (3 * Q // 2, 2 * Q, 48), (2 * Q, 3 * Q, 52), (3 * Q, 4 * Q, 55)]


def test_a_chord_shorter_than_a_step_is_one_short_bass_note() -> None:
    song = song_of([(0, Q // 4, "C")])
    assert plain(accompaniment_notes(song, BROKEN_STYLE)) == [(0, Q // 4, 48)]
    assert plain(accompaniment_notes(song, AccompanimentStyle(BLOCK))) == [(0, Q // 4, p) for p in (48, 52, 55)]


@pytest.mark.parametrize("style", [BLOCK, BROKEN])
def test_no_note_sounds_outside_its_chord(style: str) -> None:
    song = song_of([(Q // 3, 7 * Q, "Dm7"), (8 * Q + 5, 2 * Q + 7, "G/B")], meters=((0, 4, 4), (1, 6, 8)))
    for chord in song.chords:
        notes = chord_notes(chord, song.timeline, AccompanimentStyle(style))
        assert notes and notes[0].onset == chord.onset
        assert all(chord.onset <= n.onset < n.end <= chord.end for n in notes)
        assert max(n.end for n in notes) == chord.end


# -- block chords, styles and settings ----------------------------------------------------------
def test_block_chords_strike_again_on_each_bar_line() -> None:
    song = song_of([(2 * Q, 6 * Q, "C")])  # from beat 3 of bar 1 to the end of bar 2
    assert plain(accompaniment_notes(song, AccompanimentStyle(BLOCK))) == [
        (2 * Q, 4 * Q, 48), (2 * Q, 4 * Q, 52), (2 * Q, 4 * Q, 55),
        (4 * Q, 8 * Q, 48), (4 * Q, 8 * Q, 52), (4 * Q, 8 * Q, 55)]


def test_velocity_and_octave_come_from_the_style() -> None:
    style = AccompanimentStyle(BLOCK, program=24, velocity=45, octave=4)
    notes = accompaniment_notes(song_of([(0, 4 * Q, "C")]), style)
    assert [(n.pitch, n.velocity) for n in notes] == [(60, 45), (64, 45), (67, 45)]


def test_off_plays_nothing() -> None:
    assert accompaniment_notes(song_of([(0, 4 * Q, "C")]), AccompanimentStyle(OFF)) == []
    assert not AccompanimentStyle(OFF).sounds and AccompanimentStyle().sounds


def test_a_window_cuts_notes_at_its_edges() -> None:
    song = song_of([(0, 4 * Q, "C")])
    assert plain(accompaniment_notes(song, BROKEN_STYLE, 3 * Q // 2, 3 * Q)) == [
        (3 * Q // 2, 2 * Q, 55), (2 * Q, 3 * Q, 52)]


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"style": "arpeggio"}, "chord style 'arpeggio' is not one of block, broken, off"),
    ({"program": 128}, "GM chord program 128 is outside 0-127"),
    ({"velocity": 0}, "chord velocity 0 is outside 1-127"),
    ({"octave": 7}, "chord octave 7 is outside 1-5"),
])
def test_bad_styles_are_refused_with_a_reason(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(AudioError, match=message):
        AccompanimentStyle(**kwargs)  # type: ignore[arg-type]
