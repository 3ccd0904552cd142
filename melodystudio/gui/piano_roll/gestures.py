"""Mouse gestures on the roll: draw, select, move, resize, velocity, rubber band.

A press picks one gesture from what is under the mouse; moves only preview (items shift, nothing in
the song changes); the release performs exactly one edit through the document's undo stack.

    empty space: drag draws a note (a click draws one grid step); Shift/Ctrl-drag: rubber band
    note: click selects (Shift toggles), drag moves; right edge drag resizes; Alt-drag sets velocity
    right button on a note deletes it
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPoint, QPointF, QRect, QSize, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QGraphicsRectItem, QRubberBand

from melodystudio.core import Note, edits
from melodystudio.gui import note_edits
from melodystudio.gui.piano_roll.geometry import note_rect
from melodystudio.gui.piano_roll.note_item import PREVIEW_Z, note_brush, note_pen
from melodystudio.gui.snap import snap_length, snap_tick, step_ticks

if TYPE_CHECKING:
    from melodystudio.gui.piano_roll.editor import PianoRoll

EDGE_PX = 6  # how close to a note's right end a press resizes instead of moving
DRAG_START_PX = 3  # movement below this is a click, not a drag
VELOCITY_PX = 2  # pixels of vertical drag per velocity step
DEFAULT_VELOCITY = 90

Mods = Qt.KeyboardModifier


class Gesture:
    def move(self, event: QMouseEvent) -> None: ...

    def release(self, event: QMouseEvent) -> None: ...

    def cancel(self) -> None: ...


class DrawGesture(Gesture):
    def __init__(self, roll: PianoRoll, onset: int, pitch: int) -> None:
        self.roll, self.onset, self.pitch = roll, onset, pitch
        self.length = step_ticks(roll.view.snap)
        self.item = QGraphicsRectItem(note_rect(onset, self.length, pitch))
        self.item.setBrush(note_brush(10, True))
        self.item.setPen(note_pen(True))
        self.item.setZValue(PREVIEW_Z)
        roll.scene.addItem(self.item)
        roll.audition(pitch, DEFAULT_VELOCITY)

    def move(self, event: QMouseEvent) -> None:
        tick = self.roll.view.tick_at_x(event.position().x())
        self.length = snap_length(tick - self.onset, self.roll.view.snap)
        self.item.setRect(note_rect(self.onset, self.length, self.pitch))

    def release(self, event: QMouseEvent) -> None:
        self.cancel()
        note = Note(self.onset, self.length, self.pitch, DEFAULT_VELOCITY)
        if self.roll.document.perform_planned(edits.insert_notes, [note]):
            self.roll.scene.select([self.onset])

    def cancel(self) -> None:
        if self.item.scene() is not None:
            self.roll.scene.removeItem(self.item)


class MoveGesture(Gesture):
    def __init__(self, roll: PianoRoll, anchor: Note, press: QPointF) -> None:
        self.roll, self.anchor, self.press = roll, anchor, press
        self.notes = roll.scene.selected_notes()
        self.dt = self.dp = 0
        self.dragging = False

    def move(self, event: QMouseEvent) -> None:
        view = self.roll.view
        if not self.dragging and (event.position() - self.press).manhattanLength() < DRAG_START_PX:
            return
        self.dragging = True
        raw_dt = view.tick_at_x(event.position().x()) - view.tick_at_x(self.press.x())
        dt = snap_tick(self.roll.song.timeline, self.anchor.onset + raw_dt, view.snap) - self.anchor.onset
        dt = max(dt, -min(n.onset for n in self.notes))
        dp = view.pitch_at_y(event.position().y()) - self.anchor.pitch
        dp = max(-min(n.pitch for n in self.notes), min(127 - max(n.pitch for n in self.notes), dp))
        if dp != self.dp:
            self.roll.audition(self.anchor.pitch + dp, self.anchor.velocity)
        self.dt, self.dp = dt, dp
        for n in self.notes:
            item = self.roll.scene.item_at_onset(n.onset)
            if item is not None:
                item.setPos(dt, -dp)

    def release(self, event: QMouseEvent) -> None:
        self.cancel()
        if self.dt or self.dp:
            if self.roll.document.perform_planned(edits.move_notes, self.notes, self.dt, self.dp):
                self.roll.scene.select(n.onset + self.dt for n in self.notes)

    def cancel(self) -> None:
        for n in self.notes:
            item = self.roll.scene.item_at_onset(n.onset)
            if item is not None:
                item.end_preview()


class ResizeGesture(Gesture):
    def __init__(self, roll: PianoRoll, note: Note) -> None:
        self.roll, self.note, self.duration = roll, note, note.duration

    def move(self, event: QMouseEvent) -> None:
        view = self.roll.view
        end = snap_tick(self.roll.song.timeline, view.tick_at_x(event.position().x()), view.snap)
        self.duration = max(step_ticks(view.snap) if view.snap.ticks else 1, end - self.note.onset)
        item = self.roll.scene.item_at_onset(self.note.onset)
        if item is not None:
            item.preview_length(self.duration)

    def release(self, event: QMouseEvent) -> None:
        self.cancel()
        if self.duration != self.note.duration:
            self.roll.document.perform_planned(edits.resize_note, self.note, self.duration)

    def cancel(self) -> None:
        item = self.roll.scene.item_at_onset(self.note.onset)
        if item is not None:
            item.end_preview()


class VelocityGesture(Gesture):
    def __init__(self, roll: PianoRoll, notes: list[Note], press_y: float) -> None:
        self.roll, self.notes, self.press_y, self.delta = roll, notes, press_y, 0

    def move(self, event: QMouseEvent) -> None:
        self.delta = round((self.press_y - event.position().y()) / VELOCITY_PX)
        for n in self.notes:
            item = self.roll.scene.item_at_onset(n.onset)
            if item is not None:
                item.preview_velocity(max(1, min(127, n.velocity + self.delta)))
        first = self.notes[0]
        self.roll.show_message(f"velocity {max(1, min(127, first.velocity + self.delta))}")

    def release(self, event: QMouseEvent) -> None:
        self.cancel()
        self.roll.document.perform_planned(note_edits.scale_velocity, self.notes, self.delta)

    def cancel(self) -> None:
        for n in self.notes:
            item = self.roll.scene.item_at_onset(n.onset)
            if item is not None:
                item.end_preview()


class RubberBandGesture(Gesture):
    def __init__(self, roll: PianoRoll, origin: QPoint, add: bool) -> None:
        self.roll, self.origin, self.add = roll, origin, add
        self.band = QRubberBand(QRubberBand.Shape.Rectangle, roll.view.viewport())
        self.band.setGeometry(QRect(origin, QSize()))
        self.band.show()

    def move(self, event: QMouseEvent) -> None:
        self.band.setGeometry(QRect(self.origin, event.position().toPoint()).normalized())

    def release(self, event: QMouseEvent) -> None:
        rect = self.band.geometry()
        self.cancel()
        view = self.roll.view
        start, end = view.tick_at_x(rect.left()), view.tick_at_x(rect.right()) + 1
        high, low = view.pitch_at_y(rect.top()), view.pitch_at_y(rect.bottom())
        self.roll.scene.select(self.roll.scene.onsets_in(start, end, low, high), add=self.add)

    def cancel(self) -> None:
        self.band.hide()
        self.band.deleteLater()


class GestureHandler:
    """Routes the view's mouse events to the gesture a press starts (see module docstring)."""

    def __init__(self, roll: PianoRoll) -> None:
        self.roll = roll
        self.active: Gesture | None = None

    def __call__(self, kind: str, event: QMouseEvent) -> bool:
        if kind == "press":
            return self.press(event)
        if kind == "move":
            if self.active is None:
                self._hover(event)
                return False
            self.active.move(event)
            return True
        if kind == "release" and self.active is not None:
            gesture, self.active = self.active, None
            gesture.release(event)
            return True
        return kind == "double"

    def cancel(self) -> None:
        if self.active is not None:
            self.active.cancel()
            self.active = None

    def note_under(self, pos: QPointF) -> Note | None:
        view = self.roll.view
        note = self.roll.song.note_at(view.tick_at_x(pos.x()))
        return note if note is not None and note.pitch == view.pitch_at_y(pos.y()) else None

    def on_right_edge(self, note: Note, pos: QPointF) -> bool:
        view = self.roll.view
        left, right = view.x_of_tick(note.onset), view.x_of_tick(note.end)
        zone = min(EDGE_PX, (right - left) / 3)
        return right - pos.x() <= zone

    def press(self, event: QMouseEvent) -> bool:
        self.cancel()
        self.roll.view.setFocus()
        pos, mods = event.position(), event.modifiers()
        note = self.note_under(pos)
        if event.button() == Qt.MouseButton.RightButton:
            if note is not None:
                self.roll.document.perform_planned(edits.delete_notes, [note])
            return True
        if event.button() != Qt.MouseButton.LeftButton:
            return False
        self.active = self._start(note, event, mods)
        return True

    def _start(self, note: Note | None, event: QMouseEvent, mods: Qt.KeyboardModifier) -> Gesture:
        pos, scene, view = event.position(), self.roll.scene, self.roll.view
        if note is None:
            if mods & (Mods.ShiftModifier | Mods.ControlModifier):
                if not mods & Mods.ShiftModifier:
                    scene.clear_selection()
                return RubberBandGesture(self.roll, pos.toPoint(), add=True)
            onset = snap_tick(self.roll.song.timeline, view.tick_at_x(pos.x()), view.snap, floor=True)
            return DrawGesture(self.roll, onset, view.pitch_at_y(pos.y()))
        if mods & Mods.ShiftModifier:
            scene.toggle(note.onset)
            if note.onset not in scene.selected_onsets:
                return Gesture()  # shift-click deselected it: nothing to drag
        elif note.onset not in scene.selected_onsets:
            scene.select([note.onset])
        if mods & Mods.AltModifier:
            chosen = scene.selected_notes() or [note]
            return VelocityGesture(self.roll, chosen, pos.y())
        if self.on_right_edge(note, pos):
            return ResizeGesture(self.roll, note)
        self.roll.audition(note.pitch, note.velocity)
        return MoveGesture(self.roll, note, pos)

    def _hover(self, event: QMouseEvent) -> None:
        note = self.note_under(event.position())
        if note is None:
            shape = Qt.CursorShape.CrossCursor
        elif self.on_right_edge(note, event.position()):
            shape = Qt.CursorShape.SizeHorCursor
        else:
            shape = Qt.CursorShape.OpenHandCursor
        self.roll.view.viewport().setCursor(shape)
