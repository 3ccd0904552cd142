"""Generation flow: load each model once in the background, run model jobs (inpaint, continue,
lyrics, prompt, harmonize), show variations as ghosts (and play them), and accept one as a single
undo step.

Every model sits in a ``ModelSlot`` (the melody model, the harmonizer, the melody library) and is
loaded lazily, on the worker, by the first request that needs it; a failed load is reported in
the panel and tried again on the next request. The engine reads a copy of the song taken when
the request is made, so editing on while it runs is safe; accepting places the variation in the
song as it is then, through the request's ``Placement``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Signal

from melodystudio.core import MelodyStudioError, Song, edits
from melodystudio.core.edits import Edit
from melodystudio.core.progress import Job, Progress
from melodystudio.engine.api import GenerationOptions, Variation
from melodystudio.gui.document import Document
from melodystudio.gui.generation_panel import LETTERS, GenerationPanel
from melodystudio.gui.piano_roll import PianoRoll
from melodystudio.gui.transport import Transport, preview_song
from melodystudio.jobs import JobHandle, JobRunner

ModelLoader = Callable[[], Job[Any]]  # a job returning a loaded model
EngineLoader = ModelLoader  # the melody engine: .provider, .inpaint, .continuation, .lyrics
Models = Mapping[str, Any]  # slot name -> loaded model, as handed to a request's job factory
MELODY, HARMONIZER, LIBRARY = "melody model", "harmonizer", "melody library"


def load_engine_job(model_dir: str = "", provider: str = "auto") -> Job[Any]:
    """Load the model (onnxruntime is imported here, on the worker, not at start-up)."""
    yield Progress(0.0, "Loading the model")
    from melodystudio.engine import MelodyEngine

    engine = MelodyEngine.load(model_dir or None, provider=provider)
    yield Progress(1.0, "Model ready")
    return engine


@dataclass
class ModelSlot:
    loader: ModelLoader
    model: Any | None = None


def replace_bars_plan(song: Song, v: Variation, label: str) -> Edit:
    return edits.replace_bars(song, v.first_bar, v.last_bar, v.notes, f"Accept variation {label}")


# How a variation goes into the song: the edit, planned on the song as it is when accepted.
Placement = Callable[[Song, Variation, str], Edit]


class GenerationController(QObject):
    model_status = Signal(str)  # the melody model: "not loaded", "loading", "ready (CPU)", "unavailable"
    model_changed = Signal(str, object)  # slot name, the model just loaded (None: unloaded, to load again)
    message = Signal(str)

    def __init__(self, document: Document, roll: PianoRoll, panel: GenerationPanel, runner: JobRunner,
                 transport: Transport, loader: EngineLoader, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document, self.roll, self.panel = document, roll, panel
        self.runner, self.transport = runner, transport
        self.slots: dict[str, ModelSlot] = {MELODY: ModelSlot(loader)}
        self.job: JobHandle | None = None
        self._requested_for: object | None = None  # the Song a running request was made for
        self.variations: list[Variation] = []
        self._placement: Placement = replace_bars_plan
        panel.inpaint_requested.connect(self.inpaint)
        panel.continue_requested.connect(self.continuation)
        panel.variation_selected.connect(self.preview)
        panel.accept_requested.connect(self.accept)
        panel.discard_requested.connect(self.discard)
        panel.cancel_requested.connect(self.cancel)
        document.bar_selection_changed.connect(lambda bars: panel.set_selection_available(bars is not None))
        document.song_replaced.connect(self._song_replaced)
        panel.set_selection_available(document.bar_selection is not None)

    # -- models -------------------------------------------------------------------------------
    def set_loader(self, name: str, loader: ModelLoader) -> None:
        """Use ``loader`` for slot ``name``; a model already loaded is dropped and loaded on next use."""
        self.slots[name] = ModelSlot(loader)
        self.model_changed.emit(name, None)

    def model(self, name: str) -> Any | None:
        slot = self.slots.get(name)
        return slot.model if slot is not None else None

    @property
    def engine(self) -> Any | None:
        return self.slots[MELODY].model

    @engine.setter
    def engine(self, engine: Any | None) -> None:
        self.slots[MELODY].model = engine

    @property
    def loader(self) -> EngineLoader:
        return self.slots[MELODY].loader

    @loader.setter
    def loader(self, loader: EngineLoader) -> None:
        self.set_loader(MELODY, loader)

    @property
    def busy(self) -> bool:
        return self.job is not None

    # -- requests -----------------------------------------------------------------------------
    def inpaint(self, options: GenerationOptions) -> None:
        bars = self.document.bar_selection
        if bars is None:
            self.panel.set_error("Select the bars to fill on the ruler first")
            return
        song, (first, last) = self.document.song.copy(), bars
        self.request_variations((MELODY,), lambda m: m[MELODY].inpaint(song, first, last, options),
                                f"Generating bars {first + 1}-{last + 1}")

    def continuation(self, options: GenerationOptions, n_bars: int) -> None:
        song = self.document.song.copy()
        self.request_variations((MELODY,), lambda m: m[MELODY].continuation(song, n_bars, options),
                                f"Generating {n_bars} more bars")

    def request_variations(self, needs: Sequence[str], make_job: Callable[[Models], Job[Any]], doing: str,
                           placement: Placement = replace_bars_plan,
                           convert: Callable[[Any], list[Variation]] = list) -> bool:
        """Run a job whose result (``convert``-ed) is variations for the strip; False when busy."""
        return self.run(needs, make_job, doing, lambda result: self.show_variations(convert(result), placement))

    def run(self, needs: Sequence[str], make_job: Callable[[Models], Job[Any]], doing: str,
            on_result: Callable[[Any], None]) -> bool:
        """Load the models in ``needs`` that are not loaded yet, then run ``make_job(models)`` in the
        background with the panel's progress and Cancel; ``on_result`` gets its result on the GUI
        thread unless the song was closed meanwhile. ``doing`` says what runs ("Harmonizing bars
        1-8"). False (nothing started) while another job runs."""
        if self.busy:
            return False
        self.discard()
        self._requested_for = self.document.song
        self.panel.set_busy(True)
        self._next(tuple(needs), make_job, doing, on_result)
        return True

    def _next(self, needs: tuple[str, ...], make_job: Callable[[Models], Job[Any]], doing: str,
              on_result: Callable[[Any], None]) -> None:
        missing = next((name for name in needs if self.slots[name].model is None), None)
        if missing is None:
            models = {name: self.slots[name].model for name in needs}
            self._submit(lambda: make_job(models), doing, on_result)
            return
        if missing == MELODY:
            self.model_status.emit("loading")
        self.message.emit(f"Loading the {missing}...")
        handle = self.runner.submit(self.slots[missing].loader, name=f"load {missing}")
        self.job = handle
        handle.progress.connect(self.panel.set_progress)
        handle.error.connect(lambda message: self._load_failed(missing, message))
        handle.result.connect(lambda model: self._loaded(missing, model, needs, make_job, doing, on_result))
        handle.finished.connect(lambda: self._finished(handle))

    def _loaded(self, name: str, model: Any, needs: tuple[str, ...], make_job: Callable[[Models], Job[Any]],
                doing: str, on_result: Callable[[Any], None]) -> None:
        self.slots[name].model = model
        if name == MELODY:
            self.panel.set_provider(model.provider)
            self.model_status.emit(f"ready ({model.provider})")
        self.model_changed.emit(name, model)
        self.job = None  # the load handle finishes right after this; the next step takes over
        self._next(needs, make_job, doing, on_result)

    def _load_failed(self, name: str, message: str) -> None:
        if name == MELODY:
            self.model_status.emit("unavailable")
        self._report(f"The {name} could not be loaded: {message}. Editing, playback and files still work.")

    def _submit(self, factory: Callable[[], Job[Any]], doing: str, on_result: Callable[[Any], None]) -> None:
        handle = self.runner.submit(factory, name=doing)
        self.job = handle
        self.panel.set_busy(True)
        handle.progress.connect(self.panel.set_progress)
        handle.result.connect(lambda value: self._arrived(value, on_result))
        handle.error.connect(lambda message: self._report(f"{doing} failed: {message}"))
        handle.finished.connect(lambda: self._finished(handle))
        self.message.emit(f"{doing}...")

    def _finished(self, handle: JobHandle) -> None:
        if self.job is handle:
            self.job = None
            self.panel.set_busy(False)

    def _arrived(self, value: Any, on_result: Callable[[Any], None]) -> None:
        self.panel.set_busy(False)
        if self._requested_for is not self.document.song:
            return  # made for a song that has since been closed
        try:
            on_result(value)
        except MelodyStudioError as e:
            self._report(str(e))

    def show_variations(self, variations: list[Variation], placement: Placement = replace_bars_plan) -> None:
        """Put ``variations`` in the strip; accepting one performs ``placement`` as one undo step."""
        self.variations, self._placement = list(variations), placement
        if not variations:
            self._report("The model returned no variations; try again or change the options")
            return
        self.message.emit(f"{len(variations)} variations: 1-{len(variations)} or Tab to hear, "
                          "Enter accepts, Esc discards")
        self.panel.set_variations(self.variations)

    def _report(self, message: str) -> None:
        self.panel.set_error(message)
        self.message.emit(message)

    def cancel(self) -> None:
        if self.job is not None:
            self.job.cancel()
            self.message.emit("Cancelled")

    def _song_replaced(self, _song: object) -> None:
        self.cancel()
        self.discard()

    # -- variations ---------------------------------------------------------------------------
    def preview(self, index: int) -> None:
        """Show variation ``index`` as the ghost and play the song as accepting it would leave it."""
        if not 0 <= index < len(self.variations):
            return
        v = self.variations[index]
        self.roll.show_ghost(v.notes)
        self.document.select_bars((v.first_bar, v.last_bar))
        player = self.transport.player
        if not self.transport.available or player is None:
            return
        song = self.document.song.copy()
        try:
            song.apply(self._placement(song, v, _label(index)))
            preview, start = preview_song(song, v.first_bar, v.last_bar, v.notes)
        except MelodyStudioError as e:
            self.message.emit(f"Cannot play variation {_label(index)}: {e}")
            return
        player.play(preview, start, metronome=False)

    def accept(self, index: int) -> bool:
        """Put variation ``index`` into the song: one undo step."""
        if not 0 <= index < len(self.variations):
            return False
        v, placement = self.variations[index], self._placement
        self._clear()
        return self.document.perform_planned(placement, v, _label(index))

    def discard(self) -> None:
        had = bool(self.variations)
        self._clear()
        if had:
            self.panel.set_variations([])

    def _clear(self) -> None:
        self.variations = []
        self.roll.clear_ghost()
        self.transport.stop()


def _label(index: int) -> str:
    return LETTERS[index] if index < len(LETTERS) else str(index + 1)
