"""The ABC folk collections of music21's corpus: Essen, Ryan's Mammoth, O'Neill's 1850, Aird's Airs.

Each tune goes through ``io.abc.parse_abc_tune`` (ABC's accidental rule, ties merged, phrases from
line breaks). Only the Essen collection writes one phrase per line, so only Essen tunes keep the
phrase flags; in the others a line break is page layout and the flags are None. A tune whose line
note counts did not match the notes read also gets None (the parser then marks only note 0).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from melodystudio.core.errors import MelodyStudioError
from melodystudio.corpus import paths
from melodystudio.corpus.records import CorpusTune, ParseFailure, base_meta, failure_reason, record_failure
from melodystudio.corpus.splits import abc_tune_split, cut_abc_text
from melodystudio.io.abc import decode_abc, parse_abc_tune, split_tunes

PHRASES_FROM_LINES = frozenset({"essenFolksong"})
_PHRASES_LOST = "phrases could not be recovered"  # start of the parser's warning when counts disagree
_FIELD_LINE = re.compile(r"^([A-Za-z]):\s*(.*?)\s*$")
_REAL_METER = re.compile(r"^(\d+/\d+|C\|?)$")  # not 'none', not Essen's 'FREI4/4' (free rhythm)


@dataclass(frozen=True)
class AbcPiece:
    """One tune of a collection file, before parsing."""

    source: str
    file: str  # corpus-relative path, e.g. 'essenFolksong/altdeu10.abc'
    ordinal: int  # 1-based position of the tune in its file
    header: str  # the file's text before its first X: line (fields there apply to every tune)
    text: str  # the tune's text, decoded for parsing (UTF-8 where the file is, else Latin-1)
    split: str

    @property
    def tune_id(self) -> str:
        return f"{Path(self.file).name}#{self.ordinal}"


def collection_files(source: str) -> list[Path]:
    return sorted((paths.music21_corpus_dir() / source).glob("*.abc"))


def file_pieces(path: Path, source: str) -> list[AbcPiece]:
    """Every tune of one collection file, with its split (see ``splits``)."""
    data = path.read_bytes()
    _, raw = cut_abc_text(data.decode("latin-1"))  # the split rule hashes the Latin-1 reading
    text, _ = decode_abc(data)
    header, pieces = cut_abc_text(text)
    if len(pieces) != len(raw):  # cannot happen: X: lines are ASCII in both readings
        header, pieces = cut_abc_text(data.decode("latin-1"))
    rel = f"{source}/{path.name}"
    return [AbcPiece(source, rel, i + 1, header, p, abc_tune_split(r)) for i, (p, r) in enumerate(zip(pieces, raw))]


def iter_abc_file(path: Path, source: str, failures: list[ParseFailure] | None = None,
                  start: int = 0, stop: int | None = None) -> Iterator[CorpusTune]:
    """Tunes ``start:stop`` of one file; a tune that cannot be read becomes a ParseFailure."""
    for piece in file_pieces(path, source)[start:stop]:
        try:
            yield abc_tune(piece)
        except Exception as e:  # one bad tune must never stop the build; music21 raises many types
            record_failure(failures, ParseFailure(source, piece.tune_id, piece.split, failure_reason(e)))


def iter_abc_collection(source: str, failures: list[ParseFailure] | None = None) -> Iterator[CorpusTune]:
    for path in collection_files(source):
        yield from iter_abc_file(path, source, failures)


def abc_tune(piece: AbcPiece) -> CorpusTune:
    """Parse one tune; raises MelodyStudioError (or music21's own errors) when it cannot be read."""
    tunes = split_tunes(piece.header + piece.text)  # puts the file header's fields in front, ends the tune
    if not tunes:
        raise MelodyStudioError("no K: field, so no tune body")
    parsed = parse_abc_tune(tunes[0][1], source=f"{piece.file}#{piece.ordinal}")
    lost = any(w.startswith(_PHRASES_LOST) for w in parsed.report.warnings)
    phrases = list(parsed.phrase_starts) if piece.source in PHRASES_FROM_LINES and not lost else None
    meta = abc_meta(piece)
    meta["warnings"] = list(parsed.report.warnings)
    return CorpusTune(piece.source, piece.tune_id, piece.split, parsed.song, phrases, meta)


def header_fields(text: str) -> dict[str, list[str]]:
    """Field letter -> values, from the lines up to and including the first K: field."""
    fields: dict[str, list[str]] = {}
    for line in text.splitlines():
        m = _FIELD_LINE.match(line)
        if m:
            fields.setdefault(m.group(1), []).append(m.group(2))
        if line.startswith("K:"):
            break
    return fields


def abc_meta(piece: AbcPiece) -> dict[str, object]:
    """Title (first T:), origin (O:), genre/rhythm (R:), key (K:) and meter (M:) as written."""
    own, shared = header_fields(piece.text), header_fields(piece.header)

    def first(letter: str) -> str | None:
        values = own.get(letter) or shared.get(letter)
        return values[0] if values else None

    meter = first("M")
    meta = base_meta(title=first("T"), origin=first("O"), genre=first("R"), key=first("K"), meter=meter,
                     meter_known=meter is not None and _REAL_METER.match(meter.replace(" ", "")) is not None)
    meta["file"] = piece.file
    meta["x"] = first("X")
    if piece.source == "essenFolksong":
        meta["essen_id"] = first("N")  # catalogue number, e.g. 'A0001'
    return meta
