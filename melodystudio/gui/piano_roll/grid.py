"""The piano roll's background: pitch rows tinted by the key in force, and bar/beat/snap lines
from the song's meter. Drawn per exposed rectangle in scene coordinates (ticks x rows)."""

from __future__ import annotations

import math

from PySide6.QtCore import QLineF, QRectF
from PySide6.QtGui import QColor, QPainter, QPen

from melodystudio.core import KeySignature, Song
from melodystudio.gui.piano_roll.geometry import ROWS, TOP_PITCH

BLACK_KEYS = frozenset({1, 3, 6, 8, 10})
IN_SCALE = QColor(250, 250, 252)
OUT_OF_SCALE = QColor(226, 229, 236)
TONIC_ROW = QColor(236, 244, 255)
MIN_LINE_GAP_PX = 6.0  # closer lines than this are skipped: they would only grey the roll


def _pen(color: QColor) -> QPen:
    pen = QPen(color, 0)
    pen.setCosmetic(True)
    return pen


BAR_PEN = _pen(QColor(110, 115, 130))
BEAT_PEN = _pen(QColor(185, 190, 200))
SUB_PEN = _pen(QColor(218, 221, 228))
OCTAVE_PEN = _pen(QColor(190, 194, 204))


def row_color(pitch: int, key: KeySignature | None) -> QColor:
    pc = pitch % 12
    if key is None:
        return OUT_OF_SCALE if pc in BLACK_KEYS else IN_SCALE
    if pc == key.tonic_pc:
        return TONIC_ROW
    return IN_SCALE if pc in key.scale_pitch_classes else OUT_OF_SCALE


def key_spans(song: Song, start: float, end: float) -> list[tuple[float, float, KeySignature | None]]:
    """(from, to, key) for the stretches of [start, end) under one key (the first key also rules
    before its own tick, as ``Song.key_at`` has it)."""
    keys = song.keys
    if not keys:
        return [(start, end, None)]
    spans: list[tuple[float, float, KeySignature | None]] = []
    for i, key in enumerate(keys):
        lo = float(key.tick) if i else -math.inf
        hi = float(keys[i + 1].tick) if i + 1 < len(keys) else math.inf
        lo, hi = max(lo, start), min(hi, end)
        if hi > lo:
            spans.append((lo, hi, key))
    return spans


def draw_rows(painter: QPainter, rect: QRectF, song: Song) -> None:
    top_row = max(0, math.floor(rect.top()))
    bottom_row = min(ROWS - 1, math.ceil(rect.bottom()))
    for x0, x1, key in key_spans(song, rect.left(), rect.right()):
        for row in range(top_row, bottom_row + 1):
            pitch = TOP_PITCH - row
            painter.fillRect(QRectF(x0, row, x1 - x0, 1), row_color(pitch, key))
    painter.setPen(OCTAVE_PEN)
    for row in range(top_row, bottom_row + 1):
        if (TOP_PITCH - row) % 12 == 0:  # line under each C
            painter.drawLine(QLineF(rect.left(), row + 1, rect.right(), row + 1))


def draw_time_lines(painter: QPainter, rect: QRectF, song: Song, snap_ticks: int, px_per_tick: float) -> None:
    tl = song.timeline
    first_bar = tl.bar_at(max(0, int(rect.left())))
    last_bar = tl.bar_at(max(0, int(rect.right()))) + 1
    top, bottom = max(0.0, rect.top()), min(float(ROWS), rect.bottom())
    bar_px = tl.signature_at_bar(first_bar).bar_ticks * px_per_tick
    stride = max(1, math.ceil(MIN_LINE_GAP_PX / bar_px)) if bar_px > 0 else 1
    for bar in range(first_bar, last_bar + 1):
        start = tl.bar_start(bar)
        ts = tl.signature_at_bar(bar)
        if stride == 1:
            _draw_inner_lines(painter, start, ts.bar_ticks, ts.beat_ticks, snap_ticks, px_per_tick, top, bottom)
        if bar % stride == 0:
            painter.setPen(BAR_PEN)
            painter.drawLine(QLineF(start, top, start, bottom))


def _draw_inner_lines(painter: QPainter, bar_start: int, bar_ticks: int, beat_ticks: int, snap_ticks: int,
                      px_per_tick: float, top: float, bottom: float) -> None:
    if snap_ticks > 0 and snap_ticks * px_per_tick >= MIN_LINE_GAP_PX and snap_ticks < beat_ticks:
        painter.setPen(SUB_PEN)
        for t in range(snap_ticks, bar_ticks, snap_ticks):
            if t % beat_ticks:
                painter.drawLine(QLineF(bar_start + t, top, bar_start + t, bottom))
    if beat_ticks * px_per_tick >= MIN_LINE_GAP_PX:
        painter.setPen(BEAT_PEN)
        for t in range(beat_ticks, bar_ticks, beat_ticks):
            painter.drawLine(QLineF(bar_start + t, top, bar_start + t, bottom))


def draw_background(painter: QPainter, rect: QRectF, song: Song, snap_ticks: int, px_per_tick: float) -> None:
    draw_rows(painter, rect, song)
    draw_time_lines(painter, rect, song, snap_ticks, px_per_tick)
