"""``python -m melodystudio.training.degree_prior`` end to end: the shipped model sets two tiny
training songs and the table lands in a copy of the model, listed in its manifest."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from melodystudio.engine.degree_prior import DEGREE_PRIOR_FILE, DegreePrior
from melodystudio.engine.melody import MelodyEngine
from melodystudio.engine.model_files import file_sha256
from melodystudio.training.degree_prior import main

SHIPPED = Path(__file__).resolve().parents[2] / "models" / "melody"


def _record(song_id: str, split: str) -> dict[str, object]:
    """Four phrases of eight quarter notes (2 eighth units each) on C, E, G, D: a C major tune."""
    n = 32
    return {"id": song_id, "split": split, "syllables": ["la"] * n,
            "pitch": [[60, 64, 67, 62][i % 4] for i in range(n)],
            "dur": [2.0] * n, "rest": [0.0] * n, "word": list(range(n)), "phrase": [i // 8 for i in range(n)]}


def test_the_builder_counts_both_sides_and_lists_the_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "lyrics_melody.jsonl.gz"
    with gzip.open(data, "wt", encoding="utf-8") as f:
        f.writelines(json.dumps(_record(name, split)) + "\n" for name, split in
                     (("a", "train"), ("b", "train"), ("t", "test")))
    model = tmp_path / "melody"
    shutil.copytree(SHIPPED, model)
    assert main(["--data", str(data), "--cases", "5", "--weights", "0.5", "1", "--phrase-breath", "1",
                 "--model", str(model)]) == 0
    printed = capsys.readouterr().out
    assert "2 cases (seed 0), 64 notes each side" in printed  # the test song is never drawn
    assert "(a line's last note paced as 1 notes)" in printed
    table = json.loads((model / DEGREE_PRIOR_FILE).read_text())
    human, generated = np.array(table["human_counts"]), np.array(table["model_counts"])
    assert human.sum() == generated.sum() == 64
    # C major: each song's four phrase ends (notes 8, 16, 24, 32) are all on D (degree 2), and so are
    # four of its other 28 notes
    assert human[0, 0, [0, 4, 7, 2]].tolist() == [16, 16, 16, 8] and human[0, 1].tolist() == [0, 0, 8] + [0] * 9
    prior = DegreePrior.load(model / DEGREE_PRIOR_FILE)
    assert prior.weights == (0.5, 1.0)
    manifest = json.loads((model / "manifest.json").read_text())
    assert manifest["files"][DEGREE_PRIOR_FILE] == file_sha256(model / DEGREE_PRIOR_FILE)
    loaded = MelodyEngine.load(model, provider="cpu").degree_prior  # the checksum holds
    assert loaded is not None and np.array_equal(loaded.log_ratio, prior.log_ratio)
