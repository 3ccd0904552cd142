"""Strips that share the roll's time axis (ruler, chords, lyrics): plain widgets that map ticks to
x through the view, so they follow every scroll and zoom without items of their own."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from melodystudio.core import Note, Song
from melodystudio.gui.piano_roll.view import PianoRollView

LANE_BG = QColor(244, 245, 248)
LANE_TEXT = QColor(30, 34, 44)
LANE_LINE = QColor(190, 194, 204)
PHRASE_MARK = QColor(90, 120, 200)
MIN_TEXT_PX = 8


class TimeLane(QWidget):
    """A strip above or below the roll whose x axis is the view's."""

    HEIGHT = 22

    def __init__(self, view: PianoRollView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = view
        self.setFixedHeight(self.HEIGHT)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        view.view_changed.connect(self.update)

    @property
    def song(self) -> Song:
        return self.view.song

    def x_of(self, tick: float) -> float:
        return self.view.x_of_tick(tick)

    def tick_at(self, x: float) -> int:
        return self.view.tick_at_x(x)

    def visible_ticks(self) -> tuple[int, int]:
        return self.tick_at(0), self.tick_at(self.width()) + 1

    def update_ticks(self, start: int, end: int | None) -> None:
        """Repaint only if [start, end) is on screen (a change far away costs nothing)."""
        lo, hi = self.visible_ticks()
        if start < hi and (end is None or end > lo):
            self.update()


class LyricLane(TimeLane):
    """Each note's syllable under its onset: 'Twin-' continues a word; a melisma note draws the
    extension line of the syllable it holds; a phrase start gets a small mark."""

    HEIGHT = 24

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), LANE_BG)
        p.setPen(LANE_LINE)
        p.drawLine(0, 0, self.width(), 0)
        start, end = self.visible_ticks()
        before = self.song.note_at(start)
        notes: list[Note] = ([before] if before is not None and before.onset < start else [])
        notes += self.song.notes_between(start, end)
        fm = QFontMetrics(self.font())
        baseline = (self.height() + fm.ascent() - fm.descent()) // 2
        for i, note in enumerate(notes):
            lyric = note.lyric
            if lyric is None:
                continue
            x0, x1 = self.x_of(note.onset), self.x_of(note.end)
            if lyric.melisma:
                p.setPen(QPen(LANE_TEXT, 1))
                p.drawLine(round(x0), baseline + 2, round(x1) - 2, baseline + 2)
                continue
            if lyric.phrase_start:
                p.fillRect(QRectF(x0, 2, 2, self.height() - 4), PHRASE_MARK)
            nxt = notes[i + 1].onset if i + 1 < len(notes) else note.end
            text = lyric.text + ("-" if lyric.syllabic.continues else "")
            room = self.x_of(nxt) - x0 - 4
            if room < MIN_TEXT_PX:
                continue  # zoomed far out: a row of clipped letters would only be noise
            p.setPen(LANE_TEXT)
            shown = fm.elidedText(text, Qt.TextElideMode.ElideRight, int(room))
            p.drawText(QRectF(x0 + 3, 0, room, self.height()), Qt.AlignmentFlag.AlignVCenter, shown)
        p.end()
