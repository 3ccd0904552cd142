"""Melody from a text prompt with the shipped models (models/retrieval + models/melody): variations
and their reference, accepting into an empty song or after the song's end as one undo step, playing
and opening the reference, Find similar, Add to library, and a missing library model."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from melodystudio.core import PPQ, KeySignature, Song, TimeSignature
from melodystudio.gui.generation import LIBRARY, load_engine_job
from melodystudio.gui.main_window import MainWindow, Services
from melodystudio.gui.prompt_panel import SIMILAR_COUNT, load_retriever_job
from melodystudio.gui.prompts import CANCEL, DISCARD
from melodystudio.playback import NullSynth
from melodystudio.playback.sequence import MELODY_CHANNEL
from tests.conftest import twinkle
from tests.gui.fixtures import shown_window, sounding
from tests.gui.helpers import ScriptedPrompts

Q = PPQ
MODELS = Path(__file__).resolve().parents[2] / "models"
TIMEOUT_MS = 60_000
LULLABY = "a slow, tender lullaby in 3/4, D minor, 4 bars"


@pytest.fixture
def real_services(services: Services, tmp_path: Path) -> Services:
    """The shipped melody model and melody library on the CPU; the user's melodies in tmp_path."""
    services.engine_loader = lambda settings: (lambda: load_engine_job(str(MODELS / "melody"), "cpu"))
    services.retriever_loader = lambda settings: (lambda: load_retriever_job(str(MODELS / "retrieval"),
                                                                             tmp_path / "user"))
    return services


@pytest.fixture
def prompting(qtbot: object, real_services: Services) -> Iterator[MainWindow]:
    yield from shown_window(qtbot, real_services)


def ask(qtbot: object, window: MainWindow, text: str, seed: int = 5) -> None:
    """Type ``text`` in the prompt box and press Enter, waiting for the first variation."""
    window.panel.seed_spin.setValue(seed)
    window.panel.variations_spin.setValue(2)
    box = window.prompt.prompt_edit
    box.setText(text)
    with qtbot.waitSignal(window.panel.variation_selected, timeout=TIMEOUT_MS):  # type: ignore[attr-defined]
        QTest.keyClick(box, Qt.Key.Key_Return)


def test_prompt_into_an_empty_song_shows_the_reference_and_accepts(qtbot: object, prompting: MainWindow) -> None:
    window, doc = prompting, prompting.document
    assert window.prompt.where_label.text().startswith("New bars go into the empty song")
    ask(qtbot, window, LULLABY)
    reference = window.prompt.reference_label.text()
    assert reference.startswith("Reference: ") and reference.endswith("D minor, 3/4")
    assert window.prompt.play_button.isEnabled() and window.prompt.open_button.isEnabled()
    ghost = list(window.roll.scene.ghost.notes)
    assert ghost and all(0 <= n.onset and n.end <= 4 * 3 * Q for n in ghost)  # 4 bars of 3/4
    assert len(window.generation.variations) == 2
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=TIMEOUT_MS)  # type: ignore[attr-defined]
    QTest.keyClick(window, Qt.Key.Key_Return)
    song = doc.song
    assert list(song.notes) == ghost
    assert song.time_signatures == (TimeSignature(0, 3, 4),) and song.keys == (KeySignature(0, "D", "minor"),)
    assert round(song.tempos[0].bpm) == 66 and song.title == LULLABY  # "slow"
    assert doc.undo_stack.count() == 1 and doc.undo_stack.undoText() == "Accept prompt melody A"
    assert window.prompt.where_label.text() == "New bars go after the end of the song, from bar 5"
    doc.undo_stack.undo()
    assert doc.song == Song()


def test_prompt_after_the_song_changes_meter_and_key_from_there(qtbot: object, prompting: MainWindow) -> None:
    window, doc = prompting, prompting.document
    doc.replace_song(twinkle())  # 4/4, then 3/4 from bar 3; C major; ends after bar 3
    ask(qtbot, window, "a lively Irish reel in D major, 2 bars")
    v = window.generation.variations[1]
    assert (v.first_bar, v.last_bar) == (3, 4)
    assert window.generation.accept(1)
    song = doc.song
    assert song.notes_between(0, 11 * Q) == list(twinkle().notes)
    assert song.notes_between(11 * Q, 10**9) == list(v.notes)
    assert song.keys == (KeySignature(0, "C", "major"), KeySignature(11 * Q, "D", "major"))
    assert song.time_signatures[:2] == twinkle().time_signatures and song.time_signatures[2].bar == 3
    assert (song.time_signatures[2].numerator, song.time_signatures[2].denominator) in ((4, 4), (2, 2))
    assert song.chords == twinkle().chords
    doc.undo_stack.undo()
    assert doc.song == twinkle()


@pytest.fixture
def playing(qtbot: object, real_services: Services, synth: NullSynth) -> Iterator[MainWindow]:
    yield from shown_window(qtbot, sounding(real_services, synth))


def test_play_reference_through_the_player(qtbot: object, playing: MainWindow, synth: NullSynth) -> None:
    window = playing
    qtbot.waitUntil(lambda: window.transport.available, timeout=TIMEOUT_MS)  # type: ignore[attr-defined]
    ask(qtbot, window, LULLABY)
    window.transport.stop()
    reference = window.prompt.reference_song
    assert reference is not None and reference.notes
    before = len(synth.calls)  # the variation preview played already

    def melody_on() -> list[int]:
        return [c.args[1] for c in synth.calls[before:] if c.name == "note_on" and c.args[0] == MELODY_CHANNEL]

    QTest.mouseClick(window.prompt.play_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(melody_on()), timeout=TIMEOUT_MS)  # type: ignore[attr-defined]
    assert melody_on()[0] == reference.notes[0].pitch
    window.transport.stop()


@pytest.mark.parametrize("answer", [CANCEL, DISCARD])
def test_open_reference_asks_about_unsaved_changes(qtbot: object, prompting: MainWindow, prompts: ScriptedPrompts,
                                                   answer: str) -> None:
    window, doc = prompting, prompting.document
    ask(qtbot, window, LULLABY)
    assert window.generation.accept(0)
    kept, reference = doc.song.copy(), window.prompt.reference_song
    assert reference is not None
    prompts.unsaved_answer = answer
    QTest.mouseClick(window.prompt.open_button, Qt.MouseButton.LeftButton)
    assert prompts.asked == [f"unsaved {LULLABY}"]
    if answer == CANCEL:
        assert doc.song == kept
    else:
        assert doc.song == reference and doc.song.title == reference.title and doc.is_modified
        assert doc.undo_stack.count() == 0


def test_find_similar_then_add_to_library(qtbot: object, prompting: MainWindow) -> None:
    window, doc = prompting, prompting.document
    doc.replace_song(twinkle())
    with qtbot.waitSignal(window.prompt.match_list.currentRowChanged, timeout=TIMEOUT_MS):  # type: ignore
        QTest.mouseClick(window.prompt.similar_button, Qt.MouseButton.LeftButton)
    rows = [window.prompt.match_list.item(i).text() for i in range(window.prompt.match_list.count())]
    assert len(rows) == SIMILAR_COUNT and window.prompt.match_list.isVisible()
    assert window.prompt.reference_label.text() == "Similar: " + rows[0].split("  ", 1)[1]
    assert window.prompt.open_button.isEnabled()
    with qtbot.waitSignal(window.generation.message, timeout=TIMEOUT_MS,  # type: ignore[attr-defined]
                          check_params_cb=lambda text: text.startswith("Added")):
        QTest.mouseClick(window.prompt.add_button, Qt.MouseButton.LeftButton)
    assert window.status.currentMessage() == "Added Twinkle to your melodies in the library"
    with qtbot.waitSignal(window.prompt.match_list.currentRowChanged, timeout=TIMEOUT_MS):  # type: ignore
        window.prompt.find_similar()
    assert window.prompt.match_list.item(0).text().endswith("Twinkle — your melodies — C major, 4/4")
    retriever = window.generation.model(LIBRARY)
    assert retriever is not None and len(retriever.user.entries) == 1


def test_an_empty_prompt_says_what_to_type(prompting: MainWindow) -> None:
    prompting.prompt.action.trigger()
    assert prompting.panel.error_label.text().startswith("Type a prompt first, e.g. a slow, tender lullaby")
    assert prompting.prompt.prompt_edit.placeholderText() == "a slow, tender lullaby in 3/4, D minor, 16 bars"
    assert not prompting.generation.busy


def test_an_impossible_prompt_is_reported(qtbot: object, prompting: MainWindow) -> None:
    prompting.prompt.prompt_edit.setText("a waltz of 90 bars")
    prompting.prompt.action.trigger()
    qtbot.waitUntil(lambda: not prompting.generation.busy, timeout=TIMEOUT_MS)  # type: ignore[attr-defined]
    assert prompting.panel.error_label.text() == ("Generating from the prompt failed: 90 bars is not possible: "
                                                  "ask for 1-64 bars")


@pytest.fixture
def missing(qtbot: object, services: Services, tmp_path: Path) -> Iterator[MainWindow]:
    """A window whose library folder does not exist (and whose melody engine is the fake)."""
    services.retriever_loader = lambda settings: (lambda: load_retriever_job(str(tmp_path / "gone"), tmp_path))
    yield from shown_window(qtbot, services)


def test_a_missing_library_model_is_reported_and_the_window_goes_on(qtbot: object, missing: MainWindow,
                                                                     tmp_path: Path) -> None:
    window, doc = missing, missing.document
    window.prompt.prompt_edit.setText(LULLABY)
    window.prompt.action.trigger()
    qtbot.waitUntil(lambda: not window.generation.busy, timeout=TIMEOUT_MS)  # type: ignore[attr-defined]
    text = window.panel.error_label.text()
    assert text.startswith("The melody library could not be loaded: no prompt/retrieval models found")
    assert str(tmp_path / "gone") in text and "Editing, playback and files still work" in text
    doc.replace_song(twinkle())
    doc.select_bars((1, 1))
    with qtbot.waitSignal(window.panel.variation_selected, timeout=TIMEOUT_MS):  # type: ignore[attr-defined]
        window.panel.inpaint_action.trigger()
    assert window.generation.accept(0) and doc.undo_stack.count() == 1


def test_enter_in_the_prompt_box_asks_even_while_variations_wait(qtbot: object, missing: MainWindow) -> None:
    window, doc = missing, missing.document
    doc.replace_song(twinkle())
    doc.select_bars((1, 1))
    with qtbot.waitSignal(window.panel.variation_selected, timeout=TIMEOUT_MS):  # type: ignore[attr-defined]
        window.panel.inpaint_action.trigger()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=TIMEOUT_MS)  # type: ignore[attr-defined]
    box = window.prompt.prompt_edit
    box.setFocus()
    box.setText(LULLABY)
    QTest.keyClick(box, Qt.Key.Key_Return)  # not the window's Enter (accept)
    qtbot.waitUntil(lambda: not window.generation.busy, timeout=TIMEOUT_MS)  # type: ignore[attr-defined]
    assert doc.undo_stack.count() == 0 and doc.song == twinkle()
    assert window.panel.error_label.text().startswith("The melody library could not be loaded")
