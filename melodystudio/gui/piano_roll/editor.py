"""The piano-roll editor: scene, view and lanes laid out together and kept in step with the
document. Song changes arrive as ``SongChange`` ranges; only that range of the scene is rebuilt and
only lanes showing it repaint."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QKeyEvent, QShowEvent
from PySide6.QtWidgets import QGridLayout, QLabel, QWidget

from melodystudio.core import MelodyStudioError, Note, Song, SongChange, edits
from melodystudio.gui import note_edits
from melodystudio.gui.document import BarRange, Document
from melodystudio.gui.piano_roll import clipboard
from melodystudio.gui.piano_roll.chord_lane import ChordLane
from melodystudio.gui.piano_roll.gestures import GestureHandler
from melodystudio.gui.piano_roll.keyboard import WIDTH as KEYBOARD_WIDTH
from melodystudio.gui.piano_roll.keyboard import KeyboardLane
from melodystudio.gui.piano_roll.lanes import LyricLane
from melodystudio.gui.piano_roll.ruler import BarRuler
from melodystudio.gui.piano_roll.scene import NoteScene
from melodystudio.gui.piano_roll.view import ZOOM_STEP, PianoRollView
from melodystudio.gui.snap import snap_tick, snap_value, step_ticks

Audition = Callable[[int, int], None]  # (pitch, velocity)
OCTAVE = 12


class PianoRoll(QWidget):
    message = Signal(str)  # transient status text
    selection_changed = Signal()
    playhead_moved = Signal(int)  # the user moved it (double-click on the ruler)

    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self._audition: Audition | None = None
        self.scene = NoteScene(document.song, self)
        self.view = PianoRollView(self.scene, document.song, self)
        self.keyboard = KeyboardLane(self.view, self)
        self.keyboard.audition = self.audition
        self.ruler = BarRuler(self.view, self)
        self.chord_lane = ChordLane(self.view, document, self)
        self.lyric_lane = LyricLane(self.view, self, document=document)
        self.gestures = GestureHandler(self)
        self.view.mouse_hook = self.gestures
        self.view.key_hook = self._key
        self._layout()
        self.scene.selection_changed.connect(self.selection_changed)
        self.ruler.bars_selected.connect(document.select_bars)
        self.ruler.seek_requested.connect(self._seek)
        document.song_replaced.connect(self._song_replaced)
        document.song_changed.connect(self._song_changed)
        document.bar_selection_changed.connect(self._bars_changed)
        self._centred = False  # centre on the melody once the view has its real height

    def _layout(self) -> None:
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(0)
        for row, (label, lane) in enumerate((("Bar", self.ruler), ("Chords", self.chord_lane))):
            grid.addWidget(self._caption(label), row, 0)
            grid.addWidget(lane, row, 1)
        grid.addWidget(self.keyboard, 2, 0)
        grid.addWidget(self.view, 2, 1)
        grid.addWidget(self._caption("Lyrics"), 3, 0)
        grid.addWidget(self.lyric_lane, 3, 1)
        grid.setRowStretch(2, 1)
        grid.setColumnStretch(1, 1)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._centred:
            self._centred = True
            self.view.center_on_pitch(self._middle_pitch())

    @staticmethod
    def _caption(text: str) -> QLabel:
        label = QLabel(text)
        label.setFixedWidth(KEYBOARD_WIDTH)
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        label.setStyleSheet("color: #555; font-size: 10px; background: #e9ebf0;")
        return label

    # -- hooks and small state --------------------------------------------------------------
    @property
    def song(self) -> Song:
        return self.document.song

    def set_audition(self, audition: Audition | None) -> None:
        """Where drawn and clicked notes are heard; None keeps editing silent (no audio)."""
        self._audition = audition

    def audition(self, pitch: int, velocity: int) -> None:
        if self._audition is not None:
            self._audition(pitch, velocity)

    def show_message(self, text: str) -> None:
        self.message.emit(text)

    @property
    def playhead(self) -> int:
        return self.view.playhead or 0

    def set_playhead(self, tick: int | None, follow: bool = False) -> None:
        self.view.set_playhead(tick)
        self.ruler.set_playhead(tick)
        if follow and tick is not None:
            self.view.scroll_to_tick(tick)

    def _seek(self, tick: int) -> None:
        self.set_playhead(tick)
        self.playhead_moved.emit(tick)

    def set_snap(self, label: str) -> None:
        self.view.snap = snap_value(label)
        self.view.refresh_background()

    def zoom_in(self) -> None:
        self.view.zoom_by(ZOOM_STEP)

    def zoom_out(self) -> None:
        self.view.zoom_by(1 / ZOOM_STEP)

    # -- ghost preview ----------------------------------------------------------------------
    def show_ghost(self, notes: Sequence[Note]) -> None:
        self.scene.ghost.show(notes)
        if notes:
            self.scene.update_extent(max(n.end for n in notes))
            self.view.scroll_to_tick(min(n.onset for n in notes))

    def clear_ghost(self) -> None:
        self.scene.ghost.clear()

    # -- model events -----------------------------------------------------------------------
    def _song_replaced(self, song: Song) -> None:
        self.gestures.cancel()
        self.chord_lane.finish_edit()
        self.view.song = song
        self.scene.ghost.clear()
        self.scene.rebuild(song)
        self.view.refresh_background()
        self.view.center_on_pitch(self._middle_pitch())
        for lane in (self.ruler, self.chord_lane, self.lyric_lane, self.keyboard):
            lane.update()

    def _song_changed(self, change: SongChange) -> None:
        if change.kind == "notes":
            self.gestures.cancel()
            self.scene.sync_range(change.start, change.end)
            self.lyric_lane.update_ticks(change.start, change.end)
        elif change.kind == "chords":
            self.chord_lane.update_ticks(change.start, change.end)
        elif change.kind in ("meter", "key"):
            self.scene.update_extent()
            self.view.refresh_background()
            for lane in (self.ruler, self.chord_lane, self.lyric_lane, self.keyboard):
                lane.update()

    def _bars_changed(self, bars: BarRange | None) -> None:
        self.ruler.set_selection(bars)
        self.view.set_bar_span(self.song.bar_range_ticks(*bars) if bars is not None else None)

    def _middle_pitch(self) -> int:
        pitches = sorted(n.pitch for n in self.song.notes_between(0, self.song.timeline.bar_start(16)))
        return pitches[len(pitches) // 2] if pitches else 67

    # -- editing commands (menus and keys) ---------------------------------------------------
    def selected_notes(self) -> list[Note]:
        return self.scene.selected_notes()

    def delete_selection(self) -> bool:
        notes = self.selected_notes()
        return bool(notes) and self.document.perform_planned(edits.delete_notes, notes)

    def move_selection(self, delta_ticks: int, delta_pitch: int) -> bool:
        notes = self.selected_notes()
        if not notes or min(n.onset for n in notes) + delta_ticks < 0:
            return False
        if self.document.perform_planned(edits.move_notes, notes, delta_ticks, delta_pitch):
            self.scene.select(n.onset + delta_ticks for n in notes)
            if delta_pitch:
                self.audition(notes[0].pitch + delta_pitch, notes[0].velocity)
            return True
        return False

    def quantize_selection(self) -> bool:
        notes = self.selected_notes() or list(self.song.notes)
        return self.document.perform_planned(note_edits.quantize, notes, self.view.snap)

    def set_selection_velocity(self, velocity: int) -> bool:
        return self.document.perform_planned(note_edits.set_velocity, self.selected_notes(), velocity)

    def duplicate_selection(self) -> bool:
        notes = self.selected_notes()
        try:
            planned = note_edits.duplicate(self.song, notes, self.view.snap)
        except MelodyStudioError as e:  # the planner refused (too many notes): report, keep going
            self.document.edit_failed.emit(str(e))
            return False
        if planned is None:
            return False
        edit, copies = planned
        if self.document.perform(edit):
            self.scene.select(n.onset for n in copies)
            return True
        return False

    def copy_selection(self) -> bool:
        notes = self.selected_notes()
        if notes:
            clipboard.put(note_edits.clip_of(notes))
        return bool(notes)

    def cut_selection(self) -> bool:
        return self.copy_selection() and self.delete_selection()

    def paste(self, at_tick: int | None = None) -> bool:
        """Paste the clipboard's notes at ``at_tick`` (default: ``paste_tick()``), snapped."""
        clip = clipboard.get()
        if not clip:
            self.show_message("Nothing to paste: copy some notes first")
            return False
        at = snap_tick(self.song.timeline, self.paste_tick() if at_tick is None else at_tick, self.view.snap)
        if self.document.perform_planned(note_edits.paste, clip, at):
            self.scene.select(n.onset + at for n in clip)
            return True
        return False

    def paste_tick(self) -> int:
        """Under the mouse when it is over the roll, else at the playhead."""
        pos = self.view.viewport().mapFromGlobal(self.cursor().pos())
        if self.view.viewport().rect().contains(pos):
            return self.view.tick_at_x(pos.x())
        return self.playhead

    def select_all(self) -> None:
        self.scene.select_all()

    def _key(self, event: QKeyEvent) -> bool:
        key, mods = Qt.Key(event.key()), event.modifiers()
        step = step_ticks(self.view.snap)
        octave = bool(mods & Qt.KeyboardModifier.ShiftModifier)
        moves = {Qt.Key.Key_Left: (-step, 0), Qt.Key.Key_Right: (step, 0),
                 Qt.Key.Key_Up: (0, OCTAVE if octave else 1), Qt.Key.Key_Down: (0, -OCTAVE if octave else -1)}
        if key in moves and self.scene.selected_onsets:
            self.move_selection(*moves[key])
            return True
        if key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom_in()
            return True
        if key == Qt.Key.Key_Minus:
            self.zoom_out()
            return True
        if key in (Qt.Key.Key_Home, Qt.Key.Key_End):
            self.view.horizontalScrollBar().setValue(0 if key == Qt.Key.Key_Home else
                                                     self.view.horizontalScrollBar().maximum())
            return True
        return False

    def viewport_point(self, tick: int, pitch: int) -> QPoint:
        """Centre of the cell at (tick, pitch) in viewport pixels: used by tests and the benchmark."""
        return QPoint(round(self.view.x_of_tick(tick)), round(self.view.y_of_pitch(pitch) + self.view.px_per_row / 2))
