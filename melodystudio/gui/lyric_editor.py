"""The lyric editor: type lyrics, see how they split into syllables (stressed ones in bold) and what
the dictionary had to guess, apply them to the notes, or set them to a new melody.

Splitting and assignment are the Qt-free functions of ``lyric_assign``; this panel shows their
result and turns "Apply to notes" into one undo command (``edits.set_lyrics``). Where a new
melody for the lyrics goes (the selected bars, or new bars after the song) is chosen here; the
generation itself is ``lyrics_generation``, whose buttons sit in this editor's button row.
"""

from __future__ import annotations

import html
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from melodystudio.core import Lyric, MelodyStudioError, Note, Song, edits
from melodystudio.gui.document import Document
from melodystudio.gui.lyric_assign import (
    ParsedLyrics,
    assign_lyrics,
    lyrics_to_text,
    read_lyrics,
    syllables_html,
)

HINT = ("Hyphens split words (Twin-kle), '~' keeps a word on one note (heav~en), '_' holds a syllable over "
        "another note, a new line starts a phrase")
SELECTED_BARS, AFTER_SONG = "selected bars", "after the song"
AUTO_BARS = 0  # the bars spin's lowest value, shown as "auto": bars from the syllable count
MAX_LYRIC_BARS = 32
ERROR_COLOUR, WARNING_COLOUR, TEXT_COLOUR = "#b03020", "#9a6700", "#333"


def _coloured(text: str, colour: str) -> str:
    return f'<span style="color:{colour}">{html.escape(text)}</span>'


class LyricEditor(QWidget):
    lyrics_changed = Signal()  # the text or its split changed (generation controls follow it)

    def __init__(self, document: Document, selected_notes: Callable[[], list[Note]],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.selected_notes = selected_notes
        self.parsed = ParsedLyrics((), None, ())
        self._song_lyrics: list[Lyric] = []  # the lyrics of the song the text was loaded from
        self._loaded_text = ""
        self.text = QPlainTextEdit()
        self.text.setPlaceholderText(HINT)
        self.text.setToolTip(HINT)
        self.preview = QLabel(wordWrap=True)
        self.preview.setTextFormat(Qt.TextFormat.RichText)
        self.preview.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.preview.setToolTip("The syllables, one per note: stressed syllables in bold, '/' starts a phrase")
        self.apply_button = QPushButton("Apply to notes")
        self.apply_button.setToolTip("One syllable per note from the selected note (or the first note)")
        self.reload_button = QPushButton("Reload from song")
        self.apply_button.clicked.connect(self.apply)
        self.reload_button.clicked.connect(self.load_from_song)
        self.text.textChanged.connect(self.update_preview)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.preview)
        layout.addLayout(self._make_button_row())
        document.song_replaced.connect(lambda _song: self.load_from_song())
        self.load_from_song()

    def _make_button_row(self) -> QHBoxLayout:
        self.where_combo = QComboBox()
        self.where_combo.addItem("Set to the selected bars", SELECTED_BARS)
        self.where_combo.addItem("Set to new bars after the song", AFTER_SONG)
        self.where_combo.setToolTip("Where 'Generate melody' puts the new melody for these lyrics")
        self.bars_spin = QSpinBox(minimum=AUTO_BARS, maximum=MAX_LYRIC_BARS, suffix=" bars")
        self.bars_spin.setSpecialValueText("auto bars")
        self.bars_spin.setToolTip("How many new bars after the song: 'auto' gives each line whole bars at "
                                  "about one syllable per beat")
        self.where_combo.currentIndexChanged.connect(lambda _i: self._where_changed())
        self._buttons = QHBoxLayout()
        self._buttons.addWidget(self.where_combo)
        self._buttons.addWidget(self.bars_spin)
        self._generation_at = self._buttons.count()  # generation buttons go here, before Apply
        self._buttons.addSpacing(12)
        self._buttons.addWidget(self.apply_button)
        self._buttons.addWidget(self.reload_button)
        self._buttons.addStretch(1)
        self._where_changed()
        return self._buttons

    def add_action_button(self, action: QAction, text: str) -> QPushButton:
        """A button labelled ``text`` that triggers ``action`` and follows its state and tooltip
        (Generate melody, Regenerate phrase)."""
        button = QPushButton(text)
        button.clicked.connect(action.trigger)

        def follow() -> None:
            button.setEnabled(action.isEnabled())
            button.setToolTip(action.toolTip())

        action.changed.connect(follow)
        follow()
        self._buttons.insertWidget(self._generation_at, button)
        self._generation_at += 1
        return button

    def _where_changed(self) -> None:
        self.bars_spin.setVisible(self.where == AFTER_SONG)
        self.lyrics_changed.emit()

    @property
    def where(self) -> str:
        """SELECTED_BARS or AFTER_SONG: where a melody generated for the lyrics goes."""
        return str(self.where_combo.currentData())

    @property
    def song(self) -> Song:
        return self.document.song

    def load_from_song(self) -> None:
        self._song_lyrics = [n.lyric for n in self.song.notes if n.lyric is not None]
        self._loaded_text = lyrics_to_text(self.song.notes)
        self.text.setPlainText(self._loaded_text)

    def syllables(self) -> list[Lyric]:
        return list(read_lyrics(self.text.toPlainText()).lyrics)

    def target_notes(self) -> list[Note]:
        """Several selected notes: exactly those; one: from it to the end; none: the whole melody."""
        selected = self.selected_notes()
        if len(selected) > 1:
            return selected
        notes = list(self.song.notes)
        if selected:
            start = self.song.index_of(selected[0])
            return notes[start:]
        return notes

    def target_description(self, count: int) -> str:
        selected = len(self.selected_notes())
        if selected > 1:
            return f"the {count} selected notes"
        if selected == 1:
            return f"{count} notes from the selected one"
        return f"{count} notes"

    def update_preview(self) -> None:
        try:
            self.parsed = read_lyrics(self.text.toPlainText())
        except MelodyStudioError as e:
            self.parsed = ParsedLyrics((), None, ())
            self._show(html.escape(str(e)), ERROR_COLOUR)
            self.lyrics_changed.emit()
            return
        syllables = list(self.parsed.lyrics)
        targets = self.target_notes()
        outcome = assign_lyrics(targets, syllables)
        counts = f"{len(syllables)} syllables for {self.target_description(len(targets))}"
        if not targets:  # nothing to apply them to: the count is for setting them to a new melody
            counts = f"{len(syllables)} syllables"
        elif outcome.leftover_syllables:
            counts += f" — {outcome.leftover_syllables} syllables have no note"
        elif outcome.notes_without_lyric:
            counts += f" — {outcome.notes_without_lyric} notes get no syllable"
        lines = [_coloured(counts, ERROR_COLOUR if targets and outcome.leftover_syllables else TEXT_COLOUR),
                 syllables_html(self.parsed)]
        lines += [_coloured(w, WARNING_COLOUR) for w in self.parsed.warnings]
        if self.text.toPlainText() == self._loaded_text and syllables != self._song_lyrics:
            lines.append(_coloured(f"The song sings {len(self._song_lyrics)} syllables, but this text splits into "
                                   f"{len(syllables)}: some words are sung on fewer notes than the dictionary "
                                   "splits them into, so Apply to notes would move the lyrics", WARNING_COLOUR))
        self._show("<br>".join(lines), TEXT_COLOUR)
        self.lyrics_changed.emit()

    def _show(self, text: str, colour: str) -> None:
        self.preview.setText(text)
        self.preview.setStyleSheet(f"color: {colour};")

    def apply(self) -> bool:
        """Assign the syllables to the target notes as one undo step."""
        try:
            syllables = self.syllables()
        except MelodyStudioError as e:
            self.document.edit_failed.emit(str(e))
            return False
        targets = self.target_notes()
        if not targets:
            self.document.edit_failed.emit("There are no notes to put the lyrics on")
            return False
        outcome = assign_lyrics(targets, syllables)
        changed = [(n, lyric) for n, lyric in outcome.pairs if n.lyric != lyric]
        if not changed:
            return False
        return self.document.perform_planned(edits.set_lyrics, changed)
