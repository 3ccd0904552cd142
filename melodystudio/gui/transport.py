"""Transport: play/stop (Space), loop the selected bars (L), metronome (M), real-time recording (R,
in gui.recording), the chord accompaniment (C, in gui.accompaniment), auditioning notes and
previewing a variation. Works without audio: every action then says why nothing is heard."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence

from melodystudio.core import Note, Song, edits
from melodystudio.core.progress import Job, Progress
from melodystudio.gui.accompaniment import AccompanimentControls
from melodystudio.gui.document import Document
from melodystudio.gui.piano_roll import PianoRoll
from melodystudio.gui.qt_player import QtPlayer
from melodystudio.gui.recording import RealtimeRecording
from melodystudio.jobs import JobRunner

LEAD_IN_BARS = 1  # a variation preview starts a bar early so it is heard in context


def open_player_job(player: QtPlayer) -> Job[bool]:
    """Opening FluidSynth loads the sound font (up to ~150 MB): done off the GUI thread."""
    yield Progress(0.0, "Starting audio")
    return player.open()


def preview_song(song: Song, first_bar: int, last_bar: int, notes: tuple[Note, ...]) -> tuple[Song, int]:
    """A copy of ``song`` with ``notes`` in the bars and nothing after them; returns the song and
    the tick to start playing from."""
    preview = song.copy()
    preview.apply(edits.replace_bars(preview, first_bar, last_bar, notes))
    _start, end = preview.bar_range_ticks(first_bar, last_bar)
    later = preview.notes_between(end, preview.end_tick + 1)
    if later:
        preview.apply(edits.delete_notes(preview, later))
    preview.apply(edits.set_chords(preview, [], end))
    return preview, preview.timeline.bar_start(max(0, first_bar - LEAD_IN_BARS))


class Transport(QObject):
    audio_status = Signal(str, str)  # short text, tooltip
    message = Signal(str)

    def __init__(self, document: Document, roll: PianoRoll, player: QtPlayer | None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document, self.roll, self.player = document, roll, player
        self.play_action = self._action("Play / Stop", "Space", self.play_stop)
        self.loop_action = self._action("Loop selection", "L", self._loop_toggled, checkable=True)
        self.metronome_action = self._action("Metronome", "M", self._metronome_toggled, checkable=True)
        self.rewind_action = self._action("Go to start", "Ctrl+Home", lambda: self.seek(0))
        self.stop_action = self._action("Stop", "", self.stop)
        self.accompaniment = AccompanimentControls(player, self)
        self.recording = RealtimeRecording(document, roll, player, self)
        self.recording.message.connect(self.message)
        roll.set_audition(self.audition)
        roll.playhead_moved.connect(self.seek)
        document.song_replaced.connect(self._song_replaced)
        if player is not None:
            player.position_changed.connect(self._position)
            player.state_changed.connect(self._state)
            player.error.connect(self.message)

    def _action(self, text: str, keys: str, slot: object, checkable: bool = False) -> QAction:
        action = QAction(text, self)
        if keys:
            action.setShortcut(QKeySequence(keys))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.setCheckable(checkable)
        action.triggered.connect(slot)
        return action

    def start_audio(self, runner: JobRunner) -> None:
        """Open the audio device in the background; the status bar says how it went."""
        if self.player is None:
            self.audio_status.emit("off", "no audio player")
            return
        player = self.player
        handle = runner.submit(lambda: open_player_job(player), name="audio")
        handle.result.connect(self._audio_opened)
        handle.error.connect(lambda message: self.audio_status.emit("none", message))

    def _audio_opened(self, ok: bool) -> None:
        if self.player is None:
            return
        if ok:
            self.audio_status.emit(self.player.device_name or "on", "")
            self.player.set_metronome(self.metronome_action.isChecked())
            self.player.set_live_program(self.document.song.program)
        else:
            self.audio_status.emit("none", self.player.unavailable_reason)

    @property
    def available(self) -> bool:
        return self.player is not None and self.player.available

    # -- actions ------------------------------------------------------------------------------
    def play_stop(self) -> None:
        if self.recording.is_recording:
            self.recording.stop()
            return
        if self.player is None:
            self.message.emit("No audio: playback is switched off")
            return
        if self.player.is_playing:
            self.player.stop()
            return
        loop = self.loop_range()
        start = loop[0] if loop is not None else self.roll.playhead
        self.player.play(self.document.song, start, loop=loop, metronome=self.metronome_action.isChecked())

    def loop_range(self) -> tuple[int, int] | None:
        bars = self.document.bar_selection
        if not self.loop_action.isChecked() or bars is None:
            return None
        return self.document.song.bar_range_ticks(*bars)

    def stop(self) -> None:
        """Stop playing; a take being recorded ends and is placed."""
        self.recording.stop()
        if self.player is not None:
            self.player.stop()

    def _song_replaced(self, _song: object = None) -> None:
        self.recording.stop(keep=False)  # the take belongs to the song that was replaced
        self.stop()

    def seek(self, tick: int) -> None:
        self.recording.stop()  # moving the playhead ends a take, as stopping does
        self.roll.set_playhead(tick)
        if self.player is not None and self.player.is_playing:
            self.player.play(self.document.song, tick, loop=self.loop_range(),
                             metronome=self.metronome_action.isChecked())

    def audition(self, pitch: int, velocity: int) -> None:
        if self.player is not None:
            self.player.audition(pitch, velocity)

    def preview(self, first_bar: int, last_bar: int, notes: tuple[Note, ...]) -> None:
        """Play the song with a variation in place, from a bar before it to its end."""
        if not self.available or self.player is None:
            return
        song, start = preview_song(self.document.song, first_bar, last_bar, notes)
        self.player.play(song, start, metronome=False)

    def _loop_toggled(self, on: bool) -> None:
        if on and self.document.bar_selection is None:
            self.message.emit("Loop: select bars on the ruler first")
        if self.player is not None and self.player.is_playing:
            self.seek(self.roll.playhead)

    def _metronome_toggled(self, on: bool) -> None:
        if self.player is not None:
            self.player.set_metronome(on)

    def _position(self, tick: int) -> None:
        self.roll.set_playhead(tick, follow=True)

    def _state(self, playing: bool) -> None:
        self.play_action.setText("Stop" if playing else "Play")
