"""Lyrics to melody from the lyric editor: the stress preview, where the melody goes (selected bars,
new bars after the song), variations in the strip, Enter accepts as one undo step with the
syllables on the notes, Regenerate phrase, and a model without lyric conditioning."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from melodystudio.core import PPQ, Note, Song
from melodystudio.core.progress import Job, Progress
from melodystudio.engine.api import GenerationOptions, Variation
from melodystudio.gui.generation import load_engine_job
from melodystudio.gui.lyric_editor import AFTER_SONG
from melodystudio.gui.lyrics_generation import NO_LYRIC_MODEL
from melodystudio.gui.main_window import MainWindow, Services
from melodystudio.lyrics import Syllable
from tests.conftest import twinkle
from tests.gui.fixtures import shown_window
from tests.gui.helpers import FakeEngine

Q = PPQ
TIMEOUT_MS = 30_000
SHIPPED = Path(__file__).resolve().parents[2] / "models" / "melody"
SHIPPED_SETS_LYRICS = "conditions" in json.loads((SHIPPED / "manifest.json").read_text())


class LyricEngine(FakeEngine):
    """The fake engine plus lyrics: one note per syllable, evenly over the bars, pitch 60 + variation."""

    def __init__(self, supports_lyrics: bool = True) -> None:
        super().__init__()
        self.supports_lyrics = supports_lyrics
        self.seen: list[tuple[int, int, int, tuple[Syllable, ...]]] = []  # first, last, song notes, syllables
        self.options: list[GenerationOptions] = []

    def lyrics(self, song: Song, first_bar: int, last_bar: int, syllables: Sequence[Syllable],
               options: GenerationOptions | None = None, use_lyrics: bool = True) -> Job[list[Variation]]:
        from melodystudio.engine.request_conditions import syllable_lyrics

        self.seen.append((first_bar, last_bar, len(song.notes), tuple(syllables)))
        options = options or GenerationOptions()
        self.options.append(options)
        start, end = song.bar_range_ticks(first_bar, last_bar)
        step = (end - start) // len(syllables)
        lyrics = syllable_lyrics(syllables)
        out = []
        for k in range(options.variations):
            notes = tuple(Note(start + i * step, step, 60 + k, 90, lyrics[i]) for i in range(len(syllables)))
            yield Progress((k + 1) / options.variations, "Setting")
            out.append(Variation(notes, first_bar, last_bar, seed=k, mean_nll=1.0))
        return out


@pytest.fixture
def engine() -> LyricEngine:  # replaces the plain fake engine of the window fixture
    return LyricEngine()


def generate(qtbot: object, window: MainWindow) -> None:
    """Ctrl+Shift+L in the active window, waiting for the first variation to show."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=TIMEOUT_MS)  # type: ignore[attr-defined]
    with qtbot.waitSignal(window.panel.variation_selected, timeout=TIMEOUT_MS):  # type: ignore[attr-defined]
        QTest.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)


def lyric_texts(notes: Sequence[Note]) -> list[str | None]:
    return [n.lyric.text if n.lyric else None for n in notes]


def test_the_preview_marks_stress_and_warns(window: MainWindow) -> None:
    editor = window.lyric_editor
    editor.text.setPlainText("Twinkle, twinkle, little star\nblorptastic")
    text = editor.preview.text()
    assert text.startswith('<span style="color:#333">10 syllables</span><br>')
    assert "<b>Twin</b>·kle <b>twin</b>·kle <b>lit</b>·tle <b>star</b> / blorp·<b>tas</b>·tic" in text
    assert "&#x27;blorptastic&#x27; is not in the pronouncing dictionary" in text


def test_lyrics_to_the_selected_bars_accept_and_undo(qtbot: object, window: MainWindow,
                                                      engine: LyricEngine) -> None:
    doc = window.document
    doc.replace_song(twinkle())
    window.lyric_editor.text.setPlainText("Twinkle, twinkle, little star")
    doc.select_bars((0, 1))
    generate(qtbot, window)
    first, last, context_notes, syllables = engine.seen[0]
    assert (first, last, context_notes) == (0, 1, len(twinkle().notes))
    assert [(s.text, s.stress.name, s.word, s.phrase) for s in syllables[:3]] == [
        ("Twin", "PRIMARY", 0, 0), ("kle", "UNSTRESSED", 0, 0), ("twin", "PRIMARY", 1, 0)]
    ghost = window.roll.scene.ghost.notes
    assert len(ghost) == 7 and all(0 <= n.onset and n.end <= 8 * Q for n in ghost)
    QTest.keyClick(window, Qt.Key.Key_Tab)  # variation B, like inpaint's
    QTest.keyClick(window, Qt.Key.Key_Return)
    sung = doc.song.notes_between(0, 8 * Q)
    assert [n.pitch for n in sung] == [61] * 7
    assert lyric_texts(sung) == ["Twin", "kle,", "twin", "kle,", "lit", "tle", "star"]
    assert sung[0].lyric is not None and sung[0].lyric.phrase_start
    assert doc.song.notes_between(8 * Q, 11 * Q) == twinkle().notes_between(8 * Q, 11 * Q)
    assert doc.undo_stack.count() == 1 and doc.undo_stack.undoText() == "Accept melody B for the lyrics"
    doc.undo_stack.undo()
    assert doc.song == twinkle() and lyric_texts(doc.song.notes) == lyric_texts(twinkle().notes)


def test_keep_rhythm_is_passed_on_for_bars_with_notes_and_dropped_for_new_bars(
        qtbot: object, window: MainWindow, engine: LyricEngine) -> None:
    doc, editor = window.document, window.lyric_editor
    doc.replace_song(twinkle())
    window.panel.keep_rhythm_check.setChecked(True)
    editor.text.setPlainText("Twinkle, twinkle, little star")
    doc.select_bars((0, 1))
    generate(qtbot, window)
    assert engine.options[-1].keep_rhythm  # the engine sets the syllables on the bars' own notes
    window.generation.discard()
    editor.where_combo.setCurrentIndex(editor.where_combo.findData(AFTER_SONG))
    generate(qtbot, window)
    assert not engine.options[-1].keep_rhythm  # new bars hold no rhythm to keep


def test_lyrics_to_new_bars_after_the_song(qtbot: object, window: MainWindow, engine: LyricEngine) -> None:
    doc, editor = window.document, window.lyric_editor
    doc.replace_song(twinkle())  # ends with bar 3, in 3/4
    editor.where_combo.setCurrentIndex(editor.where_combo.findData(AFTER_SONG))
    editor.text.setPlainText("up a-bove the world so")
    assert editor.bars_spin.isVisible() and editor.bars_spin.text() == "auto bars"
    generate(qtbot, window)
    first, last, context_notes, _ = engine.seen[0]
    assert (first, last) == (3, 4)  # 6 syllables at one per beat of 3/4: two bars after the song
    assert context_notes == 0  # composed on their own
    assert window.generation.accept(0)
    new = doc.song.notes_between(11 * Q, 10**9)
    assert lyric_texts(new) == ["up", "a", "bove", "the", "world", "so"]
    assert all(n.end <= 17 * Q for n in new)  # bars 4-5 of 3/4
    assert doc.song.notes_between(0, 11 * Q) == list(twinkle().notes)
    doc.undo_stack.undo()
    assert doc.song == twinkle()


def test_a_chosen_number_of_new_bars_in_an_empty_song(qtbot: object, window: MainWindow,
                                                      engine: LyricEngine) -> None:
    editor = window.lyric_editor
    editor.where_combo.setCurrentIndex(editor.where_combo.findData(AFTER_SONG))
    editor.bars_spin.setValue(3)
    editor.text.setPlainText("la la la")
    generate(qtbot, window)
    assert engine.seen[0][:3] == (0, 2, 0)
    assert len(window.generation.variations) == 4


def test_regenerate_phrase_keeps_its_syllables_and_the_rest(qtbot: object, window: MainWindow,
                                                           engine: LyricEngine) -> None:
    doc = window.document
    doc.replace_song(twinkle())
    window.roll.scene.select([8 * Q + Q])  # "I", in the second phrase (bar 3)
    with qtbot.waitSignal(window.panel.variation_selected, timeout=TIMEOUT_MS):  # type: ignore[attr-defined]
        window.lyrics.phrase_action.trigger()
    first, last, _, syllables = engine.seen[0]
    assert (first, last) == (2, 2)
    assert [(s.text, s.melisma) for s in syllables] == [("How", False), ("I", False), ("won", False),
                                                        ("", True), ("der", False)]
    assert window.generation.accept(0)
    assert doc.song.notes_between(0, 8 * Q) == twinkle().notes_between(0, 8 * Q)
    assert lyric_texts(doc.song.notes) == lyric_texts(twinkle().notes)
    assert [n.pitch for n in doc.song.notes_between(8 * Q, 11 * Q)] == [60] * 5
    assert doc.undo_stack.count() == 1


def test_regenerate_in_the_panel_repeats_the_lyrics_request(qtbot: object, window: MainWindow,
                                                            engine: LyricEngine) -> None:
    window.document.replace_song(twinkle())
    window.document.select_bars((2, 2))
    window.lyric_editor.text.setPlainText("How I won-der")
    generate(qtbot, window)
    with qtbot.waitSignal(window.panel.variation_selected, timeout=TIMEOUT_MS):  # type: ignore[attr-defined]
        window.panel.regenerate_action.trigger()
    assert [seen[:2] for seen in engine.seen] == [(2, 2), (2, 2)]


@pytest.mark.parametrize(("text", "where", "error"), [
    ("", None, "Type the lyrics in the lyric editor first"),
    ("la la", None, "Select the bars for the lyrics on the ruler first"),
    ("我爱你 我爱你", (0, 0), "the lyrics do not look like English"),
])
def test_requests_that_cannot_run_say_why(window: MainWindow, engine: LyricEngine, text: str,
                                          where: tuple[int, int] | None, error: str) -> None:
    window.document.replace_song(twinkle())
    window.document.select_bars(where)
    window.lyric_editor.text.setPlainText(text)
    window.lyrics.generate_action.trigger()
    assert window.panel.error_label.text().startswith(error)
    assert engine.seen == [] and not window.generation.busy


def test_a_model_without_lyric_conditioning_switches_lyrics_off(qtbot: object, window: MainWindow,
                                                                engine: LyricEngine) -> None:
    engine.supports_lyrics = False
    window.document.replace_song(twinkle())
    window.document.select_bars((0, 1))
    window.lyric_editor.text.setPlainText("la la la")
    window.lyrics.generate_action.trigger()
    qtbot.waitUntil(lambda: not window.generation.busy, timeout=TIMEOUT_MS)  # type: ignore[attr-defined]
    assert NO_LYRIC_MODEL in window.panel.error_label.text() and engine.seen == []
    for action in (window.lyrics.generate_action, window.lyrics.phrase_action):
        assert not action.isEnabled() and action.toolTip() == NO_LYRIC_MODEL
    button = next(b for b in window.lyric_editor.findChildren(type(window.lyric_editor.apply_button))
                  if b.text() == "Generate melody")
    assert not button.isEnabled() and button.toolTip() == NO_LYRIC_MODEL
    assert window.lyric_editor.apply()  # Apply to notes still works


# -- the shipped model ---------------------------------------------------------------------------
@pytest.fixture
def shipped(qtbot: object, services: Services) -> object:
    services.engine_loader = lambda settings: (lambda: load_engine_job(str(SHIPPED), "cpu"))
    yield from shown_window(qtbot, services)


@pytest.mark.skipif(not SHIPPED_SETS_LYRICS, reason="models/melody has no lyric conditioning")
def test_lyrics_with_the_shipped_model_accept_and_undo(qtbot: object, shipped: MainWindow) -> None:
    window, doc = shipped, shipped.document
    doc.replace_song(Song())
    editor = window.lyric_editor
    editor.where_combo.setCurrentIndex(editor.where_combo.findData(AFTER_SONG))
    editor.text.setPlainText("Twinkle, twinkle, little star,\nhow I wonder what you are")
    generate(qtbot, window)
    QTest.keyClick(window, Qt.Key.Key_Return)
    sung = [t.strip(",") for t in lyric_texts(doc.song.notes) if t is not None]
    assert sung == ["Twin", "kle", "twin", "kle", "lit", "tle", "star", "how", "I", "won", "der", "what", "you",
                    "are"]
    assert doc.undo_stack.count() == 1
    doc.undo_stack.undo()
    assert doc.song.notes == ()


@pytest.mark.skipif(SHIPPED_SETS_LYRICS, reason="models/melody sets lyrics")
def test_the_shipped_model_without_lyric_conditioning_says_so(qtbot: object, shipped: MainWindow) -> None:
    window = shipped
    window.document.replace_song(twinkle())
    window.document.select_bars((0, 1))
    window.lyric_editor.text.setPlainText("Twinkle, twinkle, little star")
    window.lyrics.generate_action.trigger()
    qtbot.waitUntil(lambda: not window.generation.busy, timeout=TIMEOUT_MS)  # type: ignore[attr-defined]
    assert window.status.model_label.text() == "model: ready (CPU)"
    assert not window.lyrics.generate_action.isEnabled()
    assert window.lyrics.generate_action.toolTip() == NO_LYRIC_MODEL
    assert window.document.song == twinkle()
