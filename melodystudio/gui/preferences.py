"""The preferences dialog: edits a copy of AppSettings; the window applies it on OK."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from melodystudio.engine.api import PROVIDER_CHOICES
from melodystudio.gui.settings import AppSettings
from melodystudio.midiin import list_input_ports

AUDIO_DRIVERS = ("", "pulseaudio", "pipewire", "alsa", "jack", "coreaudio", "wasapi", "dsound")
AUTO_LABEL = "(automatic)"


class PreferencesDialog(QDialog):
    def __init__(self, settings: AppSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Preferences")
        self._settings = settings
        self.soundfont = QLineEdit(settings.soundfont, placeholderText="search the usual folders")
        self.driver = QComboBox(editable=True)
        self.driver.addItems([d or AUTO_LABEL for d in AUDIO_DRIVERS])
        self.driver.setCurrentText(settings.audio_driver or AUTO_LABEL)
        self.midi = QComboBox()
        ports, reason = list_input_ports()
        self.midi.addItem("(none)", "")
        for name in ports:
            self.midi.addItem(name, name)
        if settings.midi_input and settings.midi_input not in ports:
            self.midi.addItem(f"{settings.midi_input} (not connected)", settings.midi_input)
        self.midi.setCurrentIndex(max(0, self.midi.findData(settings.midi_input)))
        self.midi.setToolTip(reason)
        self.provider = QComboBox()
        self.provider.addItems(list(PROVIDER_CHOICES))
        self.provider.setCurrentText(settings.provider)
        self.model_dir = QLineEdit(settings.model_dir, placeholderText="the models shipped with MelodyStudio")
        self.autosave = QSpinBox(minimum=0, maximum=3600, suffix=" s", value=settings.autosave_seconds)
        self.autosave.setSpecialValueText("off")
        form = QFormLayout(self)
        form.addRow("Sound font", self._with_browse(self.soundfont, "Sound fonts (*.sf2)"))
        form.addRow("Audio driver", self.driver)
        form.addRow("MIDI input", self.midi)
        form.addRow("Model runs on", self.provider)
        form.addRow("Model folder", self._with_browse(self.model_dir, None))
        form.addRow("Autosave every", self.autosave)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _with_browse(self, edit: QLineEdit, file_filter: str | None) -> QWidget:
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(edit)
        button = QPushButton("Browse...")
        row.addWidget(button)

        def browse() -> None:
            if file_filter is None:
                chosen = QFileDialog.getExistingDirectory(self, "Model folder", edit.text())
            else:
                chosen, _ = QFileDialog.getOpenFileName(self, "Sound font", edit.text(), file_filter)
            if chosen:
                edit.setText(chosen)

        button.clicked.connect(browse)
        return box

    def result_settings(self) -> AppSettings:
        driver = self.driver.currentText().strip()
        return replace(self._settings, soundfont=self.soundfont.text().strip(),
                       audio_driver="" if driver == AUTO_LABEL else driver,
                       midi_input=self.midi.currentData() or "", provider=self.provider.currentText(),
                       model_dir=self.model_dir.text().strip(), autosave_seconds=self.autosave.value())
