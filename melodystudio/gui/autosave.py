"""Autosave and crash recovery.

While a document has unsaved changes, a timer writes it every N seconds to the recovery folder
(``<AppDataLocation>/recovery``) as ``<id>.mstudio`` plus ``<id>.json`` naming the owning process
and the document's own file. A clean close or a save removes them, so anything found there at
start-up whose process is gone was left by a crash and is offered back.
"""

from __future__ import annotations

import json
import os
import sys
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QObject, QStandardPaths, QTimer, Signal

from melodystudio.core import MelodyStudioError
from melodystudio.gui.document import Document
from melodystudio.io import save_song
from melodystudio.io.atomic import write_atomically

SUFFIX, META_SUFFIX = ".mstudio", ".json"


def default_recovery_dir() -> Path:
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(base) / "recovery"


@dataclass(frozen=True)
class RecoveryFile:
    song_path: Path  # the autosaved .mstudio
    meta_path: Path
    original: Path | None  # the file the user was editing, None for an unsaved song
    saved_at: datetime
    pid: int

    def describe(self) -> str:
        name = self.original.name if self.original is not None else "an unsaved song"
        return f"{name} (autosaved {self.saved_at:%Y-%m-%d %H:%M})"

    def remove(self) -> None:
        for p in (self.song_path, self.meta_path):
            p.unlink(missing_ok=True)


def pid_alive(pid: int) -> bool:
    """Whether process ``pid`` still runs (a live window keeps its own recovery file)."""
    if pid == os.getpid():
        return True
    if sys.platform == "win32":  # os.kill(pid, 0) would send CTRL_C_EVENT there
        import ctypes

        handle = ctypes.windll.kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if handle:
            ctypes.windll.kernel32.CloseHandle(handle)
        return bool(handle)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def read_recovery(meta_path: Path) -> RecoveryFile | None:
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        song_path = meta_path.with_suffix(SUFFIX)
        original = Path(meta["original"]) if meta.get("original") else None
        saved_at = datetime.fromisoformat(meta["saved_at"])
        pid = int(meta["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not song_path.is_file():
        return None
    return RecoveryFile(song_path, meta_path, original, saved_at, pid)


def orphaned_recoveries(directory: Path) -> list[RecoveryFile]:
    """Recovery files left by processes that are gone, newest first."""
    if not directory.is_dir():
        return []
    found = [read_recovery(p) for p in directory.glob(f"*{META_SUFFIX}")]
    orphans = [r for r in found if r is not None and not pid_alive(r.pid)]
    return sorted(orphans, key=lambda r: r.saved_at, reverse=True)


class Autosaver(QObject):
    autosaved = Signal(object)  # datetime
    failed = Signal(str)

    def __init__(self, document: Document, directory: Path, interval_seconds: int,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.directory = directory
        token = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.song_path = directory / f"{token}{SUFFIX}"
        self.meta_path = directory / f"{token}{META_SUFFIX}"
        self._saved_revision = -1
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.autosave_if_needed)
        self.set_interval(interval_seconds)
        document.modified_changed.connect(self._modified_changed)

    def set_interval(self, seconds: int) -> None:
        self._timer.stop()
        if seconds > 0:
            self._timer.start(seconds * 1000)

    @property
    def active(self) -> bool:
        return self._timer.isActive()

    def autosave_if_needed(self) -> bool:
        """Write the recovery file when the document changed since the last autosave."""
        doc = self.document
        if not doc.is_modified or doc.revision == self._saved_revision:
            return False
        return self.autosave_now()

    def autosave_now(self) -> bool:
        doc = self.document
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            save_song(doc.song, self.song_path)
            meta = {"pid": os.getpid(), "original": str(doc.path) if doc.path else None,
                    "saved_at": datetime.now().isoformat(timespec="seconds"), "title": doc.song.title}
            write_atomically(self.meta_path, json.dumps(meta).encode("utf-8"))
        except (OSError, MelodyStudioError) as e:
            self.failed.emit(f"autosave failed: {e}")
            return False
        self._saved_revision = doc.revision
        self.autosaved.emit(datetime.now())
        return True

    def discard(self) -> None:
        """Remove this window's recovery files (after a save, or on a clean close)."""
        for p in (self.song_path, self.meta_path):
            p.unlink(missing_ok=True)
        self._saved_revision = -1

    def stop(self) -> None:
        self._timer.stop()

    def _modified_changed(self, modified: bool) -> None:
        if not modified:
            self.discard()
