"""Song settings on the toolbar: tempo, meter, key and GM instrument. Each change is one undo
command; the widgets follow the song (undo, open) without echoing a command back."""

from __future__ import annotations

import re

from PySide6.QtCore import QSignalBlocker
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QHBoxLayout, QLabel, QWidget

from melodystudio.core import KeySignature, SongChange, edits
from melodystudio.core.edits import SetMeta
from melodystudio.core.timeline import MAX_BPM, MIN_BPM
from melodystudio.gui.commands import MERGE_TEMPO
from melodystudio.gui.document import Document
from melodystudio.gui.gm import GM_PROGRAMS

COMMON_METERS = ("2/4", "3/4", "4/4", "5/4", "6/4", "2/2", "3/8", "6/8", "7/8", "9/8", "12/8")
METER_RE = re.compile(r"^\s*(\d{1,2})\s*/\s*(\d{1,2})\s*$")


def key_labels() -> list[str]:
    """Every key with a standard signature, majors then minors, in circle-of-fifths order."""
    return [KeySignature.from_sharps(0, sharps, mode).label()
            for mode in ("major", "minor") for sharps in range(-7, 8)]


class SongSettingsBar(QWidget):
    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.tempo = QDoubleSpinBox(minimum=MIN_BPM, maximum=MAX_BPM, decimals=1, suffix=" bpm")
        self.tempo.setKeyboardTracking(False)  # one command per finished entry, not per digit
        self.tempo.setToolTip("Tempo at the start of the song")
        self.meter = QComboBox(editable=True)
        self.meter.addItems(COMMON_METERS)
        self.meter.setToolTip("Time signature of the first bar (later meter changes are kept)")
        self.key = QComboBox()
        self.key.addItems(key_labels())
        self.key.setToolTip("Key: rows of its scale are highlighted; generation can lock to it")
        self.instrument = QComboBox()
        self.instrument.addItems([f"{i + 1:3d} {name}" for i, name in enumerate(GM_PROGRAMS)])
        self.instrument.setMaxVisibleItems(24)
        self.instrument.setToolTip("General MIDI instrument of the melody")
        row = QHBoxLayout(self)
        row.setContentsMargins(4, 0, 4, 0)
        for label, widget in (("", self.tempo), ("", self.meter), ("", self.key), ("Instrument", self.instrument)):
            if label:
                row.addWidget(QLabel(label))
            row.addWidget(widget)
        self.refresh()
        self.tempo.valueChanged.connect(self._tempo_changed)
        self.meter.activated.connect(lambda _i: self._meter_changed())
        meter_edit = self.meter.lineEdit()
        assert meter_edit is not None  # the combo box is editable
        meter_edit.editingFinished.connect(self._meter_changed)
        self.key.activated.connect(self._key_changed)
        self.instrument.activated.connect(self._instrument_changed)
        document.song_replaced.connect(lambda _song: self.refresh())
        document.song_changed.connect(self._song_changed)

    # -- from the song ------------------------------------------------------------------------
    def _song_changed(self, change: SongChange) -> None:
        if change.kind in ("tempo", "meter", "key", "meta"):
            self.refresh()

    def refresh(self) -> None:
        song = self.document.song
        blockers = [QSignalBlocker(w) for w in (self.tempo, self.meter, self.key, self.instrument)]
        self.tempo.setValue(song.tempos[0].bpm)
        self.meter.setEditText(str(song.time_signatures[0]))
        key = song.keys[0] if song.keys else None
        self.key.setCurrentIndex(self.key.findText(key.label()) if key is not None else self.key.findText("C major"))
        self.instrument.setCurrentIndex(song.program)
        del blockers

    # -- to the song --------------------------------------------------------------------------
    def _tempo_changed(self, bpm: float) -> None:
        if abs(bpm - self.document.song.tempos[0].bpm) >= 0.05:
            self.document.perform_planned(edits.set_tempo, 0, bpm, merge_id=MERGE_TEMPO)

    def _meter_changed(self) -> None:
        text = self.meter.currentText()
        m = METER_RE.match(text)
        current = self.document.song.time_signatures[0]
        if m is None:
            self.document.edit_failed.emit(f"'{text}' is not a time signature (expected e.g. 3/4, 6/8)")
            self.refresh()
            return
        numerator, denominator = int(m.group(1)), int(m.group(2))
        if (numerator, denominator) != (current.numerator, current.denominator):
            if not self.document.perform_planned(edits.set_time_signature, 0, numerator, denominator):
                self.refresh()

    def _key_changed(self, index: int) -> None:
        key = KeySignature.parse(self.key.itemText(index), 0)
        song = self.document.song
        if not song.keys or song.keys[0] != key:
            self.document.perform_planned(edits.set_key, key)

    def _instrument_changed(self, index: int) -> None:
        if index != self.document.song.program:
            self.document.perform(SetMeta(program=index, description="Change instrument"))
