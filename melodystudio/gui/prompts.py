"""Every question the window asks the user, in one replaceable object (tests answer them in code)."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from melodystudio.io import FORMATS

SAVE, DISCARD, CANCEL = "save", "discard", "cancel"


def open_filter() -> str:
    readable = [f for f in FORMATS if f.reader is not None]
    every = " ".join(f"*{e}" for f in readable for e in f.extensions)
    each = ";;".join(f"{f.name} ({' '.join('*' + e for e in f.extensions)})" for f in readable)
    return f"All songs ({every});;{each}"


class Asks(Protocol):
    """What the window may ask; tests supply their own answers (tests/gui/helpers.py)."""

    def unsaved_changes(self, name: str) -> str: ...

    def restore_recovery(self, description: str, count: int) -> bool: ...

    def open_path(self, start_dir: str = "") -> Path | None: ...

    def save_path(self, title: str, suggested: str, file_filter: str) -> Path | None: ...

    def error(self, title: str, message: str) -> None: ...


class Prompts:
    """Modal questions through standard dialogs; ``parent`` is the main window."""

    def __init__(self, parent: QWidget) -> None:
        self.parent = parent

    def unsaved_changes(self, name: str) -> str:
        """SAVE, DISCARD or CANCEL for a document with unsaved changes."""
        buttons = QMessageBox.StandardButton
        answer = QMessageBox.warning(
            self.parent, "Unsaved changes", f"Save the changes to {name}?",
            buttons.Save | buttons.Discard | buttons.Cancel, buttons.Save)
        return {buttons.Save: SAVE, buttons.Discard: DISCARD}.get(answer, CANCEL)

    def restore_recovery(self, description: str, count: int) -> bool:
        more = f"\n({count - 1} older recovery files are kept.)" if count > 1 else ""
        answer = QMessageBox.question(
            self.parent, "Restore unsaved work?",
            f"MelodyStudio did not close properly last time.\nRestore {description}?{more}")
        return answer == QMessageBox.StandardButton.Yes

    def open_path(self, start_dir: str = "") -> Path | None:
        path, _ = QFileDialog.getOpenFileName(self.parent, "Open song", start_dir, open_filter())
        return Path(path) if path else None

    def save_path(self, title: str, suggested: str, file_filter: str) -> Path | None:
        path, _ = QFileDialog.getSaveFileName(self.parent, title, suggested, file_filter)
        return Path(path) if path else None

    def error(self, title: str, message: str) -> None:
        QMessageBox.critical(self.parent, title, message)
