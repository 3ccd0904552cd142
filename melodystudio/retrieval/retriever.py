"""Search the melody library by text or by melody, and add the user's own melodies.

    retriever = MelodyRetriever.load()                    # models/retrieval + the user's melodies
    matches = retriever.search("a lively Irish reel in D", top=10)
    matches = retriever.similar(song, top=10)
    retriever.add(song, "My tune")                        # indexed at once, kept across restarts
    reference = retriever.song(matches[0])                # the melody as a Song (audition, open)

A text query is scored two ways and the scores fused (``description.fuse``):

- melody: MiniLM + the text projection vs the melody graph's embedding of the notes (CLMP, one
  joint space; candidates from the HNSW index);
- description: MiniLM of the query vs MiniLM of the melody's description in words (metadata and
  measured features; for the user's melodies their title and measured attributes, or the title
  alone when that fits better), in the shipped PCA space (``descriptions.npz``; candidates by a
  brute-force product over the library).

The union of both candidate lists is rescored exactly with both cosines; the search score is
``w * melody cosine + (1 - w) * description cosine`` with w chosen on validation tunes (in the
manifest). ``similar`` (melody to melody) scores by the melody cosine alone. Meter and mode parsed
from the text (or given) are hard filters: only melodies that have them are candidates.
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
from melodystudio.retrieval.description import Descriptions, fuse
from melodystudio.retrieval.index import VectorIndex
from melodystudio.retrieval.library import LibraryEntry, MelodyLibrary, entry_song
from melodystudio.retrieval.melody_embedding import MelodyEmbedder
from melodystudio.retrieval.model_files import (
    DESCRIPTION_FILE,
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
from melodystudio.retrieval.user_store import UserStore, describe_entry, user_data_dir
from melodystudio.tokens import CompoundTokenizer, TokenizerConfig

CANDIDATES = 100  # per side (melody index, descriptions) before the exact hybrid rescoring


@dataclass(frozen=True)
class Match:
    score: float  # search: the hybrid score (w * melody cosine + (1 - w) * description cosine); similar: melody cosine
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
                 library: MelodyLibrary, index: VectorIndex, descriptions: Descriptions, user: UserStore) -> None:
        self.files, self.text, self._projection, self.melody = files, text, projection, melody
        self.library, self.index, self.descriptions, self.user = library, index, descriptions, user
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
        descriptions = Descriptions.load(files.path(DESCRIPTION_FILE), rows=len(library))

        def describe_user(entries: Sequence[LibraryEntry]) -> np.ndarray:
            """(N, 2, Dd): each user melody's description and its title alone."""
            full = descriptions.space.project(text.embed([describe_entry(e) for e in entries]))
            return np.stack([full, descriptions.space.project(text.embed([e.title for e in entries]))], axis=1)

        store = UserStore((user_dir or user_data_dir()) / "retrieval", melody.embed, files.dim,
                          _sha(files, MELODY_FILE), describe_user, (2, descriptions.space.dim),
                          _sha(files, DESCRIPTION_FILE))
        return MelodyRetriever(files, text, projection, melody, library, index, descriptions, store)

    # -- embeddings ------------------------------------------------------------------------------
    def embed_text(self, texts: Sequence[str]) -> np.ndarray:
        """(N, D) unit vectors in the joint space."""
        return self.embed_query(texts)[0]

    def embed_query(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Both query vectors from one MiniLM pass: (N, D) joint space, (N, Dd) description space."""
        minilm = self.text.embed(texts)
        (out,) = self._projection.run([TEXT_OUTPUT], {TEXT_INPUT: minilm})  # type: ignore[attr-defined]
        return np.asarray(out, np.float32), self.descriptions.space.project(minilm)

    # -- queries ---------------------------------------------------------------------------------
    def search(self, text: str | PromptSpec, top: int = 10, filters: Filters | None = None) -> list[Match]:
        """Melodies for a text prompt; the prompt's meter and mode filter unless ``filters`` is given."""
        spec = parse_prompt(text) if isinstance(text, str) else text
        joint, described = self.embed_query([spec.text])
        return self.hybrid(joint[0], described[0], top, filters or Filters.of(spec))

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

    def hybrid(self, joint: np.ndarray, described: np.ndarray, top: int, filters: Filters) -> list[Match]:
        """Best ``top`` by the hybrid score; ``joint`` (D,) and ``described`` (Dd,) are the query's vectors."""
        if top < 1:
            raise MelodyStudioError(f"ask for at least one match, not {top}")
        w = self.descriptions.weight
        k = max(top, CANDIDATES)
        mask = filters.mask(self._meters, self._modes)
        shipped = _rescore(self.index, self.descriptions.vectors, joint, described, k, mask, w)
        found = [Match(s, self.library.entries[i], i) for i, s in shipped[:top]]
        if self.user.entries:
            found += [Match(s, self.user.entries[i], i, user=True) for i, s in
                      _rescore(self.user.index, self.user.descriptions, joint, described, k,
                               filters.allowed(self.user.entries), w)[:top]]
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


def _sha(files: RetrievalFiles, name: str) -> str:
    recorded = files.manifest.get("files", {}).get(name, {}).get("sha256", "")
    return recorded or hashlib.sha256(files.path(name).read_bytes()).hexdigest()


def _rescore(index: VectorIndex, descriptions: np.ndarray, joint: np.ndarray, described: np.ndarray, k: int,
             allowed: np.ndarray | None, melody_weight: float) -> list[tuple[int, float]]:
    """(label, hybrid score) of the union of the index's ``k`` nearest melodies and the ``k`` best
    descriptions (both within ``allowed``), best first. ``descriptions``: (N, Dd), or (N, V, Dd) when a
    melody has V descriptions (the best one counts); rows = index labels."""
    if len(index) == 0 or (allowed is not None and not allowed[:len(index)].any()):
        return []
    by_text = descriptions @ described  # (N,) or (N, V); brute force: 12,877 x 128 is ~1 ms
    if by_text.ndim == 2:
        by_text = by_text.max(1)
    if allowed is not None:
        by_text = np.where(allowed[:len(by_text)], by_text, -np.inf)
    best_text = np.argpartition(-by_text, min(k, len(by_text)) - 1)[:k]
    by_notes = [label for label, _ in index.query(joint, k, allowed)]
    rows = np.union1d(best_text[np.isfinite(by_text[best_text])], np.array(by_notes, np.int64))
    scores = fuse(index.vectors(rows) @ joint, by_text[rows], melody_weight)
    order = np.argsort(-scores, kind="stable")
    return [(int(rows[i]), float(scores[i])) for i in order]
