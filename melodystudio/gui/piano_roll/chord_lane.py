"""The chord lane: chord symbols over their spans. Double-click edits a symbol in place (checked by
``ChordSymbol.parse`` as it is typed; an empty text or 'N.C.' removes the chord); click selects,
Delete removes; the right-click menu writes, inserts (splitting a chord at the beat), edits or
removes a chord. Every change is one undo step (``edits.set_chords``)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QContextMenuEvent, QFocusEvent, QKeyEvent, QMouseEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import QLineEdit, QMenu, QToolTip, QWidget

from melodystudio.core import Chord, ChordSymbol, MelodyStudioError, edits
from melodystudio.gui.document import Document
from melodystudio.gui.piano_roll.lanes import LANE_BG, LANE_LINE, LANE_TEXT, TimeLane
from melodystudio.gui.piano_roll.view import PianoRollView

CHORD_FILL = QColor(226, 236, 250)
CHORD_SELECTED = QColor(255, 214, 150)
DELETE_KEYS = (Qt.Key.Key_Delete, Qt.Key.Key_Backspace)
ERROR_STYLE = "QLineEdit { background: #ffd9d9; }"
EDITOR_TIP = "A chord symbol (C, Am7, F#m7b5, G/B); empty or N.C. removes the chord. Enter writes, Esc cancels"


class ChordEditor(QLineEdit):
    """The in-place editor; Escape or losing focus cancels, Enter commits."""

    cancelled = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.cancelled.emit()
            return
        super().keyPressEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self.cancelled.emit()


class ChordLane(TimeLane):
    HEIGHT = 24

    def __init__(self, view: PianoRollView, document: Document, parent: QWidget | None = None) -> None:
        super().__init__(view, parent)
        self.document = document
        self.selected: Chord | None = None
        self.editor: ChordEditor | None = None
        self._span: tuple[int, int] | None = None  # where the edited chord goes: [start, end) ticks
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.setToolTip("Chords: double-click to write a symbol (C, Am7, F#m7b5, G/B); Delete removes; "
                        "right-click to insert or remove a chord at a beat")

    # -- painting ---------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), LANE_BG)
        start, end = self.visible_ticks()
        for chord in self.song.chords_between(start, end):
            x0, x1 = self.x_of(chord.onset), self.x_of(chord.end)
            rect = QRectF(x0 + 1, 2, max(2.0, x1 - x0 - 2), self.height() - 4)
            p.fillRect(rect, CHORD_SELECTED if chord == self.selected else CHORD_FILL)
            p.setPen(LANE_LINE)
            p.drawRect(rect)
            p.setPen(LANE_TEXT)
            p.drawText(rect.adjusted(4, 0, 0, 0), Qt.AlignmentFlag.AlignVCenter, str(chord.symbol))
        p.end()

    # -- selection and deletion -------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.selected = self.song.chord_at(self.tick_at(event.position().x()))
        self.update()

    def event(self, event: QEvent) -> bool:
        # Claim Delete from the window's "Delete notes" shortcut while a chord is selected here.
        if (event.type() == QEvent.Type.ShortcutOverride and self.selected is not None
                and isinstance(event, QKeyEvent) and event.key() in DELETE_KEYS):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in DELETE_KEYS and self.selected is not None:
            self.delete_chord(self.selected)
            return
        super().keyPressEvent(event)

    def delete_chord(self, chord: Chord) -> None:
        self.selected = None
        self.document.perform_planned(edits.set_chords, [], chord.onset, chord.end)

    # -- editing ----------------------------------------------------------------------------
    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        self.start_edit(self.tick_at(event.position().x()))

    def beat_at(self, tick: int) -> int:
        """The tick of the beat at or before ``tick`` (dotted beats in 6/8)."""
        tl = self.song.timeline
        return max(b for b in tl.beat_ticks_in_bar(tl.bar_at(tick)) if b <= tick)

    def beat_label(self, tick: int) -> str:
        """'bar 3, beat 2' for the beat at ``tick`` (both counted from 1)."""
        tl = self.song.timeline
        bar = tl.bar_at(tick)
        return f"bar {bar + 1}, beat {tl.beat_ticks_in_bar(bar).index(self.beat_at(tick)) + 1}"

    def span_for_new_chord(self, tick: int) -> tuple[int, int]:
        """A chord written where there is none runs from the beat at ``tick`` to the bar's end
        or the next chord, whichever comes first."""
        tl = self.song.timeline
        onset = self.beat_at(tick)
        end = tl.bar_start(tl.bar_at(tick) + 1)
        following = [c.onset for c in self.song.chords_between(onset, end) if c.onset > onset]
        return onset, min([end, *following])

    def start_edit(self, tick: int) -> ChordEditor:
        """Edit the chord at ``tick``, or write a new one from the beat there."""
        chord = self.song.chord_at(tick)
        if chord is not None:
            return self._open_editor((chord.onset, chord.end), str(chord.symbol))
        return self._open_editor(self.span_for_new_chord(tick), "")

    def start_insert(self, tick: int) -> ChordEditor:
        """Write a chord from the beat at ``tick`` to the end of the chord sounding there, which
        is cut at that beat when the new chord is written (the editor starts with its symbol)."""
        chord = self.song.chord_at(tick)
        beat = self.beat_at(tick)
        if chord is None or beat <= chord.onset:
            return self.start_edit(tick)
        return self._open_editor((beat, chord.end), str(chord.symbol))

    def _open_editor(self, span: tuple[int, int], text: str) -> ChordEditor:
        self.finish_edit()
        self._span = span
        editor = ChordEditor(text, self)
        editor.setToolTip(EDITOR_TIP)
        x0, x1 = self.x_of(span[0]), self.x_of(span[1])
        editor.setGeometry(round(x0), 0, max(70, round(x1 - x0)), self.height())
        editor.returnPressed.connect(self.commit_edit)
        editor.textEdited.connect(self._check_typed)
        editor.cancelled.connect(self.finish_edit)
        editor.show()
        editor.setFocus()
        editor.selectAll()
        self.editor = editor
        return editor

    def _check_typed(self, text: str) -> None:
        """Mark the editor red while its text is no chord, the reason in its tooltip."""
        if self.editor is None:
            return
        try:
            if text.strip():
                ChordSymbol.parse(text)
        except MelodyStudioError as e:
            self.editor.setStyleSheet(ERROR_STYLE)
            self.editor.setToolTip(str(e))
            QToolTip.showText(self.editor.mapToGlobal(QPoint(0, self.editor.height())), str(e), self.editor)
            return
        self.editor.setStyleSheet("")
        self.editor.setToolTip(EDITOR_TIP)
        QToolTip.hideText()

    # -- the right-click menu ---------------------------------------------------------------
    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        self.context_menu(self.tick_at(event.pos().x())).exec(event.globalPos())

    def context_menu(self, tick: int) -> QMenu:
        """What can be done at ``tick``: write a chord there, or insert, edit or remove one."""
        menu = QMenu(self)
        chord = self.song.chord_at(tick)
        where = self.beat_label(tick)
        if chord is None:
            menu.addAction(f"Write a chord at {where}...", lambda: self.start_edit(tick))
            return menu
        self.selected = chord
        self.update()
        if self.beat_at(tick) > chord.onset:
            menu.addAction(f"Insert a chord at {where}...", lambda: self.start_insert(tick))
        menu.addAction(f"Edit {chord.symbol}...", lambda: self.start_edit(chord.onset))
        menu.addAction(f"Remove {chord.symbol}", lambda: self.delete_chord(chord))
        return menu

    def commit_edit(self) -> bool:
        """Write the edited symbol; a text that is not a chord keeps the editor open, marked red."""
        if self.editor is None or self._span is None:
            return False
        text = self.editor.text().strip()
        try:
            symbol = ChordSymbol.parse(text) if text else None
        except MelodyStudioError as e:
            self.editor.setStyleSheet(ERROR_STYLE)
            self.editor.setToolTip(str(e))
            self.document.edit_failed.emit(str(e))
            return False
        start, end = self._span
        chords = [Chord(start, end - start, symbol)] if symbol is not None else []
        self.finish_edit()
        if not chords and not self.song.chords_between(start, end):
            return False  # nothing written where nothing was
        return self.document.perform_planned(edits.set_chords, chords, start, end)

    def finish_edit(self) -> None:
        editor, self.editor = self.editor, None
        if editor is not None:
            editor.blockSignals(True)
            editor.hide()
            editor.deleteLater()
