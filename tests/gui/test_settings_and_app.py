"""Settings persistence, undo commands, the application entry point and the icon."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtGui import QUndoStack

from melodystudio.core import PPQ, Note, Song, edits
from melodystudio.gui.app import app_icon, parse_args
from melodystudio.gui.commands import MERGE_TEMPO, EditCommand
from melodystudio.gui.settings import MAX_RECENT, AppSettings, load_settings, save_settings
from tests.conftest import twinkle

Q = PPQ


def store(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)


def test_settings_round_trip(tmp_path: Path) -> None:
    settings = AppSettings(soundfont="/sf/TimGM6mb.sf2", audio_driver="alsa", midi_input="Keystation 49",
                           provider="cpu", autosave_seconds=30, snap="1/8T", metronome=True)
    settings.generation.temperature = 1.25
    settings.generation.pitch_temperature = 0.65
    settings.harmonize.per, settings.harmonize.change_rate, settings.harmonize.rich = "beat", 2.5, True
    settings.last_prompt = "a lively Irish reel, 16 bars"
    settings = settings.with_recent("/a.mid").with_recent("/b.mid").with_recent("/a.mid")
    save_settings(settings, store(tmp_path))
    loaded = load_settings(store(tmp_path))
    assert loaded == settings
    assert loaded.generation.options().pitch_temperature == 0.65
    assert AppSettings().generation.options().pitch_temperature is None  # auto unless set
    assert AppSettings().generation.options().top_p is None
    settings.generation.top_p = 0.9
    save_settings(settings, store(tmp_path))
    assert load_settings(store(tmp_path)).generation.options().top_p == 0.9
    assert AppSettings().generation.options().phrase_breath is None
    settings.generation.phrase_breath = 1.5
    save_settings(settings, store(tmp_path))
    assert load_settings(store(tmp_path)).generation.options().phrase_breath == 1.5
    assert loaded.recent_files == [str(Path("/a.mid").resolve()), str(Path("/b.mid").resolve())]


def test_bad_stored_values_fall_back_to_the_defaults(tmp_path: Path) -> None:
    s = store(tmp_path)
    s.setValue("provider", "tpu")
    s.setValue("autosave_seconds", "soon")
    s.setValue("snap", "1/5")
    s.setValue("recent_files", "[1, 2]")
    s.setValue("generation/temperature", "99")
    s.setValue("generation/pitch_temperature", "0.01")
    s.setValue("generation/top_p", "0.02")
    s.setValue("generation/phrase_breath", "0.5")
    s.setValue("harmonize/per", "fortnight")
    s.setValue("harmonize/change_rate", "40")
    assert load_settings(s) == AppSettings()


def test_recent_files_are_capped() -> None:
    settings = AppSettings()
    for i in range(MAX_RECENT + 5):
        settings = settings.with_recent(f"/song{i}.mid")
    assert len(settings.recent_files) == MAX_RECENT and settings.recent_files[0].endswith("song14.mid")


def test_edit_command_redo_undo_and_refused_edits(qapp: object) -> None:
    song, stack = twinkle(), QUndoStack()
    stack.push(EditCommand(song, edits.move_notes(song, [song.notes[0]], Q // 2, 0)))
    assert song.notes[0].onset == Q // 2 and stack.undoText() == "Move note"
    refused = EditCommand(song, edits.ReplaceNotes((Note(5, 5, 60),), ()))
    stack.push(refused)
    assert refused.error is not None and stack.count() == 1  # nothing pushed for a refused edit
    stack.undo()
    assert song == twinkle()


def test_merged_commands_undo_together(qapp: object) -> None:
    song, stack = Song(), QUndoStack()
    for bpm in (110, 120, 130):
        stack.push(EditCommand(song, edits.set_tempo(song, 0, bpm), MERGE_TEMPO))
    assert stack.count() == 1 and round(song.tempos[0].bpm) == 130
    stack.undo()
    assert song.tempos[0].bpm == 120.0  # the default before the first step
    stack.redo()
    assert round(song.tempos[0].bpm) == 130


def test_app_arguments_and_icon(qapp: object) -> None:
    assert parse_args(["tune.mid"]).file == Path("tune.mid")
    assert parse_args([]).file is None
    assert not app_icon().isNull()
