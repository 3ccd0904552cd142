"""MIDI input fixtures: a private JACK server for the loopback test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.midiin.jack_server import jack_server


@pytest.fixture(scope="module")
def jack() -> Iterator[str]:
    with jack_server() as name:
        yield name
