"""``melodystudio inpaint / continue / score`` end to end on a real tune with the tiny model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from melodystudio.cli.main import main
from melodystudio.core.progress import run_to_end
from melodystudio.engine import GenerationOptions
from melodystudio.engine.melody import MelodyEngine
from melodystudio.io import load_song, save_song
from tests.conftest import twinkle


@pytest.fixture
def tune(tmp_path: Path) -> Path:
    path = tmp_path / "twinkle.mstudio"
    save_song(twinkle(), path)
    return path


def _model(model_dir: Path) -> list[str]:
    return ["--model", str(model_dir), "--provider", "cpu"]


def test_inpaint_writes_one_file_per_variation(tune: Path, tmp_path: Path, model_dir: Path, engine: MelodyEngine,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "new.mstudio"
    args = ["inpaint", str(tune), "--bars", "2-3", "--variations", "3", "--seed", "7", "--temperature", "1.1",
            "--range", "C4-C5", "--key-lock", "-o", str(out), *_model(model_dir)]
    assert main(args) == 0
    printed = capsys.readouterr()
    assert "on CPU" in printed.err
    expected = run_to_end(engine.inpaint(twinkle(), 1, 2, GenerationOptions(
        variations=3, seed=7, temperature=1.1, pitch_range=(60, 72), key_lock=True)))
    original = twinkle()
    for letter, variation in zip("ABC", expected):
        path = tmp_path / f"new-{letter}.mstudio"
        assert f"wrote {path}: variation {letter}, bars 2-3, {len(variation.notes)} notes, seed {variation.seed}" \
            in printed.out
        song, _ = load_song(path)
        start, end = original.bar_range_ticks(1, 2)
        assert tuple(song.notes_between(start, end)) == variation.notes
        assert song.notes_between(0, start) == original.notes_between(0, start)  # bar 1 untouched
        assert song.chords == original.chords and song.keys == original.keys
    assert not out.exists()


def test_inpaint_pick_and_keep_rhythm(tune: Path, tmp_path: Path, model_dir: Path, engine: MelodyEngine) -> None:
    out = tmp_path / "picked.mid"
    assert main(["inpaint", str(tune), "--bars", "3", "--keep-rhythm", "--seed", "2", "--pick", "B", "-o", str(out),
                 *_model(model_dir)]) == 0
    assert out.exists() and not (tmp_path / "picked-B.mid").exists()
    song, _ = load_song(out)
    original = twinkle()
    start, end = original.bar_range_ticks(2, 2)
    expected = run_to_end(engine.inpaint(original, 2, 2, GenerationOptions(seed=2, keep_rhythm=True)))[1]
    assert [(n.onset, n.duration, n.pitch) for n in song.notes_between(start, end)] == \
        [(n.onset, n.duration, n.pitch) for n in expected.notes]
    assert [n.lyric for n in song.notes_between(start, end)] == [n.lyric for n in original.notes_between(start, end)]


def test_continue_adds_bars(tune: Path, tmp_path: Path, model_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "longer.mstudio"
    assert main(["continue", str(tune), "--bars", "2", "--variations", "2", "--seed", "1", "-o", str(out),
                 *_model(model_dir)]) == 0
    assert "bars 4-5" in capsys.readouterr().out
    original = twinkle()
    for letter in "AB":
        song, _ = load_song(tmp_path / f"longer-{letter}.mstudio")
        assert song.notes[:len(original.notes)] == original.notes
        assert all(original.end_tick <= n.onset and n.end <= song.bar_range_ticks(3, 4)[1]
                   for n in song.notes[len(original.notes):])


def test_score_prints_a_table_and_the_means(tune: Path, model_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["score", str(tune), *_model(model_dir)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "surprisal in bits (each note given the notes before it)"
    assert lines[1].split() == ["#", "bar", "beat", "note", "quarters", "kind", "onset", "dur", "pitch", "total"]
    assert lines[2].split()[:5] == ["1", "1", "1.0", "C4", "1.0"]
    assert lines[-2].split()[:5] == ["12", "3", "3.5", "D4", "0.5"]
    assert lines[-1].startswith("mean bits per note: pitch ") and lines[-1].endswith("(12 notes, 1 window)")


def test_score_json(tune: Path, model_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["score", str(tune), "--json", *_model(model_dir)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert len(data["notes"]) == 12 and set(data["mean_bits"]) == {"pitch", "duration", "onset", "total"}


@pytest.mark.parametrize(("args", "code", "message"), [
    (["inpaint", "{tune}", "--bars", "9-10", "-o", "x.mid"], 1,
     "melodystudio: error: bars 9-10 lie outside the song, which has 3 bars (use continue to add bars)"),
    (["inpaint", "{tune}", "--bars", "2", "--variations", "2", "--pick", "3", "-o", "x.mid"], 1,
     "melodystudio: error: --pick 3 asks for a variation beyond the 2 generated"),
    (["inpaint", "{tune}", "--bars", "2", "--variations", "20", "-o", "x.mid"], 1,
     "melodystudio: error: variations must be 1-16, not 20"),
    (["inpaint", "{tune}", "--bars", "2", "--seed", "-3", "-o", "x.mid"], 1,
     "melodystudio: error: the seed must be 0 or more, not -3"),
    (["inpaint", "{tune}", "--bars", "two", "-o", "x.mid"], 2, "'two' is not a bar range (expected e.g. 5-8 or 5)"),
    (["inpaint", "{tune}", "--bars", "2", "--range", "C4-X9", "-o", "x.mid"], 2, "is not a pitch range"),
    (["continue", "{tune}", "--bars", "0", "-o", "x.mid"], 1, "a continuation adds 1-62 bars at once, not 0"),
])
def test_errors_are_one_line(tune: Path, model_dir: Path, capsys: pytest.CaptureFixture[str], args: list[str],
                             code: int, message: str) -> None:
    argv = [a.replace("{tune}", str(tune)) for a in args] + _model(model_dir)
    if code == 2:
        with pytest.raises(SystemExit) as exit_info:
            main(argv)
        assert exit_info.value.code == 2
    else:
        assert main(argv) == code
    err = capsys.readouterr().err
    assert message in err and err.count("error") == 1


def test_a_missing_model_is_one_line(tune: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["score", str(tune), "--model", str(tmp_path / "none")]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("melodystudio: error: no melody model found: model directory ") and "\n" not in err
