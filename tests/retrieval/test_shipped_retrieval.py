"""Retrieval and retrieval-guided generation with the shipped models (models/retrieval, models/melody)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from melodystudio.core import PPQ, KeySignature, MelodyStudioError, Note, Song, TimeSignature
from melodystudio.core.progress import run_to_end
from melodystudio.engine.melody import MelodyEngine
from melodystudio.retrieval.guided import GuidedOptions, PromptResult, prompt_job
from melodystudio.retrieval.model_files import REPO_MODELS
from melodystudio.retrieval.retriever import Filters, MelodyRetriever

pytestmark = pytest.mark.skipif(not (REPO_MODELS / "retrieval" / "manifest.json").is_file(),
                                reason="the shipped retrieval models are not built")


@pytest.fixture(scope="module")
def retriever(tmp_path_factory: pytest.TempPathFactory) -> MelodyRetriever:
    return MelodyRetriever.load(user_dir=tmp_path_factory.mktemp("user"), threads=1)


@pytest.fixture(scope="module")
def engine() -> MelodyEngine:
    return MelodyEngine.load(provider="cpu", threads=1)


def test_library_excludes_lyrics_melody_and_test_tunes(retriever: MelodyRetriever) -> None:
    sources = {e.source for e in retriever.library.entries}
    assert sources == {"essenFolksong", "oneills1850", "ryansMammoth", "airdsAirs", "bach", "pop909"}
    manifest = retriever.files.manifest
    assert manifest["library"]["tunes"] == len(retriever.library) == len(retriever.index)


def test_a_library_tune_finds_itself(retriever: MelodyRetriever) -> None:
    label = next(i for i, e in enumerate(retriever.library.entries) if e.source == "oneills1850")
    song = retriever.library.song(label)
    best = retriever.similar(song, top=3)
    assert best[0].label == label and not best[0].user
    assert best[0].score == pytest.approx(1.0, abs=1e-3)
    assert best[0].score >= best[1].score >= best[2].score


def test_text_search_honours_meter_and_mode(retriever: MelodyRetriever) -> None:
    matches = retriever.search("a slow lullaby in 3/4, D minor", top=10)
    assert len(matches) == 10
    assert all(m.entry.meter == "3/4" and m.entry.mode == "minor" for m in matches)
    reels = retriever.search("a lively Irish reel", top=10)
    assert all(m.entry.meter in ("4/4", "2/2") for m in reels)


def test_text_search_finds_the_right_collections(retriever: MelodyRetriever) -> None:
    chorales = retriever.search("Bach chorale melody", top=10, filters=Filters())
    assert sum(m.entry.source == "bach" for m in chorales) >= 5
    pop = retriever.search("Chinese pop song", top=10, filters=Filters())
    assert sum(m.entry.source == "pop909" for m in pop) >= 5


def test_user_melody_is_found_after_a_restart(retriever: MelodyRetriever, tmp_path: Path) -> None:
    mine = Song("mine", time_signatures=[TimeSignature(0, 5, 4)], keys=[KeySignature(0, "E", "minor")],
                notes=[Note(i * PPQ, PPQ, p) for i, p in enumerate([64, 67, 71, 69, 67, 66, 64, 62, 64, 71] * 2)])
    fresh = MelodyRetriever.load(user_dir=tmp_path, threads=1)
    added = fresh.add(mine, "My five-four")
    assert added.user and added.entry.meter == "5/4" and added.entry.key_label == "E minor"
    again = MelodyRetriever.load(user_dir=tmp_path, threads=1)
    best = again.similar(mine, top=1)[0]
    assert best.user and best.entry.title == "My five-four" and best.score == pytest.approx(1.0, abs=1e-3)
    assert again.song(best).notes == mine.notes
    only_54 = again.search("a tune in 5/4", top=3)
    assert [m.entry.title for m in only_54 if m.user] == ["My five-four"]


def _check(result: PromptResult, key: str, meter: str, bars: int, low: int, high: int) -> None:
    song = result.song
    assert song.keys[0].label() == key and str(song.time_signatures[0]) == meter
    assert len(song.time_signatures) == 1
    assert song.notes, "no notes generated"
    tl = song.timeline
    assert tl.bar_at(song.notes[0].onset) == 0 and tl.bars_to_hold(song.notes[-1].end) == bars
    scale = song.keys[0].scale_pitch_classes
    assert all(low <= n.pitch <= high and n.pitch % 12 in scale for n in song.notes)
    assert all(a.end <= b.onset for a, b in zip(song.notes, song.notes[1:]))


def test_guided_generation_honours_key_meter_bars_and_range(retriever: MelodyRetriever,
                                                            engine: MelodyEngine) -> None:
    results = run_to_end(prompt_job(retriever, engine, "a slow, tender lullaby in 3/4, D minor, 8 bars, range A3-D5",
                                    GuidedOptions(variations=2, seed=3)))
    assert len(results) == 2 and [r.seed for r in results] == [3, 4]
    for r in results:
        _check(r, "D minor", "3/4", 8, 57, 74)
        assert r.reference is not None
        entry = r.reference.match.entry
        assert entry.meter == "3/4" and entry.mode == "minor"
        assert r.reference.context.keys[0].label() == "D minor"


def test_long_requests_are_generated_in_chunks(retriever: MelodyRetriever, engine: MelodyEngine) -> None:
    (result,) = run_to_end(prompt_job(retriever, engine, "a lively reel in G major, 16 bars, range D4-B5",
                                      GuidedOptions(variations=1, seed=11)))
    _check(result, "G major", result.reference.context.time_signatures[0].__str__() if result.reference else "4/4",
           16, 62, 83)
    assert str(result.song.time_signatures[0]) in ("4/4", "2/2")


def test_without_a_fitting_reference_it_composes_from_scratch(retriever: MelodyRetriever, engine: MelodyEngine,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(retriever, "search", lambda *a, **k: [])
    (result,) = run_to_end(prompt_job(retriever, engine, "a march in 2/4, F major, 4 bars, C4-C5",
                                      GuidedOptions(variations=1, seed=5)))
    assert result.reference is None
    _check(result, "F major", "2/4", 4, 60, 72)


def test_same_seed_same_melody(retriever: MelodyRetriever, engine: MelodyEngine) -> None:
    def notes() -> list[tuple[int, int, int]]:
        job = prompt_job(retriever, engine, "a jig in A minor, 4 bars", GuidedOptions(variations=1, seed=9))
        (r,) = run_to_end(job)
        return [(n.onset, n.duration, n.pitch) for n in r.song.notes]

    assert notes() == notes()


def test_bad_requests_fail_before_the_job_starts(retriever: MelodyRetriever, engine: MelodyEngine) -> None:
    with pytest.raises(MelodyStudioError, match="empty"):
        prompt_job(retriever, engine, "  ")
    with pytest.raises(MelodyStudioError, match="bars"):
        prompt_job(retriever, engine, "a reel", GuidedOptions(bars=80))
    with pytest.raises(MelodyStudioError, match="cannot compose in 4/1"):
        prompt_job(retriever, engine, "a chorale in 4/1")
    with pytest.raises(MelodyStudioError, match="variations"):
        prompt_job(retriever, engine, "a reel", GuidedOptions(variations=0))
    with pytest.raises(MelodyStudioError, match="no notes"):
        retriever.similar(Song("empty"))


def test_cancelling_the_job_stops_it(retriever: MelodyRetriever, engine: MelodyEngine) -> None:
    job = prompt_job(retriever, engine, "a reel in D, 8 bars", GuidedOptions(variations=1, seed=1))
    first = next(job)
    assert 0.0 <= first.fraction < 1.0
    job.close()
    with pytest.raises(StopIteration):
        next(job)
    assert np.isfinite(first.fraction)
