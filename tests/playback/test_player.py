"""The threaded player on the recording NullSynth: real-time order and timing, loops, clicks, stop."""

from __future__ import annotations

import threading
import time

import pytest

from melodystudio.audio import AccompanimentStyle, AudioError
from melodystudio.core import PPQ, Chord, ChordSymbol, Note, Song, TempoChange
from melodystudio.playback import AUDITION_CHANNEL, LIVE_CHANNEL, METRONOME_CHANNEL, NoAudioDevice, NullSynth, Player
from melodystudio.playback.backends import SynthCall

Q = PPQ
BPM = 600  # a quarter note lasts 0.1 s: real-time tests stay short
QUARTER = 0.1
TOLERANCE = 0.015  # seconds of scheduling jitter allowed on a busy test machine


def fast_song(pitches: tuple[int, ...] = (60, 62, 64, 65), chords: bool = False) -> Song:
    notes = [Note(i * Q, Q, p) for i, p in enumerate(pitches)]
    harmony = [Chord(0, len(pitches) * Q, ChordSymbol("C"))] if chords else []
    return Song("Fast", program=73, tempos=[TempoChange.from_bpm(0, BPM)], notes=notes, chords=harmony)


def wait_stopped(player: Player, timeout: float = 5.0) -> None:
    deadline = time.perf_counter() + timeout
    while player.is_playing:
        assert time.perf_counter() < deadline, "playing did not end"
        time.sleep(0.005)


def timeline(synth: NullSynth, player: Player, channel: int | None = None) -> list[tuple[float, str, int]]:
    """(seconds after play started, call name, pitch) of note calls, optionally on one channel."""
    return [(c.time - player.started_at, c.name, c.args[1]) for c in synth.notes()
            if channel is None or c.args[0] == channel]


def test_notes_sound_in_order_at_their_times(player: Player, synth: NullSynth) -> None:
    player.play(fast_song())
    wait_stopped(player)
    calls = timeline(synth, player)
    assert [(name, pitch) for _, name, pitch in calls] == [
        ("note_on", 60), ("note_off", 60), ("note_on", 62), ("note_off", 62),
        ("note_on", 64), ("note_off", 64), ("note_on", 65), ("note_off", 65),
    ]
    expected = [0.0, 0.1, 0.1, 0.2, 0.2, 0.3, 0.3, 0.4]
    assert [t for t, _, _ in calls] == pytest.approx(expected, abs=TOLERANCE)


def test_play_sets_up_the_instruments(player: Player, synth: NullSynth) -> None:
    player.play(fast_song(chords=True), accompaniment=AccompanimentStyle(program=24), chords_muted=True)
    player.stop()
    setup = [(c.name, c.args) for c in synth.calls if c.name in ("select_program", "set_volume")]
    assert ("select_program", (0, 73)) in setup
    assert ("select_program", (1, 24)) in setup
    assert setup[-1] == ("set_volume", (1, 0))  # chords muted


def test_program_overrides_the_songs_instrument(player: Player, synth: NullSynth) -> None:
    player.play(fast_song(), program=40)
    player.stop()
    assert ("select_program", (0, 40)) in [(c.name, c.args) for c in synth.calls]


def test_state_and_position_are_reported(player: Player) -> None:
    states: list[bool] = []
    ticks: list[int] = []
    player.state_changed.connect(states.append)
    player.position_changed.connect(ticks.append)
    player.play(fast_song())
    wait_stopped(player)
    assert states == [True, False]
    assert 8 <= len(ticks) <= 20  # ~30 Hz for 0.4 s, plus the final report
    assert ticks == sorted(ticks)
    assert ticks[-1] == 4 * Q == player.position_tick()


def test_position_follows_the_clock_while_playing(player: Player) -> None:
    player.play(fast_song((60,) * 8))
    time.sleep(0.25)
    tick = player.position_tick()
    player.stop()
    assert tick == pytest.approx(2.5 * Q, abs=TOLERANCE / QUARTER * Q + 20)


def test_stop_silences_everything_within_50_ms(player: Player, synth: NullSynth) -> None:
    player.play(Song(tempos=[TempoChange.from_bpm(0, BPM)], notes=[Note(0, 100 * Q, 67)]), metronome=True)
    time.sleep(0.05)
    t0 = time.perf_counter()
    player.stop()
    elapsed = time.perf_counter() - t0
    assert elapsed < 0.05
    assert not player.is_playing
    assert [c.name for c in synth.notes()][-1] == "note_off"
    sounding: set[tuple[int, int]] = set()
    for c in synth.notes():
        (sounding.add if c.name == "note_on" else sounding.discard)((c.args[0], c.args[1]))
    assert sounding == set()
    count = len(synth.calls)
    time.sleep(0.15)
    assert len(synth.calls) == count  # nothing after stop


def test_a_loop_repeats_until_stopped(player: Player, synth: NullSynth) -> None:
    player.play(fast_song(), loop=(Q, 3 * Q))  # D E, 0.2 s per pass
    time.sleep(0.55)
    player.stop()
    ons = [(t, pitch) for t, name, pitch in timeline(synth, player) if name == "note_on"]
    assert [p for _, p in ons] == [62, 64, 62, 64, 62, 64]
    assert [t for t, _ in ons] == pytest.approx([0.0, 0.1, 0.2, 0.3, 0.4, 0.5], abs=TOLERANCE)


def test_count_in_then_metronome(player: Player, synth: NullSynth) -> None:
    player.play(fast_song((60, 62)), metronome=True, count_in_bars=1)
    wait_stopped(player)
    clicks = [(round(t, 1), pitch) for t, name, pitch in timeline(synth, player, METRONOME_CHANNEL)
              if name == "note_on"]
    assert clicks == [(0.0, 76), (0.1, 77), (0.2, 77), (0.3, 77), (0.4, 76), (0.5, 77)]
    melody = [t for t, name, _ in timeline(synth, player, 0) if name == "note_on"]
    assert melody == pytest.approx([0.4, 0.5], abs=TOLERANCE)
    assert player.start_tick_time - player.started_at == pytest.approx(0.4)  # when a recording take starts


def test_count_in_sounds_even_with_the_metronome_off(player: Player, synth: NullSynth) -> None:
    player.play(fast_song((60, 62)), metronome=False, count_in_bars=1)
    wait_stopped(player)
    clicks = [t for t, name, _ in timeline(synth, player, METRONOME_CHANNEL) if name == "note_on"]
    assert clicks == pytest.approx([0.0, 0.1, 0.2, 0.3], abs=TOLERANCE)


def test_the_metronome_can_be_switched_on_while_playing(player: Player, synth: NullSynth) -> None:
    player.play(fast_song((60,) * 6))
    time.sleep(0.25)
    switched = time.perf_counter() - player.started_at
    player.set_metronome(True)
    wait_stopped(player)
    clicks = [round(t, 1) for t, name, _ in timeline(synth, player, METRONOME_CHANNEL) if name == "note_on"]
    beats = [round(0.1 * i, 1) for i in range(6)]
    assert clicks == [b for b in beats if b > switched]  # every beat after the switch, none before
    assert clicks[-2:] == [0.4, 0.5]


def test_playing_again_restarts(player: Player, synth: NullSynth) -> None:
    states: list[bool] = []
    player.state_changed.connect(states.append)
    player.play(fast_song())
    time.sleep(0.05)
    player.play(fast_song(), start_tick=2 * Q)
    wait_stopped(player)
    assert states == [True, False, True, False]
    assert [pitch for t, name, pitch in timeline(synth, player) if name == "note_on" and t >= 0] == [64, 65]


def test_audition_releases_the_note_after_its_length(player: Player, synth: NullSynth) -> None:
    player.audition(72, 100, ms=50)
    player.audition(74, 100, ms=50)
    time.sleep(0.1)
    calls = [(c.name, c.args) for c in synth.notes()]
    assert calls == [("note_on", (AUDITION_CHANNEL, 72, 100)), ("note_on", (AUDITION_CHANNEL, 74, 100)),
                     ("note_off", (AUDITION_CHANNEL, 72)), ("note_off", (AUDITION_CHANNEL, 74))]
    offs = [c.time for c in synth.notes() if c.name == "note_off"]
    assert offs[0] - synth.notes()[0].time == pytest.approx(0.05, abs=TOLERANCE)


def test_a_re_auditioned_note_is_not_cut_by_the_first_release(player: Player, synth: NullSynth) -> None:
    player.audition(72, ms=60)
    time.sleep(0.03)
    player.audition(72, ms=60)
    time.sleep(0.045)  # past the first click's release, before the second's
    assert [c.name for c in synth.notes()] == ["note_on", "note_on"]
    time.sleep(0.04)
    assert [c.name for c in synth.notes()] == ["note_on", "note_on", "note_off"]


def test_closing_releases_auditioned_notes(player: Player, synth: NullSynth) -> None:
    player.audition(72, ms=5000)
    player.close()
    assert [c.name for c in synth.calls][-2:] == ["note_off", "close"]
    assert synth.closed


def test_live_keyboard_notes_use_their_own_channel(player: Player, synth: NullSynth) -> None:
    player.set_live_program(40)
    player.note_on(60, 70)
    player.note_off(60)
    assert ("select_program", (LIVE_CHANNEL, 40)) in [(c.name, c.args) for c in synth.calls]
    assert [(c.name, c.args) for c in synth.notes()] == [("note_on", (LIVE_CHANNEL, 60, 70)),
                                                         ("note_off", (LIVE_CHANNEL, 60))]


@pytest.mark.parametrize(("pitch", "velocity", "message"), [(128, 90, "pitch 128"), (60, 0, "velocity 0")])
def test_bad_notes_are_refused(player: Player, pitch: int, velocity: int, message: str) -> None:
    with pytest.raises(AudioError, match=message):
        player.audition(pitch, velocity)


def test_no_audio_device_is_reported_on_open() -> None:
    def no_device() -> NullSynth:
        raise NoAudioDevice("no audio output: FluidSynth could not start the alsa audio driver")

    player = Player(backend_factory=no_device)
    with pytest.raises(NoAudioDevice, match="no audio output"):
        player.play(fast_song())
    assert not player.is_open and not player.is_playing
    player.close()


class FailingSynth(NullSynth):
    """Fails on the third note, as a synthesiser losing its device would."""

    def note_on(self, channel: int, pitch: int, velocity: int) -> None:
        if len(self.notes()) >= 2:
            raise AudioError("the audio device went away")
        super().note_on(channel, pitch, velocity)


def test_a_failure_while_playing_stops_and_reports() -> None:
    synth = FailingSynth()
    player = Player(backend_factory=lambda: synth)
    errors: list[str] = []
    stopped = threading.Event()
    player.error.connect(errors.append)
    player.state_changed.connect(lambda playing: None if playing else stopped.set())
    player.play(fast_song())
    assert stopped.wait(2.0)
    player.close()
    assert errors == ["the audio device went away"]
    assert [c.name for c in synth.notes()] == ["note_on", "note_off"]


def test_calls_are_recorded_with_timestamps() -> None:
    synth = NullSynth(clock=lambda: 1.5)
    synth.note_on(0, 60, 90)
    assert synth.calls == [SynthCall(1.5, "note_on", (0, 60, 90))]
