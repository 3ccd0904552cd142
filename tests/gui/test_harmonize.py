"""Harmonize in the window with the shipped harmonizer (models/harmonizer): the chords of the whole
song or of the selected bars are replaced as one undo step (Ctrl+Z restores the old ones exactly),
playback plays them, kept chords stay; a missing model is reported and the window goes on."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import music21
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from melodystudio.core import PPQ, Chord, ChordSymbol, Song
from melodystudio.core.chord_vocabulary import chord_class
from melodystudio.gui.harmonize import HarmonizeChoice, load_harmonizer_job
from melodystudio.gui.main_window import MainWindow, Services
from melodystudio.io import load_song
from melodystudio.playback import NullSynth
from melodystudio.playback.sequence import CHORD_CHANNEL
from tests.conftest import twinkle
from tests.gui.fixtures import shown_window, sounding

Q = PPQ
SHIPPED = Path(__file__).resolve().parents[2] / "models" / "harmonizer"
TUNE = Path(music21.__file__).parent / "corpus" / "essenFolksong" / "altdeu20.abc"
TIMEOUT_MS = 30_000


@pytest.fixture
def harmonizing(qtbot: object, services: Services) -> Iterator[MainWindow]:
    """A window whose Harmonize runs the shipped model on the CPU (and the fake melody engine)."""
    services.harmonizer_loader = lambda settings: (lambda: load_harmonizer_job(str(SHIPPED), "cpu"))
    yield from shown_window(qtbot, services)


def harmonize(qtbot: object, window: MainWindow) -> None:
    """Ctrl+Shift+H (a window shortcut: the window must be the active one), waiting for the undo
    step the result makes."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=TIMEOUT_MS)  # type: ignore[attr-defined]
    with qtbot.waitSignal(window.document.undo_stack.indexChanged, timeout=TIMEOUT_MS):  # type: ignore[attr-defined]
        QTest.keyClick(window, Qt.Key.Key_H, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)


def essen_tune() -> Song:
    song, _ = load_song(TUNE)
    assert song.notes and not song.chords  # a bare folk melody
    return song


def test_harmonize_a_real_melody_then_undo_restores_no_chords(qtbot: object, harmonizing: MainWindow) -> None:
    window, doc = harmonizing, harmonizing.document
    doc.replace_song(essen_tune())
    original = doc.song.copy()
    assert window.harmonize.range_label.text() == f"The whole song: bars 1-{doc.song.bar_count}"
    harmonize(qtbot, window)
    chords = doc.song.chords
    tl = doc.song.timeline
    assert chords and chords[0].onset == 0 and chords[-1].end == tl.bar_start(doc.song.bar_count)
    half_bars = {tl.bar_start(b) + k * tl.signature_at_bar(b).bar_ticks // 2
                 for b in range(doc.song.bar_count) for k in (0, 1)}
    assert all(c.onset in half_bars for c in chords)  # one chord per half bar at most
    assert all(c.symbol.quality in ("maj", "min") for c in chords)  # rich chords are off
    assert all(a.end == b.onset and a.symbol != b.symbol for a, b in itertools.pairwise(chords))
    assert doc.song.notes == original.notes
    assert doc.undo_stack.count() == 1
    assert doc.undo_stack.undoText() == f"Harmonize bars 1-{doc.song.bar_count}"
    assert "Harmonized" in window.status.currentMessage()
    doc.undo_stack.undo()
    assert doc.song.chords == () and doc.song == original
    doc.undo_stack.redo()
    assert doc.song.chords == chords


def test_the_selected_bars_only_and_undo_restores_the_old_chords_exactly(qtbot: object,
                                                                          harmonizing: MainWindow) -> None:
    window, doc = harmonizing, harmonizing.document
    doc.replace_song(twinkle())
    doc.select_bars((1, 1))
    window.harmonize.set_choice(HarmonizeChoice(per="beat", rich=True, change_rate=2.0))
    assert window.harmonize.range_label.text() == "Selected: bars 2-2"
    harmonize(qtbot, window)
    before, after = twinkle().chords, doc.song.chords
    assert [c for c in after if c.end <= 4 * Q] == [c for c in before if c.end <= 4 * Q]
    assert [c for c in after if c.onset >= 8 * Q] == [c for c in before if c.onset >= 8 * Q]
    inside = [c for c in after if 4 * Q <= c.onset < 8 * Q]
    assert inside and all(c.onset % Q == 0 and c.end <= 8 * Q for c in inside)  # whole beats of bar 2
    assert inside != [c for c in before if 4 * Q <= c.onset < 8 * Q]
    doc.undo_stack.undo()
    assert doc.song.chords == before


@pytest.fixture
def playing(qtbot: object, services: Services, synth: NullSynth) -> Iterator[MainWindow]:
    """The harmonizing window with a player whose synthesiser only records."""
    services.harmonizer_loader = lambda settings: (lambda: load_harmonizer_job(str(SHIPPED), "cpu"))
    yield from shown_window(qtbot, sounding(services, synth))


def test_playback_plays_the_new_chords(qtbot: object, playing: MainWindow, synth: NullSynth) -> None:
    window = playing
    qtbot.waitUntil(lambda: window.transport.available, timeout=TIMEOUT_MS)  # type: ignore[attr-defined]
    window.document.replace_song(essen_tune())
    harmonize(qtbot, window)
    first = window.document.song.chords[0]
    window.transport.play_stop()

    def chord_tones() -> set[int]:
        return {c.args[1] % 12 for c in synth.calls if c.name == "note_on" and c.args[0] == CHORD_CHANNEL}

    qtbot.waitUntil(lambda: bool(chord_tones()), timeout=TIMEOUT_MS)  # type: ignore[attr-defined]
    assert chord_tones() <= first.symbol.pitch_classes  # the first chord sounds first
    window.transport.stop()


def test_kept_chords_stay_and_an_unchanged_result_is_not_an_undo_step(qtbot: object,
                                                                      harmonizing: MainWindow) -> None:
    window, doc = harmonizing, harmonizing.document
    doc.replace_song(twinkle())  # every beat of the song has a chord
    window.harmonize.keep_check.setChecked(True)
    window.harmonize.action.trigger()
    qtbot.waitUntil(lambda: not window.generation.busy, timeout=TIMEOUT_MS)  # type: ignore[attr-defined]
    assert doc.song.chords == twinkle().chords and doc.undo_stack.count() == 0
    assert "kept the chords" in window.status.currentMessage()


def test_kept_chords_lead_the_new_ones(qtbot: object, harmonizing: MainWindow) -> None:
    window, doc = harmonizing, harmonizing.document
    song = essen_tune()
    kept = Chord(0, song.timeline.bar_start(1), ChordSymbol("A", "min"))  # all of bar 1
    song.set_chords([kept])
    doc.replace_song(song)
    window.harmonize.keep_check.setChecked(True)
    harmonize(qtbot, window)
    assert doc.song.chords[0] == kept and len(doc.song.chords) > 1
    assert all(chord_class(c.symbol) >= 0 for c in doc.song.chords)


def test_nothing_to_harmonize_in_an_empty_song(harmonizing: MainWindow) -> None:
    assert not harmonizing.harmonize.action.isEnabled()
    assert harmonizing.harmonize.range_label.text() == "Write or open a melody to harmonize"


@pytest.fixture
def missing(qtbot: object, services: Services, tmp_path: Path) -> Iterator[MainWindow]:
    """A window whose harmonizer folder does not exist (and whose melody engine is the fake)."""
    services.harmonizer_loader = lambda settings: (lambda: load_harmonizer_job(str(tmp_path / "gone"), "cpu"))
    yield from shown_window(qtbot, services)


def test_a_missing_harmonizer_is_reported_and_the_window_goes_on(qtbot: object, missing: MainWindow) -> None:
    window, doc = missing, missing.document
    doc.replace_song(twinkle())
    window.harmonize.action.trigger()
    qtbot.waitUntil(lambda: not window.generation.busy, timeout=TIMEOUT_MS)  # type: ignore[attr-defined]
    text = window.panel.error_label.text()
    assert text.startswith("The harmonizer could not be loaded: no harmonizer model found")
    assert "gone does not exist" in text and "Editing, playback and files still work" in text
    assert doc.song == twinkle()
    doc.select_bars((1, 1))  # the melody model still generates
    with qtbot.waitSignal(window.panel.variation_selected, timeout=TIMEOUT_MS):  # type: ignore[attr-defined]
        window.panel.inpaint_action.trigger()
    assert window.generation.accept(0)
    window.harmonize.action.trigger()  # tried again, and reported again
    qtbot.waitUntil(lambda: not window.generation.busy, timeout=TIMEOUT_MS)  # type: ignore[attr-defined]
    assert window.panel.error_label.text() == text
