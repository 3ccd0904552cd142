"""Step and real-time recording from synthetic key timelines: exact ticks after quantisation."""

from __future__ import annotations

import threading

import pytest

from melodystudio.core import PPQ, Note, Song, TempoChange, TimeSignature
from melodystudio.core.errors import MelodyStudioError
from melodystudio.midiin import NoteMessage, RealtimeRecorder, StepRecorder, monophonic

Q = PPQ
SIXTEENTH = Q // 4
EIGHTH = Q // 2


def timeline(bpm: float = 120.0, *, tempos: tuple[tuple[int, float], ...] = (),
             meters: tuple[tuple[int, int, int], ...] = ()) -> Song:
    return Song(tempos=[TempoChange.from_bpm(0, bpm)] + [TempoChange.from_bpm(t, b) for t, b in tempos],
                time_signatures=[TimeSignature(0, 4, 4)] + [TimeSignature(*m) for m in meters])


def record(keys: list[tuple[float, float, int]], *, song: Song | None = None, start_tick: int = 0,
           grid: int = SIXTEENTH, start_time: float = 10.0, end: float | None = None) -> list[Note]:
    """Play (seconds on, seconds off, pitch) keys, times relative to ``start_time``."""
    rec = RealtimeRecorder((song or timeline()).timeline, start_tick, grid, start_time)
    events = [(on, 90, p) for on, _, p in keys] + [(off, 0, p) for _, off, p in keys if off >= 0]
    for t, velocity, pitch in sorted(events):
        rec.feed(NoteMessage(pitch, velocity, start_time + t))
    return rec.finish(start_time + (end if end is not None else max(k[1] for k in keys) + 1))


# -- step recording ------------------------------------------------------------------------------
def test_each_key_writes_a_step_and_moves_the_cursor() -> None:
    rec = StepRecorder(cursor=4 * Q, step=EIGHTH)
    notes = [rec.note_on(60, 100), rec.note_on(62, 80)]
    rec.step = Q
    notes.append(rec.note_on(64))
    assert notes == [Note(4 * Q, EIGHTH, 60, 100), Note(4 * Q + EIGHTH, EIGHTH, 62, 80), Note(5 * Q, Q, 64, 90)]
    assert rec.cursor == 6 * Q


def test_a_rest_moves_the_cursor_and_releases_are_ignored() -> None:
    rec = StepRecorder(0, Q)
    assert rec.feed(NoteMessage(60, 90, 0.0)) == Note(0, Q, 60)
    assert rec.feed(NoteMessage(60, 0, 0.1)) is None
    assert rec.rest() == 2 * Q
    assert rec.feed(NoteMessage(67, 127, 0.2)) == Note(2 * Q, Q, 67, 127)


def test_step_recording_refuses_nonsense() -> None:
    with pytest.raises(MelodyStudioError, match="step length"):
        StepRecorder(0, 0)
    with pytest.raises(MelodyStudioError, match="before the song"):
        StepRecorder(-1, Q)


# -- real-time recording -------------------------------------------------------------------------
def test_loose_playing_snaps_to_the_sixteenth_grid() -> None:
    # 120 bpm: a sixteenth is 0.125 s. Slightly early, late and short playing of C D E.
    notes = record([(0.01, 0.24, 60), (0.49, 0.74, 62), (0.76, 1.30, 64)])
    assert notes == [Note(0, 2 * SIXTEENTH, 60), Note(Q, 2 * SIXTEENTH, 62), Note(Q + 2 * SIXTEENTH, Q, 64)]


def test_half_a_step_rounds_up_and_a_tap_lasts_one_step() -> None:
    notes = record([(0.0625, 0.07, 60)])
    assert notes == [Note(SIXTEENTH, SIXTEENTH, 60)]


def test_recording_starts_at_the_start_tick_and_follows_tempo_changes() -> None:
    song = timeline(120, tempos=((4 * Q + 4 * Q, 60),))  # bar 3 on: 60 bpm
    # start at bar 2 (tick 4Q): 2 s of 120 bpm to bar 3, then a quarter lasts 1 s
    notes = record([(0.0, 0.5, 60), (2.0, 3.0, 62), (3.5, 4.0, 64)], song=song, start_tick=4 * Q)
    assert notes == [Note(4 * Q, Q, 60), Note(8 * Q, Q, 62), Note(9 * Q + EIGHTH, EIGHTH, 64)]


def test_notes_played_during_the_count_in_are_dropped_but_a_hair_early_counts() -> None:
    notes = record([(-1.0, -0.6, 55), (-0.02, 0.5, 60)])
    assert notes == [Note(0, Q, 60)]


def test_the_grid_restarts_at_each_bar_in_odd_meters() -> None:
    song = timeline(120, meters=((1, 5, 8),))  # bar 1 (from tick 4Q) is 5/8: 1200 ticks, 1.25 s
    # quarter grid: 1.15 s into the 5/8 bar (tick 1104) is nearer its end (1200) than beat 3 (960);
    # a grid counted from tick 0 would have put it on beat 3
    notes = record([(2.0 + 1.0, 2.0 + 1.1, 57), (2.0 + 1.15, 2.0 + 1.4, 60)], song=song, grid=Q)
    assert [n.onset for n in notes] == [4 * Q + 2 * Q, 4 * Q + 5 * EIGHTH]


def test_a_chord_keeps_its_highest_note() -> None:
    notes = record([(0.0, 0.5, 60), (0.01, 0.5, 64), (0.02, 0.5, 67), (0.5, 1.0, 65)])
    assert notes == [Note(0, Q, 67), Note(Q, Q, 65)]


def test_legato_overlaps_are_cut_where_the_later_note_starts() -> None:
    notes = record([(0.0, 0.8, 60), (0.5, 1.0, 55)])  # the lower, later note wins its time
    assert notes == [Note(0, Q, 60), Note(Q, Q, 55)]


def test_held_keys_end_when_recording_finishes() -> None:
    notes = record([(0.0, -1, 60)], end=1.0)
    assert notes == [Note(0, 2 * Q, 60)]


def test_a_repeated_note_on_without_release_ends_the_first() -> None:
    rec = RealtimeRecorder(timeline().timeline, 0, SIXTEENTH)
    rec.note_on(60, 90, 0.0)
    rec.note_on(60, 70, 0.5)
    rec.note_off(60, 1.0)
    assert rec.finish(2.0) == [Note(0, Q, 60, 90), Note(Q, Q, 60, 70)]


def test_keys_may_arrive_from_another_thread() -> None:
    rec = RealtimeRecorder(timeline().timeline, 0, SIXTEENTH)

    def play(offset: int) -> None:
        for i in range(50):
            t = (offset + 2 * i) * 0.125
            rec.note_on(60 + offset, 90, t)
            rec.note_off(60 + offset, t + 0.1)

    threads = [threading.Thread(target=play, args=(k,)) for k in (0, 1)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    notes = rec.finish(20.0)
    assert [n.onset for n in notes] == [i * SIXTEENTH for i in range(100)]
    assert all(n.duration == SIXTEENTH for n in notes)


def test_monophonic_on_its_own() -> None:
    line = monophonic([Note(0, 2 * Q, 60), Note(0, Q, 64), Note(Q, Q, 62), Note(3 * Q, Q, 59)])
    assert line == [Note(0, Q, 64), Note(Q, Q, 62), Note(3 * Q, Q, 59)]


def test_a_bad_grid_is_refused() -> None:
    with pytest.raises(MelodyStudioError, match="grid"):
        RealtimeRecorder(timeline().timeline, 0, 0)
