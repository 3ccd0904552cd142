"""The Qt face of playback: a thin adapter that turns ``playback.Player`` events into signals.

The player reports from its sequencer thread; this object lives on the GUI thread and re-emits
through queued private signals. Playhead reports are coalesced: however slow the GUI is, at most
one is queued, carrying the latest tick (the player sends about 30 a second).

When no audio device can be opened, ``available`` is False and ``unavailable_reason`` says why;
every method still works (silently, or with one ``error`` per play attempt) so the app carries on.
"""

from __future__ import annotations

import threading
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from melodystudio.audio.accompaniment import AccompanimentStyle
from melodystudio.audio.errors import AudioError
from melodystudio.core import Song
from melodystudio.playback.backends import AudioSettings
from melodystudio.playback.player import Player


class QtPlayer(QObject):
    position_changed = Signal(int)  # tick under the playhead, GUI thread
    state_changed = Signal(bool)  # playing
    error = Signal(str)  # one line for the status bar

    _posted_position = Signal()
    _posted_state = Signal(bool)
    _posted_error = Signal(str)

    def __init__(self, player: Player | None = None, parent: QObject | None = None, *,
                 settings: AudioSettings | None = None, open_device: bool = True) -> None:
        super().__init__(parent)
        self.player = player or Player(settings)
        self.available = False
        self.unavailable_reason = "audio output not opened yet"
        self._lock = threading.Lock()
        self._pending_tick: int | None = None  # latest tick not yet delivered (coalescing)
        self._posted_position.connect(self._deliver_position)
        self._posted_state.connect(self.state_changed)
        self._posted_error.connect(self.error)
        self.player.position_changed.connect(self._on_player_position)
        self.player.state_changed.connect(lambda playing: self._posted_state.emit(playing))
        self.player.error.connect(lambda message: self._posted_error.emit(message))
        if open_device:
            self.open()

    # -- device -------------------------------------------------------------------------------
    def open(self, settings: AudioSettings | None = None) -> bool:
        """(Re)open the audio device, with new settings if given; False when there is none."""
        if settings is not None:
            self.player.close()
            self.player.settings = settings
        try:
            self.player.open()
        except AudioError as e:
            self.available, self.unavailable_reason = False, str(e)
            return False
        self.available, self.unavailable_reason = True, ""
        return True

    @property
    def device_name(self) -> str:
        """The audio driver in use, "" when unavailable (for the status bar)."""
        return self.player.device_name

    def close(self) -> None:
        """Stop and release the device; call before the app quits."""
        self.player.close()
        self.available = False
        self.unavailable_reason = "audio output closed"

    # -- transport ----------------------------------------------------------------------------
    @property
    def is_playing(self) -> bool:
        return self.player.is_playing

    def position_tick(self) -> int:
        return self.player.position_tick()

    @property
    def start_tick_time(self) -> float:
        """Clock time (the player's clock) at which playback passed its start tick."""
        return self.player.start_tick_time

    def play(self, song: Song, start_tick: int = 0, **options: Any) -> bool:
        """Play (see Player.play for the options); False, with ``error`` emitted, when it cannot."""
        if not self.available:
            self.error.emit(f"cannot play: {self.unavailable_reason}")
            return False
        try:
            self.player.play(song, start_tick, **options)
        except AudioError as e:
            self.error.emit(str(e))
            return False
        return True

    def toggle(self, song: Song, start_tick: int = 0, **options: Any) -> bool:
        """Space: stop when playing, else play; returns whether it is playing now."""
        if self.player.is_playing:
            self.stop()
            return False
        return self.play(song, start_tick, **options)

    def stop(self) -> None:
        self.player.stop()

    def set_metronome(self, on: bool) -> None:
        self.player.set_metronome(on)

    def set_chords_muted(self, muted: bool) -> None:
        """Heard at once, also while playing; kept for later plays (works without a device)."""
        self._quietly(self.player.set_chords_muted, muted)

    def set_accompaniment(self, style: AccompanimentStyle) -> None:
        """Chord instrument at once, block/broken from the next chord; kept for later plays."""
        self._quietly(self.player.set_accompaniment, style)

    # -- single notes (silent without a device) -------------------------------------------------
    def set_live_program(self, program: int) -> None:
        self._quietly(self.player.set_live_program, program)

    def audition(self, pitch: int, velocity: int = 90, ms: int = 300) -> None:
        if self.available:
            self._quietly(self.player.audition, pitch, velocity, ms)

    def note_on(self, pitch: int, velocity: int = 90) -> None:
        if self.available:
            self._quietly(self.player.note_on, pitch, velocity)

    def note_off(self, pitch: int) -> None:
        if self.available:
            self._quietly(self.player.note_off, pitch)

    def _quietly(self, method: Any, *args: Any) -> None:
        try:
            method(*args)
        except AudioError as e:
            self.error.emit(str(e))

    # -- from the sequencer thread ------------------------------------------------------------
    def _on_player_position(self, tick: int) -> None:
        with self._lock:
            already_posted = self._pending_tick is not None
            self._pending_tick = tick
        if not already_posted:
            self._posted_position.emit()

    @Slot()
    def _deliver_position(self) -> None:
        with self._lock:
            tick, self._pending_tick = self._pending_tick, None
        if tick is not None:
            self.position_changed.emit(tick)
