"""Notes on the system clipboard (JSON under our own MIME type), so copy and paste also work
between two MelodyStudio windows."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QMimeData
from PySide6.QtGui import QGuiApplication

from melodystudio.core import Note
from melodystudio.gui.note_edits import decode_clip, encode_clip

MIME_TYPE = "application/x-melodystudio-notes"


def put(clip: Sequence[Note]) -> None:
    data = QMimeData()
    text = encode_clip(clip)
    data.setData(MIME_TYPE, text.encode("utf-8"))
    QGuiApplication.clipboard().setMimeData(data)


def get() -> list[Note]:
    data = QGuiApplication.clipboard().mimeData()
    if data is None or not data.hasFormat(MIME_TYPE):
        return []
    return decode_clip(bytes(data.data(MIME_TYPE).data()).decode("utf-8", errors="replace"))
