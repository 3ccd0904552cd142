"""ABC tunes (.abc) through music21, with ABC's own accidental rule and line breaks kept as phrases.

- Tunes start at ``X:`` fields (a file without any is one tune if it has a ``K:`` field); a tune
  ends at the first blank line after its ``K:`` field, as the ABC standard says. File-header
  fields before the first tune apply to every tune.
- Accidentals: an accidental written on a note holds for later notes of the same letter until the
  next bar line, line breaks included (ABC 2.1, see ``ACCIDENTALS_CARRY_TO``); the key signature
  applies otherwise. music21 applies that rule only to files that declare ABC 2.0 or later, which
  few do (the Essen collection does not), so we ask for it always. A note tied over the bar line
  keeps its pitch, because tied notes are merged and the first note's pitch wins.
- Phrases: music21 drops line breaks, which in the Essen collection mark phrases. We count the
  sounding notes on each body line with music21's own tokenizer, and the first note of each line
  starts a phrase (``AbcTune.phrase_starts``; on lyrics, ``Lyric.phrase_start``).
- Meter: only the tune's first time signature is used, because music21 invents time signatures
  when it re-bars overfull bars; meter changes inside a tune are reported and left out. Without
  an L: field the ABC default unit length applies (1/16 under a 3/4 meter, else 1/8).
- Not imported: lyrics (w: lines; music21 does not read them), reported when present.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from music21 import abcFormat, stream
from music21.abcFormat import translate

from melodystudio.core.errors import FileFormatError, MelodyStudioError
from melodystudio.core.song import Song
from melodystudio.io.music21_bridge import build_song, records_from_score
from melodystudio.io.report import ImportReport

# ABC 2.1's default ('%%propagate-accidentals pitch'): an accidental holds for the same note letter in
# every octave to the end of the bar. abc2midi does the same; on 646 Essen tunes we agree with
# abc2midi on 645 ('octave', same letter and octave only: 639). The Essen encoders relied on it too:
# no bar in the collection writes an accidental again on the same letter in another octave.
ACCIDENTALS_CARRY_TO = "pitch"

_FIELD = re.compile(r"^\s*[A-Za-z+]:")
_METER_FIELD = re.compile(r"^\s*M:")
_QUOTED = re.compile(r'"[^"]*"|![^!]*!|\+[^+\s]*\+')  # chord symbols, annotations, decorations
_NOTE = re.compile(r"([A-Ga-gzZxX])[,']*")


@dataclass(frozen=True)
class AbcTune:
    """One tune read from ABC text."""

    song: Song
    phrase_starts: tuple[bool, ...]  # per song note: a phrase (an ABC body line) starts on it
    report: ImportReport


class _AbcRulesHandler(abcFormat.ABCHandler):
    """music21's ABC handler with the ABC 2.1 accidental rule, whatever version the file declares."""

    def _accidentalPropagation(self) -> str:
        return ACCIDENTALS_CARRY_TO


def read_abc(path: Path, *, tune: int | None = None) -> tuple[Song, ImportReport]:
    """Read the first tune of an ABC file, or the tune whose X: number is ``tune``."""
    try:
        data = path.read_bytes()
    except OSError as e:
        raise FileFormatError(f"{path.name}: cannot read ({e.strerror or e})") from None
    text, latin1 = decode_abc(data)
    tunes = split_tunes(text)
    if not tunes:
        raise FileFormatError(f"{path.name}: no ABC tune found (a tune starts with an X: or K: field)")
    number, tune_text = _select(tunes, tune, path.name)
    parsed = parse_abc_tune(tune_text, source=path.name)
    report = parsed.report
    if latin1:
        report.warn("the file is not UTF-8; it was read as Latin-1")
    if len(tunes) > 1:
        which = f"tune X:{number}" if number is not None else "the first tune"
        report.warn(f"the file holds {len(tunes)} tunes; {which} was imported")
    return parsed.song, report


def decode_abc(data: bytes) -> tuple[str, bool]:
    """(text, True when it was not UTF-8 and was read as Latin-1)."""
    try:
        return data.decode("utf-8-sig"), False
    except UnicodeDecodeError:
        return data.decode("latin-1"), True


def split_tunes(text: str) -> list[tuple[int | None, str]]:
    """(X: number or None, tune text with the file header's fields in front) for each tune."""
    lines = text.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("X:")]
    if not starts:
        has_key = any(line.startswith("K:") for line in lines)
        return [(None, _end_at_blank_line(lines))] if has_key else []
    header = [line for line in lines[:starts[0]] if _FIELD.match(line) or line.startswith("%")]
    tunes = []
    for begin, end in zip(starts, [*starts[1:], len(lines)]):
        number = re.match(r"X:\s*(\d+)", lines[begin])
        tunes.append((int(number.group(1)) if number else None, _end_at_blank_line(header + lines[begin:end])))
    return tunes


def _end_at_blank_line(lines: list[str]) -> str:
    key = next((i for i, line in enumerate(lines) if line.startswith("K:")), len(lines))
    end = next((i for i in range(key + 1, len(lines)) if not lines[i].strip()), len(lines))
    return "\n".join(lines[:end]) + "\n"


def _select(tunes: list[tuple[int | None, str]], tune: int | None, name: str) -> tuple[int | None, str]:
    if tune is None:
        return tunes[0]
    for number, text in tunes:
        if number == tune:
            return number, text
    numbers = [n for n, _ in tunes if n is not None]
    have = f"X:{numbers[0]}..X:{numbers[-1]}" if numbers else "no numbered tunes"
    raise FileFormatError(f"{name}: there is no tune X:{tune} ({len(tunes)} tunes, {have})")


def parse_abc_tune(text: str, *, source: str = "ABC tune") -> AbcTune:
    """One tune's ABC text -> Song, per-note phrase starts (from the line breaks) and a report.

    Raises FileFormatError naming ``source`` when the tune cannot be read or has no notes.
    """
    report = ImportReport(source=source)
    lines = body_lines(text)
    body = _raw_body(text)
    if any(_METER_FIELD.match(line) or "[M:" in line for line in body):
        report.warn("meter changes inside the tune were left out; the first time signature holds throughout")
    if any(line.startswith(("w:", "W:")) for line in body):
        report.warn("ABC lyrics (w: lines) are not imported")
    score = _music21_score(_with_unit_length(text), source)
    try:
        records = records_from_score(score, report, source=source, meter_changes=False,
                                     line_note_counts=note_counts(lines))
    except MelodyStudioError:
        raise
    except Exception as e:  # music21 objects can fail in many ways on odd tunes
        raise FileFormatError(f"{source}: cannot read the ABC tune ({_one_line(e)})") from None
    if not records.notes:
        raise FileFormatError(f"{source}: the tune has no notes")
    return AbcTune(build_song(records, source), tuple(records.phrase_starts), report)


def _with_unit_length(text: str) -> str:
    """Add the ABC default L: field when the header has none: music21 needs it without a meter.

    The standard default is 1/16 for meters under 3/4, else 1/8 (also without a meter).
    """
    lines = text.splitlines()
    key = next((i for i, line in enumerate(lines) if line.startswith("K:")), len(lines))
    if any(line.startswith("L:") for line in lines[:key]):
        return text
    meter = next((re.match(r"M:\s*(\d+)\s*/\s*(\d+)", line) for line in lines[:key] if line.startswith("M:")), None)
    short = meter is not None and int(meter.group(2)) > 0 and int(meter.group(1)) / int(meter.group(2)) < 0.75
    return "\n".join([*lines[:key], "L:1/16" if short else "L:1/8", *lines[key:]]) + "\n"


def _music21_score(text: str, source: str) -> stream.Score:
    handler = _AbcRulesHandler()
    try:
        handler.process(text)
        return translate.abcToStreamScore(handler)
    except Exception as e:  # music21's ABC parser raises many types on malformed input
        raise FileFormatError(f"{source}: cannot read the ABC tune ({_one_line(e)})") from None


def _one_line(e: BaseException) -> str:
    return (" ".join(str(e).split()) or type(e).__name__)[:200]


def _raw_body(text: str) -> list[str]:
    lines = text.splitlines()
    key = next((i for i, line in enumerate(lines) if line.startswith("K:")), -1)
    return lines[key + 1:]


def body_lines(text: str) -> list[str]:
    """The tune's music lines: no fields, comments or blank lines; '\\' continuations joined."""
    out: list[str] = []
    pending = ""
    for raw in _raw_body(text):
        line = raw.split("%", 1)[0].rstrip()
        if _FIELD.match(line):
            continue
        if line.endswith("\\"):  # the line goes on: no line break in the music
            pending += line[:-1]
            continue
        line, pending = pending + line, ""
        if line.strip():
            out.append(line)
    if pending.strip():
        out.append(pending)
    return out


def note_counts(lines: list[str]) -> list[int]:
    """Notes starting on each body line, as ``music21_bridge`` will count them: a chord counts once,
    grace notes and rests not at all, and a note tied from an earlier one on the same staff position
    is part of that note (even across a line break, or a bar line that music21 adds)."""
    counts = []
    last: str | None = None  # staff position of the previous note (None after a rest)
    tie_open = False  # the previous note is tied to the next one
    for line in lines:
        handler = abcFormat.ABCHandler()
        handler.tokenize(line)
        count, in_grace = 0, False
        for token in handler.tokens:
            if isinstance(token, (abcFormat.ABCGraceStart, abcFormat.ABCGraceStop)):
                in_grace = isinstance(token, abcFormat.ABCGraceStart)
            elif isinstance(token, abcFormat.ABCTie):
                tie_open = last is not None
            elif isinstance(token, abcFormat.ABCNote) and not in_grace:
                position = _staff_position(token.src)
                if position is not None and not (tie_open and position == last):
                    count += 1
                last, tie_open = position, token.src.rstrip().endswith("-")
        counts.append(count)
    return counts


def _staff_position(src: str) -> str | None:
    """Letter and octave marks of a note token ('^c'' -> "c'"), '[chord]' for chords, None for rests."""
    found = _NOTE.search(_QUOTED.sub("", src))
    if found is None or found.group(1) in "zZxX":
        return None
    return "[chord]" if src.lstrip().startswith("[") else found.group(0)
