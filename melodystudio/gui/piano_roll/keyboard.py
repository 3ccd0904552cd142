"""The keyboard lane left of the roll: piano keys with note names, tonic marked; clicking a key
auditions it. Vertical position follows the view's scroll and row zoom."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from melodystudio.core import note_name
from melodystudio.gui.piano_roll.grid import BLACK_KEYS
from melodystudio.gui.piano_roll.view import PianoRollView

WIDTH = 56
WHITE, BLACK = QColor(252, 252, 252), QColor(40, 42, 48)
EDGE = QColor(170, 174, 184)
TONIC_MARK = QColor(60, 120, 220)
MIN_NAME_PX = 11  # rows shorter than this show only the C names


class KeyboardLane(QWidget):
    def __init__(self, view: PianoRollView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = view
        self.audition: Callable[[int, int], None] = lambda pitch, velocity: None
        self.setFixedWidth(WIDTH)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Expanding)
        view.view_changed.connect(self.update)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.audition(self.view.pitch_at_y(event.position().y()), 90)

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), WHITE)
        row_px = self.view.px_per_row
        top, bottom = self.view.pitch_at_y(0), self.view.pitch_at_y(self.height())
        key = self.view.song.key_at(self.view.visible_ticks()[0])
        flats = key.prefers_flats if key is not None else False
        for pitch in range(max(0, bottom - 1), min(127, top + 1) + 1):
            y = self.view.y_of_pitch(pitch)
            rect = QRectF(0, y, WIDTH - 1, row_px)
            black = pitch % 12 in BLACK_KEYS
            if black:
                p.fillRect(QRectF(0, y, WIDTH * 0.6, row_px), BLACK)
            if key is not None and pitch % 12 == key.tonic_pc:
                p.fillRect(QRectF(WIDTH - 5, y + 1, 4, row_px - 2), TONIC_MARK)
            if pitch % 12 in (0, 5):  # the E-F and B-C boundaries between white keys
                p.setPen(EDGE)
                p.drawLine(0, round(y + row_px), WIDTH, round(y + row_px))
            if pitch % 12 == 0 or (row_px >= MIN_NAME_PX and not black):
                p.setPen(QColor(20, 20, 20))
                p.drawText(rect.adjusted(0, 0, -7, 0), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                           note_name(pitch, flats))
        p.setPen(EDGE)
        p.drawLine(WIDTH - 1, 0, WIDTH - 1, self.height())
        p.end()
