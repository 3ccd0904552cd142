"""All sources behind one interface: readers per source, and the work units the build spreads
over processes (an ABC file slice, a few chorale files, or a batch of JSONL lines)."""

from __future__ import annotations

import gzip
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from melodystudio.corpus import abc_source, bach, paths
from melodystudio.corpus.lyrics_melody import lyrics_line
from melodystudio.corpus.pop909 import pop909_line
from melodystudio.corpus.records import ABC_SOURCES, SOURCES, CorpusTune, ParseFailure
from melodystudio.corpus.splits import cut_abc_text, read_latin1

ABC_UNIT_TUNES = 100  # tunes per work unit: small enough to balance two processes
BACH_UNIT_FILES = 10
JSONL_UNIT_LINES = {"pop909": 50, "lyrics_melody": 400}


@dataclass(frozen=True)
class WorkUnit:
    """A piece of one source, read by one process."""

    source: str
    abc_slices: tuple[tuple[str, int, int], ...] = ()  # (file, first tune, end tune) of ABC files
    files: tuple[str, ...] = ()  # corpus-relative chorale files
    lines: tuple[str, ...] = ()  # JSONL records

    @property
    def name(self) -> str:
        """What the unit covers, for messages: its first file (or record batch) and size."""
        first = Path(self.abc_slices[0][0]).name if self.abc_slices else (self.files or ("records",))[0]
        return f"{first}+ ({len(self)} items)"

    def __len__(self) -> int:
        return sum(b - a for _, a, b in self.abc_slices) + len(self.files) + len(self.lines)


def read_unit(unit: WorkUnit, failures: list[ParseFailure] | None = None) -> Iterator[CorpusTune]:
    for file, start, stop in unit.abc_slices:
        yield from abc_source.iter_abc_file(Path(file), unit.source, failures, start, stop)
    if unit.files:
        yield from bach.iter_bach(list(unit.files), failures)
    reader = {"pop909": pop909_line, "lyrics_melody": lyrics_line}.get(unit.source)
    for line in unit.lines:
        if reader is not None:
            yield from reader(line, failures)


def iter_source(source: str, failures: list[ParseFailure] | None = None) -> Iterator[CorpusTune]:
    """Every tune of one source (names in ``records.SOURCES``), in build order."""
    for unit in work_units([source]):
        yield from read_unit(unit, failures)


def work_units(sources: Sequence[str]) -> list[WorkUnit]:
    units: list[WorkUnit] = []
    for source in sources:
        if source not in SOURCES:
            raise ValueError(f"unknown source {source!r}; sources are {', '.join(SOURCES)}")
        if source in ABC_SOURCES:
            units += _abc_units(source)
        elif source == "bach":
            files = bach.chorale_files()
            units += [WorkUnit(source, files=tuple(files[i:i + BACH_UNIT_FILES]))
                      for i in range(0, len(files), BACH_UNIT_FILES)]
        else:
            units += _jsonl_units(source)
    return units


def _abc_units(source: str) -> list[WorkUnit]:
    """Slices of the collection's files, about ABC_UNIT_TUNES tunes per unit."""
    units: list[WorkUnit] = []
    pending: list[tuple[str, int, int]] = []
    size = 0
    for path in abc_source.collection_files(source):
        count = len(cut_abc_text(read_latin1(path))[1])
        for start in range(0, count, ABC_UNIT_TUNES):
            stop = min(count, start + ABC_UNIT_TUNES)
            pending.append((str(path), start, stop))
            size += stop - start
            if size >= ABC_UNIT_TUNES:
                units.append(WorkUnit(source, abc_slices=tuple(pending)))
                pending, size = [], 0
    if pending:
        units.append(WorkUnit(source, abc_slices=tuple(pending)))
    return units


def _jsonl_units(source: str) -> list[WorkUnit]:
    path = paths.pop909_path() if source == "pop909" else paths.lyrics_melody_path()
    with gzip.open(path, "rt", encoding="utf-8") as f:
        lines = [line for line in f if line.strip()]
    step = JSONL_UNIT_LINES[source]
    return [WorkUnit(source, lines=tuple(lines[i:i + step])) for i in range(0, len(lines), step)]
