"""The headless CLI end to end on real files: one clear line and a non-zero exit on errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import music21
import pytest

from melodystudio.cli.main import main
from melodystudio.io import load_song, save_song
from tests.conftest import twinkle

ESSEN_ABC = Path(music21.__file__).parent / "corpus" / "essenFolksong"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    path = tmp_path / "twinkle.mstudio"
    save_song(twinkle(), path)
    return path


def test_info_prints_the_facts(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["info", str(project)]) == 0
    out = capsys.readouterr().out
    assert "bars: 3" in out
    assert "meter: bar 1: 4/4, bar 3: 3/4" in out
    assert "key: bar 1: C major" in out
    assert "tempo: bar 1: 100 bpm, bar 3: 90 bpm" in out
    assert "notes: 12" in out and "range: C4-A4" in out
    assert "lyrics: 11 syllables: Twinkle twinkle little star / How I wonder" in out
    assert "chords: 4: C F/A C G7" in out


def test_info_json(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["info", "--json", str(project)]) == 0
    facts = json.loads(capsys.readouterr().out)
    assert facts["notes"] == 12 and facts["chords"]["symbols"] == ["C", "F/A", "C", "G7"]


@pytest.mark.parametrize("ext", [".mid", ".musicxml", ".mxl", ".mstudio"])
def test_convert_to_every_writable_format_and_back(project: Path, tmp_path: Path, ext: str) -> None:
    out = tmp_path / f"out{ext}"
    assert main(["convert", str(project), str(out)]) == 0
    back, _ = load_song(out)
    original = twinkle()
    assert back.notes == original.notes
    assert [n.lyric for n in back.notes] == [n.lyric for n in original.notes]
    assert back.chords == original.chords
    assert back.time_signatures == original.time_signatures and back.keys == original.keys
    assert back.tempos == original.tempos


def test_convert_a_real_essen_tune_from_abc(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = ESSEN_ABC / "altdeu10.abc"
    out = tmp_path / "tune.mid"
    assert main(["convert", str(source), str(out)]) == 0
    song, _ = load_song(out)
    assert len(song.notes) > 10


@pytest.mark.parametrize("args, message", [
    (["info", "missing.mid"], "no such file"),
    (["info", "song.txt"], "unknown file type"),
    (["convert", "{project}", "{tmp}/out.abc"], "does not write it"),
    (["render", "{project}", "{tmp}/out.wav", "--soundfont", "{tmp}/none.sf2"], "sound font"),
])
def test_errors_are_one_clear_line(args: list[str], message: str, project: Path, tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    argv = [a.format(project=project, tmp=tmp_path) for a in args]
    assert main(argv) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("melodystudio: error:") and message in err.lower()
    assert "\n" not in err


def test_garbage_midi_through_a_real_process_gives_no_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.mid"
    bad.write_bytes(b"MThd\x00\x00\x00\x06\x00\x01\x00\x02\x01\xe0MTrk\xff\xff")
    proc = subprocess.run([sys.executable, "-m", "melodystudio.cli.main", "info", str(bad)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("melodystudio: error: bad.mid")


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["convert", "only-one-arg.mid"])
    assert exc.value.code == 2


@pytest.mark.skipif(not Path("/usr/share/sounds/sf2/TimGM6mb.sf2").is_file(), reason="needs timgm6mb-soundfont")
def test_render_chord_styles_differ(project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import wave

    font = "/usr/share/sounds/sf2/TimGM6mb.sf2"
    frames = {}
    for style in ("block", "broken", "off"):
        out = tmp_path / f"{style}.wav"
        assert main(["render", str(project), str(out), "--soundfont", font, "--chords", style,
                     "--chord-program", "24"]) == 0
        with wave.open(str(out)) as w:
            frames[style] = w.readframes(w.getnframes())
    assert len({frames["block"], frames["broken"], frames["off"]}) == 3
    out = tmp_path / "none.wav"
    assert main(["render", str(project), str(out), "--soundfont", font, "--no-chords"]) == 0
    with wave.open(str(out)) as w:
        assert w.readframes(w.getnframes()) == frames["off"]
