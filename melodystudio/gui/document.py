"""The open document: the song, its file, its undo stack, and the bar selection.

The document turns the model's Qt-free ``Song.changed`` event into a Qt signal, so views subscribe
once and survive the song being replaced (New, Open, recovery) — they get ``song_replaced`` then.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from melodystudio.core import MelodyStudioError, Song, SongChange
from melodystudio.core.edits import Edit
from melodystudio.gui.commands import NO_MERGE, EditCommand

BarRange = tuple[int, int]  # first and last bar, 0-based, inclusive


class Document(QObject):
    song_replaced = Signal(object)  # Song
    song_changed = Signal(object)  # SongChange
    bar_selection_changed = Signal(object)  # BarRange | None
    path_changed = Signal(object)  # Path | None
    modified_changed = Signal(bool)
    edit_failed = Signal(str)  # a one-line message for the user

    def __init__(self, song: Song | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.undo_stack = QUndoStack(self)
        self._song = song if song is not None else Song()
        self._song.changed.connect(self._forward_change)
        self._path: Path | None = None
        self._bars: BarRange | None = None
        self._forced_modified = False  # a recovered document differs from every file on disk
        self.revision = 0  # rises with every change; the autosaver compares it
        self.undo_stack.cleanChanged.connect(self._on_clean_changed)

    # -- state ------------------------------------------------------------------------------
    @property
    def song(self) -> Song:
        return self._song

    @property
    def path(self) -> Path | None:
        return self._path

    @property
    def is_modified(self) -> bool:
        return self._forced_modified or not self.undo_stack.isClean()

    @property
    def bar_selection(self) -> BarRange | None:
        return self._bars

    def display_name(self) -> str:
        if self._path is not None:
            return self._path.name
        return self._song.title or "Untitled"

    # -- changes ----------------------------------------------------------------------------
    def perform(self, edit: Edit | None, merge_id: int = NO_MERGE) -> bool:
        """Apply ``edit`` as one undo step; False (and ``edit_failed``) when the model refuses it."""
        if edit is None:
            return False
        command = EditCommand(self._song, edit, merge_id)
        self.undo_stack.push(command)
        if command.error is not None:
            self.edit_failed.emit(str(command.error))
            return False
        return True

    def perform_planned(self, planner: Callable[..., Edit | None], *args: object,
                        merge_id: int = NO_MERGE) -> bool:
        """Plan an edit from the current song (``planner(song, *args)``) and perform it; a plan
        the model refuses (pitch out of range, overlap) is reported like a refused edit."""
        try:
            edit = planner(self._song, *args)
        except MelodyStudioError as e:
            self.edit_failed.emit(str(e))
            return False
        return self.perform(edit, merge_id)

    def replace_song(self, song: Song, path: Path | None = None, *, modified: bool = False) -> None:
        """Start over with ``song`` (New, Open, recovery): history cleared, selection dropped."""
        self._song.changed.disconnect(self._forward_change)
        self._song = song
        song.changed.connect(self._forward_change)
        self.undo_stack.clear()
        self._forced_modified = modified
        self._bars = None
        self.revision += 1
        self.set_path(path)
        self.song_replaced.emit(song)
        self.bar_selection_changed.emit(None)
        self.modified_changed.emit(self.is_modified)

    def set_path(self, path: Path | None) -> None:
        self._path = path
        self.path_changed.emit(path)

    def mark_saved(self, path: Path) -> None:
        self._forced_modified = False
        self.set_path(path)
        self.undo_stack.setClean()
        self.modified_changed.emit(self.is_modified)

    def select_bars(self, bars: BarRange | None) -> None:
        if bars is not None:
            first, last = sorted(bars)
            bars = (max(0, first), max(0, last))
        if bars != self._bars:
            self._bars = bars
            self.bar_selection_changed.emit(bars)

    def _on_clean_changed(self, _clean: bool) -> None:
        self.modified_changed.emit(self.is_modified)

    def _forward_change(self, change: SongChange) -> None:
        self.revision += 1
        self.song_changed.emit(change)
