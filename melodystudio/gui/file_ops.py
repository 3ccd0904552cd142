"""File commands: New, Open (in the background), Save, Save As, Export (MIDI, MusicXML, WAV),
recent files and dropped files. Failures reach the user as one line; the document is untouched."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from melodystudio.audio.accompaniment import AccompanimentStyle
from melodystudio.core import MelodyStudioError, Song
from melodystudio.core.progress import Job, Progress
from melodystudio.gui.document import Document
from melodystudio.gui.prompts import CANCEL, SAVE, Asks
from melodystudio.gui.status import StatusBar
from melodystudio.io import FORMATS, ImportReport, load_song, save_song
from melodystudio.jobs import JobHandle, JobRunner

PROJECT_SUFFIX = ".mstudio"
SAVE_FILTER = "MelodyStudio project (*.mstudio);;MIDI (*.mid);;MusicXML (*.musicxml)"
EXPORT_FILTER = "MIDI (*.mid);;MusicXML (*.musicxml);;WAV audio (*.wav)"
READABLE = {e for f in FORMATS if f.reader is not None for e in f.extensions}
WRITABLE = {e for f in FORMATS if f.writer is not None for e in f.extensions}


def load_job(path: Path) -> Job[tuple[Song, ImportReport]]:
    """Reading runs on a worker: music21 can take seconds on a large MusicXML file."""
    yield Progress(0.0, f"Opening {path.name}")
    result = load_song(path)
    yield Progress(1.0, f"Opened {path.name}")
    return result


def is_readable(path: Path) -> bool:
    return path.suffix.lower() in READABLE


class FileController(QObject):
    opened = Signal(object)  # Path, after the song is in the document
    saved = Signal(object)  # Path

    def __init__(self, document: Document, runner: JobRunner, prompts: Asks, status: StatusBar,
                 remember: Callable[[Path], None], soundfont: Callable[[], str],
                 parent: QObject | None = None, *,
                 accompaniment: Callable[[], AccompanimentStyle] = AccompanimentStyle) -> None:
        super().__init__(parent)
        self.document = document
        self.runner = runner
        self.prompts = prompts
        self.status = status
        self.remember = remember
        self.soundfont = soundfont
        self.accompaniment = accompaniment  # the chords of a WAV export, as playback plays them
        self.loading: JobHandle | None = None
        self.exporting: JobHandle | None = None
        self.report_box: QMessageBox | None = None

    # -- new and open -------------------------------------------------------------------------
    def maybe_save(self) -> bool:
        """True when it is fine to drop the document (saved, discarded or unchanged)."""
        if not self.document.is_modified:
            return True
        answer = self.prompts.unsaved_changes(self.document.display_name())
        if answer == SAVE:
            return self.save()
        return answer != CANCEL

    def new_song(self) -> bool:
        if not self.maybe_save():
            return False
        self.document.replace_song(Song())
        return True

    def open_dialog(self) -> None:
        start = str(self.document.path.parent) if self.document.path else ""
        path = self.prompts.open_path(start)
        if path is not None:
            self.open_path(path)

    def open_path(self, path: Path, *, ask: bool = True) -> JobHandle | None:
        """Read ``path`` on a worker thread; the song replaces the document when it arrives."""
        if not is_readable(path):
            self.status.message(f"{path.name}: not a song file MelodyStudio can read")
            return None
        if ask and not self.maybe_save():
            return None
        if self.loading is not None:
            self.loading.cancel()
        handle = self.runner.submit(lambda: load_job(path), name=f"open {path.name}")
        self.loading = handle
        self.status.start_task(f"Opening {path.name}", handle.cancel)
        handle.progress.connect(self.status.task_progress)
        handle.result.connect(lambda result: self._opened(path, *result))
        handle.error.connect(lambda message: self._failed(f"Cannot open {path.name}", message))
        handle.finished.connect(lambda: self._load_finished(handle))
        return handle

    def _load_finished(self, handle: JobHandle) -> None:
        if self.loading is handle:
            self.loading = None
            self.status.end_task()

    def _opened(self, path: Path, song: Song, report: ImportReport) -> None:
        own_format = path.suffix.lower() in WRITABLE
        if not song.title:
            song.title = path.stem
        self.document.replace_song(song, path.resolve() if own_format else None)
        self.remember(path)
        self.show_report(path, report)
        self.opened.emit(path)

    def show_report(self, path: Path, report: ImportReport) -> None:
        """What the importer changed, without stopping the user: status line plus a modeless box."""
        lines = report.lines()
        if not lines:
            self.status.message(f"Opened {path.name}")
            return
        more = f" (+{len(lines) - 1} more)" if len(lines) > 1 else ""
        self.status.message(f"Opened {path.name}: {lines[0]}{more}")
        if len(lines) > 1 or report.warnings or report.dropped_notes:
            owner = self.parent()
            parent = owner if isinstance(owner, QWidget) else None
            box = QMessageBox(QMessageBox.Icon.Information, "Import report", f"While reading {path.name}:",
                              QMessageBox.StandardButton.Close, parent)
            box.setDetailedText("\n".join(lines))
            box.setInformativeText("\n".join(lines[:6]))
            box.setModal(False)
            box.show()
            self.report_box = box

    # -- save and export ----------------------------------------------------------------------
    def save(self) -> bool:
        path = self.document.path
        if path is None or path.suffix.lower() not in WRITABLE:
            return self.save_as()
        return self.write(path)

    def save_as(self) -> bool:
        suggested = self._suggested(PROJECT_SUFFIX)
        path = self.prompts.save_path("Save song as", suggested, SAVE_FILTER)
        if path is None:
            return False
        if not path.suffix:
            path = path.with_suffix(PROJECT_SUFFIX)
        return self.write(path)

    def write(self, path: Path) -> bool:
        try:
            save_song(self.document.song, path)
        except MelodyStudioError as e:
            self._failed(f"Cannot save {path.name}", str(e))
            return False
        self.document.mark_saved(path.resolve())
        self.remember(path)
        self.status.message(f"Saved {path.name}")
        self.saved.emit(path)
        return True

    def export(self, suffix: str | None = None) -> bool:
        """Export a copy (the document keeps its own file); ``suffix`` picks the format up front."""
        filters = {".mid": "MIDI (*.mid)", ".musicxml": "MusicXML (*.musicxml)", ".wav": "WAV audio (*.wav)"}
        path = self.prompts.save_path("Export", self._suggested(suffix or ".mid"),
                                      filters.get(suffix or "", EXPORT_FILTER))
        if path is None:
            return False
        if not path.suffix:
            path = path.with_suffix(suffix or ".mid")
        return self.export_to(path)

    def export_to(self, path: Path) -> bool:
        if path.suffix.lower() == ".wav":
            return self.export_wav(path) is not None
        try:
            save_song(self.document.song, path)
        except MelodyStudioError as e:
            self._failed(f"Cannot export {path.name}", str(e))
            return False
        self.status.message(f"Exported {path.name}")
        return True

    def export_wav(self, path: Path) -> JobHandle | None:
        """Render in the background with progress; Cancel leaves no file behind."""
        if self.exporting is not None:
            self.status.message("An export is already running")
            return None
        from melodystudio.audio import render_wav  # numpy and FluidSynth load on first export, not at start-up

        song, font, chords = self.document.song.copy(), self.soundfont() or None, self.accompaniment()
        handle = self.runner.submit(lambda: render_wav(song, path, soundfont=font, accompaniment=chords),
                                    name=f"export {path.name}")
        self.exporting = handle
        self.status.start_task(f"Rendering {path.name}", handle.cancel)
        handle.progress.connect(self.status.task_progress)
        handle.result.connect(lambda result: self.status.message(f"Exported {path.name} ({result.seconds:.1f} s)"))
        handle.error.connect(lambda message: self._failed(f"Cannot export {path.name}", message))
        handle.finished.connect(self._export_finished)
        return handle

    def _export_finished(self) -> None:
        self.exporting = None
        self.status.end_task()

    def _suggested(self, suffix: str) -> str:
        doc = self.document
        if doc.path is not None:
            return str(doc.path.with_suffix(suffix))
        return (doc.song.title or "Untitled") + suffix

    def _failed(self, title: str, message: str) -> None:
        self.status.message(f"{title}: {message}", 10000)
        self.prompts.error(title, message)
