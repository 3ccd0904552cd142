"""Playback fixtures: a player on the recording NullSynth, and a check that no thread outlives a test."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from melodystudio.playback import NullSynth, Player


@pytest.fixture(autouse=True)
def no_thread_left_running() -> Iterator[None]:
    before = set(threading.enumerate())
    yield
    started = [t for t in threading.enumerate() if t not in before]
    for t in started:
        t.join(0.2)
    alive = [t.name for t in started if t.is_alive()]
    assert not alive, f"thread(s) still running after the test: {', '.join(alive)}"


@pytest.fixture
def synth() -> NullSynth:
    return NullSynth()


@pytest.fixture
def player(synth: NullSynth) -> Iterator[Player]:
    p = Player(backend_factory=lambda: synth)
    yield p
    p.close()


@pytest.fixture(scope="module")
def jack() -> Iterator[str]:
    """A private JACK server (dummy backend): a real audio driver for FluidSynth without hardware."""
    from tests.midiin.jack_server import jack_server

    with jack_server() as name:
        yield name
