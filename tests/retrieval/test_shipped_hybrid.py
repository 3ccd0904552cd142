"""Hybrid text search (melody cosine + description cosine) with the shipped models in models/retrieval."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from melodystudio.core import PPQ, KeySignature, MelodyStudioError, Note, Song, TimeSignature
from melodystudio.retrieval.description import fuse
from melodystudio.retrieval.model_files import DESCRIPTION_FILE, MANIFEST_FILE, REPO_MODELS
from melodystudio.retrieval.retriever import Filters, MelodyRetriever

SHIPPED = REPO_MODELS / "retrieval"
pytestmark = pytest.mark.skipif(not (SHIPPED / DESCRIPTION_FILE).is_file(),
                                reason="the shipped retrieval models are not built")


@pytest.fixture(scope="module")
def retriever(tmp_path_factory: pytest.TempPathFactory) -> MelodyRetriever:
    return MelodyRetriever.load(user_dir=tmp_path_factory.mktemp("user"), threads=1)


def waltz(title: str = "waltz") -> Song:
    """'Greensleeves'-like 3/4 phrase in A minor, 8 bars."""
    pitches = [69, 72, 74, 76, 77, 76, 74, 71, 67, 69, 71, 72, 69, 69, 68, 66, 68, 69, 71, 68, 64, 69, 72, 74]
    return Song(title, time_signatures=[TimeSignature(0, 3, 4)], keys=[KeySignature(0, "A", "minor")],
                notes=[Note(i * PPQ, PPQ, p) for i, p in enumerate(pitches)])


@pytest.mark.parametrize("text", ["a lively Irish reel in D major", "Can you find a slow German lullaby?",
                                  "Chinese pop song, wide range"])
def test_search_ranks_by_the_hybrid_of_both_cosines_over_the_whole_library(retriever: MelodyRetriever,
                                                                            text: str) -> None:
    joint, described = retriever.embed_query([text])
    melodies = retriever.index.vectors(list(range(len(retriever.library))))
    every = fuse(melodies @ joint[0], retriever.descriptions.vectors @ described[0], retriever.descriptions.weight)
    best = np.argsort(-every, kind="stable")[:10]
    matches = retriever.search(text, top=10, filters=Filters())
    assert [m.label for m in matches] == best.tolist()  # the candidate union loses nothing
    np.testing.assert_allclose([m.score for m in matches], every[best], atol=1e-5)


def test_metadata_decides_what_notes_cannot(retriever: MelodyRetriever) -> None:
    text = "a reel from O'Neill's Music of Ireland"
    hybrid = retriever.search(text, top=10, filters=Filters())
    notes_only = retriever.nearest(retriever.embed_text([text])[0], 10, Filters())
    from_oneill = sum(m.entry.source == "oneills1850" for m in hybrid)
    assert from_oneill >= 8 and from_oneill > sum(m.entry.source == "oneills1850" for m in notes_only)
    assert 0.0 < retriever.descriptions.weight < 1.0


def test_user_melodies_take_part_by_title_and_attributes(tmp_path: Path) -> None:
    mine = MelodyRetriever.load(user_dir=tmp_path, threads=1)
    mine.add(waltz(), "Irish reel for the harbour")
    mine.add(waltz(), "German lullaby for the night")  # the same notes: only the titles tell them apart
    waltzes = Filters(("3/4",), "minor")
    lullaby = [m.entry.title for m in mine.search("a German lullaby", top=200, filters=waltzes) if m.user]
    assert lullaby == ["German lullaby for the night", "Irish reel for the harbour"]
    reel = [m.entry.title for m in mine.search("a reel", top=200, filters=waltzes) if m.user]
    assert reel == ["Irish reel for the harbour", "German lullaby for the night"]
    mine.add(waltz(), "The Lighthouse Keeper's Daughter")
    again = MelodyRetriever.load(user_dir=tmp_path, threads=1)  # description vectors survive a restart
    np.testing.assert_allclose(again.user.descriptions, mine.user.descriptions)
    assert again.user.descriptions.shape == (3, 2, again.descriptions.space.dim)
    for words in ("lighthouse keeper", "the lighthouse keeper's daughter"):  # ahead of all 12,877 library tunes
        found = again.search(words, top=3)
        assert found[0].user and found[0].entry.title == "The Lighthouse Keeper's Daughter"


def _copy_models(target: Path) -> Path:
    target.mkdir()
    for path in SHIPPED.iterdir():
        (target / path.name).symlink_to(path.resolve())
    (target / MANIFEST_FILE).unlink()
    shutil.copyfile(SHIPPED / MANIFEST_FILE, target / MANIFEST_FILE)
    return target


def test_missing_or_damaged_description_file_is_one_clear_error(tmp_path: Path) -> None:
    folder = _copy_models(tmp_path / "models")
    (folder / DESCRIPTION_FILE).unlink()
    with pytest.raises(MelodyStudioError, match=f"{DESCRIPTION_FILE} is missing"):
        MelodyRetriever.load(folder, user_dir=tmp_path / "user")
    size = (SHIPPED / DESCRIPTION_FILE).stat().st_size
    (folder / DESCRIPTION_FILE).write_bytes(b"\x17" * size)  # same size as the manifest says, wrong bytes
    with pytest.raises(MelodyStudioError, match=r"descriptions .* are damaged"):
        MelodyRetriever.load(folder, user_dir=tmp_path / "user")
    (folder / DESCRIPTION_FILE).write_bytes(b"\x17" * (size - 1))
    with pytest.raises(MelodyStudioError, match=r"damaged \(size differs"):
        MelodyRetriever.load(folder, user_dir=tmp_path / "user")
