"""The HNSW index, the compact library file and the user's persistent melodies (tiny, temporary)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from melodystudio.core import PPQ, KeySignature, MelodyStudioError, Note, Song, TimeSignature
from melodystudio.retrieval.attributes import song_attributes
from melodystudio.retrieval.index import VectorIndex
from melodystudio.retrieval.library import LibraryEntry, MelodyLibrary, entry_song, write_library
from melodystudio.retrieval.retriever import Filters
from melodystudio.retrieval.user_store import (
    DESCRIPTIONS_FILE,
    ENTRIES_FILE,
    INDEX_FILE,
    USER_DATA_ENV,
    UserStore,
    user_data_dir,
)

Q = PPQ


def unit(rows: Sequence[Sequence[float]]) -> np.ndarray:
    a = np.asarray(rows, np.float32)
    return a / np.linalg.norm(a, axis=1, keepdims=True)


def scale_song(tonic: int, meter: tuple[int, int] = (4, 4), key: str = "C", mode: str = "major") -> Song:
    """Eight quarter notes up the major scale from ``tonic``."""
    steps = [0, 2, 4, 5, 7, 9, 11, 12]
    return Song("scale", time_signatures=[TimeSignature(0, *meter)], keys=[KeySignature(0, key, mode)],
                notes=[Note(i * Q, Q, tonic + s) for i, s in enumerate(steps)])


def test_index_query_filter_save_load(tmp_path: Path) -> None:
    vectors = unit([[1, 0, 0], [0.9, 0.1, 0], [0, 1, 0], [0, 0, 1]])
    index = VectorIndex.build(vectors)
    assert len(index) == 4 and index.dim == 3
    best = index.query(unit([[1, 0.05, 0]])[0], 2)
    assert [label for label, _ in best] == [0, 1]
    assert best[0][1] == pytest.approx(float(unit([[1, 0.05, 0]])[0] @ vectors[0]), abs=1e-5)
    allowed = np.array([False, True, False, True])
    assert [label for label, _ in index.query(unit([[1, 0, 0]])[0], 3, allowed)] == [1, 3]
    assert index.query(unit([[1, 0, 0]])[0], 3, np.zeros(4, bool)) == []
    index.save(tmp_path / "x.hnsw")
    again = VectorIndex.load(tmp_path / "x.hnsw", 3)
    assert [label for label, _ in again.query(unit([[0, 0.2, 1]])[0], 1)] == [3]
    assert again.add(unit([[0, 1, 1]])) == [4]


def test_missing_index_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(MelodyStudioError, match="missing"):
        VectorIndex.load(tmp_path / "none.hnsw", 3)


def test_library_round_trip(tmp_path: Path) -> None:
    songs = [scale_song(60), scale_song(62, (3, 4), "D")]
    entries = [LibraryEntry.of(f"tune {i}", "essenFolksong", str(i), "a scale", song_attributes(s), s)
               for i, s in enumerate(songs)]
    write_library(tmp_path / "lib.npz", entries, songs)
    lib = MelodyLibrary.load(tmp_path / "lib.npz")
    assert len(lib) == 2
    assert lib.entries[1].meter == "3/4" and lib.entries[1].key_label == "D major"
    for i, s in enumerate(songs):
        again = lib.song(i)
        assert again.notes == s.notes
        assert again.time_signatures == s.time_signatures
        assert again.keys == s.keys


def test_library_refuses_off_grid_notes(tmp_path: Path) -> None:
    song = Song("x", notes=[Note(7, Q, 60)])
    entry = LibraryEntry.of("x", "user", "x", "", song_attributes(song), song)
    with pytest.raises(ValueError, match="grid"):
        write_library(tmp_path / "lib.npz", [entry], [song])


def test_filters() -> None:
    entries = [LibraryEntry.of("a", "s", "a", "", song_attributes(s), s) for s in
               (scale_song(60), scale_song(62, (3, 4), "D"), scale_song(57, (3, 4), "A", "minor"))]
    assert Filters().allowed(entries) is None
    assert Filters(("3/4",)).allowed(entries).tolist() == [False, True, True]
    assert Filters(("3/4",), "minor").allowed(entries).tolist() == [False, False, True]
    assert Filters((), "major").allowed(entries).tolist() == [True, True, False]


class FakeEmbedder:
    """Mean pitch and meter as a 3-d direction: a stand-in for the melody graph."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, songs: Sequence[Song]) -> np.ndarray:
        self.calls += len(songs)
        return unit([[np.mean([n.pitch for n in s.notes]) / 60, s.time_signatures[0].numerator, 1.0] for s in songs])


class FakeDescriber:
    """Title length and bars as a 2-d direction: a stand-in for MiniLM over the description."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, entries: Sequence[LibraryEntry]) -> np.ndarray:
        self.calls += len(entries)
        return unit([[len(e.title), e.bars] for e in entries])


def store_at(folder: Path, embed: FakeEmbedder | None = None, sha: str = "sha", describer: FakeDescriber | None = None,
             describer_sha: str = "d-1") -> UserStore:
    return UserStore(folder, embed or FakeEmbedder(), 3, sha, describer or FakeDescriber(), (2,), describer_sha)


def test_user_melodies_persist_across_restarts(tmp_path: Path) -> None:
    embed, describer = FakeEmbedder(), FakeDescriber()
    store = store_at(tmp_path / "retrieval", embed, "sha-1", describer)
    assert store.entries == [] and len(store.index) == 0
    for i, song in enumerate((scale_song(60), scale_song(67, (3, 4), "G"))):
        entry = LibraryEntry.of(f"mine {i}", "user", f"user-{i}", "", song_attributes(song), song, with_notes=True)
        assert store.add(entry) == i
    assert (tmp_path / "retrieval" / ENTRIES_FILE).is_file() and (tmp_path / "retrieval" / INDEX_FILE).is_file()
    assert store.descriptions.shape == (2, 2) and describer.calls == 2
    embed.calls = describer.calls = 0
    again = store_at(tmp_path / "retrieval", embed, "sha-1", describer)
    assert embed.calls == 0 and describer.calls == 0  # the saved index and description vectors are used as they are
    np.testing.assert_allclose(again.descriptions, store.descriptions)
    assert [e.title for e in again.entries] == ["mine 0", "mine 1"]
    assert entry_song(again.entries[1]).notes == scale_song(67, (3, 4), "G").notes
    label, _ = again.index.query(embed([scale_song(67, (3, 4), "G")])[0], 1)[0]
    assert label == 1
    rebuilt = store_at(tmp_path / "retrieval", embed, "sha-2", describer)  # a new melody graph: re-embedded from notes
    assert embed.calls == 3 and len(rebuilt.index) == 2 and describer.calls == 0
    redescribed = store_at(tmp_path / "retrieval", embed, "sha-2", describer, "d-2")  # new descriptions file
    assert describer.calls == 2 and embed.calls == 3
    np.testing.assert_allclose(redescribed.descriptions, store.descriptions)
    (tmp_path / "retrieval" / DESCRIPTIONS_FILE).write_bytes(b"damaged")  # e.g. a crash between the writes
    describer.calls = 0
    assert store_at(tmp_path / "retrieval", embed, "sha-2", describer, "d-2").descriptions.shape == (2, 2)
    assert describer.calls == 2


def test_user_store_refuses_an_empty_melody(tmp_path: Path) -> None:
    store = store_at(tmp_path)
    empty = LibraryEntry("x", "user", "u", "", "", None, None, 0, 0, 0, None)
    with pytest.raises(MelodyStudioError, match="without notes"):
        store.add(empty)


def test_damaged_user_library_is_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / ENTRIES_FILE).write_text("{not json", encoding="utf-8")
    with pytest.raises(MelodyStudioError, match="cannot be read"):
        store_at(tmp_path)


def test_user_data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(USER_DATA_ENV, str(tmp_path / "x"))
    assert user_data_dir() == tmp_path / "x"
    monkeypatch.delenv(USER_DATA_ENV)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert user_data_dir() == tmp_path / "xdg" / "melodystudio"
    monkeypatch.delenv("XDG_DATA_HOME")
    assert user_data_dir() == Path.home() / ".local" / "share" / "melodystudio"
