"""Menus, shortcuts and the toolbar of the main window, following docs/ui.md.

Actions that only make sense with a focused roll (arrows, +/-) live in the roll itself; everything
here is window-wide, so it works wherever the focus is, except where a text field claims the key
(typing a 'q' or a space in the lyric editor types it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QComboBox, QLabel, QMenu, QToolBar, QToolButton, QWidget

from melodystudio.gui.accompaniment import AccompanimentBar
from melodystudio.gui.drag_out import DragMidiButton
from melodystudio.gui.recording import count_in_label
from melodystudio.gui.settings import AccompanimentSettings
from melodystudio.gui.snap import SNAP_VALUES
from melodystudio.gui.song_settings import SongSettingsBar

if TYPE_CHECKING:
    from melodystudio.gui.main_window import MainWindow

SHORTCUT_HELP = """\
Space\tplay / stop          L\tloop the selected bars      M\tmetronome      C\tchords on / off
R\trecord from the MIDI keyboard (R, Space or Esc stops and places the take)
Ctrl+G, G\tgenerate for the selected bars    1-8, Tab\tchoose a variation (it plays)
Enter\taccept the variation   Esc\tdiscard (or cancel while generating)
Ctrl+Shift+L\tmelody from the lyrics   Ctrl+Shift+H\tharmonize the selection (or the whole song)
Ctrl+Z / Ctrl+Shift+Z\tundo / redo   Del\tdelete   Ctrl+D\tduplicate   Q\tquantize
Arrows\tmove by the grid; Up/Down transpose (Shift: an octave)
Ctrl+wheel\tzoom time   Ctrl+Shift+wheel\tzoom pitch   Shift+wheel\tscroll time   +/-\tzoom
Mouse: drag in empty space draws a note; Shift/Ctrl-drag selects; drag a note's right end to resize;
Alt-drag on a note sets its velocity; right-click deletes a note; drag on the bar ruler selects bars;
double-click the chord lane to write a chord (right-click: insert at the beat, edit, remove).
Ctrl+S\tsave   Ctrl+E\texport   Ctrl+O\topen"""


def action(parent: QWidget, text: str, slot: Callable[..., object], keys: str | list[str] = "",
           tip: str = "") -> QAction:
    act = QAction(text, parent)
    shortcuts = [keys] if isinstance(keys, str) else keys
    act.setShortcuts([QKeySequence(k) for k in shortcuts if k])
    act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    if tip:
        act.setStatusTip(tip)
    act.triggered.connect(lambda _checked=False: slot())
    parent.addAction(act)
    return act


def install_menus(w: MainWindow) -> None:
    bar = w.menuBar()
    _file_menu(w, bar.addMenu("&File"))
    _edit_menu(w, bar.addMenu("&Edit"))
    _view_menu(w, bar.addMenu("&View"))
    _generate_menu(w, bar.addMenu("&Generate"))
    _transport_menu(w, bar.addMenu("&Transport"))
    help_menu = bar.addMenu("&Help")
    help_menu.addAction(action(w, "Keyboard and mouse", w.show_shortcuts, "F1"))
    help_menu.addAction(action(w, "About MelodyStudio", w.show_about))


def _file_menu(w: MainWindow, menu: QMenu) -> None:
    files = w.files
    menu.addAction(action(w, "&New", files.new_song, "Ctrl+N"))
    menu.addAction(action(w, "&Open...", files.open_dialog, "Ctrl+O"))
    w.recent_menu = menu.addMenu("Open &recent")
    w.refresh_recent_menu()
    menu.addSeparator()
    menu.addAction(action(w, "&Save", files.save, "Ctrl+S"))
    menu.addAction(action(w, "Save &as...", files.save_as, "Ctrl+Shift+S"))
    menu.addSeparator()
    menu.addAction(action(w, "&Export...", files.export, "Ctrl+E", "MIDI, MusicXML or WAV by the file type"))
    menu.addAction(action(w, "Export MIDI...", lambda: files.export(".mid")))
    menu.addAction(action(w, "Export MusicXML...", lambda: files.export(".musicxml")))
    menu.addAction(action(w, "Export WAV...", lambda: files.export(".wav"), tip="Rendered with FluidSynth"))
    menu.addSeparator()
    menu.addAction(action(w, "&Quit", w.close, "Ctrl+Q"))


def _edit_menu(w: MainWindow, menu: QMenu) -> None:
    roll, stack = w.roll, w.document.undo_stack
    undo, redo = stack.createUndoAction(w, "&Undo"), stack.createRedoAction(w, "&Redo")
    undo.setShortcut(QKeySequence("Ctrl+Z"))
    redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
    for act in (undo, redo):
        act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        w.addAction(act)
        menu.addAction(act)
    w.undo_action, w.redo_action = undo, redo
    menu.addSeparator()
    menu.addAction(action(w, "Cu&t", roll.cut_selection, "Ctrl+X"))
    menu.addAction(action(w, "&Copy", roll.copy_selection, "Ctrl+C"))
    menu.addAction(action(w, "&Paste", roll.paste, "Ctrl+V", "At the mouse over the roll, else at the playhead"))
    menu.addAction(action(w, "&Delete", roll.delete_selection, "Del"))
    menu.addAction(action(w, "D&uplicate", roll.duplicate_selection, "Ctrl+D"))
    menu.addAction(action(w, "Select &all", roll.select_all, "Ctrl+A"))
    menu.addSeparator()
    menu.addAction(action(w, "&Quantize", roll.quantize_selection, "Q", "Selection (or everything) to the grid"))
    menu.addAction(action(w, "Set &velocity...", w.ask_velocity, "Ctrl+Shift+V"))
    menu.addAction(action(w, "Transpose up an octave", lambda: roll.move_selection(0, 12)))
    menu.addAction(action(w, "Transpose down an octave", lambda: roll.move_selection(0, -12)))
    menu.addSeparator()
    menu.addAction(action(w, "&Preferences...", w.show_preferences, "Ctrl+,"))


def _view_menu(w: MainWindow, menu: QMenu) -> None:
    roll = w.roll
    menu.addAction(action(w, "Zoom &in", roll.zoom_in, ["Ctrl+=", "Ctrl++"]))
    menu.addAction(action(w, "Zoom &out", roll.zoom_out, "Ctrl+-"))
    menu.addAction(action(w, "Show the playhead", lambda: roll.view.scroll_to_tick(roll.playhead), "Ctrl+."))
    snap_menu = menu.addMenu("&Snap")
    group = QActionGroup(w)
    for value in SNAP_VALUES:
        act = QAction(value.label, group, checkable=True)
        act.setChecked(value.label == w.settings.snap)
        act.triggered.connect(lambda _c=False, label=value.label: w.set_snap(label))
        snap_menu.addAction(act)
    w.snap_actions = group
    menu.addSeparator()
    for dock in (w.lyric_dock, w.panel_dock):
        menu.addAction(dock.toggleViewAction())


def _generate_menu(w: MainWindow, menu: QMenu) -> None:
    panel = w.panel
    panel.inpaint_action.setShortcuts([QKeySequence("Ctrl+G"), QKeySequence("G")])
    for act in (panel.inpaint_action, panel.continue_action, w.lyrics.generate_action, w.lyrics.phrase_action,
                w.prompt.action, w.harmonize.action, panel.regenerate_action, panel.cancel_action):
        menu.addAction(act)
    menu.addSeparator()
    for act in (panel.next_variation_action, panel.previous_variation_action, panel.accept_action,
                panel.discard_action):
        menu.addAction(act)


def _transport_menu(w: MainWindow, menu: QMenu) -> None:
    t = w.transport
    for act in (t.play_action, t.loop_action, t.metronome_action, t.rewind_action):
        w.addAction(act)
        menu.addAction(act)
    menu.addSeparator()
    _install_recording(w)
    rec = t.recording
    menu.addAction(rec.record_action)
    count_in = menu.addMenu("Count-in")
    count_in.addActions(rec.count_in_group.actions())
    step = QAction("Step record from MIDI", w, checkable=True)
    step.setStatusTip("Each key on the MIDI keyboard adds a note at the playhead")
    step.toggled.connect(w.midi.set_step_recording)
    menu.addAction(step)
    menu.addSeparator()
    _install_accompaniment(w, menu)


def _install_accompaniment(w: MainWindow, menu: QMenu) -> None:
    """Chords on/off and block/broken in the menu; the settings restore them and keep every change."""
    chords = w.transport.accompaniment
    chords.restore(w.settings.accompaniment)
    w.addAction(chords.chords_action)
    menu.addAction(chords.chords_action)
    menu.addActions(chords.texture_group.actions())

    def remember(state: AccompanimentSettings) -> None:
        if state != w.settings.accompaniment:
            w.apply_settings(replace(w.settings, accompaniment=replace(state)))

    chords.changed.connect(remember)


def _install_recording(w: MainWindow) -> None:
    """Real-time recording takes keys from the window's MIDI keyboard; the count-in is a setting."""
    rec = w.transport.recording
    rec.attach(w.midi)
    rec.set_count_in(w.settings.count_in_bars)

    def remember(bars: int) -> None:
        if bars != w.settings.count_in_bars:
            w.apply_settings(replace(w.settings, count_in_bars=bars))

    rec.count_in_changed.connect(remember)
    w.addAction(rec.record_action)
    w.addAction(rec.stop_action)


def _count_in_button(w: MainWindow, bar: QToolBar) -> QToolButton:
    rec = w.transport.recording
    button = QToolButton(bar)
    menu = QMenu(button)
    menu.addActions(rec.count_in_group.actions())
    button.setMenu(menu)
    button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
    button.setToolTip("Bars of metronome clicks before recording starts")

    def show(bars: int) -> None:
        button.setText(f"Count-in: {count_in_label(bars).lower()}")

    show(rec.count_in_bars)
    rec.count_in_changed.connect(show)
    return button


def install_toolbar(w: MainWindow) -> QToolBar:
    bar = QToolBar("Main", w)
    bar.setObjectName("main-toolbar")
    t = w.transport
    for act in (t.play_action, t.loop_action, t.metronome_action, t.recording.record_action):
        bar.addAction(act)
    bar.addWidget(_count_in_button(w, bar))
    bar.addSeparator()
    w.song_settings = SongSettingsBar(w.document, bar)
    bar.addWidget(w.song_settings)
    bar.addSeparator()
    bar.addWidget(AccompanimentBar(t.accompaniment, bar))
    bar.addSeparator()
    bar.addWidget(QLabel(" Snap "))
    snap = QComboBox(bar)
    snap.addItems([v.label for v in SNAP_VALUES])
    snap.setCurrentText(w.settings.snap)
    snap.textActivated.connect(w.set_snap)
    w.snap_combo = snap
    bar.addWidget(snap)
    bar.addSeparator()
    bar.addAction("Zoom -", w.roll.zoom_out)
    bar.addAction("Zoom +", w.roll.zoom_in)
    bar.addSeparator()
    bar.addWidget(DragMidiButton(lambda: w.document.song, w.status.message, bar))
    w.addToolBar(bar)
    return bar
