"""The chord accompaniment controls: chords on/off (C), block or broken chords, and their instrument.

``AccompanimentControls`` holds the state as ``AccompanimentSettings`` and hands it to the player
at once: muting and the instrument are heard immediately, the texture from the next chord.
``AccompanimentBar`` is its face on the toolbar; the Transport menu shows the same actions.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QObject, QSignalBlocker, Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QToolButton, QWidget

from melodystudio.audio.accompaniment import AccompanimentStyle
from melodystudio.gui.gm import GM_PROGRAMS
from melodystudio.gui.qt_player import QtPlayer
from melodystudio.gui.settings import CHORD_TEXTURES, AccompanimentSettings

CHORDS_KEY = "C"  # free in docs/ui.md's list and in the app (Ctrl+C is copy)
TEXTURE_LABELS = {"block": "Block chords", "broken": "Broken chords"}
TEXTURE_TIPS = {"block": "All chord tones together, struck again on each bar line",
                "broken": "One chord tone per beat: root-fifth-third-fifth in 4/4, root-third-fifth in 3/4 and 6/8"}


class AccompanimentControls(QObject):
    """The chord settings and their actions; ``changed`` carries the new settings after any change."""

    changed = Signal(object)  # AccompanimentSettings

    def __init__(self, player: QtPlayer | None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.player = player
        self._state = AccompanimentSettings()
        self.chords_action = QAction("Play chords", self, checkable=True, checked=True)
        self.chords_action.setIconText("Chords")  # what the toolbar button shows
        self.chords_action.setShortcut(QKeySequence(CHORDS_KEY))
        self.chords_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.chords_action.setStatusTip("Hear the chord lane as an accompaniment (also in WAV exports)")
        self.chords_action.toggled.connect(lambda on: self.set_muted(not on))
        self.texture_group = QActionGroup(self)
        for texture in CHORD_TEXTURES:
            act = QAction(TEXTURE_LABELS[texture], self.texture_group, checkable=True)
            act.setData(texture)
            act.setStatusTip(TEXTURE_TIPS[texture])
            act.setChecked(texture == self._state.style)
            act.triggered.connect(lambda _checked=False, t=texture: self.set_texture(t))
        self._apply()

    # -- state --------------------------------------------------------------------------------
    @property
    def settings(self) -> AccompanimentSettings:
        return self._state

    def playback_style(self) -> AccompanimentStyle:
        return self._state.playback_style()

    def export_style(self) -> AccompanimentStyle:
        """What a WAV export should render: the chords as heard, none when muted."""
        return self._state.export_style()

    def restore(self, settings: AccompanimentSettings) -> None:
        self._set(replace(settings))

    def set_muted(self, muted: bool) -> None:
        self._set(replace(self._state, muted=muted))

    def set_texture(self, texture: str) -> None:
        self._set(replace(self._state, style=texture))

    def set_program(self, program: int) -> None:
        self._set(replace(self._state, program=program))

    def _set(self, state: AccompanimentSettings) -> None:
        state.playback_style()  # refuses a bad texture or program before anything changes
        old, self._state = self._state, state
        if state == old:
            return
        with QSignalBlocker(self.chords_action):
            self.chords_action.setChecked(not state.muted)
        for act in self.texture_group.actions():
            act.setChecked(act.data() == state.style)
        self._apply(mute=state.muted != old.muted, style=state.playback_style() != old.playback_style())
        self.changed.emit(state)

    def _apply(self, mute: bool = True, style: bool = True) -> None:
        """Tell the player what changed (a program change is only sent when the program changes)."""
        if self.player is None:
            return
        if style:
            self.player.set_accompaniment(self._state.playback_style())
        if mute:
            self.player.set_chords_muted(self._state.muted)


class AccompanimentBar(QWidget):
    """Toolbar group: [Chords] [Block chords v] [Acoustic Grand Piano v]."""

    def __init__(self, controls: AccompanimentControls, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controls = controls
        self.toggle = QToolButton(self)
        self.toggle.setDefaultAction(controls.chords_action)
        controls.chords_action.setToolTip(f"Chords on/off ({CHORDS_KEY})")
        self.texture = QComboBox(self)
        for texture in CHORD_TEXTURES:
            self.texture.addItem(TEXTURE_LABELS[texture], texture)
        self.texture.setToolTip("How chords are played")
        self.instrument = QComboBox(self)
        self.instrument.addItems([f"{i + 1:3d} {name}" for i, name in enumerate(GM_PROGRAMS)])
        self.instrument.setMaxVisibleItems(24)
        self.instrument.setToolTip("General MIDI instrument of the chords")
        row = QHBoxLayout(self)
        row.setContentsMargins(4, 0, 4, 0)
        for widget in (self.toggle, self.texture, self.instrument):
            row.addWidget(widget)
        self.refresh(controls.settings)
        self.texture.activated.connect(lambda i: controls.set_texture(self.texture.itemData(i)))
        self.instrument.activated.connect(controls.set_program)
        controls.changed.connect(self.refresh)

    def refresh(self, state: AccompanimentSettings) -> None:
        blockers = [QSignalBlocker(w) for w in (self.texture, self.instrument)]
        self.texture.setCurrentIndex(self.texture.findData(state.style))
        self.instrument.setCurrentIndex(state.program)
        del blockers
