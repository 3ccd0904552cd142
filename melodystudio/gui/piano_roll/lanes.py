"""Strips that share the roll's time axis (ruler, chords, lyrics): plain widgets that map ticks to
x through the view, so they follow every scroll and zoom without items of their own.

In the lyric lane a syllable can be dragged onto another note to re-align the lyrics
(``melodystudio.gui.lyric_shift`` has the rules): while dragging, the lane shows the lyrics as they
will read after the drop (the syllables that move in the accent colour) and the dragged syllable
floats at the pointer; Esc cancels, release is one undo step."""

from __future__ import annotations

import bisect

from PySide6.QtCore import QEvent, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QKeyEvent, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from melodystudio.core import MelodyStudioError, Note, Song
from melodystudio.gui.document import Document
from melodystudio.gui.lyric_shift import Slot, drop_target, realign_lyrics, shifted_lyrics
from melodystudio.gui.piano_roll.view import PianoRollView

LANE_BG = QColor(244, 245, 248)
LANE_TEXT = QColor(30, 34, 44)
LANE_LINE = QColor(190, 194, 204)
PHRASE_MARK = QColor(90, 120, 200)
DROP_FILL = QColor(255, 214, 150, 160)
DROP_EDGE = QColor(220, 140, 30)
MOVED_TEXT = QColor(170, 90, 0)  # a syllable that the drop in progress moves
FLOAT_BG = QColor(255, 246, 225, 235)
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
    extension line of the syllable it holds; a phrase start gets a small mark. Dragging a syllable
    sideways re-aligns it and the syllables after it (module docstring)."""

    HEIGHT = 24

    def __init__(self, view: PianoRollView, parent: QWidget | None = None,
                 document: Document | None = None) -> None:
        super().__init__(view, parent)
        self._document = document
        self.drag: tuple[int, int] | None = None  # (source, drop target) note indices while dragging
        self.preview: list[Slot] | None = None  # every note's lyric as the drop would leave it
        self._pointer_x = 0.0
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.setToolTip("Lyrics: drag a syllable onto another note to re-align the lyrics; Esc cancels")

    @property
    def document(self) -> Document | None:
        """The document edits go to: given, or the piano roll's that holds this lane."""
        if self._document is not None:
            return self._document
        found = getattr(self.parentWidget(), "document", None)
        return found if isinstance(found, Document) else None

    # -- dragging a syllable ------------------------------------------------------------------
    def note_index_at(self, x: float) -> int | None:
        """The note whose syllable is drawn at ``x``: the last one starting at or before it."""
        onsets = [n.onset for n in self.song.notes]
        i = bisect.bisect_right(onsets, self.tick_at(x)) - 1
        return i if i >= 0 else (0 if onsets else None)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            super().mousePressEvent(event)
            return
        i = self.note_index_at(event.position().x())
        lyric = self.song.notes[i].lyric if i is not None else None
        if i is None or lyric is None or lyric.melisma:
            return  # only a sung syllable can be picked up
        self.drag = (i, i)
        self.preview = [n.lyric for n in self.song.notes]
        self._pointer_x = event.position().x()
        self.update()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        wanted = self.note_index_at(event.position().x())
        if self.drag is None or wanted is None:
            return
        source = self.drag[0]
        slots = [n.lyric for n in self.song.notes]
        try:
            target = drop_target(slots, source, wanted)
            if target != self.drag[1]:
                self.preview = shifted_lyrics(slots, source, target)
        except MelodyStudioError:  # the song changed under the drag (an undo by shortcut)
            self.cancel_drag()
            return
        self.drag = (source, target)
        self._pointer_x = event.position().x()
        self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        drag, self.drag, self.preview = self.drag, None, None
        self.update()
        document = self.document
        if drag is None or drag[0] == drag[1] or document is None:
            return
        document.perform_planned(realign_lyrics, drag[0], drag[1])

    def cancel_drag(self) -> None:
        self.drag = self.preview = None
        self.update()

    def event(self, event: QEvent) -> bool:
        # Claim Esc from the window's shortcuts (Discard, Cancel) while a syllable is dragged.
        if (event.type() == QEvent.Type.ShortcutOverride and self.drag is not None
                and isinstance(event, QKeyEvent) and event.key() == Qt.Key.Key_Escape):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape and self.drag is not None:
            self.cancel_drag()
            return
        super().keyPressEvent(event)

    def _paint_drop(self, p: QPainter) -> None:
        """The note the dragged syllable will land on, shaded, with a bar at its onset."""
        if self.drag is None:
            return
        try:
            note = self.song.notes[self.drag[1]]
        except IndexError:  # the song changed under the drag
            self.drag = self.preview = None
            return
        x0, x1 = self.x_of(note.onset), self.x_of(note.end)
        p.fillRect(QRectF(x0, 1, max(3.0, x1 - x0), self.height() - 2), DROP_FILL)
        p.fillRect(QRectF(x0 - 1, 1, 3, self.height() - 2), DROP_EDGE)

    def _paint_floating(self, p: QPainter) -> None:
        """The dragged syllable in a small box at the pointer."""
        if self.drag is None:
            return
        lyric = self.song.notes[self.drag[0]].lyric
        if lyric is None:
            return
        font = QFont(self.font())
        font.setBold(True)
        fm = QFontMetrics(font)
        w = fm.horizontalAdvance(lyric.text) + 8
        box = QRectF(self._pointer_x - w / 2, 2, w, self.height() - 4)
        p.fillRect(box, FLOAT_BG)
        p.setPen(QPen(DROP_EDGE, 1))
        p.drawRect(box)
        p.setFont(font)
        p.setPen(MOVED_TEXT)
        p.drawText(box, Qt.AlignmentFlag.AlignCenter, lyric.text)

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), LANE_BG)
        p.setPen(LANE_LINE)
        p.drawLine(0, 0, self.width(), 0)
        self._paint_drop(p)
        start, end = self.visible_ticks()
        before = self.song.note_at(start)
        notes: list[Note] = ([before] if before is not None and before.onset < start else [])
        notes += self.song.notes_between(start, end)
        preview = self.preview if self.preview is not None and len(self.preview) == len(self.song.notes) else None
        first = self.song.index_of(notes[0]) if preview is not None and notes else 0  # song index of notes[0]
        fm = QFontMetrics(self.font())
        baseline = (self.height() + fm.ascent() - fm.descent()) // 2
        for i, note in enumerate(notes):
            lyric = preview[first + i] if preview is not None else note.lyric
            moved = preview is not None and lyric != note.lyric
            if lyric is None:
                continue
            x0, x1 = self.x_of(note.onset), self.x_of(note.end)
            if lyric.melisma:
                p.setPen(QPen(MOVED_TEXT if moved else LANE_TEXT, 1))
                p.drawLine(round(x0), baseline + 2, round(x1) - 2, baseline + 2)
                continue
            if lyric.phrase_start:
                p.fillRect(QRectF(x0, 2, 2, self.height() - 4), PHRASE_MARK)
            nxt = notes[i + 1].onset if i + 1 < len(notes) else note.end
            text = lyric.text + ("-" if lyric.syllabic.continues else "")
            room = self.x_of(nxt) - x0 - 4
            if room < MIN_TEXT_PX:
                continue  # zoomed far out: a row of clipped letters would only be noise
            p.setPen(MOVED_TEXT if moved else LANE_TEXT)
            shown = fm.elidedText(text, Qt.TextElideMode.ElideRight, int(room))
            p.drawText(QRectF(x0 + 3, 0, room, self.height()), Qt.AlignmentFlag.AlignVCenter, shown)
        self._paint_floating(p)
        p.end()
