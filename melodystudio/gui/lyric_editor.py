"""The lyric editor: type lyrics, see how they split into syllables, apply them to the notes.

Splitting and assignment are the Qt-free functions of ``lyric_assign``; this panel only shows
their result and turns "Apply to notes" into one undo command (``edits.set_lyrics``).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

from melodystudio.core import Lyric, MelodyStudioError, Note, Song, edits
from melodystudio.gui.document import Document
from melodystudio.gui.lyric_assign import assign_lyrics, lyrics_to_text, preview, split_lyrics

HINT = "Hyphens split words (Twin-kle), '_' holds a syllable over another note, a new line starts a phrase"


class LyricEditor(QWidget):
    def __init__(self, document: Document, selected_notes: Callable[[], list[Note]],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.selected_notes = selected_notes
        self.text = QPlainTextEdit()
        self.text.setPlaceholderText(HINT)
        self.text.setToolTip(HINT)
        self.preview = QLabel(wordWrap=True)
        self.preview.setTextFormat(Qt.TextFormat.PlainText)
        self.preview.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.apply_button = QPushButton("Apply to notes")
        self.apply_button.setToolTip("One syllable per note from the selected note (or the first note)")
        self.reload_button = QPushButton("Reload from song")
        self.apply_button.clicked.connect(self.apply)
        self.reload_button.clicked.connect(self.load_from_song)
        self.text.textChanged.connect(self.update_preview)
        buttons = QHBoxLayout()
        buttons.addWidget(self.apply_button)
        buttons.addWidget(self.reload_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.preview)
        layout.addLayout(buttons)
        document.song_replaced.connect(lambda _song: self.load_from_song())
        self.load_from_song()

    @property
    def song(self) -> Song:
        return self.document.song

    def load_from_song(self) -> None:
        self.text.setPlainText(lyrics_to_text(self.song.notes))

    def syllables(self) -> list[Lyric]:
        return split_lyrics(self.text.toPlainText())

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
            syllables = self.syllables()
        except MelodyStudioError as e:
            self._show(str(e), error=True)
            return
        targets = self.target_notes()
        outcome = assign_lyrics(targets, syllables)
        counts = f"{len(syllables)} syllables for {self.target_description(len(targets))}"
        if outcome.leftover_syllables:
            counts += f" — {outcome.leftover_syllables} syllables have no note"
        elif outcome.notes_without_lyric:
            counts += f" — {outcome.notes_without_lyric} notes get no syllable"
        self._show(f"{counts}\n{preview(syllables)}", error=bool(outcome.leftover_syllables))

    def _show(self, text: str, error: bool) -> None:
        self.preview.setText(text)
        self.preview.setStyleSheet("color: #b03020;" if error else "color: #333;")

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
