"""A private JACK server on the dummy backend, for real MIDI and audio loopback without hardware.

Needs jackd2 (apt-get install jackd2). The server gets a unique name, and JACK_DEFAULT_SERVER
points clients (rtmidi, FluidSynth) at it; JACK_NO_START_SERVER stops clients from spawning one.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

START_SECONDS = 10.0
SKIP_REASON = "jackd is not installed (apt-get install jackd2) - needed for the JACK loopback test"


def _server_ready() -> bool:
    import rtmidi

    try:
        probe = rtmidi.MidiIn(rtmidi.API_UNIX_JACK, "melodystudio-probe")
    except rtmidi.SystemError:
        return False
    probe.delete()
    return True


@contextmanager
def jack_server() -> Iterator[str]:
    """Start ``jackd -d dummy`` under a unique name; yields the name; always stops it."""
    jackd = shutil.which("jackd")
    if jackd is None:
        pytest.skip(SKIP_REASON)
    name = f"melodystudio-test-{os.getpid()}"
    saved = {k: os.environ.get(k) for k in ("JACK_DEFAULT_SERVER", "JACK_NO_START_SERVER")}
    env = dict(os.environ, JACK_NO_AUDIO_RESERVATION="1")
    log = tempfile.TemporaryFile()  # a file, not a pipe: a full pipe would block jackd
    proc = subprocess.Popen([jackd, "-n", name, "--no-realtime", "-d", "dummy", "-r", "48000", "-p", "1024"],
                            env=env, stdout=log, stderr=subprocess.STDOUT)
    os.environ.update(JACK_DEFAULT_SERVER=name, JACK_NO_START_SERVER="1")
    try:
        deadline = time.monotonic() + START_SECONDS
        while not _server_ready():
            if proc.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                pytest.fail(f"jackd did not start: {log.read().decode(errors='replace')[-500:]}")
            time.sleep(0.05)
        yield name
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        log.close()
