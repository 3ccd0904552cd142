"""Fixed train/valid/test splits, decided by content hashes so they never depend on parse order.

- ABC collections (Essen, Ryan's, O'Neill's, Aird's): each file is read as Latin-1 and cut before
  every line that starts with ``X:``; a tune's text is its piece stripped of surrounding whitespace
  plus one trailing newline, hashed as UTF-8 bytes with SHA-1. First hex digit ``f`` = test,
  ``e`` = valid, anything else = train (1/16 + 1/16 of the tunes). Essen gives 528 test tunes.
- Bach chorales: the same digit rule on the SHA-1 of the corpus-relative path ('bach/bwv269.mxl').
- pop909 and lyrics_melody: the ``split`` field of their JSONL records.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

SPLITS = ("train", "valid", "test")
SPLIT_ID = {name: i for i, name in enumerate(SPLITS)}  # stored as uint8 in the npz
_TUNE_START = re.compile(r"^(?=X:)", re.MULTILINE)


def split_of_digest(hexdigest: str) -> str:
    """'f...' -> test, 'e...' -> valid, else train."""
    return {"f": "test", "e": "valid"}.get(hexdigest[:1].lower(), "train")


def normalised_tune_text(piece: str) -> str:
    """A tune's text as hashed: stripped of surrounding whitespace, plus one trailing newline."""
    return piece.strip() + "\n"


def abc_tune_digest(piece: str) -> str:
    return hashlib.sha1(normalised_tune_text(piece).encode("utf-8")).hexdigest()


def abc_tune_split(piece: str) -> str:
    """Split of one tune's text (a piece of a file cut before an ``X:`` line)."""
    return split_of_digest(abc_tune_digest(piece))


def cut_abc_text(text: str) -> tuple[str, list[str]]:
    """(file header before the first ``X:`` line, raw tune pieces each starting with ``X:``)."""
    pieces = _TUNE_START.split(text)
    header = "" if pieces[0].startswith("X:") else pieces[0]
    return header, [p for p in pieces if p.startswith("X:")]


def read_latin1(path: Path) -> str:
    """The file's text exactly as the split rule sees it (no newline translation)."""
    return path.read_bytes().decode("latin-1")


def abc_file_splits(path: Path) -> list[str]:
    """Split of every tune of an ABC collection file, in file order."""
    _, pieces = cut_abc_text(read_latin1(path))
    return [abc_tune_split(p) for p in pieces]


def path_split(relative_path: str) -> str:
    """Split of a corpus file chosen by the SHA-1 of its corpus-relative path ('bach/bwv269.mxl')."""
    return split_of_digest(hashlib.sha1(relative_path.encode("utf-8")).hexdigest())
