"""The chord accompaniment in the real-time player: style, instrument and mute, also while playing."""

from __future__ import annotations

import time

import pytest

from melodystudio.audio import AccompanimentStyle
from melodystudio.audio.schedule import CHORD_CHANNEL, CHORD_VOLUME
from melodystudio.core import PPQ, Chord, ChordSymbol, Note, Song, TempoChange
from melodystudio.playback import NullSynth, Player
from tests.playback.test_player import TOLERANCE, wait_stopped

Q = PPQ
BPM = 600  # a quarter note lasts 0.1 s


def two_chords() -> Song:
    """C for a bar, then F for a bar, under a held melody note: 0.4 s per bar."""
    chords = [Chord(0, 4 * Q, ChordSymbol("C")), Chord(4 * Q, 4 * Q, ChordSymbol("F"))]
    return Song("Chords", tempos=[TempoChange.from_bpm(0, BPM)], notes=[Note(0, 8 * Q, 72)], chords=chords)


def chord_ons(synth: NullSynth, player: Player) -> list[tuple[float, int]]:
    return [(c.time - player.started_at, c.args[1]) for c in synth.notes()
            if c.name == "note_on" and c.args[0] == CHORD_CHANNEL]


def test_broken_chords_sound_on_the_beats(player: Player, synth: NullSynth) -> None:
    player.play(two_chords(), accompaniment=AccompanimentStyle("broken"))
    wait_stopped(player)
    ons = chord_ons(synth, player)
    assert [p for _, p in ons] == [48, 55, 52, 55, 53, 60, 57, 60]
    assert [t for t, _ in ons] == pytest.approx([0.1 * i for i in range(8)], abs=TOLERANCE)


def test_the_style_is_kept_between_plays_and_applied_when_the_device_opens(synth: NullSynth) -> None:
    player = Player(backend_factory=lambda: synth)
    try:
        player.set_accompaniment(AccompanimentStyle("broken", program=24))
        player.set_chords_muted(True)
        assert synth.calls == []  # nothing open yet
        player.open()
        setup = [(c.name, c.args) for c in synth.calls]
        assert ("select_program", (CHORD_CHANNEL, 24)) in setup and ("set_volume", (CHORD_CHANNEL, 0)) in setup
        player.play(two_chords())  # no chord options: the player's own
        player.stop()
        assert player.accompaniment == AccompanimentStyle("broken", program=24) and player.chords_muted
        setup = [(c.name, c.args) for c in synth.calls if c.name in ("select_program", "set_volume")]
        assert setup[-2:] == [("select_program", (CHORD_CHANNEL, 24)), ("set_volume", (CHORD_CHANNEL, 0))]
    finally:
        player.close()


def test_muting_while_playing_silences_the_chord_channel_at_once(player: Player, synth: NullSynth) -> None:
    player.play(two_chords())
    time.sleep(0.1)
    before = time.perf_counter()
    player.set_chords_muted(True)
    muted = [c for c in synth.calls if c.name == "set_volume" and c.args == (CHORD_CHANNEL, 0)]
    assert muted and muted[-1].time - before < 0.01
    player.set_chords_muted(False)
    assert synth.calls[-1].args == (CHORD_CHANNEL, CHORD_VOLUME)
    player.stop()


def test_a_new_instrument_applies_at_once_and_a_new_style_from_the_next_chord(player: Player,
                                                                               synth: NullSynth) -> None:
    player.play(two_chords())  # block
    time.sleep(0.15)  # C is sounding
    player.set_accompaniment(AccompanimentStyle("broken", program=24))
    assert synth.calls[-1].name == "select_program" and synth.calls[-1].args == (CHORD_CHANNEL, 24)
    wait_stopped(player)
    ons = chord_ons(synth, player)
    assert [p for _, p in ons] == [48, 52, 55, 53, 60, 57, 60]  # C block, then F broken
    assert [t for t, _ in ons] == pytest.approx([0, 0, 0, 0.4, 0.5, 0.6, 0.7], abs=TOLERANCE)
