"""The scrolling, zooming window onto the note scene.

Zoom is the view's transform (pixels per tick, pixels per row), so items never move when zooming.
Mouse gestures and editing keys are handed to the editor through two hooks; the view itself only
knows coordinates, the grid, the playhead and the selected bars.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QLineF, QPointF, QRect, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QKeyEvent, QMouseEvent, QPainter, QPen, QTransform, QWheelEvent
from PySide6.QtWidgets import QFrame, QGraphicsView, QWidget

from melodystudio.core import Song
from melodystudio.gui.piano_roll import grid
from melodystudio.gui.piano_roll.geometry import ROWS, pitch_at, row_of
from melodystudio.gui.piano_roll.scene import NoteScene
from melodystudio.gui.snap import SnapValue, snap_value

PX_PER_TICK = (4 / 480, 600 / 480, 64 / 480)  # (min, max, default): pixels per tick; 480 ticks = a quarter
PX_PER_ROW = (5.0, 40.0, 14.0)
ZOOM_STEP = 1.25
PLAYHEAD_COLOR = QColor(220, 40, 40)
BAR_SPAN_COLOR = QColor(255, 200, 60, 45)

MouseHook = Callable[[str, QMouseEvent], bool]  # ("press" | "move" | "release" | "double", event) -> handled
KeyHook = Callable[[QKeyEvent], bool]


def _clamp(value: float, bounds: tuple[float, float, float]) -> float:
    return max(bounds[0], min(bounds[1], value))


class PianoRollView(QGraphicsView):
    view_changed = Signal()  # scrolled or zoomed: the lanes follow

    def __init__(self, scene: NoteScene, song: Song, parent: QWidget | None = None) -> None:
        super().__init__(scene, parent)
        self.song = song
        self.snap: SnapValue = snap_value("1/16")
        self.playhead: int | None = None
        self.bar_span: tuple[int, int] | None = None  # [start, end) ticks of the selected bars
        self.mouse_hook: MouseHook | None = None
        self.key_hook: KeyHook | None = None
        self._px_tick, self._px_row = PX_PER_TICK[2], PX_PER_ROW[2]
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.MinimalViewportUpdate)
        self.setOptimizationFlag(QGraphicsView.OptimizationFlag.DontAdjustForAntialiasing, True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.viewport().setMouseTracking(True)
        self.horizontalScrollBar().valueChanged.connect(self.view_changed)
        self.verticalScrollBar().valueChanged.connect(self.view_changed)
        self._apply_transform()

    # -- coordinates ------------------------------------------------------------------------
    @property
    def px_per_tick(self) -> float:
        return self._px_tick

    @property
    def px_per_row(self) -> float:
        return self._px_row

    def x_of_tick(self, tick: float) -> float:
        return self.viewportTransform().map(QPointF(tick, 0)).x()

    def tick_at_x(self, x: float) -> int:
        return max(0, int(self.viewportTransform().inverted()[0].map(QPointF(x, 0)).x()))

    def y_of_pitch(self, pitch: int) -> float:
        """Viewport y of the top of ``pitch``'s row."""
        return self.viewportTransform().map(QPointF(0, row_of(pitch))).y()

    def pitch_at_y(self, y: float) -> int:
        return pitch_at(self.viewportTransform().inverted()[0].map(QPointF(0, y)).y())

    def visible_ticks(self) -> tuple[int, int]:
        width = self.viewport().width()
        return self.tick_at_x(0), self.tick_at_x(width) + 1

    # -- zoom and scroll --------------------------------------------------------------------
    def set_zoom(self, px_per_tick: float | None = None, px_per_row: float | None = None,
                 anchor_x: float | None = None) -> None:
        """Change the zoom keeping the tick under ``anchor_x`` (viewport x) where it is."""
        anchor = self.viewport().width() / 2 if anchor_x is None else anchor_x
        tick_at_anchor = self.viewportTransform().inverted()[0].map(QPointF(anchor, 0)).x()
        pitch_row = self.viewportTransform().inverted()[0].map(QPointF(0, self.viewport().height() / 2)).y()
        if px_per_tick is not None:
            self._px_tick = _clamp(px_per_tick, PX_PER_TICK)
        if px_per_row is not None:
            self._px_row = _clamp(px_per_row, PX_PER_ROW)
        self._apply_transform()
        self.horizontalScrollBar().setValue(round(tick_at_anchor * self._px_tick - anchor))
        self.verticalScrollBar().setValue(round(pitch_row * self._px_row - self.viewport().height() / 2))
        self.view_changed.emit()

    def zoom_by(self, factor: float, anchor_x: float | None = None) -> None:
        self.set_zoom(px_per_tick=self._px_tick * factor, anchor_x=anchor_x)

    def zoom_rows_by(self, factor: float) -> None:
        self.set_zoom(px_per_row=self._px_row * factor)

    def _apply_transform(self) -> None:
        self.setTransform(QTransform.fromScale(self._px_tick, self._px_row))

    def scroll_to_tick(self, tick: int, margin_px: int = 40) -> None:
        """Scroll horizontally only when ``tick`` is off screen (the playhead follows this way)."""
        x = self.x_of_tick(tick)
        if x < 0 or x > self.viewport().width() - margin_px:
            bar = self.horizontalScrollBar()
            bar.setValue(bar.value() + round(x) - margin_px)

    def center_on_pitch(self, pitch: int) -> None:
        bar = self.verticalScrollBar()
        bar.setValue(round(row_of(pitch) * self._px_row - self.viewport().height() / 2))

    def wheelEvent(self, event: QWheelEvent) -> None:
        mods = event.modifiers()
        delta = event.angleDelta().y() or event.angleDelta().x()
        steps = delta / 120.0
        if mods & Qt.KeyboardModifier.ControlModifier:
            if mods & Qt.KeyboardModifier.ShiftModifier:
                self.zoom_rows_by(ZOOM_STEP ** steps)
            else:
                self.zoom_by(ZOOM_STEP ** steps, anchor_x=event.position().x())
        elif mods & Qt.KeyboardModifier.ShiftModifier or event.angleDelta().x():
            bar = self.horizontalScrollBar()
            bar.setValue(bar.value() - round(steps * bar.singleStep() * 3))
        else:
            bar = self.verticalScrollBar()
            bar.setValue(bar.value() - round(steps * self._px_row * 3))
        event.accept()

    # -- painting ---------------------------------------------------------------------------
    def drawBackground(self, painter: QPainter, exposed: QRectF | QRect) -> None:
        rect = QRectF(exposed)
        grid.draw_background(painter, rect.intersected(QRectF(0, 0, self.sceneRect().width(), ROWS)),
                             self.song, self.snap.ticks, self._px_tick)

    def drawForeground(self, painter: QPainter, exposed: QRectF | QRect) -> None:
        rect = QRectF(exposed)
        if self.bar_span is not None:
            start, end = self.bar_span
            painter.fillRect(QRectF(start, 0, end - start, ROWS).intersected(rect), BAR_SPAN_COLOR)
        if self.playhead is not None and rect.left() - 1 <= self.playhead <= rect.right() + 1:
            pen = QPen(PLAYHEAD_COLOR, 2)
            pen.setCosmetic(True)
            painter.setPen(pen)
            painter.drawLine(QLineF(self.playhead, rect.top(), self.playhead, rect.bottom()))

    def set_playhead(self, tick: int | None) -> None:
        """Move the playhead, repainting only the two thin strips it leaves and enters."""
        if tick == self.playhead:
            return
        for old_or_new in (self.playhead, tick):
            if old_or_new is not None:
                x = round(self.x_of_tick(old_or_new))
                self.viewport().update(x - 3, 0, 6, self.viewport().height())
        self.playhead = tick

    def set_bar_span(self, span: tuple[int, int] | None) -> None:
        if span != self.bar_span:
            self.bar_span = span
            self.viewport().update()

    def refresh_background(self) -> None:
        """Meter, key or snap changed: the grid must be drawn again everywhere."""
        self.resetCachedContent()
        self.viewport().update()

    # -- input hooks ------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        if not (self.mouse_hook and self.mouse_hook("press", event)):
            super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if not (self.mouse_hook and self.mouse_hook("move", event)):
            super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if not (self.mouse_hook and self.mouse_hook("release", event)):
            super().mouseReleaseEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if not (self.mouse_hook and self.mouse_hook("double", event)):
            super().mouseDoubleClickEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if not (self.key_hook and self.key_hook(event)):
            super().keyPressEvent(event)
