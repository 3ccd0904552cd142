"""Where the retrieval models live and what a complete folder holds.

Search order: an explicit folder, then ``$MELODYSTUDIO_MODELS/retrieval`` (or that folder itself
when it holds a retrieval manifest), then ``models/retrieval`` in the repository. A folder is
complete when every file the manifest lists exists with its recorded size; anything else is one
MelodyStudioError line that says what to do.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from melodystudio.core.errors import MelodyStudioError
from melodystudio.engine.api import MODELS_ENV

FOLDER = "retrieval"
REPO_MODELS = Path(__file__).resolve().parents[2] / "models"
MANIFEST_FILE = "manifest.json"
MANIFEST_VERSION = 1
TEXT_ENCODER_FILE = "text_encoder.onnx"
TOKENIZER_FILE = "tokenizer.json"
TEXT_PROJECTION_FILE = "text_projection.onnx"
MELODY_FILE = "melody_embed.onnx"
LIBRARY_FILE = "library.npz"
INDEX_FILE = "library.hnsw"
DESCRIPTION_FILE = "descriptions.npz"
TEXT_INPUT, TEXT_OUTPUT = "text_embedding", "text_projected"
REQUIRED = (TEXT_ENCODER_FILE, TOKENIZER_FILE, TEXT_PROJECTION_FILE, MELODY_FILE, LIBRARY_FILE, INDEX_FILE,
            DESCRIPTION_FILE)
FIX_HINT = "reinstall MelodyStudio's models, or rebuild them with 'python -m melodystudio.training.clmp build'"


@dataclass(frozen=True)
class RetrievalFiles:
    directory: Path
    manifest: dict[str, Any]

    def path(self, name: str) -> Path:
        return self.directory / name

    @property
    def dim(self) -> int:
        return int(self.manifest["library"]["dim"])


def find_retrieval_dir(path: str | os.PathLike[str] | None = None) -> Path:
    if path is not None:
        where, source = Path(path), "retrieval model folder"
    elif os.environ.get(MODELS_ENV, "").strip():
        where, source = Path(os.environ[MODELS_ENV].strip()), f"${MODELS_ENV}"
        if not (where / MANIFEST_FILE).is_file():
            where = where / FOLDER
    else:
        where, source = REPO_MODELS / FOLDER, "the default retrieval model folder"
    if not where.is_dir():
        raise MelodyStudioError(f"no prompt/retrieval models found: {source} {where} does not exist ({FIX_HINT})")
    return where


def locate_retrieval(path: str | os.PathLike[str] | None = None) -> RetrievalFiles:
    where = find_retrieval_dir(path)
    manifest_path = where / MANIFEST_FILE
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise MelodyStudioError(f"{manifest_path} is missing: not a retrieval model folder ({FIX_HINT})") from None
    except (OSError, ValueError) as e:
        raise MelodyStudioError(f"{manifest_path} cannot be read ({type(e).__name__}; {FIX_HINT})") from None
    if manifest.get("format") != "melodystudio-retrieval" or manifest.get("version") != MANIFEST_VERSION:
        raise MelodyStudioError(f"{manifest_path} is not a version {MANIFEST_VERSION} retrieval manifest ({FIX_HINT})")
    files = manifest.get("files", {})
    for name in REQUIRED:
        p = where / name
        if not p.is_file():
            raise MelodyStudioError(f"retrieval model file {p} is missing ({FIX_HINT})")
        if name in files and p.stat().st_size != files[name]["bytes"]:
            raise MelodyStudioError(f"retrieval model file {p} is damaged (size differs from the manifest; {FIX_HINT})")
    return RetrievalFiles(where, manifest)
