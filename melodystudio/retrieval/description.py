"""Melody descriptions: each melody's metadata and measured features in words, embedded for search.

A text query is compared with the *notes* (CLMP, ``retriever``) and with a *description* of each
melody: one fixed sentence from its title, collection, origin, type, key, meter, bars, range,
register, density, contour and phrases (``describe``). The description is embedded with the same
MiniLM as the query; the text-to-text cosine carries what notes alone cannot (origin, collection,
dance type), and a user's melody is found by its title words.

``descriptions.npz`` (written by ``training.clmp_describe``) keeps the vectors small:

    mean        (384,) float32     MiniLM mean of the library descriptions
    components  (D, 384) float32   PCA axes (D <= 128), rows unit length
    vectors     (N, D) int8        row i = library row i: unit vector in the PCA space, * 127, rounded
    info        0-d str            JSON: format, version, dim, wording version, fusion weight

A MiniLM vector ``e`` (unit, 384) becomes ``normalize((e - mean) @ components.T)``; the cosine of
two projected vectors is the description similarity (int8 rows are rescaled by 1/127 and
re-normalised on load, so scores are cosines in the PCA space).
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from melodystudio.core.errors import MelodyStudioError
from melodystudio.retrieval.attributes import TuneAttributes

DESCRIPTION_FORMAT = "melodystudio-melody-descriptions"
DESCRIPTION_VERSION = 1
WORDING_VERSION = 1  # bump when ``describe`` changes: shipped vectors must be rebuilt
INT8_SCALE = 127.0


def describe(title: str, attrs: TuneAttributes, collection: str = "", origin: str = "", kind: str = "",
             key: str = "") -> str:
    """The fixed description of a melody, e.g. 'lively Irish reel from O'Neill's Music of Ireland, in
    D major, 4/4 time, 16 bars, wide range, high register, arch-shaped contour; title: The Bank of
    Ireland'. ``key`` overrides the measured key (a church mode such as 'G lydian')."""
    head = " ".join(x for x in (attrs.density, origin, kind or "melody") if x)
    key = key or attrs.key_label()
    parts = [head + (f" from {collection}" if collection else ""),
             f"in {key}" if key else "",
             f"{attrs.meter} time" if attrs.meter else "",
             f"{attrs.bars} bars" if attrs.bars > 0 else "",
             f"{attrs.range_width} range", f"{attrs.register} register", f"{attrs.contour} contour",
             f"{attrs.phrases} phrases" if attrs.phrases > 1 else ""]
    text = ", ".join(p for p in parts if p)
    return f"{text}; title: {title.strip()}" if title.strip() else text


@dataclass(frozen=True)
class DescriptionSpace:
    """The PCA projection of MiniLM vectors into the compact description space."""

    mean: np.ndarray  # (384,) float32
    components: np.ndarray  # (D, 384) float32

    @property
    def dim(self) -> int:
        return int(self.components.shape[0])

    def project(self, minilm: np.ndarray) -> np.ndarray:
        """(N, 384) MiniLM vectors -> (N, D) float32 unit vectors."""
        out = (np.asarray(minilm, np.float32) - self.mean) @ self.components.T
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-8)

    @staticmethod
    def fit(minilm: np.ndarray, dim: int) -> DescriptionSpace:
        """PCA of (N, 384) vectors to ``dim`` axes (SVD of the centred matrix; deterministic)."""
        mean = minilm.mean(0)
        _, _, vt = np.linalg.svd(minilm - mean, full_matrices=False)
        signs = np.sign(vt[:dim, :1] + 1e-12)  # a fixed sign per axis, so rebuilds give the same file
        return DescriptionSpace(mean.astype(np.float32), (vt[:dim] * signs).astype(np.float32))


def quantize(unit: np.ndarray) -> np.ndarray:
    """(N, D) unit vectors -> int8 (every component lies in [-1, 1])."""
    return np.clip(np.rint(unit * INT8_SCALE), -127, 127).astype(np.int8)


def dequantize(codes: np.ndarray) -> np.ndarray:
    """int8 rows -> (N, D) float32 unit vectors."""
    out = codes.astype(np.float32) / INT8_SCALE
    return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-8)


@dataclass(frozen=True)
class Descriptions:
    """The shipped description vectors of the library plus the space and the fusion setting."""

    space: DescriptionSpace
    vectors: np.ndarray  # (N, D) float32 unit rows, row i = library row i
    info: dict[str, Any]

    @property
    def weight(self) -> float:
        """Weight of the melody (CLMP) cosine in the hybrid score; the description cosine gets 1 - weight."""
        return float(self.info["melody_weight"])

    def save(self, path: Path) -> None:
        buffer = io.BytesIO()
        info = {**self.info, "format": DESCRIPTION_FORMAT, "version": DESCRIPTION_VERSION, "dim": self.space.dim,
                "wording_version": WORDING_VERSION}
        np.savez_compressed(buffer, mean=self.space.mean, components=self.space.components,
                            vectors=quantize(self.vectors), info=np.array(json.dumps(info)))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(buffer.getvalue())

    @staticmethod
    def load(path: Path, rows: int | None = None) -> Descriptions:
        """The file at ``path`` (``rows``: the library size it must match); a clear error otherwise."""
        hint = "rebuild with python -m melodystudio.training.clmp describe"
        if not path.is_file():
            raise MelodyStudioError(f"melody descriptions {path} are missing ({hint})")
        try:
            with np.load(path, allow_pickle=False) as data:
                info = json.loads(str(data["info"]))
                mean, components, codes = data["mean"], data["components"], data["vectors"]
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as e:
            raise MelodyStudioError(f"melody descriptions {path} are damaged ({type(e).__name__}; {hint})") from None
        if info.get("format") != DESCRIPTION_FORMAT or info.get("version") != DESCRIPTION_VERSION:
            raise MelodyStudioError(f"{path} is not a {DESCRIPTION_FORMAT} v{DESCRIPTION_VERSION} file ({hint})")
        if (codes.dtype != np.int8 or mean.shape != (components.shape[1],) or codes.ndim != 2
                or codes.shape[1] != components.shape[0] or "melody_weight" not in info):
            raise MelodyStudioError(f"melody descriptions {path} are damaged (inconsistent arrays; {hint})")
        if rows is not None and len(codes) != rows:
            raise MelodyStudioError(f"melody descriptions {path} hold {len(codes)} melodies but the library {rows} "
                                    f"({hint})")
        space = DescriptionSpace(mean.astype(np.float32), components.astype(np.float32))
        return Descriptions(space, dequantize(codes), info)


def fuse(melody_cosine: np.ndarray, description_cosine: np.ndarray, melody_weight: float) -> np.ndarray:
    """The hybrid score: a weighted sum of the two cosines (weight chosen on validation tunes)."""
    return melody_weight * melody_cosine + (1.0 - melody_weight) * description_cosine
