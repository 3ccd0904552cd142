"""One melody note in the scene: a plain rect item painted by Qt's C++ code (no Python paint()),
so repainting thousands of visible notes stays cheap. Colour encodes velocity and selection."""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsRectItem

from melodystudio.core import Note
from melodystudio.gui.piano_roll.geometry import note_rect

VELOCITY_BUCKETS = 16
NOTE_Z, GHOST_Z, PREVIEW_Z = 1.0, 5.0, 8.0


@cache
def note_brush(velocity_bucket: int, selected: bool) -> QBrush:
    """Louder notes are more saturated; brushes are shared between items."""
    strength = (velocity_bucket + 1) / VELOCITY_BUCKETS
    hue = 28 if selected else 208  # orange for the selection, blue otherwise
    color = QColor.fromHsv(hue, int(70 + 185 * strength), int(235 - 45 * strength))
    return QBrush(color)


@cache
def note_pen(selected: bool) -> QPen:
    pen = QPen(QColor(120, 40, 0) if selected else QColor(20, 50, 90))
    pen.setCosmetic(True)  # one pixel wide whatever the zoom
    pen.setWidth(2 if selected else 1)
    return pen


def bucket_of(velocity: int) -> int:
    return min(VELOCITY_BUCKETS - 1, velocity * VELOCITY_BUCKETS // 128)


class NoteItem(QGraphicsRectItem):
    """Shows ``note``; the view, not the item, handles the mouse (see gestures.py)."""

    def __init__(self, note: Note, selected: bool = False) -> None:
        super().__init__(note_rect(note.onset, note.duration, note.pitch))
        self.note = note
        self.selected = selected
        self.setZValue(NOTE_Z)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable, False)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self._restyle(note.velocity)

    def set_note(self, note: Note) -> None:
        """Show ``note`` instead (the song changed under this item)."""
        if note.same(self.note):
            return
        self.note = note
        self.end_preview()

    def set_selected(self, selected: bool) -> None:
        if selected != self.selected:
            self.selected = selected
            self._restyle(self.note.velocity)

    def preview_velocity(self, velocity: int) -> None:
        self._restyle(velocity)

    def preview_length(self, duration: int) -> None:
        self.setRect(note_rect(self.note.onset, max(1, duration), self.note.pitch))

    def end_preview(self) -> None:
        self.setPos(0, 0)
        self.setRect(note_rect(self.note.onset, self.note.duration, self.note.pitch))
        self._restyle(self.note.velocity)

    def _restyle(self, velocity: int) -> None:
        self.setBrush(note_brush(bucket_of(velocity), self.selected))
        self.setPen(note_pen(self.selected))
