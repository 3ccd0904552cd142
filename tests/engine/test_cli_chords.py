"""``--chords`` and ``--no-chords`` on inpaint / continue with a chord-conditioned tiny model."""

from __future__ import annotations

from pathlib import Path

import pytest

from melodystudio.cli.generate import with_chords
from melodystudio.cli.main import main
from melodystudio.core import ChordSymbol
from melodystudio.core.progress import run_to_end
from melodystudio.engine import GenerationOptions
from melodystudio.engine.melody import MelodyEngine
from melodystudio.io import load_song, save_song
from tests.conftest import twinkle
from tests.engine.conftest import Q, scale_song


@pytest.fixture
def tune(tmp_path: Path) -> Path:
    path = tmp_path / "scale.mstudio"
    save_song(scale_song(bars=8), path)
    return path


def _model(model_dir: Path) -> list[str]:
    return ["--model", str(model_dir), "--provider", "cpu"]


def test_chords_fill_the_generated_bars_one_per_bar_repeating(tune: Path, tmp_path: Path, cond_model_dir: Path,
                                                              cond_engine: MelodyEngine) -> None:
    out = tmp_path / "new.mstudio"
    assert main(["inpaint", str(tune), "--bars", "3-7", "--chords", "C G Am F", "--seed", "3", "--pick", "A",
                 "-o", str(out), *_model(cond_model_dir)]) == 0
    song, _ = load_song(out)
    assert [(c.onset // (4 * Q), str(c.symbol)) for c in song.chords] == \
        [(2, "C"), (3, "G"), (4, "Am"), (5, "F"), (6, "C")]
    chorded = with_chords(scale_song(bars=8), 2, 6, [ChordSymbol.parse(s) for s in "C G Am F".split()])
    (expected,) = run_to_end(cond_engine.inpaint(chorded, 2, 6, GenerationOptions(seed=3)))[:1]
    assert tuple(song.notes_between(*song.bar_range_ticks(2, 6))) == expected.notes


def test_no_chords_hides_the_chord_track(tmp_path: Path, cond_model_dir: Path, cond_engine: MelodyEngine) -> None:
    path = tmp_path / "twinkle.mstudio"
    save_song(twinkle(), path)
    out = tmp_path / "more.mstudio"
    assert main(["continue", str(path), "--bars", "2", "--no-chords", "--seed", "4", "--pick", "1", "-o", str(out),
                 *_model(cond_model_dir)]) == 0
    song, _ = load_song(out)
    (hidden,) = run_to_end(cond_engine.continuation(twinkle(), 2, GenerationOptions(seed=4, use_chords=False)))[:1]
    first = len(twinkle().notes)
    assert tuple(song.notes[first:]) == hidden.notes and song.chords == twinkle().chords


def test_continue_with_chords_sets_them_after_the_last_note(tmp_path: Path, cond_model_dir: Path) -> None:
    path = tmp_path / "twinkle.mstudio"
    save_song(twinkle(), path)
    out = tmp_path / "more.mstudio"
    assert main(["continue", str(path), "--bars", "3", "--chords", "Dm7, G7", "--seed", "4", "--pick", "1",
                 "-o", str(out), *_model(cond_model_dir)]) == 0
    song, _ = load_song(out)
    tl = song.timeline
    assert [(tl.bar_at(c.onset), str(c.symbol)) for c in song.chords][-3:] == [(3, "Dm7"), (4, "G7"), (5, "Dm7")]


@pytest.mark.parametrize(("extra", "message"), [
    (["--chords", "C Xyz"], "is not a chord symbol"),
    (["--chords", "C", "--no-chords"], "not allowed with argument"),
])
def test_bad_chord_options_are_usage_errors(tune: Path, cond_model_dir: Path, capsys: pytest.CaptureFixture[str],
                                            extra: list[str], message: str) -> None:
    with pytest.raises(SystemExit) as info:
        main(["inpaint", str(tune), "--bars", "2", "-o", "x.mid", *extra, *_model(cond_model_dir)])
    assert info.value.code == 2 and message in capsys.readouterr().err
