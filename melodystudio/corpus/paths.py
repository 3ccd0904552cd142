"""Where the corpus sources live. Data is read in place, never copied into the repository."""

from __future__ import annotations

import os
from pathlib import Path

DATA_ENV = "MELODYSTUDIO_DATA"  # overrides the shared data root
REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CACHE = REPO_ROOT / "data_cache" / "corpus.npz"


def data_root() -> Path:
    """The shared data folder: $MELODYSTUDIO_DATA, else ``../shared/data`` next to the repository."""
    env = os.environ.get(DATA_ENV)
    return Path(env) if env else REPO_ROOT.parent / "shared" / "data"


def pop909_path() -> Path:
    return data_root() / "pop909" / "pop909.jsonl.gz"


def lyrics_melody_path() -> Path:
    return data_root() / "lyrics_melody" / "lyrics_melody.jsonl.gz"


def music21_corpus_dir() -> Path:
    """music21's installed corpus folder (the ABC folk collections and the Bach chorales)."""
    from music21 import common

    return Path(common.getCorpusFilePath())
