"""Search the melody library by text or by melody, and add the user's own melodies.

    retriever = MelodyRetriever.load()                    # models/retrieval + the user's melodies
    matches = retriever.search("a lively Irish reel in D", top=10)
    matches = retriever.similar(song, top=10)
    retriever.add(song, "My tune")                        # indexed at once, kept across restarts
    reference = retriever.song(matches[0])                # the melody as a Song (audition, open)

A text query is embedded by MiniLM + the text projection, a melody by the melody graph; both live
in one space, so scores are cosine similarities. Meter and mode parsed from the text (or given)
are hard filters: only melodies that have them are candidates.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from melodystudio.core import Song
from melodystudio.core.errors import MelodyStudioError
from melodystudio.retrieval.attributes import song_attributes
from melodystudio.retrieval.index import VectorIndex
from melodystudio.retrieval.library import LibraryEntry, MelodyLibrary, entry_song
from melodystudio.retrieval.melody_embedding import MelodyEmbedder
from melodystudio.retrieval.model_files import (
    INDEX_FILE,
    LIBRARY_FILE,
    MELODY_FILE,
    TEXT_ENCODER_FILE,
    TEXT_INPUT,
    TEXT_OUTPUT,
    TEXT_PROJECTION_FILE,
    TOKENIZER_FILE,
    RetrievalFiles,
    locate_retrieval,
)
from melodystudio.retrieval.prompt_parse import PromptSpec, parse_prompt
from melodystudio.retrieval.text_encoder import TextEncoder
from melodystudio.retrieval.user_store import UserStore, user_data_dir
from melodystudio.tokens import CompoundTokenizer, TokenizerConfig


@dataclass(frozen=True)
class Match:
    score: float  # cosine similarity in the joint space
    entry: LibraryEntry
    label: int  # row in its library
    user: bool = False  # from the user's melodies rather than the shipped library


@dataclass(frozen=True)
class Filters:
    """Hard attribute filters: a melody must have one of ``meters`` (if any) and ``mode`` (if set)."""

    meters: tuple[str, ...] = ()
    mode: str | None = None

    @staticmethod
    def of(spec: PromptSpec) -> Filters:
        return Filters(spec.meters, spec.mode)

    def allowed(self, entries: Sequence[LibraryEntry]) -> np.ndarray | None:
        """(N,) bool over entries, or None when nothing is filtered."""
        return self.mask(np.array([e.meter for e in entries]), np.array([e.mode or "" for e in entries]))

    def mask(self, meters: np.ndarray, modes: np.ndarray) -> np.ndarray | None:
        """(N,) bool from the entries' meter and mode ('' unknown) arrays, or None when nothing is filtered."""
        if not self.meters and self.mode is None:
            return None
        out = np.ones(len(meters), dtype=bool)
        if self.meters:
            out &= np.isin(meters, list(self.meters))
        if self.mode is not None:
            out &= modes == self.mode
        return out


class MelodyRetriever:
    def __init__(self, files: RetrievalFiles, text: TextEncoder, projection: object, melody: MelodyEmbedder,
                 library: MelodyLibrary, index: VectorIndex, user: UserStore) -> None:
        self.files, self.text, self._projection, self.melody = files, text, projection, melody
        self.library, self.index, self.user = library, index, user
        # filter columns of the shipped library, so a filtered search costs no Python loop over it
        self._meters = np.array([e.meter for e in library.entries])
        self._modes = np.array([e.mode or "" for e in library.entries])

    @staticmethod
    def load(model_dir: str | Path | None = None, user_dir: Path | None = None,
             threads: int | None = None) -> MelodyRetriever:
        import onnxruntime as ort

        files = locate_retrieval(model_dir)
        tokenizer = CompoundTokenizer(TokenizerConfig.from_dict(files.manifest["tokenizer"]))
        text = TextEncoder(files.path(TEXT_ENCODER_FILE), files.path(TOKENIZER_FILE), threads)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or 1
        projection = ort.InferenceSession(str(files.path(TEXT_PROJECTION_FILE)), options,
                                          providers=["CPUExecutionProvider"])
        melody = MelodyEmbedder(files.path(MELODY_FILE), tokenizer, threads)
        library = MelodyLibrary.load(files.path(LIBRARY_FILE))
        index = VectorIndex.load(files.path(INDEX_FILE), files.dim)
        if len(index) != len(library):
            raise MelodyStudioError(f"{files.path(INDEX_FILE)} holds {len(index)} melodies but the library "
                                    f"{len(library)}: rebuild with python -m melodystudio.training.clmp build")
        sha = files.manifest["files"][MELODY_FILE]["sha256"] if MELODY_FILE in files.manifest.get("files", {}) else ""
        if not sha:
            sha = hashlib.sha256(files.path(MELODY_FILE).read_bytes()).hexdigest()
        store = UserStore((user_dir or user_data_dir()) / "retrieval", melody.embed, files.dim, sha)
        return MelodyRetriever(files, text, projection, melody, library, index, store)

    # -- embeddings ------------------------------------------------------------------------------
    def embed_text(self, texts: Sequence[str]) -> np.ndarray:
        """(N, D) unit vectors in the joint space."""
        (out,) = self._projection.run([TEXT_OUTPUT], {TEXT_INPUT: self.text.embed(texts)})  # type: ignore[attr-defined]
        return np.asarray(out, np.float32)

    # -- queries ---------------------------------------------------------------------------------
    def search(self, text: str | PromptSpec, top: int = 10, filters: Filters | None = None) -> list[Match]:
        """Melodies for a text prompt; the prompt's meter and mode filter unless ``filters`` is given."""
        spec = parse_prompt(text) if isinstance(text, str) else text
        return self.nearest(self.embed_text([spec.text])[0], top, filters or Filters.of(spec))

    def similar(self, song: Song, top: int = 10, filters: Filters | None = None) -> list[Match]:
        """Melodies like ``song`` (it needs notes)."""
        if not song.notes:
            raise MelodyStudioError("the melody has no notes to compare")
        return self.nearest(self.melody.embed([song])[0], top, filters or Filters())

    def nearest(self, vector: np.ndarray, top: int, filters: Filters) -> list[Match]:
        if top < 1:
            raise MelodyStudioError(f"ask for at least one match, not {top}")
        found = [Match(s, self.library.entries[i], i) for i, s in
                 self.index.query(vector, top, filters.mask(self._meters, self._modes))]
        found += [Match(s, self.user.entries[i], i, user=True) for i, s in
                  self.user.index.query(vector, top, filters.allowed(self.user.entries))]
        return sorted(found, key=lambda m: -m.score)[:top]

    # -- the user's melodies -----------------------------------------------------------------------
    def add(self, song: Song, title: str) -> Match:
        """Index the user's melody ``song`` under ``title`` (persisted at once)."""
        if not song.notes:
            raise MelodyStudioError("a melody without notes cannot be added to the library")
        attrs = song_attributes(song)
        caption = ", ".join(x for x in (attrs.key_label(), attrs.meter, f"{attrs.bars} bars",
                                        f"{attrs.range_width} range") if x)
        entry = LibraryEntry.of(title.strip() or song.title or "untitled", "user", f"user-{len(self.user.entries)}",
                                caption, attrs, song, with_notes=True)
        label = self.user.add(entry)
        return Match(1.0, entry, label, user=True)

    def song(self, match: Match) -> Song:
        """The matched melody as a Song (its key, meters and tempo when known)."""
        return entry_song(match.entry) if match.user else self.library.song(match.label)
