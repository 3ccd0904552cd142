"""Load every OpenEWLD lead sheet and round-trip it through MusicXML (load -> save .musicxml -> load).

Not a test (it takes minutes); the tests in test_musicxml.py run ``round_trip_outcome`` on a few
files. Run from the repository root:

    nice -n 5 python -m tests.io.openewld_survey [FOLDER] [--json OUT.json]

Each file ends in one of: ``exact`` (the song read back equals the song loaded, the GM program
aside, which MusicXML does not store), ``snapped`` (it equals the song snapped to the notation grid,
``notation_grid.snapped_for_notation``), ``load failed``, ``save failed``, ``reload failed`` or
``differs`` (with the parts of the song that differ).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from melodystudio.core import MelodyStudioError, Song
from melodystudio.corpus.paths import data_root
from melodystudio.io import load_song, save_song
from melodystudio.io.notation_grid import off_grid_notes, snapped_for_notation

OPENEWLD = data_root() / "openewld"  # $MELODYSTUDIO_DATA/openewld, else ../shared/data/openewld
SONG_PARTS = ("title", "program", "tempos", "time signatures", "keys", "notes", "chords")  # Song.content() order


@dataclass(frozen=True)
class Outcome:
    file: str
    result: str  # exact, snapped, load failed, save failed, reload failed, differs
    detail: str = ""  # the error, or which parts of the song differ
    moved_notes: int = 0  # notes the writer snapped to the notation grid


def differing_parts(a: Song, b: Song) -> list[str]:
    """Names of the parts of ``Song.content()`` that differ, the GM program left out."""
    return [name for name, x, y in zip(SONG_PARTS, a.content(), b.content()) if x != y and name != "program"]


def round_trip_outcome(path: Path, scratch: Path) -> Outcome:
    try:
        song, _ = load_song(path)
    except MelodyStudioError as e:
        return Outcome(path.name, "load failed", str(e))
    out = scratch / "round_trip.musicxml"
    moved = off_grid_notes(song)
    try:
        save_song(song, out)
    except MelodyStudioError as e:
        return Outcome(path.name, "save failed", str(e), moved)
    try:
        back, _ = load_song(out)
    except MelodyStudioError as e:
        return Outcome(path.name, "reload failed", str(e), moved)
    if not differing_parts(song, back):
        return Outcome(path.name, "exact", "", moved)
    differs = differing_parts(snapped_for_notation(song), back)
    if not differs:
        return Outcome(path.name, "snapped", "", moved)
    return Outcome(path.name, "differs", ", ".join(differs), moved)


def survey(folder: Path) -> Iterator[Outcome]:
    with tempfile.TemporaryDirectory() as scratch:
        for path in sorted(folder.glob("*.mxl")):
            yield round_trip_outcome(path, Path(scratch))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, nargs="?", default=OPENEWLD)
    parser.add_argument("--json", type=Path, help="write every file's outcome here")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    outcomes = []
    for outcome in survey(args.folder):
        outcomes.append(outcome)
        if outcome.result not in ("exact", "snapped"):
            print(f"{outcome.file}: {outcome.result}: {outcome.detail}", file=sys.stderr)
    counts = Counter(o.result for o in outcomes)
    loaded = len(outcomes) - counts["load failed"]
    print(f"{len(outcomes)} files in {time.perf_counter() - started:.0f} s; loaded {loaded}")
    for result in ("exact", "snapped", "load failed", "save failed", "reload failed", "differs"):
        print(f"  {result}: {counts[result]}")
    if args.json:
        args.json.write_text(json.dumps([asdict(o) for o in outcomes], indent=1), "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
