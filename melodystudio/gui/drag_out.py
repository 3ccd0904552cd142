"""A toolbar handle that drags the melody out as a MIDI file (into a DAW, a file manager, a mail)."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDrag, QMouseEvent
from PySide6.QtWidgets import QApplication, QToolButton, QWidget

from melodystudio.core import MelodyStudioError, Song
from melodystudio.io import save_song


def safe_stem(title: str) -> str:
    stem = re.sub(r"[^\w\- ]+", "", title).strip()
    return stem or "melody"


class DragMidiButton(QToolButton):
    def __init__(self, song: Callable[[], Song], on_error: Callable[[str], None],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.song, self.on_error = song, on_error
        self.setText("Drag MIDI")
        self.setToolTip("Drag the melody out of MelodyStudio as a MIDI file")
        self._press: QPoint | None = None
        self._folder = tempfile.TemporaryDirectory(prefix="melodystudio-drag-")

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._press = event.position().toPoint() if event.button() == Qt.MouseButton.LeftButton else None
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._press is None or (event.position().toPoint() - self._press).manhattanLength() < \
                QApplication.startDragDistance():
            return
        self._press = None
        path = self.write_midi()
        if path is None:
            return
        data = QMimeData()
        data.setUrls([QUrl.fromLocalFile(str(path))])
        drag = QDrag(self)
        drag.setMimeData(data)
        drag.exec(Qt.DropAction.CopyAction)

    def write_midi(self) -> Path | None:
        song = self.song()
        path = Path(self._folder.name) / f"{safe_stem(song.title)}.mid"
        try:
            save_song(song, path)
        except MelodyStudioError as e:
            self.on_error(str(e))
            return None
        return path
