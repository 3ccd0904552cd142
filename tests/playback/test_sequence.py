"""The playback plan: exact event order and times from the tempo map, count-in, metronome, loops."""

from __future__ import annotations

import itertools

import pytest

from melodystudio.audio import AccompanimentStyle, AudioError, song_events
from melodystudio.core import PPQ, Chord, ChordSymbol, Note, Song, TempoChange, TimeSignature
from melodystudio.playback.sequence import (
    ACCENT_PITCH,
    BEAT_PITCH,
    CHORD,
    CHORD_DUE,
    CLICK,
    COUNT_IN,
    MELODY,
    METRONOME_CHANNEL,
    PASS,
    PlaybackPlan,
    TimedEvent,
)
from tests.conftest import twinkle

Q = PPQ


def melody(bpm: float = 120.0, pitches: tuple[int, ...] = (60, 62, 64, 65), **song_args: object) -> Song:
    """One quarter note per pitch: at 120 bpm each lasts exactly 0.5 s."""
    notes = [Note(i * Q, Q, p) for i, p in enumerate(pitches)]
    return Song("Scale", tempos=[TempoChange.from_bpm(0, bpm)], notes=notes, **song_args)  # type: ignore[arg-type]


def take(plan: PlaybackPlan, n: int = 1000, roles: tuple[str, ...] = (MELODY,)) -> list[TimedEvent]:
    return list(itertools.islice((e for e in plan.events() if e.role in roles), n))


def summary(events: list[TimedEvent]) -> list[tuple[float, int, int]]:
    """(time rounded to 0.1 ms, pitch, velocity)."""
    return [(round(e.time, 4), e.pitch, e.velocity) for e in events]


def test_melody_events_follow_the_tempo_in_order() -> None:
    plan = PlaybackPlan(melody(), include_chords=False)
    assert summary(take(plan)) == [
        (0.0, 60, 90), (0.5, 60, 0), (0.5, 62, 90), (1.0, 62, 0), (1.0, 64, 90),
        (1.5, 64, 0), (1.5, 65, 90), (2.0, 65, 0),
    ]
    assert plan.total_seconds == pytest.approx(2.0)


@pytest.mark.parametrize("style", ["block", "broken"])
def test_times_match_the_offline_renderers_schedule_across_tempo_and_meter_changes(style: str) -> None:
    song = twinkle()  # 100 bpm, then 90 bpm from bar 3 (which is in 3/4)
    rate = 48000
    accompaniment = AccompanimentStyle(style, velocity=50)
    offline = [(round(e.frame / rate, 3), e.channel, e.pitch, e.velocity)
               for e in song_events(song, rate, accompaniment=accompaniment)]
    plan = PlaybackPlan(song, accompaniment=accompaniment)
    live = [(round(e.time, 3), e.channel, e.pitch, e.velocity) for e in take(plan, roles=(MELODY, CHORD))]
    assert sorted(live) == sorted(offline)
    assert PlaybackPlan(song).total_seconds == pytest.approx(song.duration_seconds)


def test_a_repeated_pitch_is_released_before_it_is_struck_again() -> None:
    events = take(PlaybackPlan(melody(pitches=(67, 67))))
    assert [(e.time, e.velocity) for e in events] == [(0.0, 90), (0.5, 0), (0.5, 90), (1.0, 0)]


def test_starting_inside_a_note_sounds_it_from_the_start_tick() -> None:
    song = melody(pitches=(60,), chords=[Chord(0, 4 * Q, ChordSymbol("C"))])
    plan = PlaybackPlan(song, start_tick=Q // 2)
    events = take(plan, roles=(MELODY, CHORD))
    ons = sorted((e.time, e.channel, e.pitch, e.tick) for e in events if e.is_on)
    assert ons == [(0.0, 0, 60, Q // 2), (0.0, 1, 48, Q // 2), (0.0, 1, 52, Q // 2), (0.0, 1, 55, Q // 2)]
    assert [e.time for e in events if e.channel == 0 and not e.is_on] == [0.25]


def test_chords_can_be_left_out() -> None:
    song = melody(chords=[Chord(0, 4 * Q, ChordSymbol("C"))])
    assert take(PlaybackPlan(song, include_chords=False), roles=(CHORD,)) == []
    assert len(take(PlaybackPlan(song), roles=(CHORD,))) == 6


def test_broken_chords_play_a_note_per_beat_on_the_chord_channel() -> None:
    song = melody(chords=[Chord(0, 4 * Q, ChordSymbol("C")), Chord(4 * Q, 2 * Q, ChordSymbol("G", "7"))])
    events = take(PlaybackPlan(song, accompaniment=AccompanimentStyle("broken")), roles=(CHORD,))
    assert summary(events) == [
        (0.0, 48, 60), (0.5, 48, 0), (0.5, 55, 60), (1.0, 55, 0), (1.0, 52, 60), (1.5, 52, 0),
        (1.5, 55, 60), (2.0, 55, 0), (2.0, 55, 60), (2.5, 55, 0), (2.5, 62, 60), (3.0, 62, 0)]
    assert {e.channel for e in events} == {1}


def test_each_chord_is_announced_where_it_starts() -> None:
    song = melody(chords=[Chord(0, 2 * Q, ChordSymbol("C")), Chord(2 * Q, 2 * Q, ChordSymbol("F"))])
    due = take(PlaybackPlan(song, start_tick=Q), roles=(CHORD_DUE,))
    assert [(e.time, e.tick, e.chord) for e in due] == [(0.0, Q, song.chords[0]), (0.5, 2 * Q, song.chords[1])]
    assert all(e.is_marker and not e.is_on for e in due)


def test_a_style_change_is_heard_from_the_next_chord() -> None:
    song = melody(chords=[Chord(0, 2 * Q, ChordSymbol("C")), Chord(2 * Q, 2 * Q, ChordSymbol("F"))])
    current = [AccompanimentStyle("block")]
    events = PlaybackPlan(song, accompaniment=lambda: current[0]).events()
    heard: list[TimedEvent] = []
    for event in events:
        heard.append(event)
        if event.role == CHORD and event.is_on and event.pitch == 55:
            current[0] = AccompanimentStyle("broken")  # switched while C sounds
    c_chord = [(e.time, e.pitch) for e in heard if e.role == CHORD and e.is_on and e.time < 1.0]
    f_chord = [(e.time, e.pitch) for e in heard if e.role == CHORD and e.is_on and e.time >= 1.0]
    assert c_chord == [(0.0, 48), (0.0, 52), (0.0, 55)]  # block: begun before the change
    assert f_chord == [(1.0, 53), (1.5, 60)]  # broken: F's bass, then beat 4's fifth


def test_a_loop_cuts_broken_chords_and_starts_them_again_at_the_loop_start() -> None:
    song = melody(chords=[Chord(0, 4 * Q, ChordSymbol("C"))])
    plan = PlaybackPlan(song, loop=(Q, 3 * Q), accompaniment=AccompanimentStyle("broken"))
    events = take(plan, 8, roles=(CHORD,))
    assert summary(events) == [
        (0.0, 55, 60), (0.5, 55, 0), (0.5, 52, 60), (1.0, 52, 0),  # beats 2-3: fifth, third
        (1.0, 55, 60), (1.5, 55, 0), (1.5, 52, 60), (2.0, 52, 0)]  # again: cut, not started on the bass


def test_count_in_clicks_a_bar_before_the_music_with_accented_downbeats() -> None:
    plan = PlaybackPlan(melody(), count_in_bars=2)
    clicks = [e for e in take(plan, roles=(COUNT_IN,)) if e.is_on]
    assert [(e.time, e.pitch) for e in clicks] == [
        (0.0, ACCENT_PITCH), (0.5, BEAT_PITCH), (1.0, BEAT_PITCH), (1.5, BEAT_PITCH),
        (2.0, ACCENT_PITCH), (2.5, BEAT_PITCH), (3.0, BEAT_PITCH), (3.5, BEAT_PITCH),
    ]
    assert all(e.channel == METRONOME_CHANNEL for e in clicks)
    assert take(plan)[0].time == 4.0
    assert plan.total_seconds == pytest.approx(6.0)
    assert plan.tick_at(3.9) == 0 and plan.tick_at(4.25) == Q // 2


def test_count_in_uses_the_meter_and_tempo_where_playing_starts() -> None:
    song = twinkle()  # bar 3 starts at tick 8Q in 3/4 at 90 bpm: a beat lasts 2/3 s
    plan = PlaybackPlan(song, start_tick=8 * Q, count_in_bars=1)
    clicks = [e for e in take(plan, roles=(COUNT_IN,)) if e.is_on]
    assert [(round(e.time, 4), e.pitch) for e in clicks] == [(0.0, 76), (0.6667, 77), (1.3333, 77)]
    assert plan.count_in_seconds == pytest.approx(2.0)


def test_metronome_clicks_every_beat_accenting_each_bar() -> None:
    song = melody(pitches=(60,) * 6, time_signatures=[TimeSignature(0, 3, 4)])
    clicks = [e for e in take(PlaybackPlan(song), roles=(CLICK,)) if e.is_on]
    assert [(e.tick, e.pitch) for e in clicks] == [(0, 76), (Q, 77), (2 * Q, 77), (3 * Q, 76), (4 * Q, 77), (5 * Q, 77)]


def test_compound_meter_clicks_dotted_quarters() -> None:
    song = melody(pitches=(60,) * 3, time_signatures=[TimeSignature(0, 6, 8)])
    clicks = [e for e in take(PlaybackPlan(song), roles=(CLICK,)) if e.is_on]
    assert [(e.tick, e.pitch) for e in clicks] == [(0, 76), (3 * Q // 2, 77)]


def test_a_loop_wraps_forever_and_cuts_notes_at_its_end() -> None:
    song = melody(pitches=(60, 62, 64, 65))
    plan = PlaybackPlan(song, start_tick=Q, loop=(Q, 3 * Q))  # [D, E], 1 s per pass
    events = take(plan, 40, roles=(MELODY, PASS))
    assert summary(events)[:9] == [
        (0.0, -1, 0), (0.0, 62, 90), (0.5, 62, 0), (0.5, 64, 90),
        (1.0, -1, 0), (1.0, 64, 0), (1.0, 62, 90), (1.5, 62, 0), (1.5, 64, 90),
    ]
    assert plan.total_seconds is None
    assert [plan.tick_at(t) for t in (0.0, 0.75, 1.0, 1.25, 2.5)] == [Q, 3 * Q // 2 + Q, Q, 3 * Q // 2, 2 * Q]


def test_a_note_across_the_loop_end_is_released_before_the_loop_restarts() -> None:
    song = Song(tempos=[TempoChange.from_bpm(0, 120)], notes=[Note(0, 4 * Q, 67)])
    events = take(PlaybackPlan(song, loop=(0, 2 * Q)), 6)
    assert summary(events) == [(0.0, 67, 90), (1.0, 67, 0), (1.0, 67, 90), (2.0, 67, 0), (2.0, 67, 90), (3.0, 67, 0)]


def test_a_start_outside_the_loop_starts_at_the_loop() -> None:
    plan = PlaybackPlan(melody(), start_tick=0, loop=(2 * Q, 4 * Q))
    assert plan.start_tick == 2 * Q
    assert take(plan)[0].pitch == 64


def test_a_silent_loop_between_beats_still_makes_progress() -> None:
    plan = PlaybackPlan(Song(), loop=(10, 20))
    markers = list(itertools.islice(plan.events(), 3))
    assert [e.role for e in markers] == [PASS] * 3
    assert markers[1].time == pytest.approx(10 * 0.5 / Q)


def test_without_stop_at_end_the_metronome_runs_on_past_the_song() -> None:
    plan = PlaybackPlan(melody(pitches=(60,)), stop_at_end=False)
    assert plan.total_seconds is None
    clicks = [e for e in itertools.islice(plan.events(), 200) if e.role == CLICK and e.is_on]
    assert clicks[40].tick == 40 * Q


def test_the_playhead_stops_at_the_end_of_the_song() -> None:
    plan = PlaybackPlan(melody())
    assert [plan.tick_at(t) for t in (-0.1, 0.0, 0.25, 1.0, 5.0)] == [0, 0, Q // 2, 2 * Q, 4 * Q]


@pytest.mark.parametrize(("start", "loop", "count_in", "message"), [
    (-1, None, 0, "before the song"),
    (0, (960, 960), 0, "loop 960-960"),
    (0, None, 9, "count-in of 9 bars"),
])
def test_bad_requests_are_refused_with_a_reason(start: int, loop: tuple[int, int] | None, count_in: int,
                                                message: str) -> None:
    with pytest.raises(AudioError, match=message):
        PlaybackPlan(melody(), start, loop=loop, count_in_bars=count_in)
