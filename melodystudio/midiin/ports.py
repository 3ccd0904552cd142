"""MIDI input ports through mido: listing never fails, opening fails with a clear MidiInputError.

Without a sound card, rtmidi's ALSA calls raise (``mido.get_input_names()`` included), so listing
catches every backend error and returns no ports plus a reason the status bar can show.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from melodystudio.core.errors import MelodyStudioError
from melodystudio.midiin.messages import NoteMessage

log = logging.getLogger(__name__)

DEFAULT_BACKEND = "mido.backends.rtmidi"  # mido's own default; "mido.backends.rtmidi/UNIX_JACK" picks rtmidi's JACK API
NO_PORTS = "no MIDI input ports found"
# rtmidi's error texts name the MIDI system that failed; the reason shown for each.
_REASONS = (("ALSA", "no MIDI ports (ALSA unavailable)"), ("JACK", "no MIDI ports (JACK server not running)"))


class MidiInputError(MelodyStudioError):
    """A MIDI input port could not be opened or used."""


def _load_backend(backend: str | None) -> Any:
    import mido  # imported here so that the app starts even when mido is broken

    return mido.Backend(backend or DEFAULT_BACKEND, load=True)


def _reason(error: BaseException) -> str:
    text = str(error)
    for needle, reason in _REASONS:
        if needle in text:
            return reason
    if isinstance(error, ImportError):
        return f"no MIDI ports (MIDI backend not installed: {error})"
    return f"no MIDI ports ({text or type(error).__name__})"


def list_input_ports(backend: str | None = None) -> tuple[list[str], str]:
    """(port names, reason); the reason is "" when ports were found, else why there are none."""
    try:
        names = list(_load_backend(backend).get_input_names())
    except (ImportError, OSError, SystemError) as e:  # rtmidi's SystemError is an OSError
        return [], _reason(e)
    return (names, "") if names else ([], NO_PORTS)


class MidiInput:
    """An open input port calling ``callback`` with each NoteMessage, on the MIDI backend's thread.

    Other messages (clock, controllers, ...) are dropped. Use as a context manager or call close().
    """

    def __init__(self, name: str, callback: Callable[[NoteMessage], None], *, backend: str | None = None,
                 clock: Callable[[], float] = time.perf_counter) -> None:
        self.name = name
        self._callback = callback
        self._clock = clock
        names, reason = list_input_ports(backend)
        if name not in names:
            available = f"available: {', '.join(names)}" if names else reason
            raise MidiInputError(f"MIDI input '{name}' not found ({available})")
        try:
            self._port = _load_backend(backend).open_input(name, callback=self._on_message)
        except (ImportError, OSError, SystemError, ValueError) as e:
            raise MidiInputError(f"cannot open MIDI input '{name}': {e}") from e

    def _on_message(self, message: Any) -> None:
        note = NoteMessage.from_mido(message, self._clock())
        if note is None:
            return
        try:
            self._callback(note)
        except Exception:  # the backend's thread would swallow it silently
            log.exception("MIDI input callback failed for %s", note)

    @property
    def closed(self) -> bool:
        return bool(self._port.closed)

    def close(self) -> None:
        if not self._port.closed:
            self._port.close()

    def __enter__(self) -> MidiInput:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_input(name: str, callback: Callable[[NoteMessage], None], backend: str | None = None) -> MidiInput:
    """Open the input port ``name``; raises MidiInputError with the reason when it cannot."""
    return MidiInput(name, callback, backend=backend)
