"""The status bar: transient messages on the left; model, MIDI input, audio and autosave on the
right; and a progress bar with a Cancel button while a background task (export, open) runs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtWidgets import QLabel, QProgressBar, QStatusBar, QToolButton, QWidget

MESSAGE_MS = 6000
PROGRESS_STEPS = 1000


class StatusBar(QStatusBar):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.progress = QProgressBar(maximum=PROGRESS_STEPS)
        self.progress.setMaximumWidth(220)
        self.cancel_button = QToolButton()
        self.cancel_button.setText("Cancel")
        self._cancel: Callable[[], None] | None = None
        self.cancel_button.clicked.connect(self._cancel_clicked)
        for w in (self.progress, self.cancel_button):
            self.addWidget(w)
            w.hide()
        self.model_label = QLabel("model: not loaded")
        self.midi_label = QLabel("MIDI in: none")
        self.audio_label = QLabel("audio: starting")
        self.autosave_label = QLabel("autosave: on")
        for label in (self.model_label, self.midi_label, self.audio_label, self.autosave_label):
            self.addPermanentWidget(label)

    def message(self, text: str, ms: int = MESSAGE_MS) -> None:
        self.showMessage(text, ms)

    def set_model(self, text: str) -> None:
        self.model_label.setText(f"model: {text}")

    def set_midi(self, text: str, tooltip: str = "") -> None:
        self.midi_label.setText(f"MIDI in: {text}")
        self.midi_label.setToolTip(tooltip)

    def set_audio(self, text: str, tooltip: str = "") -> None:
        self.audio_label.setText(f"audio: {text}")
        self.audio_label.setToolTip(tooltip)

    def set_autosaved(self, when: datetime) -> None:
        self.autosave_label.setText(f"autosaved {when:%H:%M}")

    def set_autosave_off(self) -> None:
        self.autosave_label.setText("autosave: off")

    # -- one background task at a time is shown -------------------------------------------------
    def start_task(self, text: str, cancel: Callable[[], None] | None) -> None:
        self._cancel = cancel
        self.progress.setValue(0)
        self.progress.setFormat(f"{text} %p%")
        self.progress.show()
        self.cancel_button.setVisible(cancel is not None)

    def task_progress(self, fraction: float, text: str = "") -> None:
        self.progress.setValue(round(max(0.0, min(1.0, fraction)) * PROGRESS_STEPS))
        if text:
            self.progress.setFormat(f"{text} %p%")

    def end_task(self) -> None:
        self._cancel = None
        self.progress.hide()
        self.cancel_button.hide()

    def _cancel_clicked(self) -> None:
        if self._cancel is not None:
            self._cancel()
