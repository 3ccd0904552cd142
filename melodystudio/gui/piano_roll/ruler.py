"""The bar ruler: bar numbers, beats and meter changes; click-drag selects the bars that Inpaint
fills and "Play selection" loops; a double-click moves the playhead."""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPolygonF
from PySide6.QtWidgets import QWidget

from melodystudio.gui.document import BarRange
from melodystudio.gui.piano_roll.lanes import LANE_BG, LANE_LINE, LANE_TEXT, TimeLane
from melodystudio.gui.piano_roll.view import PLAYHEAD_COLOR, PianoRollView

SELECTION_FILL = QColor(255, 196, 60, 150)
METER_TEXT = QColor(160, 60, 20)
MIN_LABEL_PX = 28  # narrower bars get every n-th number only


class BarRuler(TimeLane):
    bars_selected = Signal(object)  # BarRange | None
    seek_requested = Signal(int)  # tick

    HEIGHT = 24

    def __init__(self, view: PianoRollView, parent: QWidget | None = None) -> None:
        super().__init__(view, parent)
        self.selection: BarRange | None = None
        self.playhead: int | None = None
        self._anchor: int | None = None
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip("Drag to select bars (Shift extends); double-click moves the playhead; right-click clears")

    def bar_at_x(self, x: float) -> int:
        return self.song.timeline.bar_at(self.tick_at(x))

    def set_selection(self, bars: BarRange | None) -> None:
        if bars != self.selection:
            self.selection = bars
            self.update()

    def set_playhead(self, tick: int | None) -> None:
        if tick != self.playhead:
            self.playhead = tick
            self.update()

    # -- mouse ------------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.RightButton:
            self._anchor = None
            self.bars_selected.emit(None)
            return
        bar = self.bar_at_x(event.position().x())
        extend = event.modifiers() & Qt.KeyboardModifier.ShiftModifier and self.selection is not None
        if extend and self.selection is not None:
            first, last = self.selection
            self._anchor = first if bar >= first else last
        else:
            self._anchor = bar
        self.bars_selected.emit((min(self._anchor, bar), max(self._anchor, bar)))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._anchor is None or not event.buttons() & Qt.MouseButton.LeftButton:
            return
        bar = self.bar_at_x(event.position().x())
        self.bars_selected.emit((min(self._anchor, bar), max(self._anchor, bar)))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._anchor = None

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        tl = self.song.timeline
        self.seek_requested.emit(tl.bar_start(self.bar_at_x(event.position().x())))

    # -- painting ---------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), LANE_BG)
        tl = self.song.timeline
        start, end = self.visible_ticks()
        first, last = tl.bar_at(start), tl.bar_at(end) + 1
        if self.selection is not None:
            x0 = self.x_of(tl.bar_start(self.selection[0]))
            x1 = self.x_of(tl.bar_start(self.selection[1] + 1))
            p.fillRect(QRectF(x0, 0, x1 - x0, self.height()), SELECTION_FILL)
        bar_px = tl.signature_at_bar(first).bar_ticks * self.view.px_per_tick
        stride = max(1, math.ceil(MIN_LABEL_PX / bar_px)) if bar_px > 0 else 1
        meter_bars = {ts.bar: ts for ts in self.song.time_signatures}
        for bar in range(first, last + 1):
            x = self.x_of(tl.bar_start(bar))
            if bar in meter_bars and bar > 0:
                p.setPen(METER_TEXT)
                p.drawText(QRectF(x + 2, 0, 40, self.height() / 2), Qt.AlignmentFlag.AlignLeft, str(meter_bars[bar]))
            if bar % stride:
                continue
            p.setPen(LANE_LINE)
            p.drawLine(round(x), self.height() // 2, round(x), self.height())
            p.setPen(LANE_TEXT)
            p.drawText(QRectF(x + 3, self.height() / 2 - 2, 60, self.height() / 2 + 2),
                       Qt.AlignmentFlag.AlignVCenter, str(bar + 1))
            if stride == 1:
                p.setPen(LANE_LINE)
                for beat in tl.beat_ticks_in_bar(bar)[1:]:
                    bx = round(self.x_of(beat))
                    p.drawLine(bx, self.height() - 5, bx, self.height())
        p.setPen(LANE_LINE)
        p.drawLine(0, self.height() - 1, self.width(), self.height() - 1)
        self._paint_playhead(p)
        p.end()

    def _paint_playhead(self, p: QPainter) -> None:
        if self.playhead is None:
            return
        x = self.x_of(self.playhead)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(PLAYHEAD_COLOR)
        h = float(self.height())
        p.drawPolygon(QPolygonF([QPointF(x - 5, h - 8), QPointF(x + 5, h - 8), QPointF(x, h)]))
