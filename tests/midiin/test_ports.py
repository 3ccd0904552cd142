"""MIDI ports: listing never raises, opening fails clearly, and a real JACK loopback delivers notes."""

from __future__ import annotations

import queue
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from melodystudio.core import PPQ, Note, Song, TempoChange
from melodystudio.midiin import MidiInput, MidiInputError, NoteMessage, RealtimeRecorder, list_input_ports, open_input

JACK_BACKEND = "mido.backends.rtmidi/UNIX_JACK"
ARRIVAL_SECONDS = 2.0  # generous: messages normally arrive within ~25 ms (one JACK period)
SETTLE_SECONDS = 0.1  # JACK connects a newly opened input a few periods later; earlier messages are lost


class FakeMessage:
    def __init__(self, type: str, **fields: int) -> None:
        self.type = type
        self.__dict__.update(fields)


@pytest.mark.parametrize(("message", "expected"), [
    (FakeMessage("note_on", note=60, velocity=100, channel=2), NoteMessage(60, 100, 1.0, 2)),
    (FakeMessage("note_on", note=60, velocity=0, channel=0), NoteMessage(60, 0, 1.0, 0)),
    (FakeMessage("note_off", note=61, velocity=64, channel=0), NoteMessage(61, 0, 1.0, 0)),
    (FakeMessage("control_change", control=64, value=127, channel=0), None),
])
def test_note_messages_from_mido(message: FakeMessage, expected: NoteMessage | None) -> None:
    assert NoteMessage.from_mido(message, 1.0) == expected


def test_listing_never_raises() -> None:
    names, reason = list_input_ports()
    assert isinstance(names, list)
    assert (reason == "") == bool(names)


@pytest.mark.skipif(Path("/dev/snd/seq").exists(), reason="this machine has ALSA MIDI")
def test_without_alsa_there_are_no_ports_and_a_reason() -> None:
    assert list_input_ports() == ([], "no MIDI ports (ALSA unavailable)")


def test_a_missing_backend_is_a_reason_not_a_crash() -> None:
    names, reason = list_input_ports("mido.backends.no_such_backend")
    assert names == []
    assert reason.startswith("no MIDI ports (MIDI backend not installed")


def test_opening_an_unknown_port_says_what_is_there() -> None:
    with pytest.raises(MidiInputError, match="MIDI input 'Keystation 49' not found \\(no MIDI ports"):
        open_input("Keystation 49", print)


# -- a real loopback through a private JACK server (needs jackd2) ---------------------------------
@pytest.fixture
def virtual_keyboard(jack: str) -> Iterator[Any]:  # a mido output port
    import mido

    port = mido.Backend(JACK_BACKEND, load=True).open_output("melodystudio-test-keys", virtual=True)
    yield port
    port.close()


def keyboard_port_name() -> str:
    names, reason = list_input_ports(JACK_BACKEND)
    matches = [n for n in names if "melodystudio-test-keys" in n]
    assert matches, f"virtual keyboard not listed: {names} {reason}"
    return matches[0]


def test_notes_played_on_a_virtual_keyboard_arrive(virtual_keyboard: Any) -> None:
    import mido

    received: queue.Queue[NoteMessage] = queue.Queue()
    with MidiInput(keyboard_port_name(), received.put, backend=JACK_BACKEND) as port:
        time.sleep(SETTLE_SECONDS)
        virtual_keyboard.send(mido.Message("note_on", note=64, velocity=100, channel=3))
        virtual_keyboard.send(mido.Message("control_change", control=64, value=127))
        virtual_keyboard.send(mido.Message("note_off", note=64, velocity=40, channel=3))
        first = received.get(timeout=ARRIVAL_SECONDS)
        second = received.get(timeout=ARRIVAL_SECONDS)
    assert port.closed
    assert (first.pitch, first.velocity, first.channel) == (64, 100, 3)
    assert (second.pitch, second.velocity, second.is_on) == (64, 0, False)
    assert 0 <= second.time - first.time < 0.05
    assert received.empty()  # the pedal was not passed on


def test_a_take_recorded_from_a_virtual_keyboard(virtual_keyboard: Any) -> None:
    import mido

    song = Song(tempos=[TempoChange.from_bpm(0, 240)])
    recorder = RealtimeRecorder(song.timeline, 0, PPQ // 2)  # eighths: 0.125 s, far above JACK's ~21 ms jitter
    with MidiInput(keyboard_port_name(), recorder.feed, backend=JACK_BACKEND):
        time.sleep(SETTLE_SECONDS)
        start = recorder.start_time = time.perf_counter()
        for pitch, on, off in ((60, 0.0, 0.1), (62, 0.125, 0.25), (67, 0.25, 0.47)):
            for t, velocity in ((on, 90), (off, 0)):
                time.sleep(max(0.0, start + t - time.perf_counter()))
                virtual_keyboard.send(mido.Message("note_on", note=pitch, velocity=velocity))
        time.sleep(SETTLE_SECONDS)
    notes = recorder.finish(time.perf_counter())
    assert notes == [Note(0, PPQ // 2, 60), Note(PPQ // 2, PPQ // 2, 62), Note(PPQ, PPQ, 67)]
