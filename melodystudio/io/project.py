"""The ``.mstudio`` project file: versioned JSON, written atomically, never pickle.

Layout (schema 1)::

    {"format": "melodystudio-project", "schema": 1, "app": "0.1.0",
     "song": {"title": str, "program": int, "ppq": 480,
              "tempos": [[tick, us_per_quarter]], "time_signatures": [[bar, num, den]],
              "keys": [[tick, tonic, mode]],
              "notes": [[onset, duration, pitch, velocity, lyric | null]],
              "chords": [[onset, duration, root, quality, bass | null]]}}

A lyric is ``[text, syllabic, phrase_start, melisma]``. Readers refuse newer schemas with a clear
message instead of guessing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from melodystudio import __version__
from melodystudio.core import (
    PPQ,
    Chord,
    ChordSymbol,
    KeySignature,
    Lyric,
    MelodyStudioError,
    Note,
    Song,
    Syllabic,
    TempoChange,
    TimeSignature,
)
from melodystudio.core.errors import FileFormatError
from melodystudio.io.atomic import write_atomically
from melodystudio.io.report import ImportReport

FORMAT_TAG = "melodystudio-project"
SCHEMA = 1


def song_to_dict(song: Song) -> dict[str, Any]:
    return {
        "title": song.title,
        "program": song.program,
        "ppq": PPQ,
        "tempos": [[t.tick, t.us_per_quarter] for t in song.tempos],
        "time_signatures": [[s.bar, s.numerator, s.denominator] for s in song.time_signatures],
        "keys": [[k.tick, k.tonic, k.mode] for k in song.keys],
        "notes": [[n.onset, n.duration, n.pitch, n.velocity, _lyric_out(n.lyric)] for n in song.notes],
        "chords": [[c.onset, c.duration, c.symbol.root, c.symbol.quality, c.symbol.bass] for c in song.chords],
    }


def song_from_dict(data: dict[str, Any]) -> Song:
    """Build a Song; any structural problem becomes a MelodyStudioError naming the field."""
    field = "song"
    try:
        if data.get("ppq", PPQ) != PPQ:
            raise FileFormatError(f"ppq {data.get('ppq')} is not {PPQ}")
        field = "tempos"
        tempos = [TempoChange(int(t), int(us)) for t, us in data["tempos"]]
        field = "time_signatures"
        sigs = [TimeSignature(int(b), int(n), int(d)) for b, n, d in data["time_signatures"]]
        field = "keys"
        keys = [KeySignature(int(t), str(tonic), str(mode)) for t, tonic, mode in data["keys"]]
        field = "notes"
        notes = [Note(int(o), int(d), int(p), int(v), _lyric_in(ly)) for o, d, p, v, ly in data["notes"]]
        field = "chords"
        chords = [Chord(int(o), int(d), ChordSymbol(str(r), str(q), None if b is None else str(b)))
                  for o, d, r, q, b in data["chords"]]
        field = "song"
        program = int(data.get("program", 0))
        if not 0 <= program <= 127:
            raise FileFormatError(f"GM program {program} is outside 0-127")
        return Song(str(data.get("title", "")), program=program, tempos=tempos, time_signatures=sigs,
                    keys=keys, notes=notes, chords=chords)
    except MelodyStudioError as e:
        raise FileFormatError(f"{field}: {e}") from None
    except (KeyError, TypeError, ValueError) as e:
        raise FileFormatError(f"{field}: malformed entry ({type(e).__name__}: {e})") from None


def _lyric_out(lyric: Lyric | None) -> list[Any] | None:
    if lyric is None:
        return None
    return [lyric.text, lyric.syllabic.value, lyric.phrase_start, lyric.melisma]


def _lyric_in(data: Any) -> Lyric | None:
    if data is None:
        return None
    text, syllabic, phrase_start, melisma = data
    return Lyric(str(text), Syllabic(syllabic), bool(phrase_start), bool(melisma))


def write_project(song: Song, path: Path) -> None:
    doc = {"format": FORMAT_TAG, "schema": SCHEMA, "app": __version__, "song": song_to_dict(song)}
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
    write_atomically(path, text.encode("utf-8"))


def read_project(path: Path) -> tuple[Song, ImportReport]:
    raw = path.read_bytes()
    try:
        doc = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise FileFormatError(f"{path.name}: not a MelodyStudio project (the file is not UTF-8 text)") from None
    except json.JSONDecodeError as e:
        raise FileFormatError(f"{path.name}: damaged project file (JSON error at line {e.lineno})") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT_TAG:
        raise FileFormatError(f"{path.name}: not a MelodyStudio project file")
    schema = doc.get("schema")
    if not isinstance(schema, int) or schema < 1:
        raise FileFormatError(f"{path.name}: unknown project schema version {schema!r}")
    if schema > SCHEMA:
        raise FileFormatError(
            f"{path.name}: written by a newer MelodyStudio ({doc.get('app', '?')}, schema {schema}); "
            f"this version ({__version__}) reads schema {SCHEMA} - please update")
    song_data = doc.get("song")
    if not isinstance(song_data, dict):
        raise FileFormatError(f"{path.name}: the project holds no song")
    try:
        song = song_from_dict(song_data)
    except FileFormatError as e:
        raise FileFormatError(f"{path.name}: {e}") from None
    return song, ImportReport(source=str(path))
