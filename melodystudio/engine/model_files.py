"""Finding and checking an exported melody model before anything is loaded.

A model directory (written by ``python -m melodystudio.training.export``) holds encode.onnx,
step.onnx, heads.npz, optional int8 copies and manifest.json with the configs and every file's
sha256. Search order: an explicit path, then ``$MELODYSTUDIO_MODELS`` (a model directory itself,
or a folder holding ``melody/``), then ``models/melody`` in the repository next to this package.
Every problem a user can meet (missing, damaged, incompatible) is one MelodyStudioError line.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from melodystudio.core.errors import MelodyStudioError
from melodystudio.engine.api import MODELS_ENV
from melodystudio.tokens import TOKENIZER_VERSION, TokenizerConfig
from melodystudio.tokens.conditions import COND_FIELDS, CONDITIONS_VERSION

MODEL_NAME = "melody"
REPO_MODELS = Path(__file__).resolve().parents[2] / "models"
SUPPORTED_EXPORT_VERSION = 2  # 2: one KV-cache tensor per layer (runtime.graph_inputs); 1 stacked them
FIX_HINT = ("reinstall MelodyStudio's models, or retrain and export one with "
            "'python -m melodystudio.training.export --checkpoint CKPT --out DIR'")


@dataclass(frozen=True)
class ModelFiles:
    """A checked model directory: paths of the graphs to load and what the manifest says."""

    directory: Path
    encode: Path
    step: Path
    heads: Path
    manifest: dict[str, Any]
    tokenizer: TokenizerConfig

    @property
    def max_pos1(self) -> int:
        """pos1 values the model knows: part A (BOS + context notes + MASK) must be shorter."""
        return int(self.manifest["model_config"]["max_pos1"])

    @property
    def max_pos2(self) -> int:
        """pos2 values the model knows: START (1) + the notes of one blank must stay below."""
        return int(self.manifest["model_config"]["max_pos2"])

    @property
    def n_kv(self) -> int:
        """KV-cache tensors the graphs pass: K and V of every layer (``runtime.graph_inputs``)."""
        return 2 * int(self.manifest["model_config"]["n_layers"])

    @property
    def window_notes(self) -> int:
        """Notes in one training window, context and blank together (the training config's
        ``max_notes``); 0 when the manifest does not say (then only the position tables bound a prompt)."""
        train_config = self.manifest.get("training", {}).get("train_config", {})
        return int(train_config.get("max_notes", 0) or 0)

    @property
    def conditioned(self) -> bool:
        """True when the graphs take a ``cond`` input (chords and lyric syllables, tokens.conditions)."""
        return "conditions" in self.manifest


def shown(path: Path) -> str:
    """The path as a user would type it: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def find_model_dir(path: str | os.PathLike[str] | None = None) -> Path:
    """The model directory to use (see the module docstring for the search order)."""
    if path is not None:
        where, source = Path(path), "model directory"
    elif os.environ.get(MODELS_ENV, "").strip():
        where, source = Path(os.environ[MODELS_ENV].strip()), f"${MODELS_ENV}"
        if not (where / "manifest.json").is_file() and (where / MODEL_NAME).is_dir():
            where = where / MODEL_NAME
    else:
        where, source = REPO_MODELS / MODEL_NAME, "the default model directory"
    if not where.is_dir():
        raise MelodyStudioError(f"no melody model found: {source} {shown(where)} does not exist "
                                f"(pass --model DIR or set ${MODELS_ENV}; {FIX_HINT})")
    return where


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_manifest(directory: Path) -> dict[str, Any]:
    path = directory / "manifest.json"
    if not path.is_file():
        raise MelodyStudioError(f"model file {shown(path)} is missing; {FIX_HINT}")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        complete = isinstance(manifest.get("files"), dict) and isinstance(manifest.get("tokenizer"), dict) and \
            all(isinstance(manifest["model_config"].get(k), int) for k in ("max_pos1", "max_pos2", "n_layers"))
    except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError):
        complete = False
    if not complete:
        raise MelodyStudioError(f"model file {shown(path)} is damaged (not a MelodyStudio model manifest); "
                                f"{FIX_HINT}") from None
    version = manifest.get("export_version")
    if version != SUPPORTED_EXPORT_VERSION:
        raise MelodyStudioError(f"the model in {shown(directory)} has export format {version}; this MelodyStudio "
                                f"reads format {SUPPORTED_EXPORT_VERSION} (update MelodyStudio or re-export the model)")
    return manifest


def tokenizer_of(manifest: dict[str, Any], directory: Path) -> TokenizerConfig:
    data = manifest["tokenizer"]
    version = data.get("version") if isinstance(data, dict) else None
    if version != TOKENIZER_VERSION:
        raise MelodyStudioError(f"the model in {shown(directory)} uses tokenizer version {version}; this MelodyStudio "
                                f"uses version {TOKENIZER_VERSION} (update MelodyStudio or retrain the model)")
    try:
        return TokenizerConfig.from_dict(data)
    except TypeError:
        raise MelodyStudioError(f"model file {shown(directory / 'manifest.json')} has an unknown tokenizer "
                                f"setting; {FIX_HINT}") from None


def check_conditions(manifest: dict[str, Any], directory: Path) -> None:
    """A conditioned model must use this MelodyStudio's condition columns."""
    entry = manifest.get("conditions")
    if entry is None:
        return
    if not isinstance(entry, dict) or entry.get("version") != CONDITIONS_VERSION or \
            tuple(entry.get("fields", ())) != COND_FIELDS:
        raise MelodyStudioError(f"the model in {shown(directory)} uses condition columns this MelodyStudio does "
                                f"not know ({entry!r:.80}); update MelodyStudio or re-export the model")


def checked_file(directory: Path, name: str, manifest: dict[str, Any]) -> Path:
    """``directory/name`` after checking it exists and matches its manifest checksum."""
    path = directory / name
    expected = manifest["files"].get(name)
    if not path.is_file():
        raise MelodyStudioError(f"model file {shown(path)} is missing; {FIX_HINT}")
    if expected is None:
        raise MelodyStudioError(f"model file {shown(path)} is not listed in the manifest (no checksum); {FIX_HINT}")
    if file_sha256(path) != expected:
        raise MelodyStudioError(f"model file {shown(path)} is damaged (checksum mismatch); {FIX_HINT}")
    return path


T = TypeVar("T")


def read_table_file(path: Path, what: str, parse: Callable[[dict[str, Any]], T]) -> T:
    """A model's JSON table (a prior: ``what``) read and parsed by ``parse``; a file that cannot be
    read or that ``parse`` refuses is a damaged model file."""
    try:
        return parse(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError, UnicodeDecodeError) as e:
        raise MelodyStudioError(f"model file {path} is damaged (not a {what}: {e})") from None


def checked_table(data: dict[str, Any], fmt: str, version: int, shape: tuple[int, ...], what: str) -> np.ndarray:
    """The finite ``log_ratio`` table of ``shape`` from a table file's JSON of format ``fmt`` and
    ``version`` (ValueError otherwise)."""
    table = np.asarray(data["log_ratio"], dtype=np.float64)
    if data.get("format") != fmt or data.get("version") != version or table.shape != shape or \
            not np.isfinite(table).all():
        raise ValueError(f"not a {what}")
    return table


def locate_model(path: str | os.PathLike[str] | None = None, int8: bool = False) -> ModelFiles:
    """Find the model directory and check the files to load (``int8``: the quantised graphs)."""
    directory = find_model_dir(path)
    manifest = read_manifest(directory)
    tokenizer = tokenizer_of(manifest, directory)
    check_conditions(manifest, directory)
    suffix = ".int8.onnx" if int8 else ".onnx"
    if int8 and f"step{suffix}" not in manifest["files"]:
        raise MelodyStudioError(f"the model in {shown(directory)} has no int8 graphs (export it with --int8)")
    encode, step, heads = (checked_file(directory, name, manifest)
                           for name in (f"encode{suffix}", f"step{suffix}", "heads.npz"))
    return ModelFiles(directory, encode, step, heads, manifest, tokenizer)
