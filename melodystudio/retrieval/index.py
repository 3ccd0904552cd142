"""An HNSW index of unit vectors (hnswlib, cosine space): label i is row i of its library.

Filtering happens inside the search (hnswlib's ``filter`` callback over labels), so a query for
"3/4, minor" walks the graph until it has ``k`` allowed melodies instead of cutting a fixed
top-k afterwards. A numpy copy of the (unit) vectors is kept beside the graph: hnswlib's
``get_items`` costs ~20 us a row, too slow for exact scans and the hybrid search's rescoring.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import hnswlib
import numpy as np

from melodystudio.core.errors import MelodyStudioError

M = 16  # graph degree
EF_CONSTRUCTION = 200
EF_SEARCH = 128
EXACT_BELOW = 2048  # a filter allowing fewer melodies than this is answered by an exact scan


def _unit(vectors: np.ndarray) -> np.ndarray:
    v = np.asarray(vectors, np.float32)
    return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)


class VectorIndex:
    def __init__(self, index: hnswlib.Index, rows: np.ndarray) -> None:
        self._index = index
        self._rows = rows  # (N, D) float32 unit vectors, row = label (what the cosine space stores)

    @staticmethod
    def empty(dim: int, capacity: int = 64) -> VectorIndex:
        index = hnswlib.Index(space="cosine", dim=dim)
        index.init_index(max_elements=max(capacity, 1), ef_construction=EF_CONSTRUCTION, M=M, random_seed=0)
        index.set_ef(EF_SEARCH)
        return VectorIndex(index, np.zeros((0, dim), np.float32))

    @staticmethod
    def build(vectors: np.ndarray) -> VectorIndex:
        """An index of ``vectors`` (N, D), labels 0..N-1 (single-threaded: reproducible)."""
        out = VectorIndex.empty(vectors.shape[1], len(vectors))
        out.add(vectors)
        return out

    @staticmethod
    def load(path: Path, dim: int) -> VectorIndex:
        if not path.is_file():
            raise MelodyStudioError(f"melody index {path} is missing (rebuild with "
                                    "python -m melodystudio.training.clmp build)")
        index = hnswlib.Index(space="cosine", dim=dim)
        try:
            index.load_index(str(path))
        except RuntimeError as e:
            raise MelodyStudioError(f"melody index {path} cannot be read ({e})") from None
        index.set_ef(EF_SEARCH)
        count = int(index.get_current_count())
        rows = (index.get_items(np.arange(count), return_type="numpy") if count
                else np.zeros((0, dim), np.float32))
        return VectorIndex(index, np.asarray(rows, np.float32).reshape(count, dim))

    def __len__(self) -> int:
        return int(self._index.get_current_count())

    @property
    def dim(self) -> int:
        return int(self._index.dim)

    def add(self, vectors: np.ndarray) -> list[int]:
        """Append rows; returns their labels (growing the capacity as needed)."""
        start = len(self)
        needed = start + len(vectors)
        if needed > self._index.get_max_elements():
            self._index.resize_index(max(needed, 2 * self._index.get_max_elements()))
        labels = np.arange(start, needed)
        self._index.add_items(np.asarray(vectors, np.float32), labels, num_threads=1)
        self._rows = np.concatenate([self._rows, _unit(vectors)])
        return labels.tolist()

    def vectors(self, labels: list[int] | np.ndarray) -> np.ndarray:
        """(len(labels), D) unit vectors."""
        return self._rows[np.asarray(labels, np.int64)]

    def query(self, vector: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Up to ``k`` (label, cosine similarity) pairs, best first; ``allowed`` (N,) bool restricts labels."""
        n = len(self) if allowed is None else int(allowed.sum())
        k = min(k, n)
        if k <= 0:
            return []
        if allowed is not None and n <= EXACT_BELOW:
            return self._exact(vector, k, np.flatnonzero(allowed[:len(self)]))
        self._index.set_ef(max(EF_SEARCH, k))
        kwargs = {} if allowed is None else {"filter": lambda label: bool(allowed[label])}
        try:
            labels, distances = self._index.knn_query(np.asarray(vector, np.float32)[None], k=k, num_threads=1,
                                                      **kwargs)
        except RuntimeError:  # the filtered walk found fewer than k: fall back to an exact scan
            return self._exact(vector, k, np.flatnonzero(allowed[:len(self)]) if allowed is not None
                               else np.arange(len(self)))
        return [(int(lab), 1.0 - float(d)) for lab, d in zip(labels[0], distances[0])]

    def _exact(self, vector: np.ndarray, k: int, labels: np.ndarray) -> list[tuple[int, float]]:
        sims = self.vectors(labels) @ np.asarray(vector, np.float32)
        best = np.argsort(-sims, kind="stable")[:k]
        return [(int(labels[i]), float(sims[i])) for i in best]

    def save(self, path: Path) -> None:
        """Written beside the target and renamed over it, so a crash never leaves half an index."""
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.close(fd)
        try:
            self._index.save_index(tmp)
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
