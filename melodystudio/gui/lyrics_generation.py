"""Lyrics to melody, driven by the lyric editor: the typed lyrics are set to a new melody (one note
per syllable, stressed syllables placed by a model with lyric conditioning) as variations in the
Generate panel's strip, exactly like inpaint: a ghost in the roll, 1-8 / Tab to hear, Enter
accepts (one undo step that replaces the notes of those bars and puts the syllables on the new
notes), Esc discards.

Where the melody goes: the selected bars, or new bars after the song (bar 1 of an empty song).
New bars after a song with notes are composed on their own, because the engine sets lyrics only
inside the song. "Regenerate phrase" sets the phrase under the selection again, in the bars it
covers, keeping its syllables and leaving the rest of the song alone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence

from melodystudio.core import Lyric, MelodyStudioError, Note, Song, edits
from melodystudio.core.edits import Edit
from melodystudio.core.progress import Job
from melodystudio.engine.api import GenerationOptions, Variation
from melodystudio.gui.document import Document
from melodystudio.gui.generation import MELODY, GenerationController, Models
from melodystudio.gui.generation_panel import GenerationPanel
from melodystudio.gui.lyric_assign import read_lyrics
from melodystudio.gui.lyric_editor import AFTER_SONG, LyricEditor

if TYPE_CHECKING:
    from melodystudio.lyrics import Syllable

NO_LYRIC_MODEL = ("The melody model in use was trained without lyrics: it cannot place stressed syllables or "
                  "phrases, so setting lyrics is off. Install a melody model with lyric conditioning "
                  "(models/melody) to use it.")
GENERATE_TIP = "Set the lyrics in the lyric editor to a new melody, one note per syllable (Ctrl+Shift+L)"
PHRASE_TIP = "Set the phrase under the selection to a new melody, in the bars it covers; the rest stays"


@dataclass(frozen=True)
class LyricTarget:
    """One lyrics request: the song the model reads, the bars to fill, what to sing there."""

    song: Song  # a copy, taken when the request was made
    first_bar: int
    last_bar: int
    syllables: tuple[Syllable, ...]  # what the model sets, one note each
    lyrics: tuple[Lyric, ...]  # what the new notes carry (punctuation kept), one per syllable
    what: str  # for messages: "bars 3-4"


def selection_target(song: Song, bars: tuple[int, int] | None, text: str) -> LyricTarget:
    syllables, lyrics = _english(text)
    if bars is None:
        raise MelodyStudioError("Select the bars for the lyrics on the ruler first, or choose "
                                "'Set to new bars after the song' in the lyric editor")
    first, last = bars
    return LyricTarget(song.copy(), first, last, syllables, lyrics, f"bars {first + 1}-{last + 1}")


def new_bars_target(song: Song, text: str, n_bars: int = 0) -> LyricTarget:
    """Bars after the song (from bar 1 of a song without notes); ``n_bars`` 0: as many as
    ``lyrics.layout`` gives the lyric in the meter there."""
    from melodystudio.lyrics.layout import lyric_bars

    syllables, lyrics = _english(text)
    first = song.bar_count if song.notes else 0
    n_bars = n_bars or lyric_bars(syllables, song.timeline.signature_at_bar(first))
    copy = song.copy()
    if copy.notes:  # the engine sets lyrics inside the song only: compose the new bars on their own
        copy.apply(edits.delete_notes(copy, copy.notes))
    where = f"after bar {first}" if song.notes else "from bar 1"
    return LyricTarget(copy, first, first + n_bars - 1, syllables, lyrics, f"{n_bars} new bars {where}")


def phrase_target(song: Song, anchor: Note) -> LyricTarget:
    """The bars of the phrase ``anchor`` sings in, with the syllables of every note in them."""
    from melodystudio.lyrics import syllables_from_notes

    alignment = song.lyric_alignment()
    ids = alignment[song.index_of(anchor)]
    if ids is None:
        raise MelodyStudioError("the selected note has no syllable: select a note of a phrase with lyrics")
    members = [n for n, a in zip(song.notes, alignment) if a is not None and a[1] == ids[1]]
    tl = song.timeline
    first, last = tl.bar_at(members[0].onset), tl.bar_at(members[-1].onset)
    sung = [n for n in song.notes_between(*song.bar_range_ticks(first, last)) if n.lyric is not None]
    while sung and sung[0].lyric is not None and sung[0].lyric.melisma:
        sung.pop(0)  # holds a syllable sung before these bars
    syllables = syllables_from_notes(sung)
    lyrics = tuple(n.lyric for n in sung if n.lyric is not None)
    what = f"phrase {ids[1] + 1} (bars {first + 1}-{last + 1})"
    return LyricTarget(song.copy(), first, last, syllables, lyrics, what)


def _english(text: str) -> tuple[tuple[Syllable, ...], tuple[Lyric, ...]]:
    parsed = read_lyrics(text)
    if not parsed.lyrics:
        raise MelodyStudioError("Type the lyrics in the lyric editor first")
    if parsed.parsed is None:
        raise MelodyStudioError(parsed.warnings[0] if parsed.warnings else "the lyrics are not English")
    return parsed.syllables, parsed.lyrics


def with_lyrics(v: Variation, lyrics: Sequence[Lyric]) -> Variation:
    """``v`` with ``lyrics`` on its notes in order (the engine's own when the counts differ)."""
    if len(v.notes) != len(lyrics):
        return v
    return replace(v, notes=tuple(replace(n, lyric=ly) for n, ly in zip(v.notes, lyrics)))


def lyric_placement(song: Song, v: Variation, label: str) -> Edit:
    return edits.replace_bars(song, v.first_bar, v.last_bar, v.notes, f"Accept melody {label} for the lyrics")


class LyricsGeneration(QObject):
    """The lyrics actions (panel button, lyric editor buttons, Generate menu) and their requests."""

    def __init__(self, document: Document, selected_notes: Callable[[], list[Note]], panel: GenerationPanel,
                 controller: GenerationController, editor: LyricEditor, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document, self.selected_notes = document, selected_notes
        self.panel, self.controller, self.editor = panel, controller, editor
        self.supported = True  # False once the melody model is known to lack lyric conditioning
        self.generate_action = self._action("Melody from lyrics", "Lyrics", GENERATE_TIP, self.generate)
        self.generate_action.setShortcut(QKeySequence("Ctrl+Shift+L"))
        self.phrase_action = self._action("Regenerate phrase", "Regenerate phrase", PHRASE_TIP,
                                          self.regenerate_phrase)
        panel.add_request_action(self.generate_action)
        editor.add_action_button(self.generate_action, "Generate melody")
        editor.add_action_button(self.phrase_action, "Regenerate phrase")
        panel.busy_changed.connect(lambda _busy: self._update())
        controller.model_changed.connect(self._model_changed)
        self._update()

    def _action(self, text: str, short: str, tip: str, slot: Callable[[], None]) -> QAction:
        action = QAction(text, self.panel)
        action.setIconText(short)  # what the panel's button shows
        action.setToolTip(tip)
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(lambda _checked=False: slot())
        self.panel.addAction(action)
        return action

    def _model_changed(self, name: str, model: object) -> None:
        if name == MELODY:
            self.supported = model is None or bool(getattr(model, "supports_lyrics", False))
            self._update()

    def _update(self) -> None:
        for action, tip in ((self.generate_action, GENERATE_TIP), (self.phrase_action, PHRASE_TIP)):
            action.setEnabled(self.supported and not self.panel.busy)
            action.setToolTip(tip if self.supported else NO_LYRIC_MODEL)

    # -- requests -------------------------------------------------------------------------------
    def generate(self) -> None:
        """Set the editor's lyrics to a melody where the editor says (selected bars or new bars)."""
        if not self.generate_action.isEnabled():
            return
        song, text = self.document.song, self.editor.text.toPlainText()
        try:
            if self.editor.where == AFTER_SONG:
                target = new_bars_target(song, text, self.editor.bars_spin.value())
            else:
                target = selection_target(song, self.document.bar_selection, text)
        except MelodyStudioError as e:
            self.panel.set_error(str(e))
            if not text.strip():
                self.editor.text.setFocus()
            return
        self.panel.run_request(lambda options: self._request(target, options))

    def regenerate_phrase(self) -> None:
        if not self.phrase_action.isEnabled():
            return
        anchor = self._anchor()
        if anchor is None:
            self.panel.set_error("Select a note or the bars of a phrase with lyrics first")
            return
        try:
            target = phrase_target(self.document.song, anchor)
        except MelodyStudioError as e:
            self.panel.set_error(str(e))
            return
        self.panel.run_request(lambda options: self._request(target, options))

    def _anchor(self) -> Note | None:
        """The first selected note with a syllable, else the first such note in the selected bars."""
        for note in self.selected_notes():
            if note.lyric is not None and not note.lyric.melisma:
                return note
        bars = self.document.bar_selection
        if bars is None:
            return None
        song = self.document.song
        inside = song.notes_between(*song.bar_range_ticks(*bars))
        return next((n for n in inside if n.lyric is not None and not n.lyric.melisma), None)

    def _request(self, target: LyricTarget, options: GenerationOptions) -> None:
        song = target.song
        if options.keep_rhythm and not song.notes_between(*song.bar_range_ticks(target.first_bar, target.last_bar)):
            options = replace(options, keep_rhythm=False)  # new bars: there is no rhythm to keep

        def make_job(models: Models) -> Job[list[Variation]]:
            engine = models[MELODY]
            if not engine.supports_lyrics:
                raise MelodyStudioError(NO_LYRIC_MODEL)
            return engine.lyrics(target.song, target.first_bar, target.last_bar, target.syllables, options)

        self.controller.request_variations(
            (MELODY,), make_job, f"Setting the lyrics to {target.what}", lyric_placement,
            lambda variations: [with_lyrics(v, target.lyrics) for v in variations])
