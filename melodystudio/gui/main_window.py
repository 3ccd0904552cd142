"""The main window: the piano roll in the middle, the Generate panel on the right, the lyric editor
below, song settings on the toolbar, and a status bar (see docs/ui.md).

The window wires controllers together and owns their lifetimes; each controller (files, transport,
generation, lyrics, prompt, harmonize, autosave, MIDI input) lives in its own module. ``Services``
carries what tests replace: the settings store, the recovery folder, the player, the model loaders
(melody model, harmonizer, melody library) and the dialogs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QInputDialog,
    QMainWindow,
    QMenu,
    QMessageBox,
    QScrollArea,
    QWidget,
)

from melodystudio import __version__
from melodystudio.core import MelodyStudioError, Song
from melodystudio.gui import actions
from melodystudio.gui.autosave import Autosaver, default_recovery_dir, orphaned_recoveries
from melodystudio.gui.document import Document
from melodystudio.gui.file_ops import FileController, is_readable
from melodystudio.gui.generation import (
    HARMONIZER,
    LIBRARY,
    MELODY,
    EngineLoader,
    GenerationController,
    ModelLoader,
    load_engine_job,
)
from melodystudio.gui.generation_panel import GenerationPanel
from melodystudio.gui.harmonize import HarmonizeChoice, HarmonizeSection, load_harmonizer_job
from melodystudio.gui.lyric_assign import warm_up_job
from melodystudio.gui.lyric_editor import LyricEditor
from melodystudio.gui.lyrics_generation import LyricsGeneration
from melodystudio.gui.midi_input import MidiKeyboard
from melodystudio.gui.piano_roll import PianoRoll
from melodystudio.gui.prompt_panel import PromptSection, load_retriever_job
from melodystudio.gui.prompts import Asks, Prompts
from melodystudio.gui.qt_player import QtPlayer
from melodystudio.gui.settings import (
    AppSettings,
    GenerationDefaults,
    HarmonizeDefaults,
    default_store,
    load_settings,
    save_settings,
)
from melodystudio.gui.song_settings import SongSettingsBar
from melodystudio.gui.status import StatusBar
from melodystudio.gui.transport import Transport
from melodystudio.io import load_song
from melodystudio.jobs import JobRunner
from melodystudio.playback import AudioSettings

APP_NAME = "MelodyStudio"
LYRIC_DOCK_HEIGHT = 150  # px: the roll gets the rest


def default_player(settings: AppSettings) -> QtPlayer | None:
    audio = AudioSettings(driver=settings.audio_driver, soundfont=settings.soundfont or None)
    return QtPlayer(settings=audio, open_device=False)  # opened in the background after start-up


@dataclass
class Services:
    store: QSettings = field(default_factory=default_store)
    recovery_dir: Path = field(default_factory=default_recovery_dir)
    player: Callable[[AppSettings], QtPlayer | None] = default_player
    engine_loader: Callable[[AppSettings], EngineLoader] = (
        lambda s: (lambda: load_engine_job(s.model_dir, s.provider)))
    harmonizer_loader: Callable[[AppSettings], ModelLoader] = (
        lambda s: (lambda: load_harmonizer_job(None, s.provider)))
    retriever_loader: Callable[[AppSettings], ModelLoader] = lambda s: load_retriever_job
    prompts: Callable[[QWidget], Asks] = Prompts
    start_devices: bool = True  # open audio and MIDI after start-up (tests switch it off)


class MainWindow(QMainWindow):
    # Made by actions.py while building the menus and the toolbar.
    undo_action: QAction
    redo_action: QAction
    snap_actions: QActionGroup
    snap_combo: QComboBox
    song_settings: SongSettingsBar

    def __init__(self, services: Services | None = None) -> None:
        super().__init__()
        self.services = services or Services()
        self.settings = load_settings(self.services.store)
        self.prompts = self.services.prompts(self)
        self.runner = JobRunner(self)
        self.document = Document(parent=self)
        self.status = StatusBar(self)
        self.setStatusBar(self.status)
        self.roll = PianoRoll(self.document, self)
        self.setCentralWidget(self.roll)
        self.player = self.services.player(self.settings)
        self.transport = Transport(self.document, self.roll, self.player, self)
        self.transport.metronome_action.setChecked(self.settings.metronome)
        self.midi = MidiKeyboard(self.document, self.roll, self.player, self)
        self.panel = GenerationPanel(self)
        self.panel.set_options(self.settings.generation.options())
        self.generation = GenerationController(self.document, self.roll, self.panel, self.runner, self.transport,
                                               self.services.engine_loader(self.settings), self)
        self.generation.set_loader(HARMONIZER, self.services.harmonizer_loader(self.settings))
        self.generation.set_loader(LIBRARY, self.services.retriever_loader(self.settings))
        self.lyric_editor = LyricEditor(self.document, self.roll.selected_notes, self)
        self.lyrics = LyricsGeneration(self.document, self.roll.selected_notes, self.panel, self.generation,
                                       self.lyric_editor, self)
        self.prompt = PromptSection(self.document, self.panel, self.generation, self.transport, self.open_song)
        self.panel.add_request_action(self.prompt.action)
        self.harmonize = HarmonizeSection(self.document, self.panel, self.generation)
        h = self.settings.harmonize
        self.harmonize.set_choice(HarmonizeChoice(h.per, h.rich, h.change_rate, h.keep_chords))
        self.prompt.prompt_edit.setText(self.settings.last_prompt)
        self.panel.add_request_action(self.harmonize.action)
        self.panel.add_section("Prompt", self.prompt)
        self.panel.add_section("Harmonize", self.harmonize)
        self.lyric_dock = self._dock("Lyrics", self.lyric_editor, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.panel_dock = self._dock("Generate", _scrolling(self.panel), Qt.DockWidgetArea.RightDockWidgetArea)
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        self.resizeDocks([self.lyric_dock], [LYRIC_DOCK_HEIGHT], Qt.Orientation.Vertical)
        self.files = FileController(self.document, self.runner, self.prompts, self.status, self.remember_recent,
                                    lambda: self.settings.soundfont, self,
                                    accompaniment=self.transport.accompaniment.export_style)
        self.autosaver = Autosaver(self.document, self.services.recovery_dir, self.settings.autosave_seconds, self)
        self.recent_menu: QMenu | None = None
        actions.install_menus(self)
        actions.install_toolbar(self)
        self.set_snap(self.settings.snap)
        self._connect()
        self._restore_geometry()
        self.setAcceptDrops(True)
        self.update_title()
        if not self.settings.window_geometry:
            self.resize(1280, 800)

    def _dock(self, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock-{title.lower()}")
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _connect(self) -> None:
        doc, status = self.document, self.status
        doc.edit_failed.connect(status.message)
        doc.path_changed.connect(lambda _p: self.update_title())
        doc.modified_changed.connect(lambda _m: self.update_title())
        doc.song_replaced.connect(lambda _s: self.update_title())
        self.roll.message.connect(status.message)
        self.roll.selection_changed.connect(self.lyric_editor.update_preview)
        self.transport.message.connect(status.message)
        self.transport.audio_status.connect(status.set_audio)
        self.midi.status.connect(status.set_midi)
        self.generation.message.connect(status.message)
        self.generation.model_status.connect(status.set_model)
        self.autosaver.autosaved.connect(status.set_autosaved)
        self.autosaver.failed.connect(status.message)
        if not self.autosaver.active:
            status.set_autosave_off()

    # -- start-up -----------------------------------------------------------------------------
    def start(self, path: Path | None = None) -> None:
        """After the window is shown: open devices, offer recovery, open ``path``."""
        if self.services.start_devices:
            self.transport.start_audio(self.runner)
            self.midi.open(self.settings.midi_input)
        else:
            self.status.set_audio("off")
        handle = self.runner.submit(warm_up_job, name="pronouncing dictionary")
        handle.finished.connect(self.lyric_editor.update_preview)  # the split of lyrics that arrived meanwhile
        restored = self.offer_recovery()
        if path is not None:
            self.files.open_path(path, ask=not restored)

    def offer_recovery(self) -> bool:
        """Offer the newest file a crashed session left behind; True when it was restored."""
        orphans = orphaned_recoveries(self.services.recovery_dir)
        if not orphans:
            return False
        newest = orphans[0]
        if not self.prompts.restore_recovery(newest.describe(), len(orphans)):
            newest.remove()
            return False
        try:
            song, _report = load_song(newest.song_path)
        except MelodyStudioError as e:
            self.status.message(f"The recovery file could not be read: {e}")
            return False
        self.document.replace_song(song, newest.original, modified=True)
        newest.remove()
        self.autosaver.autosave_now()  # from now on this window owns the recovered work
        self.status.message(f"Restored {newest.describe()}; save it to keep it")
        return True

    def open_song(self, song: Song) -> bool:
        """Replace the document with ``song`` (a reference melody), asking about unsaved changes."""
        if not self.files.maybe_save():
            return False
        self.document.replace_song(song, None, modified=True)
        self.status.message(f"Opened {song.title or 'the melody'}; save it to keep it")
        return True

    # -- small window services ------------------------------------------------------------------
    def update_title(self) -> None:
        self.setWindowTitle(f"{self.document.display_name()}[*] — {APP_NAME}")
        self.setWindowModified(self.document.is_modified)

    def set_snap(self, label: str) -> None:
        self.settings.snap = label
        self.roll.set_snap(label)
        if self.snap_combo.currentText() != label:
            self.snap_combo.setCurrentText(label)
        for act in self.snap_actions.actions():
            act.setChecked(act.text() == label)

    def remember_recent(self, path: Path) -> None:
        self.settings = self.settings.with_recent(path)
        save_settings(self.settings, self.services.store)
        self.refresh_recent_menu()

    def refresh_recent_menu(self) -> None:
        menu = self.recent_menu
        if menu is None:
            return
        menu.clear()
        for text in self.settings.recent_files:
            path = Path(text)
            act = menu.addAction(path.name, partial(self.files.open_path, path))
            act.setToolTip(text)
        menu.setEnabled(bool(self.settings.recent_files))

    def ask_velocity(self) -> None:
        notes = self.roll.selected_notes()
        if not notes:
            self.status.message("Select notes first")
            return
        value, ok = QInputDialog.getInt(self, "Velocity", "Velocity of the selected notes (1-127):",
                                        notes[0].velocity, 1, 127)
        if ok:
            self.roll.set_selection_velocity(value)

    def show_preferences(self) -> None:
        from melodystudio.gui.preferences import PreferencesDialog

        dialog = PreferencesDialog(self.settings, self)
        if dialog.exec():
            self.apply_settings(dialog.result_settings())

    def apply_settings(self, settings: AppSettings) -> None:
        old, self.settings = self.settings, settings
        save_settings(settings, self.services.store)
        self.autosaver.set_interval(settings.autosave_seconds)
        if not self.autosaver.active:
            self.status.set_autosave_off()
        if settings.midi_input != old.midi_input and self.services.start_devices:
            self.midi.open(settings.midi_input)
        if (settings.model_dir, settings.provider) != (old.model_dir, old.provider):
            # loaded again, as asked, on the next request
            self.generation.set_loader(MELODY, self.services.engine_loader(settings))
            self.generation.set_loader(HARMONIZER, self.services.harmonizer_loader(settings))
        if (settings.soundfont, settings.audio_driver) != (old.soundfont, old.audio_driver):
            self.status.message("Audio settings take effect after a restart")

    def show_shortcuts(self) -> None:
        QMessageBox.information(self, "Keyboard and mouse", actions.SHORTCUT_HELP)

    def show_about(self) -> None:
        QMessageBox.about(self, f"About {APP_NAME}",
                          f"{APP_NAME} {__version__}\nCompose melodies with a model that fills, continues "
                          "and harmonizes them. Everything runs on this computer.")

    # -- drag and drop --------------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        urls = event.mimeData().urls()
        if urls and urls[0].isLocalFile() and is_readable(Path(urls[0].toLocalFile())):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        urls = event.mimeData().urls()
        if urls and urls[0].isLocalFile():
            event.acceptProposedAction()
            QTimer.singleShot(0, lambda: self.files.open_path(Path(urls[0].toLocalFile())))

    # -- closing --------------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.files.maybe_save():
            event.ignore()
            return
        self.shutdown()
        event.accept()

    def shutdown(self) -> None:
        """Stop everything this window started; no thread is left running afterwards."""
        self.autosaver.stop()
        self.autosaver.discard()
        self.transport.stop()
        self.midi.close()
        if self.player is not None:
            self.player.close()
        self.runner.shutdown()
        self._save_window_settings()

    def _save_window_settings(self) -> None:
        s = self.settings
        s.window_geometry = bytes(self.saveGeometry().toHex().data()).decode()
        s.window_state = bytes(self.saveState().toHex().data()).decode()
        s.metronome = self.transport.metronome_action.isChecked()
        try:
            s.generation = GenerationDefaults.from_options(self.panel.options())
        except MelodyStudioError:
            pass  # options the panel cannot express are not worth keeping
        h = self.harmonize.choice()
        s.harmonize = HarmonizeDefaults(h.per, h.rich, h.change_rate, h.keep_chords)
        s.last_prompt = self.prompt.prompt_edit.text()
        save_settings(s, self.services.store)

    def _restore_geometry(self) -> None:
        s = self.settings
        if s.window_geometry:
            self.restoreGeometry(QByteArray.fromHex(s.window_geometry.encode()))
        if s.window_state:
            self.restoreState(QByteArray.fromHex(s.window_state.encode()))


def _scrolling(panel: QWidget) -> QScrollArea:
    """The Generate panel in a scroll area: its sections outgrow a small window."""
    area = QScrollArea()
    area.setWidget(panel)
    area.setWidgetResizable(True)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    # as wide as the panel needs (the dock follows), scrolling only vertically
    area.setMinimumWidth(panel.minimumSizeHint().width() + area.verticalScrollBar().sizeHint().width())
    return area
