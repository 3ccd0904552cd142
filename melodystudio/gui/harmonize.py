"""Harmonize: chords for the selected bars (or the whole song) from the harmonizer model.

The Harmonize section of the Generate panel holds the options (one chord per beat, half bar or
bar; plain major/minor or rich chords; how often chords change; keep the chords already written).
The model runs in the background like every generation (progress, Cancel / Esc); its chords
replace those of the range as one undo step, so Ctrl+Z brings the old chords back exactly. The
chord lane shows them and playback plays them, as for chords written by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QLabel, QWidget

from melodystudio.core import Chord, MelodyStudioError, Song, edits
from melodystudio.core.edits import Edit
from melodystudio.core.progress import Job, Progress
from melodystudio.gui.document import Document
from melodystudio.gui.generation import HARMONIZER, GenerationController, Models
from melodystudio.gui.generation_panel import GenerationPanel

PER_CHOICES = (("beat", "Every beat"), ("half-bar", "Every half bar"), ("bar", "Every bar"))
MIN_RATE, MAX_RATE = 0.25, 4.0  # within the harmonizer's 0.05-20; beyond these the chords barely move
HARMONIZE_TIP = "Suggest chords for the selected bars, or the whole song when no bars are selected (Ctrl+Shift+H)"


def load_harmonizer_job(model_dir: str | None = None, provider: str = "auto") -> Job[Any]:
    """Load the harmonizer (onnxruntime is imported here, on the worker)."""
    yield Progress(0.0, "Loading the harmonizer")
    from melodystudio.engine.harmonizer import Harmonizer

    harmonizer = Harmonizer.load(model_dir or None, provider=provider)
    yield Progress(1.0, "Harmonizer ready")
    return harmonizer


@dataclass(frozen=True)
class HarmonizeChoice:
    """The section's options (plain data; HarmonizeOptions is built on the worker's side)."""

    per: str = "half-bar"
    rich: bool = False
    change_rate: float = 1.0
    keep_chords: bool = False


def chords_plan(song: Song, chords: tuple[Chord, ...], start: int, end: int, description: str) -> Edit:
    """The harmonizer's chords for [start, end) as one edit (the old chords there go)."""
    return replace(edits.set_chords(song, chords, start, end), description=description)


class HarmonizeSection(QWidget):
    """The options form; ``action`` (the panel's Harmonize button) runs the request."""

    def __init__(self, document: Document, panel: GenerationPanel, controller: GenerationController,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document, self.panel, self.controller = document, panel, controller
        self.action = QAction("Harmonize", panel)
        self.action.setShortcut(QKeySequence("Ctrl+Shift+H"))
        self.action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.action.setToolTip(HARMONIZE_TIP)
        self.action.triggered.connect(lambda _checked=False: self.harmonize())
        panel.addAction(self.action)
        self.per_combo = QComboBox()
        for value, label in PER_CHOICES:
            self.per_combo.addItem(label, value)
        self.rich_check = QCheckBox("Rich chords (7ths, m7, dim, sus ...)")
        self.rate_spin = QDoubleSpinBox(minimum=MIN_RATE, maximum=MAX_RATE, singleStep=0.25, decimals=2, suffix=" x")
        self.rate_spin.setToolTip("How often the chords change: 1 = as often as in the songs the model learned "
                                  "from, lower = fewer changes, higher = more")
        self.keep_check = QCheckBox("Keep existing chords")
        self.keep_check.setToolTip("Chords already in the song stay exactly as they are; only the gaps get chords")
        self.range_label = QLabel()
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("Chords", self.per_combo)
        form.addRow("Changes", self.rate_spin)
        form.addRow(self.rich_check)
        form.addRow(self.keep_check)
        form.addRow(self.range_label)
        self.set_choice(HarmonizeChoice())
        document.bar_selection_changed.connect(lambda _bars: self._update())
        document.song_changed.connect(lambda _change: self._update())
        document.song_replaced.connect(lambda _song: self._update())
        panel.busy_changed.connect(lambda _busy: self._update())
        self._update()

    def choice(self) -> HarmonizeChoice:
        return HarmonizeChoice(str(self.per_combo.currentData()), self.rich_check.isChecked(),
                               round(self.rate_spin.value(), 2), self.keep_check.isChecked())

    def set_choice(self, choice: HarmonizeChoice) -> None:
        self.per_combo.setCurrentIndex(max(0, self.per_combo.findData(choice.per)))
        self.rich_check.setChecked(choice.rich)
        self.rate_spin.setValue(choice.change_rate)
        self.keep_check.setChecked(choice.keep_chords)

    def target(self) -> tuple[int, int] | None:
        """Bars to harmonize (0-based, inclusive): the selection, else the whole song; None when
        there is no melody there."""
        song = self.document.song
        bars = self.document.bar_selection
        if not song.notes or (bars is not None and bars[0] >= song.bar_count):
            return None
        if bars is not None:
            return bars[0], min(bars[1], song.bar_count - 1)
        return 0, song.bar_count - 1

    def _update(self) -> None:
        bars = self.target()
        if bars is None:
            self.range_label.setText("Select bars with notes to harmonize" if self.document.song.notes
                                     else "Write or open a melody to harmonize")
        else:
            whole = self.document.bar_selection is None
            self.range_label.setText(f"{'The whole song' if whole else 'Selected'}: bars {bars[0] + 1}-{bars[1] + 1}")
        self.action.setEnabled(not self.panel.busy and bars is not None)

    def harmonize(self) -> bool:
        """Start harmonizing the target bars; False when nothing was started."""
        bars = self.target()
        if bars is None or not self.action.isEnabled():
            return False
        song, choice = self.document.song.copy(), self.choice()
        first, last = bars

        def make_job(models: Models) -> Job[Any]:
            from melodystudio.engine.harmonizer import HarmonizeOptions

            options = HarmonizeOptions(choice.per, choice.rich, choice.change_rate,
                                       song.chords if choice.keep_chords else ())
            return models[HARMONIZER].harmonize(song, first, last, options)

        what = f"bars {first + 1}-{last + 1}"
        self.panel.set_error("")
        return self.controller.run((HARMONIZER,), make_job, f"Harmonizing {what}",
                                   lambda result: self._apply(result, what))

    def _apply(self, result: Any, what: str) -> None:
        song = self.document.song
        if tuple(song.chords_between(result.start, result.end)) == tuple(result.chords):
            self.controller.message.emit(f"The harmonizer kept the chords of {what} as they are")
            return
        if not self.document.perform_planned(chords_plan, tuple(result.chords), result.start, result.end,
                                             f"Harmonize {what}"):
            raise MelodyStudioError(f"The chords for {what} could not be written")
        self.controller.message.emit(f"Harmonized {what}: {len(result.chords)} chords (Ctrl+Z restores the old ones)")

