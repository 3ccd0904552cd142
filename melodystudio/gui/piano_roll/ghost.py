"""Ghost notes: a generated variation previewed over the melody before it is accepted."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QPen
from PySide6.QtWidgets import QGraphicsRectItem, QGraphicsScene

from melodystudio.core import Note
from melodystudio.gui.piano_roll.geometry import note_rect
from melodystudio.gui.piano_roll.note_item import GHOST_Z

GHOST_FILL = QColor(40, 170, 90, 120)
GHOST_EDGE = QColor(20, 110, 50)


class GhostLayer:
    """Owns the ghost items of one scene; ``show`` replaces whatever was shown."""

    def __init__(self, scene: QGraphicsScene) -> None:
        self._scene = scene
        self._items: list[QGraphicsRectItem] = []
        self._pen = QPen(GHOST_EDGE, 0, Qt.PenStyle.DashLine)
        self._pen.setCosmetic(True)
        self._brush = QBrush(GHOST_FILL)

    @property
    def notes(self) -> list[Note]:
        return [item.data(0) for item in self._items]

    def show(self, notes: Sequence[Note]) -> None:
        self.clear()
        for n in notes:
            item = QGraphicsRectItem(note_rect(n.onset, n.duration, n.pitch))
            item.setPen(self._pen)
            item.setBrush(self._brush)
            item.setZValue(GHOST_Z)
            item.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
            item.setData(0, n)
            self._scene.addItem(item)
            self._items.append(item)

    def clear(self) -> None:
        for item in self._items:
            self._scene.removeItem(item)
        self._items.clear()
