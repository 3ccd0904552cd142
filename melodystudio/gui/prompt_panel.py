"""Melody from a text prompt, guided by a reference melody from the library.

The Prompt section of the Generate panel: a prompt box ("a slow, tender lullaby in 3/4, D minor,
16 bars"), where the new bars will go (into an empty song, or after the song's end), and the
reference that guided the result (title, source, key and meter) with Play and Open. The results
arrive as variations in the strip like every generation; accepting one adds its bars as one undo
step, with the prompt's meter, key and tempo from the bar where they start (an empty song takes
them from bar 1). "Find similar" lists library melodies like the current song (any of them can be
played or opened); "Add to library" indexes the current song with the user's own melodies.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QAction, QKeyEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QListWidget, QPushButton, QVBoxLayout, QWidget

from melodystudio.core import MelodyStudioError, Song, edits
from melodystudio.core.edits import Compound, Edit, SetMaps, SetMeta
from melodystudio.core.progress import Job, Progress
from melodystudio.engine.api import GenerationOptions, Variation
from melodystudio.gui.document import Document
from melodystudio.gui.generation import LIBRARY, MELODY, GenerationController, Models
from melodystudio.gui.generation_panel import GenerationPanel
from melodystudio.gui.transport import Transport

PLACEHOLDER = "a slow, tender lullaby in 3/4, D minor, 16 bars"
PROMPT_TIP = ("Describe the melody: mood, dance or song type, key, meter, tempo, number of bars (8 when not "
              "said), range. A library melody that fits guides the model.")
SIMILAR_COUNT = 8
OpenSong = Callable[[Song], bool]  # replaces the document (asking about unsaved changes first)


def load_retriever_job(model_dir: str | None = None, user_dir: Any = None) -> Job[Any]:
    """Load the text encoder, the melody embedder and the library index (on the worker)."""
    yield Progress(0.0, "Loading the melody library")
    from melodystudio.retrieval.retriever import MelodyRetriever

    retriever = MelodyRetriever.load(model_dir or None, user_dir=user_dir)
    yield Progress(1.0, "Melody library ready")
    return retriever


def similar_job(retriever: Any, song: Song) -> Job[list[Any]]:
    yield Progress(0.0, "Comparing with the library")
    return list(retriever.similar(song, top=SIMILAR_COUNT))


def add_job(retriever: Any, song: Song, title: str) -> Job[Any]:
    yield Progress(0.0, f"Adding {title} to the library")
    return retriever.add(song, title)


def describe_match(match: Any) -> str:
    """'Title — essen altdeu20 — D minor, 3/4' (what the library knows of the melody)."""
    e = match.entry
    facts = ", ".join(x for x in (e.key_label, e.meter) if x)
    source = "your melodies" if match.user else f"{e.source} {e.tune_id}".strip()
    return " — ".join(x for x in (e.title or "untitled", source, facts) if x)


def section_maps(song: Song, bar: int, source: Song) -> SetMaps | None:
    """``source``'s meter, key and tempo from ``bar`` of ``song`` on (None when they are already so)."""
    tick = song.timeline.bar_start(bar)
    ts, key, tempo = source.time_signatures[0], source.keys[0], source.tempos[0]
    signature, now = replace(ts, bar=bar), song.timeline.signature_at_bar(bar)
    new_key, key_now = replace(key, tick=tick), song.key_at(tick)
    new_tempo = replace(tempo, tick=tick)
    tempo_now = next((t for t in reversed(song.tempos) if t.tick <= tick), None)
    same = ((now.numerator, now.denominator) == (ts.numerator, ts.denominator),
            key_now is not None and (key_now.tonic, key_now.mode) == (key.tonic, key.mode),
            tempo_now is not None and tempo_now.us_per_quarter == tempo.us_per_quarter)
    if all(same):
        return None
    return SetMaps(
        None if same[2] else tuple([t for t in song.tempos if t.tick < tick] + [new_tempo]),
        None if same[0] else tuple([s for s in song.time_signatures if s.bar < bar] + [signature]),
        None if same[1] else tuple([k for k in song.keys if k.tick < tick] + [new_key]))


class PromptEdit(QLineEdit):
    """The prompt box keeps Enter while it has the focus: it asks for a melody even while
    variations wait for the window's Enter to accept one."""

    def event(self, event: QEvent) -> bool:
        if isinstance(event, QKeyEvent) and event.type() == QEvent.Type.ShortcutOverride and \
                event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()
            return True
        return super().event(event)


class PromptSection(QWidget):
    def __init__(self, document: Document, panel: GenerationPanel, controller: GenerationController,
                 transport: Transport, open_song: OpenSong, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document, self.panel, self.controller = document, panel, controller
        self.transport, self.open_song = transport, open_song
        self.reference_song: Song | None = None
        self.matches: list[Any] = []
        self._results: dict[int, Any] = {}  # variation seed -> PromptResult of the last request
        self.action = self._action("Melody from prompt", "Prompt", PROMPT_TIP, self.generate)
        self.prompt_edit = PromptEdit(placeholderText=PLACEHOLDER, clearButtonEnabled=True)
        self.prompt_edit.setToolTip(PROMPT_TIP)
        self.prompt_edit.returnPressed.connect(self.action.trigger)
        self.where_label = QLabel(wordWrap=True)
        self.reference_label = QLabel("Reference: none yet", wordWrap=True)
        self.reference_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.play_button = QPushButton("Play reference")
        self.open_button = QPushButton("Open reference")
        self.open_button.setToolTip("Open the reference melody in place of this song (asks to save changes first)")
        self.similar_button = QPushButton("Find similar")
        self.similar_button.setToolTip("Library melodies like this song")
        self.add_button = QPushButton("Add to library")
        self.add_button.setToolTip("Index this song with your own melodies: prompts and Find similar can use it")
        self.match_list = QListWidget()
        self.match_list.setMaximumHeight(110)
        self.match_list.hide()
        self.play_button.clicked.connect(self.play_reference)
        self.open_button.clicked.connect(self.open_reference)
        self.similar_button.clicked.connect(self.find_similar)
        self.add_button.clicked.connect(self.add_to_library)
        self.match_list.currentRowChanged.connect(self._match_chosen)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.prompt_edit)
        layout.addWidget(self.where_label)
        layout.addWidget(self.reference_label)
        layout.addLayout(_row(self.play_button, self.open_button))
        layout.addLayout(_row(self.similar_button, self.add_button))
        layout.addWidget(self.match_list)
        document.song_changed.connect(lambda _change: self._update())
        document.song_replaced.connect(lambda _song: self._update())
        panel.busy_changed.connect(lambda _busy: self._update())
        self._update()

    def _action(self, text: str, short: str, tip: str, slot: Callable[[], object]) -> QAction:
        action = QAction(text, self.panel)
        action.setIconText(short)
        action.setToolTip(tip)
        action.triggered.connect(lambda _checked=False: slot())
        self.panel.addAction(action)
        return action

    def target_bar(self) -> int:
        """Where new bars go: bar 0 of a song without notes, else the bar after the song's end."""
        song = self.document.song
        return song.bar_count if song.notes else 0

    def _update(self) -> None:
        bar, idle = self.target_bar(), not self.panel.busy
        self.where_label.setText("New bars go into the empty song, with the prompt's meter, key and tempo"
                                 if bar == 0 else f"New bars go after the end of the song, from bar {bar + 1}")
        has_notes = bool(self.document.song.notes)
        self.action.setEnabled(idle)
        self.similar_button.setEnabled(idle and has_notes)
        self.add_button.setEnabled(idle and has_notes)
        self.play_button.setEnabled(self.reference_song is not None)
        self.open_button.setEnabled(self.reference_song is not None)

    # -- prompt ---------------------------------------------------------------------------------
    def generate(self) -> None:
        if not self.action.isEnabled():
            return
        text = self.prompt_edit.text().strip()
        if not text:
            self.panel.set_error("Type a prompt first, e.g. " + PLACEHOLDER)
            self.prompt_edit.setFocus()
            return
        self.panel.run_request(lambda options: self._request(text, options))

    def _request(self, text: str, options: GenerationOptions) -> None:
        def make_job(models: Models) -> Job[Any]:
            from melodystudio.retrieval.guided import GuidedOptions, prompt_job

            guided = GuidedOptions(variations=options.variations, temperature=options.temperature,
                                   top_p=options.top_p, seed=options.seed,
                                   pitch_temperature=options.pitch_temperature)
            return prompt_job(models[LIBRARY], models[MELODY], text, guided)

        self.controller.request_variations((LIBRARY, MELODY), make_job, "Generating from the prompt",
                                           self._placement, self._variations)

    def _variations(self, results: Sequence[Any]) -> list[Variation]:
        """Each result's new bars placed at the target bar, the reference shown."""
        if not results:
            return []
        reference = results[0].reference
        if reference is None:
            self._set_reference(None, "Reference: no library melody has the prompt's meter and mode, so the "
                                      "melody was composed from scratch")
        else:
            self._set_reference(reference.match, "Reference: " + describe_match(reference.match))
        first = self.target_bar()
        start = self.document.song.timeline.bar_start(first)
        self._results = {r.seed: r for r in results}
        return [Variation(tuple(replace(n, onset=n.onset + start) for n in r.song.notes), first,
                          first + r.bars - 1, r.seed, math.nan) for r in results]

    def _placement(self, song: Song, v: Variation, label: str) -> Edit:
        result = self._results.get(v.seed)
        if result is None:
            raise MelodyStudioError("this variation belongs to an older prompt")
        steps: list[Edit] = []
        maps = section_maps(song, v.first_bar, result.song)
        if maps is not None:
            steps.append(maps)
        if not song.notes and not song.title:
            steps.append(SetMeta(title=result.spec.text[:80]))
        steps.append(edits.insert_notes(song, v.notes))
        return Compound(tuple(steps), f"Accept prompt melody {label}")

    # -- reference ------------------------------------------------------------------------------
    def _set_reference(self, match: Any | None, text: str) -> None:
        retriever = self.controller.model(LIBRARY)
        self.reference_song = retriever.song(match) if match is not None and retriever is not None else None
        self.reference_label.setText(text)
        self._update()

    def play_reference(self) -> None:
        player, song = self.transport.player, self.reference_song
        if song is None:
            return
        if not self.transport.available or player is None:
            self.controller.message.emit("No audio device: the reference cannot be played")
            return
        self.transport.stop()
        player.play(song, 0, metronome=False)

    def open_reference(self) -> bool:
        song = self.reference_song
        if song is None:
            return False
        return self.open_song(song.copy())

    # -- library --------------------------------------------------------------------------------
    def find_similar(self) -> bool:
        song = self.document.song.copy()
        return self.controller.run((LIBRARY,), lambda m: similar_job(m[LIBRARY], song),
                                   "Finding similar melodies", self._show_matches)

    def _show_matches(self, matches: list[Any]) -> None:
        self.matches = list(matches)
        self.match_list.clear()
        for m in self.matches:
            self.match_list.addItem(f"{m.score:.2f}  {describe_match(m)}")
        self.match_list.setVisible(bool(self.matches))
        if self.matches:
            self.match_list.setCurrentRow(0)
        else:
            self.panel.set_error("No library melody is like this one")

    def _match_chosen(self, row: int) -> None:
        if 0 <= row < len(self.matches):
            self._set_reference(self.matches[row], "Similar: " + describe_match(self.matches[row]))

    def add_to_library(self) -> bool:
        song, title = self.document.song.copy(), self.document.display_name()
        return self.controller.run((LIBRARY,), lambda m: add_job(m[LIBRARY], song, title),
                                   f"Adding {title} to the library",
                                   lambda _match: self.controller.message.emit(
                                       f"Added {title} to your melodies in the library"))


def _row(*widgets: QWidget) -> QHBoxLayout:
    row = QHBoxLayout()
    for w in widgets:
        row.addWidget(w)
    return row
