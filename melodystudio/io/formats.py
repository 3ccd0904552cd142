"""The table of supported file formats and the two entry points that dispatch on it."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from melodystudio.core import MelodyStudioError, Song
from melodystudio.core.errors import FileFormatError
from melodystudio.io.report import ImportReport

MAX_FILE_BYTES = 64 * 1024 * 1024  # no melody file is this large; refuse before parsing


@dataclass(frozen=True)
class Format:
    name: str
    extensions: tuple[str, ...]
    reader: str | None  # "module:function", imported on first use (music21 is slow to import)
    writer: str | None


FORMATS: tuple[Format, ...] = (
    Format("MelodyStudio project", (".mstudio",), "melodystudio.io.project:read_project",
           "melodystudio.io.project:write_project"),
    Format("MIDI", (".mid", ".midi", ".kar"), "melodystudio.io.midi:read_midi", "melodystudio.io.midi:write_midi"),
    Format("MusicXML", (".musicxml", ".xml", ".mxl"), "melodystudio.io.musicxml:read_musicxml",
           "melodystudio.io.musicxml:write_musicxml"),
    Format("ABC", (".abc",), "melodystudio.io.abc:read_abc", None),
)


def _format_for(path: Path) -> Format:
    ext = path.suffix.lower()
    for fmt in FORMATS:
        if ext in fmt.extensions:
            return fmt
    known = ", ".join(e for f in FORMATS for e in f.extensions)
    raise FileFormatError(f"{path.name}: unknown file type '{ext or '(none)'}' (supported: {known})")


def _resolve(spec: str) -> Callable[..., object]:
    module, func = spec.split(":")
    mod = __import__(module, fromlist=[func])
    fn: Callable[..., object] = getattr(mod, func)
    return fn


def writable_extensions() -> list[str]:
    return [f.extensions[0] for f in FORMATS if f.writer is not None]


def load_song(path: str | os.PathLike[str], **options: object) -> tuple[Song, ImportReport]:
    """Read any supported file into a Song plus a report of what had to change.

    Raises MelodyStudioError (never anything else for bad input) with a one-line message.
    """
    p = Path(path)
    fmt = _format_for(p)
    if fmt.reader is None:
        raise FileFormatError(f"{p.name}: {fmt.name} files cannot be read")
    try:
        size = p.stat().st_size
    except FileNotFoundError:
        raise FileFormatError(f"{p}: no such file") from None
    except OSError as e:
        raise FileFormatError(f"{p}: cannot read ({e.strerror})") from None
    if p.is_dir():
        raise FileFormatError(f"{p}: is a folder, not a file")
    if size == 0:
        raise FileFormatError(f"{p.name}: the file is empty")
    if size > MAX_FILE_BYTES:
        raise FileFormatError(f"{p.name}: {size / 1e6:.0f} MB is too large for a melody file")
    reader = _resolve(fmt.reader)
    try:
        result = reader(p, **options)
    except MelodyStudioError:
        raise
    except (OSError, UnicodeDecodeError) as e:
        raise FileFormatError(f"{p.name}: cannot read {fmt.name} file ({e})") from None
    if not (isinstance(result, tuple) and isinstance(result[0], Song) and isinstance(result[1], ImportReport)):
        raise TypeError(f"{fmt.reader} returned {type(result).__name__}, not (Song, ImportReport)")
    return result[0], result[1]


def save_song(song: Song, path: str | os.PathLike[str]) -> None:
    """Write ``song`` in the format named by the file extension, atomically where the format allows."""
    p = Path(path)
    fmt = _format_for(p)
    if fmt.writer is None:
        raise FileFormatError(f"{p.name}: MelodyStudio reads {fmt.name} but does not write it")
    writer = _resolve(fmt.writer)
    try:
        writer(song, p)
    except MelodyStudioError:
        raise
    except OSError as e:
        raise FileFormatError(f"{p}: cannot write ({e.strerror or e})") from None
