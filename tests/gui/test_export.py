"""Exports: MIDI and MusicXML copies, WAV rendered in the background with progress, drag-out MIDI."""

from __future__ import annotations

import wave
from pathlib import Path

import pytest

from melodystudio.audio import AudioError, find_soundfont
from melodystudio.gui.drag_out import DragMidiButton, safe_stem
from melodystudio.gui.main_window import MainWindow
from melodystudio.io import load_song
from tests.conftest import twinkle
from tests.gui.helpers import ScriptedPrompts


def has_soundfont() -> bool:
    try:
        find_soundfont()
    except AudioError:
        return False
    return True


@pytest.mark.parametrize("suffix", [".mid"])  # MusicXML goes through the same path (and music21: slow)
def test_export_writes_a_copy_and_keeps_the_documents_file(window: MainWindow, prompts: ScriptedPrompts,
                                                           tmp_path: Path, suffix: str) -> None:
    window.document.replace_song(twinkle())
    prompts.save_answer = tmp_path / "out"
    assert window.files.export(suffix)
    song, _ = load_song(tmp_path / f"out{suffix}")
    assert [n.pitch for n in song.notes] == [n.pitch for n in twinkle().notes]
    assert window.document.path is None and not window.document.is_modified


@pytest.mark.skipif(not has_soundfont(), reason="no GM sound font installed")
def test_wav_export_runs_in_the_background_with_progress(qtbot: object, window: MainWindow, tmp_path: Path) -> None:
    window.document.replace_song(twinkle())
    small = Path("/usr/share/sounds/sf2/TimGM6mb.sf2")  # 6 MB loads faster than FluidR3's 148 MB
    window.settings.soundfont = str(small) if small.is_file() else ""
    target = tmp_path / "twinkle.wav"
    progress: list[float] = []
    handle = window.files.export_wav(target)
    assert handle is not None and window.status.progress.isVisible()
    handle.progress.connect(lambda fraction, _text: progress.append(fraction))
    with qtbot.waitSignal(handle.finished, timeout=30_000):  # type: ignore[attr-defined]
        pass
    with wave.open(str(target)) as w:
        assert w.getnchannels() == 2 and w.getframerate() == 44100 and w.getnframes() > 44100 * 6
    assert not window.status.progress.isVisible()
    assert "Exported twinkle.wav" in window.status.currentMessage()


def test_wav_export_renders_the_chords_as_playback_plays_them(window: MainWindow) -> None:
    assert window.files.accompaniment() == window.transport.accompaniment.export_style()
    window.transport.accompaniment.set_muted(True)
    assert window.files.accompaniment().style == "off"
    window.transport.accompaniment.set_muted(False)
    assert window.files.accompaniment().style != "off"


def test_wav_export_failure_is_reported(qtbot: object, window: MainWindow, prompts: ScriptedPrompts,
                                        tmp_path: Path) -> None:
    window.settings.soundfont = str(tmp_path / "missing.sf2")
    handle = window.files.export_wav(tmp_path / "x.wav")
    assert handle is not None
    with qtbot.waitSignal(handle.finished, timeout=10_000):  # type: ignore[attr-defined]
        pass
    assert prompts.errors and "missing.sf2" in prompts.errors[0]
    assert not (tmp_path / "x.wav").exists()


def test_drag_out_writes_the_melody_as_midi(qtbot: object) -> None:
    song = twinkle()
    button = DragMidiButton(lambda: song, lambda message: None)
    qtbot.addWidget(button)  # type: ignore[attr-defined]
    path = button.write_midi()
    assert path is not None and path.name == "Twinkle.mid"
    assert len(load_song(path)[0].notes) == len(song.notes)
    assert safe_stem("a/b: c?") == "ab c" and safe_stem("///") == "melody"
