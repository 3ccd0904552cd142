"""What the source readers yield: one tune as a Song plus what the corpus keeps about it."""

from __future__ import annotations

import gzip
import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from melodystudio.core import Song
from melodystudio.core.errors import MelodyStudioError

log = logging.getLogger(__name__)

# Source names, in the order of their ids in the npz (``tune_source``). Never reorder: append.
SOURCES = ("essenFolksong", "ryansMammoth", "oneills1850", "airdsAirs", "bach", "pop909", "lyrics_melody")
SOURCE_ID = {name: i for i, name in enumerate(SOURCES)}
ABC_SOURCES = SOURCES[:4]

# The --sources groups of the build command.
SOURCE_GROUPS = {
    "essen": ("essenFolksong",),
    "folk": ("ryansMammoth", "oneills1850", "airdsAirs"),
    "bach": ("bach",),
    "pop909": ("pop909",),
    "lyrics": ("lyrics_melody",),
}


@dataclass
class CorpusTune:
    """One tune of a source.

    ``phrase_starts`` has one flag per ``song.notes`` entry (True where a phrase starts), or is
    None where the source tells nothing reliable about phrases. ``meta`` always holds 'title',
    'origin', 'genre', 'key', 'meter' (None where unknown) and 'meter_known'; sources add more
    (the ABC X: number, pop909's irregular_meter, lyrics_melody's per-note syllables/word/phrase ...).
    """

    source: str
    tune_id: str
    split: str
    song: Song
    phrase_starts: list[bool] | None
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ParseFailure:
    source: str
    tune_id: str
    split: str
    reason: str


def base_meta(title: str | None = None, origin: str | None = None, genre: str | None = None,
              key: str | None = None, meter: str | None = None, meter_known: bool = True) -> dict[str, Any]:
    return {"title": title, "origin": origin, "genre": genre, "key": key, "meter": meter, "meter_known": meter_known}


def failure_reason(e: BaseException) -> str:
    """One line: our errors speak for themselves, anything else is named by its type."""
    text = " ".join(str(e).split())
    if isinstance(e, MelodyStudioError):
        return text[:300]
    return f"{type(e).__name__}: {text}"[:300]


def record_failure(failures: list[ParseFailure] | None, failure: ParseFailure) -> None:
    log.debug("%s %s: %s", failure.source, failure.tune_id, failure.reason)
    if failures is not None:
        failures.append(failure)


def jsonl_tunes(path: Path, read_line: Callable[[str, list[ParseFailure] | None], Iterator[CorpusTune]],
                failures: list[ParseFailure] | None = None) -> Iterator[CorpusTune]:
    """Every tune of a gzipped JSONL file, one record per line."""
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield from read_line(line, failures)


def jsonl_line(line: str, source: str, make_tune: Callable[[dict[str, Any]], CorpusTune],
               failures: list[ParseFailure] | None = None) -> Iterator[CorpusTune]:
    """The tune of one JSONL line (nothing, and a recorded failure, when it cannot be read)."""
    record: dict[str, Any] = {}
    try:
        record = json.loads(line)
        yield make_tune(record)
    except Exception as e:  # a bad record must not stop the build
        record_failure(failures, ParseFailure(source, str(record.get("id", "?")), str(record.get("split", "?")),
                                              failure_reason(e)))
