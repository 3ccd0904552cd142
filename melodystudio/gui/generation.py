"""Generation flow: load the engine once in the background, run inpaint/continuation jobs, show
the variations as ghosts (and play them), and accept one as a single undo step.

The engine reads a copy of the song taken when the request is made, so editing on while it runs
is safe; accepting replaces the variation's bars in the song as it is then.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from melodystudio.core import edits
from melodystudio.core.progress import Job, Progress
from melodystudio.engine.api import GenerationOptions, Variation
from melodystudio.gui.document import Document
from melodystudio.gui.generation_panel import LETTERS, GenerationPanel
from melodystudio.gui.piano_roll import PianoRoll
from melodystudio.gui.transport import Transport
from melodystudio.jobs import JobHandle, JobRunner

EngineLoader = Callable[[], Job[Any]]  # a job returning an engine with .provider, .inpaint, .continuation


def load_engine_job(model_dir: str = "", provider: str = "auto") -> Job[Any]:
    """Load the model (onnxruntime is imported here, on the worker, not at start-up)."""
    yield Progress(0.0, "Loading the model")
    from melodystudio.engine import MelodyEngine

    engine = MelodyEngine.load(model_dir or None, provider=provider)
    yield Progress(1.0, "Model ready")
    return engine


class GenerationController(QObject):
    model_status = Signal(str)  # "not loaded", "loading", "ready (CPU)", "unavailable"
    message = Signal(str)

    def __init__(self, document: Document, roll: PianoRoll, panel: GenerationPanel, runner: JobRunner,
                 transport: Transport, loader: EngineLoader, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document, self.roll, self.panel = document, roll, panel
        self.runner, self.transport, self.loader = runner, transport, loader
        self.engine: Any | None = None
        self.job: JobHandle | None = None
        self._requested_for: object | None = None  # the Song a running request was made for
        self.variations: list[Variation] = []
        panel.inpaint_requested.connect(self.inpaint)
        panel.continue_requested.connect(self.continuation)
        panel.variation_selected.connect(self.preview)
        panel.accept_requested.connect(self.accept)
        panel.discard_requested.connect(self.discard)
        panel.cancel_requested.connect(self.cancel)
        document.bar_selection_changed.connect(lambda bars: panel.set_selection_available(bars is not None))
        document.song_replaced.connect(self._song_replaced)
        panel.set_selection_available(document.bar_selection is not None)

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
        self._request(lambda engine: engine.inpaint(song, first, last, options), f"bars {first + 1}-{last + 1}")

    def continuation(self, options: GenerationOptions, n_bars: int) -> None:
        song = self.document.song.copy()
        self._request(lambda engine: engine.continuation(song, n_bars, options), f"{n_bars} more bars")

    def _request(self, make_job: Callable[[Any], Job[list[Variation]]], what: str) -> None:
        if self.busy:
            return
        self.discard()
        self._requested_for = self.document.song
        self.panel.set_busy(True)
        if self.engine is None:
            self._load_then(make_job, what)
        else:
            self._generate(make_job, what)

    def _load_then(self, make_job: Callable[[Any], Job[list[Variation]]], what: str) -> None:
        self.model_status.emit("loading")
        handle = self.runner.submit(self.loader, name="load model")
        self.job = handle
        handle.progress.connect(self.panel.set_progress)
        handle.error.connect(self._load_failed)
        handle.result.connect(lambda engine: self._loaded(engine, make_job, what))
        handle.finished.connect(lambda: self._finished(handle))

    def _loaded(self, engine: Any, make_job: Callable[[Any], Job[list[Variation]]], what: str) -> None:
        self.engine = engine
        self.panel.set_provider(engine.provider)
        self.model_status.emit(f"ready ({engine.provider})")
        self.job = None  # the load handle finishes right after this; the generation takes over
        self._generate(make_job, what)

    def _load_failed(self, message: str) -> None:
        self.model_status.emit("unavailable")
        self._report(f"The model could not be loaded: {message}. Editing, playback and files still work.")

    def _generate(self, make_job: Callable[[Any], Job[list[Variation]]], what: str) -> None:
        engine = self.engine
        handle = self.runner.submit(lambda: make_job(engine), name=f"generate {what}")
        self.job = handle
        self.panel.set_busy(True)
        handle.progress.connect(self.panel.set_progress)
        handle.result.connect(self._arrived)
        handle.error.connect(lambda message: self._report(f"Generation failed: {message}"))
        handle.finished.connect(lambda: self._finished(handle))
        self.message.emit(f"Generating {what}...")

    def _finished(self, handle: JobHandle) -> None:
        if self.job is handle:
            self.job = None
            self.panel.set_busy(False)

    def _arrived(self, variations: list[Variation]) -> None:
        self.panel.set_busy(False)
        if self._requested_for is not self.document.song:
            return  # made for a song that has since been closed
        self.variations = list(variations)
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
            self.message.emit("Generation cancelled")

    def _song_replaced(self, _song: object) -> None:
        self.cancel()
        self.discard()

    # -- variations ---------------------------------------------------------------------------
    def preview(self, index: int) -> None:
        if not 0 <= index < len(self.variations):
            return
        v = self.variations[index]
        self.roll.show_ghost(v.notes)
        self.document.select_bars((v.first_bar, v.last_bar))
        self.transport.preview(v.first_bar, v.last_bar, v.notes)

    def accept(self, index: int) -> bool:
        """Put variation ``index`` into the song: one undo step."""
        if not 0 <= index < len(self.variations):
            return False
        v = self.variations[index]
        label = LETTERS[index] if index < len(LETTERS) else str(index + 1)
        self._clear()
        return self.document.perform_planned(edits.replace_bars, v.first_bar, v.last_bar, v.notes,
                                             f"Accept variation {label}")

    def discard(self) -> None:
        had = bool(self.variations)
        self._clear()
        if had:
            self.panel.set_variations([])

    def _clear(self) -> None:
        self.variations = []
        self.roll.clear_ghost()
        self.transport.stop()
