"""A build of a tiny corpus: two ABC tunes, one POP909 record, one lyrics_melody record."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pytest

from melodystudio.core.progress import run_to_end
from melodystudio.corpus import build, paths
from melodystudio.corpus.abc_source import iter_abc_file
from melodystudio.corpus.dataset import load_corpus
from melodystudio.corpus.sources import WorkUnit
from melodystudio.corpus.splits import abc_tune_split, cut_abc_text
from melodystudio.tokens import TokenizerConfig
from melodystudio.tokens.compound import BAR, PITCH
from tests.corpus.test_lyrics_melody import RECORD as LYRICS
from tests.corpus.test_pop909 import record as pop909_record

# Essen style: one phrase per line; the second tune has a pickup.
ABC = """X:1
T: Kleine Weise
O: Europa, Mitteleuropa, Deutschland
R: Kinderlied
M: 2/4
L: 1/8
K: G
GABc | d2d2 |
edcB | A4 |

X:2
T: Auftakt
O: Europa, Mitteleuropa, Deutschland
R: Tanz
M: 3/4
L: 1/4
K: F
C | F A c | f2 c |
A F C | F2 |
"""


@pytest.fixture
def tiny_sources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    corpus = tmp_path / "music21corpus"
    (corpus / "essenFolksong").mkdir(parents=True)
    (corpus / "essenFolksong" / "tiny.abc").write_text(ABC, encoding="latin-1")
    data = tmp_path / "data"
    for name, rec in (("pop909", pop909_record()), ("lyrics_melody", LYRICS)):
        (data / name).mkdir(parents=True)
        with gzip.open(data / name / f"{name}.jsonl.gz", "wt", encoding="utf-8") as f:
            f.write(json.dumps(rec) + "\n")
    monkeypatch.setattr(paths, "music21_corpus_dir", lambda: corpus)
    monkeypatch.setenv(paths.DATA_ENV, str(data))
    return tmp_path


def test_essen_tunes_keep_phrases_from_line_breaks_and_header_fields(tiny_sources: Path) -> None:
    path = tiny_sources / "music21corpus" / "essenFolksong" / "tiny.abc"
    tunes = list(iter_abc_file(path, "essenFolksong"))
    assert [t.tune_id for t in tunes] == ["tiny.abc#1", "tiny.abc#2"]
    assert tunes[0].phrase_starts == [True, False, False, False, False, False, True, False, False, False, False]
    assert [n.pitch for n in tunes[0].song.notes[:4]] == [67, 69, 71, 72]
    assert tunes[1].meta["title"] == "Auftakt" and tunes[1].meta["genre"] == "Tanz"
    assert (tunes[1].meta["key"], tunes[1].meta["meter"], tunes[1].meta["meter_known"]) == ("F", "3/4", True)
    assert tunes[1].song.notes[0].onset == 2 * 480  # the one-beat pickup is padded to a full 3/4 bar


def test_a_tune_without_notes_is_a_failure(tmp_path: Path) -> None:
    f = tmp_path / "bad.abc"
    f.write_text("X:1\nT:empty\nK:C\n\nX:2\nT:ok\nK:C\nCDEF|\n", encoding="latin-1")
    failures: list = []
    tunes = list(iter_abc_file(f, "ryansMammoth", failures))
    assert [t.tune_id for t in tunes] == ["bad.abc#2"]
    assert [(x.tune_id, "no notes" in x.reason) for x in failures] == [("bad.abc#1", True)]
    assert tunes[0].phrase_starts is None  # outside Essen a line break is layout, not a phrase


def test_tiny_build_writes_a_consistent_npz(tiny_sources: Path) -> None:
    out = tiny_sources / "cache" / "corpus.npz"
    stats = run_to_end(build.build_job(out, ["essenFolksong", "pop909", "lyrics_melody"], jobs=1))
    corpus = load_corpus(out)
    a = corpus.arrays
    n_notes = [11, 10, 6, 5]  # two ABC tunes, the pop909 record, the lyrics record
    assert a["tokens"].shape == (sum(n_notes), 7) and a["tokens"].dtype == np.int16
    assert list(np.diff(a["tune_offsets"])) == n_notes
    assert a["offsets"][-1] == a["tune_offsets"][-1] == len(a["phrase_start"])
    for t in range(len(corpus)):  # a tune's windows tile its rows
        windows = np.flatnonzero(a["window_tune"] == t)
        assert a["offsets"][windows[0]] == a["tune_offsets"][t]
        assert a["offsets"][windows[-1] + 1] == a["tune_offsets"][t + 1]
    assert sorted(np.concatenate([a["train"], a["valid"], a["test"]])) == list(range(len(a["window_tune"])))
    pieces = cut_abc_text(ABC)[1]
    splits = [abc_tune_split(pieces[0]), abc_tune_split(pieces[1]), "valid", "test"]
    assert [corpus.sidecar["splits"][s] for s in a["tune_split"]] == splits
    assert [corpus.sidecar["sources"][s] for s in a["tune_source"]] == ["essenFolksong"] * 2 + ["pop909",
                                                                                              "lyrics_melody"]
    assert list(a["tune_meter_known"]) == [1, 1, 1, 0]
    assert list(a["tune_phrases_known"]) == [1, 1, 0, 1]
    assert list(a["phrase_start"][:11]) == [1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0]
    assert list(corpus.tune_tokens(3)[:, PITCH]) == LYRICS["pitch"]
    assert corpus.window_tokens(0)[0, BAR] == 0
    tunes = corpus.sidecar["tunes"]
    assert [(t["source"], t["id"], t["title"]) for t in tunes][:2] == [
        ("essenFolksong", "tiny.abc#1", "Kleine Weise"), ("essenFolksong", "tiny.abc#2", "Auftakt")]
    assert corpus.sidecar["stats"]["per_source_split"]["pop909"]["valid"]["notes"] == 6
    assert stats.failures == [] and sum(stats.duplicates.values()) == 0


def test_a_duplicate_in_another_split_is_dropped_from_train(tiny_sources: Path) -> None:
    # The lyrics record again under another id, transposed, in train: the test copy stays.
    copy = dict(LYRICS, id="copy", split="train", pitch=[p + 2 for p in LYRICS["pitch"]])
    path = tiny_sources / "data" / "lyrics_melody" / "lyrics_melody.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as f:
        f.write(json.dumps(copy) + "\n" + json.dumps(LYRICS) + "\n")
    out = tiny_sources / "c.npz"
    stats = run_to_end(build.build_job(out, ["lyrics_melody"], jobs=1))
    corpus = load_corpus(out)
    assert [t["id"] for t in corpus.sidecar["tunes"]] == ["0a1b"]
    assert stats.duplicates["lyrics_melody", "train"] == 1 and stats.split_spanning_groups == 1


def test_loads_as_a_training_tune_set(tiny_sources: Path) -> None:
    data = pytest.importorskip("melodystudio.training.data")
    out = tiny_sources / "c.npz"
    run_to_end(build.build_job(out, ["pop909", "lyrics_melody"], jobs=1))
    tune_set = data.TuneSet.load(out)
    assert len(tune_set) == 2 and len(tune_set.splits["test"]) == 1


def test_an_unreadable_file_fails_its_unit_not_the_build(tmp_path: Path) -> None:
    unit = WorkUnit("essenFolksong", abc_slices=((str(tmp_path / "missing.abc"), 0, 5),))
    result = build.process_unit((unit, TokenizerConfig()))
    assert result.tunes == []
    assert [f.reason.split(":")[0] for f in result.failures] == ["reading"]
    assert "missing.abc" in result.failures[0].tune_id
