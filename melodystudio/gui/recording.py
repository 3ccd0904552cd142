"""Real-time recording: keys played on the MIDI keyboard against the metronome become one take,
quantised to the snap grid (1/16 when snap is off) and placed as one undo step.

Record (R) plays from the playhead, or from the first selected bar, with the metronome and the
count-in; Record again, Space or Esc stops and places the take, which wins over what was there, as
placed material does. Without audio the take runs on the wall clock: nothing clicks, but the
playhead still moves. Every time is on one clock, ``time.perf_counter`` (the player's and the MIDI
port's); tests pass their own.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QKeySequence

from melodystudio.core import PPQ, Note, Song, edits
from melodystudio.gui.document import Document
from melodystudio.gui.midi_input import NOT_OPENED, MidiKeyboard
from melodystudio.gui.piano_roll import PianoRoll
from melodystudio.gui.qt_player import QtPlayer
from melodystudio.gui.settings import COUNT_IN_CHOICES, AppSettings
from melodystudio.gui.snap import SNAP_VALUES, SnapValue, step_ticks
from melodystudio.midiin import RealtimeRecorder

FOLLOW_MS = 33  # playhead updates without audio (~30 Hz, as the player reports)
RECORD_TIP = "Record from the MIDI keyboard against the metronome, quantised to the snap"


def count_in_label(bars: int) -> str:
    return {0: "None", 1: "1 bar"}.get(bars, f"{bars} bars")


def count_in_seconds(song: Song, tick: int, bars: int) -> float:
    """How long ``bars`` bars of count-in last before ``tick`` (the player counts in the same way:
    the meter and tempo in force at ``tick``)."""
    tl = song.timeline
    return bars * tl.signature_at(tick).bar_ticks * tl.tempo_at(tick).us_per_quarter / 1e6 / PPQ


def grid_label(snap: SnapValue) -> str:
    """The note value a take is quantised to under ``snap`` (snap off: the fallback step)."""
    step = step_ticks(snap)
    return next((v.label for v in SNAP_VALUES if v.ticks == step), f"{step} ticks")


def _count(notes: Sequence[Note]) -> str:
    return "1 note" if len(notes) == 1 else f"{len(notes)} notes"


class RealtimeRecording(QObject):
    message = Signal(str)
    count_in_changed = Signal(int)  # bars

    def __init__(self, document: Document, roll: PianoRoll, player: QtPlayer | None,
                 parent: QObject | None = None, *, clock: Callable[[], float] = time.perf_counter) -> None:
        super().__init__(parent)
        self.document, self.roll, self.player = document, roll, player
        self.clock = clock
        self.keyboard: MidiKeyboard | None = None
        self.take: RealtimeRecorder | None = None
        self.count_in_bars = AppSettings().count_in_bars
        self._with_audio = False  # the current take started the player
        self.record_action = self._action("Record", "R", checkable=True)
        self.record_action.triggered.connect(self._record_triggered)
        self.stop_action = self._action("Stop recording", "Esc")
        self.stop_action.triggered.connect(lambda _checked=False: self.stop())
        self.stop_action.setEnabled(False)  # Esc belongs to the Generate panel when not recording
        self.count_in_group = QActionGroup(self)
        for bars in COUNT_IN_CHOICES:
            act = QAction(count_in_label(bars), self.count_in_group, checkable=True)
            act.setData(bars)
            act.setChecked(bars == self.count_in_bars)
            act.triggered.connect(lambda _checked=False, b=bars: self.set_count_in(b))
        self._follow = QTimer(self, interval=FOLLOW_MS)
        self._follow.timeout.connect(self._follow_clock)
        if player is not None:
            player.state_changed.connect(self._player_state)
        self._set_available(False, NOT_OPENED)

    def _action(self, text: str, keys: str, checkable: bool = False) -> QAction:
        action = QAction(text, self)
        action.setShortcut(QKeySequence(keys))
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.setCheckable(checkable)
        return action

    def attach(self, keyboard: MidiKeyboard) -> None:
        """Take keys from ``keyboard``; Record is enabled while it has a port open."""
        self.keyboard = keyboard
        keyboard.port_changed.connect(self._set_available)
        self._set_available(keyboard.is_open, keyboard.unavailable_reason)

    @property
    def is_recording(self) -> bool:
        return self.take is not None

    def set_count_in(self, bars: int) -> None:
        if bars not in COUNT_IN_CHOICES:
            return
        for act in self.count_in_group.actions():
            act.setChecked(act.data() == bars)
        if bars != self.count_in_bars:
            self.count_in_bars = bars
            self.count_in_changed.emit(bars)

    def start_tick(self) -> int:
        """Where a take starts: the first selected bar, else the playhead."""
        bars = self.document.bar_selection
        if bars is not None:
            return self.document.song.bar_range_ticks(*bars)[0]
        return self.roll.playhead

    # -- a take ---------------------------------------------------------------------------------
    def start(self) -> bool:
        """Start a take (playing along, with the count-in); False when there is no MIDI input."""
        if self.take is not None:
            return True
        keyboard = self.keyboard
        if keyboard is None or not keyboard.is_open:
            reason = keyboard.unavailable_reason if keyboard is not None else NOT_OPENED
            self.message.emit(f"Cannot record: no MIDI input is available ({reason})")
            self.record_action.setChecked(False)
            return False
        song, start = self.document.song, self.start_tick()
        grid = step_ticks(self.roll.view.snap)
        self._with_audio = self._play(song, start)
        if self._with_audio and self.player is not None:
            start_time = self.player.start_tick_time
        else:
            start_time = self.clock() + count_in_seconds(song, start, self.count_in_bars)
            self._follow.start()
        self.take = RealtimeRecorder(song.timeline, start, grid, start_time)
        keyboard.take = self.take
        self.roll.set_playhead(start, follow=True)
        self._set_recording(True)
        self.message.emit(self._started_text(song, start))
        return True

    def stop(self, keep: bool = True) -> list[Note]:
        """End the take; with ``keep``, place its notes as one undo step and return them."""
        take, self.take = self.take, None
        if take is None:
            return []
        end_time = self.clock()
        if self.keyboard is not None:
            self.keyboard.take = None
        self._follow.stop()
        self._set_recording(False)
        if self._with_audio and self.player is not None:
            self.player.stop()
        if not keep:
            return []
        notes = take.finish(end_time)
        if not notes:
            self.message.emit("Nothing recorded")
            return []
        if not self.document.perform_planned(edits.place_notes, notes, (), f"Record {_count(notes)}"):
            return []  # the document reported why
        self.message.emit(f"Recorded {_count(notes)}")
        return notes

    def _play(self, song: Song, start: int) -> bool:
        if self.player is None or not self.player.available:
            return False
        return self.player.play(song, start, metronome=True, count_in_bars=self.count_in_bars,
                                stop_at_end=False)

    def _started_text(self, song: Song, start: int) -> str:
        bar = song.timeline.bar_at(start) + 1
        count_in = count_in_label(self.count_in_bars).lower()
        text = f"Recording from bar {bar} (count-in: {count_in}, quantised to {grid_label(self.roll.view.snap)})"
        if self._with_audio:
            return text
        reason = self.player.unavailable_reason if self.player is not None else "playback is switched off"
        return f"{text} without audio ({reason}): no metronome, timed by the clock"

    # -- reactions ------------------------------------------------------------------------------
    def _record_triggered(self, checked: bool) -> None:
        if checked:
            self.start()
        else:
            self.stop()

    def _set_recording(self, on: bool) -> None:
        self.record_action.setChecked(on)
        self.record_action.setText("Stop recording" if on else "Record")
        self.stop_action.setEnabled(on)

    def _set_available(self, available: bool, reason: str) -> None:
        if not available and self.take is not None:
            self.stop()  # the keyboard went away: keep what was played
            self.message.emit(f"Recording stopped: {reason}")
        enabled = available or self.take is not None
        tip = RECORD_TIP if enabled else f"No MIDI input is available to record from ({reason})"
        self.record_action.setEnabled(enabled)
        self.record_action.setToolTip(tip)
        self.record_action.setStatusTip(tip)

    def _player_state(self, playing: bool) -> None:
        if not playing and self._with_audio and self.take is not None:
            self.stop()  # playback ended by itself (an audio error): keep the take

    def _follow_clock(self) -> None:
        if self.take is not None:
            self.roll.set_playhead(max(self.take.start_tick, self.take.tick_at(self.clock())), follow=True)
