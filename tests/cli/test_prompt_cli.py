"""``melodystudio prompt / search / similar / eval prompt`` end to end with the shipped models."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from melodystudio.cli.main import main
from melodystudio.io import load_song, save_song
from melodystudio.retrieval.model_files import REPO_MODELS
from melodystudio.retrieval.user_store import USER_DATA_ENV
from tests.conftest import twinkle

shipped = pytest.mark.skipif(not (REPO_MODELS / "retrieval" / "manifest.json").is_file(),
                             reason="the shipped retrieval models are not built")


@pytest.fixture(autouse=True)
def user_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Never touch the real user's melodies."""
    monkeypatch.setenv(USER_DATA_ENV, str(tmp_path / "user"))
    return tmp_path / "user"


@shipped
def test_prompt_writes_variations_and_the_reference(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "lullaby.mid"
    assert main(["prompt", "a slow lullaby in 3/4, D minor", "--bars", "4", "--variations", "2", "--seed", "5",
                 "--temperature", "0.8", "--top-p", "0.9", "-o", str(out), "--show-reference"]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("reference: ") and "score " in printed
    assert f"wrote {tmp_path / 'lullaby-reference.mid'}: the reference melody" in printed
    for letter, seed in (("A", 5), ("B", 6)):
        path = tmp_path / f"lullaby-{letter}.mid"
        assert f"wrote {path}: variation {letter}, 4 bars, D minor, 3/4," in printed and f"seed {seed}" in printed
        song, _ = load_song(path)
        assert str(song.time_signatures[0]) == "3/4"
        assert song.timeline.bars_to_hold(song.notes[-1].end) == 4
        assert all(n.pitch % 12 in song.keys[0].scale_pitch_classes for n in song.notes)
    reference, _ = load_song(tmp_path / "lullaby-reference.mid")
    assert str(reference.time_signatures[0]) == "3/4" and reference.notes
    assert not out.exists()


@shipped
def test_search_lists_matches_with_scores(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", "a lively jig in G", "--top", "5", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["rank"] for r in rows] == [1, 2, 3, 4, 5]
    assert all(r["meter"] == "6/8" for r in rows)
    assert rows[0]["score"] >= rows[-1]["score"]
    assert main(["search", "a lively jig in G", "--top", "3"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3 and lines[0].split()[0] == "1" and "6/8" in lines[0]


@shipped
def test_similar_lists_matches(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "twinkle.mid"
    save_song(twinkle(), path)
    assert main(["similar", str(path), "--top", "4", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 4 and all(-1.0 <= r["score"] <= 1.0 for r in rows)
    assert {"title", "source", "key", "meter", "caption"} <= set(rows[0])


@pytest.mark.parametrize(("args", "message"), [
    (["prompt", "   ", "-o", "x.mid"], "melodystudio: error: the prompt is empty"),
    (["search", ""], "melodystudio: error: the prompt is empty"),
    (["prompt", "a reel, 100 bars", "-o", "x.mid"], "melodystudio: error: 100 bars is not possible"),
    (["prompt", "a reel", "-o", "x.txt"], "melodystudio: error: cannot write '.txt' files"),
    (["similar", "{tmp}/missing.mid"], "melodystudio: error:"),
    (["search", "a reel", "--retrieval", "{tmp}/nowhere"], "melodystudio: error: no prompt/retrieval models found"),
    (["search", "a reel", "--retrieval", "{tmp}"], "melodystudio: error: {tmp}/manifest.json is missing"),
])
def test_errors_are_one_line(args: list[str], message: str, tmp_path: Path,
                             capsys: pytest.CaptureFixture[str]) -> None:
    assert main([a.replace("{tmp}", str(tmp_path)) for a in args]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith(message.replace("{tmp}", str(tmp_path))) and "\n" not in err


def test_eval_prompt_without_the_corpus_cache_says_how_to_build_it(tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "prompt", "--corpus", str(tmp_path / "none.npz"), "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err.strip()
    assert err == (f"melodystudio: error: no corpus cache at {tmp_path / 'none.npz'} (or its .json beside it): "
                   "run `python -m melodystudio.corpus.build` first")


@shipped
@pytest.mark.skipif(not Path("data_cache/corpus.npz").is_file(), reason="needs the corpus cache (corpus.build)")
@pytest.mark.slow
def test_eval_prompt_quick(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "report"
    assert main(["eval", "prompt", "--quick", "--prompts", "2", "--out", str(out)]) == 0
    data = json.loads((out / "eval.json").read_text())
    assert data["suite"] == "prompt" and data["prompts"] == 4
    assert set(data["retrieval"]) >= {"clmp", "bm25_captions", "random"}
    assert set(data["adherence"]) - {"tempo"} == {"key_scale", "key_estimated", "mode_estimated", "meter", "bars",
                                                  "range"}  # tempo: only when a prompt asked for one
    assert data["adherence"]["key_scale"] == 1.0 and data["adherence"]["bars"] == 1.0
    assert data["adherence"].get("tempo", 1.0) == 1.0
    assert "| clmp |" in (out / "eval.md").read_text()
