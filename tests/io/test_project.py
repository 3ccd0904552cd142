from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from melodystudio.core import MelodyStudioError, Song
from melodystudio.io import load_song, save_song
from melodystudio.io.project import SCHEMA, song_to_dict
from tests.conftest import twinkle


def test_project_round_trip_is_exact(tmp_path: Path) -> None:
    song = twinkle()
    path = tmp_path / "twinkle.mstudio"
    save_song(song, path)
    back, report = load_song(path)
    assert back == song
    assert back.content() == song.content()
    assert report.lines() == []


def test_project_is_plain_versioned_json(tmp_path: Path) -> None:
    path = tmp_path / "t.mstudio"
    save_song(twinkle(), path)
    doc = json.loads(path.read_text("utf-8"))
    assert doc["format"] == "melodystudio-project" and doc["schema"] == SCHEMA
    assert doc["song"]["notes"][0] == [0, 480, 60, 80, ["Twin", "begin", True, False]]


def test_saving_is_atomic_and_leaves_no_temporary_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "t.mstudio"
    save_song(twinkle(), path)
    original = path.read_bytes()

    def broken_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    changed = twinkle()
    changed.title = "changed"
    with pytest.raises(MelodyStudioError, match="cannot write"):
        save_song(changed, path)
    assert path.read_bytes() == original
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.mstudio"]


def _write(tmp_path: Path, doc: object) -> Path:
    path = tmp_path / "x.mstudio"
    path.write_text(json.dumps(doc), "utf-8")
    return path


def test_newer_schema_gets_a_clear_message(tmp_path: Path) -> None:
    path = _write(tmp_path, {"format": "melodystudio-project", "schema": SCHEMA + 1, "app": "9.0", "song": {}})
    with pytest.raises(MelodyStudioError, match=r"newer MelodyStudio \(9.0, schema 2\).*please update"):
        load_song(path)


@pytest.mark.parametrize("doc, message", [
    ({"format": "something-else"}, "not a MelodyStudio project"),
    ([1, 2, 3], "not a MelodyStudio project"),
    ({"format": "melodystudio-project", "schema": "one"}, "unknown project schema"),
    ({"format": "melodystudio-project", "schema": 1}, "holds no song"),
])
def test_foreign_or_unknown_documents_are_refused(tmp_path: Path, doc: object, message: str) -> None:
    with pytest.raises(MelodyStudioError, match=message):
        load_song(_write(tmp_path, doc))


def test_damaged_fields_name_the_field(tmp_path: Path) -> None:
    data = song_to_dict(twinkle())
    data["notes"][2] = [0, 0, 60, 90, None]  # zero-length note
    with pytest.raises(MelodyStudioError, match=r"notes: .*zero or negative length"):
        load_song(_write(tmp_path, {"format": "melodystudio-project", "schema": 1, "song": data}))
    data = song_to_dict(twinkle())
    data["tempos"] = [[0, 0]]
    with pytest.raises(MelodyStudioError, match="tempos: tempo must be greater than 0"):
        load_song(_write(tmp_path, {"format": "melodystudio-project", "schema": 1, "song": data}))
    data = song_to_dict(twinkle())
    data["chords"] = [[0, 10]]
    with pytest.raises(MelodyStudioError, match="chords: malformed entry"):
        load_song(_write(tmp_path, {"format": "melodystudio-project", "schema": 1, "song": data}))


def test_truncated_and_binary_files(tmp_path: Path) -> None:
    path = tmp_path / "t.mstudio"
    save_song(twinkle(), path)
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(MelodyStudioError, match="damaged project file"):
        load_song(path)
    path.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(MelodyStudioError, match="not UTF-8"):
        load_song(path)
    path.write_bytes(b"")
    with pytest.raises(MelodyStudioError, match="empty"):
        load_song(path)


def test_unknown_extension_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(MelodyStudioError, match=r"unknown file type '\.txt'"):
        load_song(tmp_path / "song.txt")
    with pytest.raises(MelodyStudioError, match="no such file"):
        load_song(tmp_path / "missing.mid")
    with pytest.raises(MelodyStudioError, match="reads ABC but does not write it"):
        save_song(Song(), tmp_path / "x.abc")


def test_saved_files_are_readable_by_others_and_keep_an_existing_mode(tmp_path: Path) -> None:
    path = tmp_path / "t.mstudio"
    save_song(twinkle(), path)
    assert path.stat().st_mode & 0o777 == 0o644  # not the 0600 of the temporary file
    path.chmod(0o640)
    save_song(twinkle(), path)
    assert path.stat().st_mode & 0o777 == 0o640
