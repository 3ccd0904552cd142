"""The Generate panel: options for the model, Inpaint / Continue, progress, and the variation strip.

The panel runs nothing itself. It emits requests carrying ``GenerationOptions``; the main window
runs the job and feeds back ``set_busy`` / ``set_progress`` / ``set_variations`` / ``set_error``.
Keyboard actions (``*_action``) are window-wide shortcuts, enabled only when they make sense, so
1-8 / Tab / Enter / Esc act on variations only while some are waiting. The other model features
(lyrics, prompt, harmonize) put their buttons beside Inpaint / Continue with ``add_request_action``
and their controls in a section of their own with ``add_section``; a request of theirs that makes
variations goes through ``run_request``, so Regenerate repeats it.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from functools import partial

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence, QValidator
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from melodystudio.core.errors import MelodyStudioError
from melodystudio.core.pitch import note_name, parse_note_name
from melodystudio.engine.api import MAX_PHRASE_BREATH, PHRASE_BREATH, GenerationOptions, Variation
from melodystudio.gui.settings import AUTO_PHRASE_BREATH, AUTO_PITCH_TEMPERATURE, AUTO_TOP_P

LETTERS = "ABCDEFGH"
MAX_VARIATIONS = len(LETTERS)
RANDOM_SEED = -1  # the seed box's lowest value, shown as "random": a fresh seed per request
MAX_SEED = 2**31 - 1
DEFAULT_RANGE = (60, 79)  # C4-G5, a comfortable singing range
PROGRESS_STEPS = 1000
STRIP_BUTTON_WIDTH = 28  # px


class NoteSpinBox(QSpinBox):
    """A MIDI pitch shown and typed as a note name (C4, F#5, Bb3)."""

    def __init__(self, value: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setRange(0, 127)
        self.setValue(value)

    def textFromValue(self, value: int) -> str:
        return note_name(value)

    def valueFromText(self, text: str) -> int:
        try:
            return parse_note_name(text)
        except MelodyStudioError:
            return self.value()

    def validate(self, text: str, pos: int) -> tuple[QValidator.State, str, int]:
        try:
            parse_note_name(text)
        except MelodyStudioError:
            return QValidator.State.Intermediate, text, pos
        return QValidator.State.Acceptable, text, pos


def _button(action: QAction) -> QToolButton:
    """A push-style button mirroring an action (text, tooltip, enabled state)."""
    button = QToolButton()
    button.setDefaultAction(action)
    button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
    return button


class GenerationPanel(QWidget):
    inpaint_requested = Signal(object)  # GenerationOptions
    continue_requested = Signal(object, int)  # GenerationOptions, bars to add
    variation_selected = Signal(int)  # index into the last set_variations list
    accept_requested = Signal(int)
    discard_requested = Signal()
    cancel_requested = Signal()
    busy_changed = Signal(bool)  # a job started (True) or ended; feature sections follow it

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._busy = False
        self._selection = False
        self._variations: list[Variation] = []
        self._current = -1
        self._last_request: Callable[[GenerationOptions], object] | None = None  # what Regenerate repeats
        self._make_actions()
        layout = QVBoxLayout(self)
        layout.addLayout(self._make_request_row())
        self._feature_row = QHBoxLayout()
        self._feature_row.addStretch(1)
        layout.addLayout(self._feature_row)
        layout.addLayout(self._make_progress_row())  # feedback right under the buttons that ask
        layout.addWidget(self._make_variation_box())
        self._sections = QVBoxLayout()
        layout.addLayout(self._sections)
        layout.addWidget(self._make_options())
        layout.addStretch(1)
        self._update_enabled()

    # -- building -------------------------------------------------------------------------------
    def _action(self, text: str, keys: list[QKeySequence], slot: Callable[[], object], tip: str) -> QAction:
        action = QAction(text, self)
        action.setShortcuts(keys)
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.setToolTip(f"{tip} ({', '.join(k.toString() for k in keys)})" if keys else tip)
        action.triggered.connect(lambda _checked=False: slot())
        self.addAction(action)
        return action

    def _make_actions(self) -> None:
        key = QKeySequence
        self.inpaint_action = self._action("Inpaint selection", [key("Ctrl+G")], self._request_inpaint,
                                           "Fill the selected bars with new material")
        self.continue_action = self._action("Continue", [], self._request_continue,
                                            "Add bars after the end of the song")
        self.regenerate_action = self._action("Regenerate", [], self.regenerate, "Repeat the last request")
        self.cancel_action = self._action("Cancel", [key(Qt.Key.Key_Escape)],
                                          lambda: self.cancel_requested.emit(), "Stop generating")
        self.accept_action = self._action("Accept", [key(Qt.Key.Key_Return), key(Qt.Key.Key_Enter)],
                                          self.accept, "Put the chosen variation into the song")
        self.discard_action = self._action("Discard", [key(Qt.Key.Key_Escape)], self.discard,
                                           "Drop all variations")
        self.next_variation_action = self._action("Next variation", [key(Qt.Key.Key_Tab)],
                                                  lambda: self._step(1), "Choose the next variation")
        self.previous_variation_action = self._action("Previous variation", [key(Qt.Key.Key_Backtab)],
                                                      lambda: self._step(-1), "Choose the previous variation")
        self.choose_actions = [
            self._action(f"Variation {letter}", [key(str(i + 1))], partial(self.choose, i),
                         f"Play variation {letter}")
            for i, letter in enumerate(LETTERS)
        ]

    def _make_request_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.addWidget(_button(self.inpaint_action))
        row.addWidget(_button(self.continue_action))
        self.bars_spin = QSpinBox(minimum=1, maximum=32, value=4, suffix=" bars")
        self.bars_spin.setToolTip("How many bars Continue adds")
        row.addWidget(self.bars_spin)
        row.addStretch(1)
        return row

    def _make_options(self) -> QGroupBox:
        box = QGroupBox("Options")
        form = QFormLayout(box)
        self.temperature_spin = QDoubleSpinBox(minimum=0.05, maximum=3.0, singleStep=0.05, decimals=2)
        self.pitch_temperature_spin = QDoubleSpinBox(minimum=AUTO_PITCH_TEMPERATURE, maximum=3.0, singleStep=0.05,
                                                     decimals=2)
        self.pitch_temperature_spin.setSpecialValueText("auto")
        self.pitch_temperature_spin.setToolTip("The pitches' own temperature. auto: the temperature, and 7/9 of it "
                                               "when setting lyrics (cooler pitches, the same rhythm)")
        self.top_p_spin = QDoubleSpinBox(minimum=AUTO_TOP_P, maximum=1.0, singleStep=0.01, decimals=2)
        self.top_p_spin.setSpecialValueText("auto")
        self.top_p_spin.setToolTip("Nucleus mass: each draw keeps the likeliest values holding this share. auto: "
                                   "0.95, and 1.0 (no cut) when setting lyrics")
        self.breath_spin = QDoubleSpinBox(minimum=AUTO_PHRASE_BREATH, maximum=MAX_PHRASE_BREATH, singleStep=0.5,
                                          decimals=1, suffix=" notes")
        self.breath_spin.setSpecialValueText("auto")
        self.breath_spin.setToolTip("Setting lyrics: how long the last note of a line lasts, with the pause "
                                    "before the next line, in syllables' time. 1: every syllable alike; "
                                    f"auto: {PHRASE_BREATH:g}")
        self.variations_spin = QSpinBox(minimum=1, maximum=MAX_VARIATIONS)
        self.seed_spin = QSpinBox(minimum=RANDOM_SEED, maximum=MAX_SEED)
        self.seed_spin.setSpecialValueText("random")
        self.new_seed_button = QPushButton("New seed")
        self.new_seed_button.clicked.connect(self.new_seed)
        self.key_lock_check = QCheckBox("Key lock")
        self.range_check = QCheckBox("Limit range")
        self.low_spin, self.high_spin = NoteSpinBox(DEFAULT_RANGE[0]), NoteSpinBox(DEFAULT_RANGE[1])
        self.low_spin.valueChanged.connect(lambda v: self.high_spin.setValue(max(v, self.high_spin.value())))
        self.high_spin.valueChanged.connect(lambda v: self.low_spin.setValue(min(v, self.low_spin.value())))
        self.range_check.toggled.connect(self.low_spin.setEnabled)
        self.range_check.toggled.connect(self.high_spin.setEnabled)
        self.keep_rhythm_check = QCheckBox("Keep rhythm")
        form.addRow("Temperature", self.temperature_spin)
        form.addRow("Pitch temperature", self.pitch_temperature_spin)
        form.addRow("Top-p", self.top_p_spin)
        form.addRow("Line breath", self.breath_spin)
        form.addRow("Variations", self.variations_spin)
        form.addRow("Seed", _row(self.seed_spin, self.new_seed_button))
        form.addRow(self.key_lock_check)
        form.addRow(self.range_check, _row(self.low_spin, QLabel("to"), self.high_spin))
        form.addRow(self.keep_rhythm_check)
        self.set_options(GenerationOptions())
        return box

    def _make_progress_row(self) -> QVBoxLayout:
        column = QVBoxLayout()
        self.progress_bar = QProgressBar(minimum=0, maximum=PROGRESS_STEPS, value=0)
        self.provider_label = QLabel("Model: not loaded")
        self.error_label = QLabel(wordWrap=True)
        self.error_label.setStyleSheet("color: #c0392b")
        self.error_label.hide()
        column.addLayout(_row(self.progress_bar, _button(self.cancel_action)))
        column.addWidget(self.provider_label)
        column.addWidget(self.error_label)
        return column

    def _make_variation_box(self) -> QGroupBox:
        box = QGroupBox("Variations")
        column = QVBoxLayout(box)
        self._strip = QHBoxLayout()
        self._strip.addStretch(1)
        self._strip_group = QButtonGroup(self)
        self._strip_group.setExclusive(True)
        self._strip_group.idClicked.connect(self.choose)
        column.addLayout(self._strip)
        column.addLayout(_row(_button(self.accept_action), _button(self.discard_action),
                              _button(self.regenerate_action)))
        return box

    # -- options --------------------------------------------------------------------------------
    def options(self) -> GenerationOptions:
        """The options as set in the panel."""
        seed = self.seed_spin.value()
        low, high = self.low_spin.value(), self.high_spin.value()
        return GenerationOptions(
            variations=self.variations_spin.value(),
            temperature=round(self.temperature_spin.value(), 2),
            pitch_temperature=self._pitch_temperature(),
            top_p=self._top_p(),
            phrase_breath=self._breath(),
            seed=None if seed == RANDOM_SEED else seed,
            key_lock=self.key_lock_check.isChecked(),
            pitch_range=(low, high) if self.range_check.isChecked() else None,
            keep_rhythm=self.keep_rhythm_check.isChecked(),
        )

    def _pitch_temperature(self) -> float | None:
        """None for "auto"; the spin's 0.0-0.05 steps below the first real value count as auto."""
        value = round(self.pitch_temperature_spin.value(), 2)
        return None if value < 0.05 else value

    def _top_p(self) -> float | None:
        """None for "auto"; the spin's 0.0-0.05 steps below the first real value count as auto."""
        value = round(self.top_p_spin.value(), 2)
        return None if value < 0.05 else value

    def _breath(self) -> float | None:
        """None for "auto"; the spin's steps below 1 (one syllable's time) count as auto."""
        value = round(self.breath_spin.value(), 1)
        return None if value < 1.0 else value

    def set_options(self, options: GenerationOptions) -> None:
        """Show ``options`` (e.g. restored from settings); variations above 8 show as 8."""
        self.temperature_spin.setValue(options.temperature)
        pitch = options.pitch_temperature
        self.pitch_temperature_spin.setValue(AUTO_PITCH_TEMPERATURE if pitch is None else pitch)
        self.top_p_spin.setValue(AUTO_TOP_P if options.top_p is None else options.top_p)
        self.breath_spin.setValue(AUTO_PHRASE_BREATH if options.phrase_breath is None else options.phrase_breath)
        self.variations_spin.setValue(min(options.variations, MAX_VARIATIONS))
        self.seed_spin.setValue(RANDOM_SEED if options.seed is None else min(options.seed, MAX_SEED))
        self.key_lock_check.setChecked(options.key_lock)
        self.range_check.setChecked(options.pitch_range is not None)
        low, high = options.pitch_range or DEFAULT_RANGE
        self.high_spin.setValue(high)
        self.low_spin.setValue(low)
        self.low_spin.setEnabled(options.pitch_range is not None)
        self.high_spin.setEnabled(options.pitch_range is not None)
        self.keep_rhythm_check.setChecked(options.keep_rhythm)

    def new_seed(self) -> int:
        seed = random.randrange(MAX_SEED)
        self.seed_spin.setValue(seed)
        return seed

    # -- requests -------------------------------------------------------------------------------
    def _request_inpaint(self) -> None:
        if self.inpaint_action.isEnabled():
            self.run_request(self.inpaint_requested.emit)

    def _request_continue(self) -> None:
        if self.continue_action.isEnabled():
            bars = self.bars_spin.value()
            self.run_request(lambda options: self.continue_requested.emit(options, bars))

    def run_request(self, request: Callable[[GenerationOptions], object]) -> None:
        """Call ``request`` with the panel's options now, and again on Regenerate."""
        self._last_request = request
        self._emit_request()

    def regenerate(self) -> None:
        """Repeat the last request; a fixed seed is replaced so the result is new."""
        if not self.regenerate_action.isEnabled():
            return
        if self.seed_spin.value() != RANDOM_SEED:
            self.new_seed()
        self._emit_request()

    def _emit_request(self) -> None:
        self.set_error("")
        try:
            options = self.options()
        except MelodyStudioError as e:
            self.set_error(str(e))
            return
        if self._last_request is not None:
            self._last_request(options)
        self._update_enabled()

    # -- variations -----------------------------------------------------------------------------
    @property
    def current_variation(self) -> int:
        """Index of the chosen variation, -1 when there are none."""
        return self._current

    def choose(self, index: int) -> None:
        """Choose variation ``index`` (0 = A) and signal it, so it plays and shows as the ghost."""
        if not self._busy:
            self._select(index)

    def _select(self, index: int) -> None:
        if not 0 <= index < len(self._variations):
            return
        self._current = index
        self._strip_group.button(index).setChecked(True)
        self.variation_selected.emit(index)

    def _step(self, delta: int) -> None:
        if self._variations:
            self.choose((self._current + delta) % len(self._variations))

    def accept(self) -> None:
        if self.accept_action.isEnabled() and self._current >= 0:
            index = self._current
            self.set_variations([])
            self.accept_requested.emit(index)

    def discard(self) -> None:
        if self.discard_action.isEnabled():
            self.set_variations([])
            self.discard_requested.emit()

    # -- slots for the main window --------------------------------------------------------------
    def set_variations(self, variations: list[Variation]) -> None:
        """Fill the strip (A, B, ...); the first is chosen and signalled so it shows at once."""
        for button in self._strip_group.buttons():
            self._strip_group.removeButton(button)
            self._strip.removeWidget(button)
            button.hide()  # gone at once, even before the event loop deletes it
            button.deleteLater()
        self._variations = list(variations[:MAX_VARIATIONS])
        self._current = -1
        for i, v in enumerate(self._variations):
            button = QPushButton(LETTERS[i])
            button.setCheckable(True)
            button.setMinimumWidth(STRIP_BUTTON_WIDTH)  # eight fit the panel's width
            button.setMaximumWidth(2 * STRIP_BUTTON_WIDTH)
            typical = "" if math.isnan(v.mean_nll) else f", {v.mean_nll:.2f} nats per note"
            button.setToolTip(f"Variation {LETTERS[i]} ({i + 1}): seed {v.seed}{typical}")
            self._strip_group.addButton(button, i)
            self._strip.insertWidget(i, button)
        self._update_enabled()
        self._select(0)

    def set_busy(self, busy: bool) -> None:
        self._busy = busy
        if busy:
            self.set_error("")
            self.set_progress(0.0, "Starting")
        else:
            self.progress_bar.setValue(0)
            self.progress_bar.setFormat("")
        self._update_enabled()
        self.busy_changed.emit(busy)

    @property
    def busy(self) -> bool:
        return self._busy

    def set_progress(self, fraction: float, message: str = "") -> None:
        self.progress_bar.setValue(round(max(0.0, min(1.0, fraction)) * PROGRESS_STEPS))
        self.progress_bar.setFormat(f"{message} %p%" if message else "%p%")

    def set_provider(self, provider: str) -> None:
        """Where the model runs, e.g. "CPU" or "CUDA"; "" when no model is loaded."""
        self.provider_label.setText(f"Model: {provider or 'not loaded'}")

    def set_selection_available(self, available: bool) -> None:
        self._selection = available
        self._update_enabled()

    def set_error(self, message: str) -> None:
        self.error_label.setText(message)
        self.error_label.setVisible(bool(message))

    def add_section(self, title: str, widget: QWidget) -> QGroupBox:
        """Add a feature's own controls (prompt, harmonize, ...) above the options."""
        box = QGroupBox(title)
        QVBoxLayout(box).addWidget(widget)
        self._sections.addWidget(box)
        return box

    def add_request_action(self, action: QAction) -> QToolButton:
        """A feature's request button beside Inpaint / Continue (the action keeps its own state)."""
        button = _button(action)
        self._feature_row.insertWidget(self._feature_row.count() - 1, button)
        return button

    def _update_enabled(self) -> None:
        idle, pending = not self._busy, bool(self._variations) and not self._busy
        self.inpaint_action.setEnabled(idle and self._selection)
        self.continue_action.setEnabled(idle)
        self.regenerate_action.setEnabled(idle and self._last_request is not None)
        self.cancel_action.setEnabled(self._busy)
        for action in (self.accept_action, self.discard_action, self.next_variation_action,
                       self.previous_variation_action):
            action.setEnabled(pending)
        for i, action in enumerate(self.choose_actions):
            action.setEnabled(pending and i < len(self._variations))
        for button in self._strip_group.buttons():
            button.setEnabled(idle)


def _row(*widgets: QWidget) -> QHBoxLayout:
    row = QHBoxLayout()
    for w in widgets:
        row.addWidget(w)
    return row
