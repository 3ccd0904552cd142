"""The user's own melodies in the retrieval index: added one at a time, kept across restarts.

Folder: ``$MELODYSTUDIO_USER_DATA`` if set, else ``$XDG_DATA_HOME/melodystudio``, else
``~/.local/share/melodystudio``; inside it ``retrieval/melodies.json`` (the entries with their notes
and the sha256 of the melody graph and description file that embedded them),
``retrieval/melodies.hnsw`` (their index, label = entry number) and ``retrieval/descriptions.npy``
((N, 2, Dd) float32 in the retriever: each melody's description vector, from its title and measured
attributes, and its title alone, so a few title words find it). A new
melody is appended to all three and each is rewritten atomically. When the shipped models change,
or a file does not match the entries (a crash between the writes), the vectors are rebuilt from the
stored notes and titles on load.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from melodystudio.core import Song
from melodystudio.core.atomic import write_atomically
from melodystudio.core.errors import MelodyStudioError
from melodystudio.retrieval.attributes import song_attributes
from melodystudio.retrieval.description import describe
from melodystudio.retrieval.index import VectorIndex
from melodystudio.retrieval.library import LibraryEntry, entry_song

USER_DATA_ENV = "MELODYSTUDIO_USER_DATA"
STORE_FORMAT, STORE_VERSION = "melodystudio-user-melodies", 1
ENTRIES_FILE, INDEX_FILE, DESCRIPTIONS_FILE = "melodies.json", "melodies.hnsw", "descriptions.npy"


def user_data_dir() -> Path:
    if os.environ.get(USER_DATA_ENV, "").strip():
        return Path(os.environ[USER_DATA_ENV].strip())
    xdg = os.environ.get("XDG_DATA_HOME", "").strip()
    return (Path(xdg) if xdg else Path.home() / ".local" / "share") / "melodystudio"


Embed = Callable[[Sequence[Song]], np.ndarray]
Describe = Callable[[Sequence[LibraryEntry]], np.ndarray]


def describe_entry(entry: LibraryEntry) -> str:
    """A user melody's description: its title and the attributes measured from its notes."""
    return describe(entry.title, song_attributes(entry_song(entry)))


class UserStore:
    def __init__(self, folder: Path, embed: Embed, dim: int, embedder_sha256: str, describe_vectors: Describe,
                 description_shape: tuple[int, ...], describer_sha256: str) -> None:
        self.folder = folder
        self._embed, self._dim, self._sha = embed, dim, embedder_sha256
        self._describe, self._describer_sha = describe_vectors, describer_sha256
        self.entries: list[LibraryEntry] = []
        self.index = VectorIndex.empty(dim)
        self.descriptions = np.zeros((0, *description_shape), np.float32)  # (N, ...), row = label
        self._load()

    def _load(self) -> None:
        path = self.folder / ENTRIES_FILE
        if not path.is_file():
            return
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
            if doc.get("format") != STORE_FORMAT or doc.get("version") != STORE_VERSION:
                raise ValueError("unknown format")
            self.entries = [LibraryEntry.from_json(e) for e in doc["entries"]]
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise MelodyStudioError(f"your melody library {path} cannot be read ({e}); move it away to start "
                                    "a new one") from None
        index_path = self.folder / INDEX_FILE
        stale = doc.get("embedder_sha256") != self._sha or not index_path.is_file()
        if not stale:
            try:
                self.index = VectorIndex.load(index_path, self._dim)
            except MelodyStudioError:
                stale = True
            stale = stale or len(self.index) != len(self.entries)
        if stale:  # re-embed from the stored notes (new model, or a crash between the two writes)
            self.index = VectorIndex.empty(self._dim, len(self.entries))
            if self.entries:
                self.index.add(self._embed([entry_song(e) for e in self.entries]))
        described = self._load_descriptions(doc.get("describer_sha256") == self._describer_sha)
        if stale or not described:
            self._save()

    def _load_descriptions(self, current: bool) -> bool:
        """The stored description vectors when they are current and complete, else re-made (False)."""
        path = self.folder / DESCRIPTIONS_FILE
        if current and path.is_file():
            try:
                stored = np.load(path, allow_pickle=False)
                if stored.shape == (len(self.entries), *self.descriptions.shape[1:]):
                    self.descriptions = stored.astype(np.float32)
                    return True
            except (OSError, ValueError):
                pass
        if self.entries:
            self.descriptions = self._describe(self.entries).astype(np.float32)
        return False

    def add(self, entry: LibraryEntry) -> int:
        """Append an entry (with its notes); returns its label."""
        if not entry.notes:
            raise MelodyStudioError("a melody without notes cannot be added to the library")
        vector = self._describe([entry]).astype(np.float32)
        (label,) = self.index.add(self._embed([entry_song(entry)]))
        self.entries.append(entry)
        self.descriptions = np.concatenate([self.descriptions, vector])
        self._save()
        return label

    def _save(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.index.save(self.folder / INDEX_FILE)
        buffer = io.BytesIO()
        np.save(buffer, self.descriptions)
        write_atomically(self.folder / DESCRIPTIONS_FILE, buffer.getvalue())
        doc = {"format": STORE_FORMAT, "version": STORE_VERSION, "embedder_sha256": self._sha,
               "describer_sha256": self._describer_sha, "entries": [e.to_json() for e in self.entries]}
        write_atomically(self.folder / ENTRIES_FILE, json.dumps(doc, ensure_ascii=False).encode("utf-8"))
