"""``melodystudio harmonize`` and ``melodystudio eval chords`` end to end with the shipped harmonizer."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from melodystudio.cli.main import main
from melodystudio.core import Chord, ChordSymbol
from melodystudio.core.progress import run_to_end
from melodystudio.corpus.harmony_data import BuildLog, HarmonySet, SongRecord, save
from melodystudio.engine.harmonizer import REPO_MODELS, HarmonizeOptions, Harmonizer
from melodystudio.io import load_song, save_song
from tests.conftest import twinkle
from tests.engine.test_harmonizer import ode_to_joy

MODEL = ["--model", str(REPO_MODELS / "harmonizer"), "--provider", "cpu"]


@pytest.mark.parametrize("suffix", [".mid", ".musicxml", ".mstudio"])
def test_harmonize_writes_chords_that_read_back(tmp_path: Path, suffix: str,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    src, out = tmp_path / "ode.mstudio", tmp_path / f"ode-chords{suffix}"
    save_song(ode_to_joy(), src)
    assert main(["harmonize", str(src), "--per", "bar", "--rich", "-o", str(out), *MODEL]) == 0
    expected = run_to_end(Harmonizer.load(REPO_MODELS / "harmonizer", "cpu").harmonize(
        ode_to_joy(), options=HarmonizeOptions(per="bar", rich=True)))
    song, _ = load_song(out)
    assert song.chords == expected.chords  # MIDI chord track / MusicXML <harmony> read back exactly
    assert [n.pitch for n in song.notes] == [n.pitch for n in ode_to_joy().notes]
    printed = capsys.readouterr().out
    assert f"{len(expected.chords)} chords for bars 1-8: " in printed and f"wrote {out}" in printed


def test_keep_chords_fills_only_around_them(tmp_path: Path) -> None:
    src, out = tmp_path / "twinkle.mid", tmp_path / "out.mid"
    song = twinkle()
    save_song(song, src)
    assert main(["harmonize", str(src), "--keep-chords", "--per", "beat", "-o", str(out), *MODEL]) == 0
    assert load_song(out)[0].chords == load_song(src)[0].chords  # twinkle's chords cover every beat


def test_bad_input_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "missing.mid"
    assert main(["harmonize", str(missing), "-o", str(tmp_path / "o.mid"), *MODEL]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("melodystudio: error:") and "\n" not in err
    src = tmp_path / "t.mstudio"
    save_song(twinkle(), src)
    assert main(["harmonize", str(src), "--change-rate", "0", "-o", str(tmp_path / "o.mid"), *MODEL]) == 1
    assert "change rate 0 is outside" in capsys.readouterr().err
    assert main(["harmonize", str(src), "--bars", "7-9", "-o", str(tmp_path / "o.mid"), *MODEL]) == 1
    assert "the song has 3 bars" in capsys.readouterr().err


def test_eval_chords_reports_model_and_baseline(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ode = ode_to_joy()
    ode.set_chords([Chord(8 * i * 480, 8 * 480, ChordSymbol(r)) for i, r in enumerate(["C", "G", "C", "G"])])
    records = [SongRecord("pop909", "ode", "test", ode, np.zeros((0, 7)), []),
               SongRecord("openewld", "twinkle", "test", twinkle(), np.zeros((0, 7)), [])]
    data = tmp_path / "h.npz"
    save(data, records, BuildLog())
    assert len(HarmonySet(data)) == 2
    out = tmp_path / "report"
    assert main(["eval", "chords", "--data", str(data), "--out", str(out), *MODEL]) == 0
    result = json.loads((out / "eval.json").read_text())
    pop = result["results"]["pop909 test"]
    assert pop["songs"] == 1 and pop["methods"]["rules"]["segments"] == 16
    lead = result["results"]["lead sheets (openewld) test"]
    assert lead["methods"]["model"]["segments"] == 5  # 2 + 2 halves, the 3/4 bar whole
    assert set(pop["methods"]) == {"model", "model (maj/min only)", "model arg-max (no decoding)", "rules",
                                   "rules (maj/min only)"}
    assert result["command"].startswith("melodystudio") and result["machine"]["cores"] >= 1
    assert "| rules |" in (out / "eval.md").read_text()
