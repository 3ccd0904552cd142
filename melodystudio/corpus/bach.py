"""Bach chorale sopranos from music21's corpus (the 371 Riemenschneider chorales; 350 files).

The soprano is the part the music21 bridge picks by name. Phrases start on the first note and on
the note after each fermata (chorale phrases end on fermatas). German lyrics stay in ``meta``.
"""

from __future__ import annotations

import bisect
import functools
from collections.abc import Iterator
from pathlib import Path

from melodystudio.core import Song
from melodystudio.core.errors import MelodyStudioError
from melodystudio.corpus import paths
from melodystudio.corpus.records import CorpusTune, ParseFailure, base_meta, failure_reason, record_failure
from melodystudio.corpus.splits import path_split
from melodystudio.io.music21_bridge import build_song, choose_part, records_from_score, ticks
from melodystudio.io.report import ImportReport

SOURCE = "bach"


def chorale_files() -> list[str]:
    """Corpus-relative paths ('bach/bwv269.mxl') of the Riemenschneider chorales, each file once."""
    from music21.corpus import chorales

    out: dict[str, None] = {}
    for name in chorales.Iterator(returnType="filename"):
        rel = _chorale_file(name)
        if rel is not None:
            out[rel] = None
    return list(out)


def _chorale_file(name: str) -> str | None:
    """'bach/bwv269' -> 'bach/bwv269.mxl'; music21 keeps one as .xml and names one 'bwv18.5-lz'."""
    from music21 import corpus

    base = paths.music21_corpus_dir()
    for suffix in (".mxl", ".xml"):
        if (base / f"{name}{suffix}").is_file():
            return f"{name}{suffix}"
    found = corpus.getWork(name)
    if isinstance(found, list) or found is None:
        return None
    return Path(found).relative_to(base).as_posix()


def iter_bach(files: list[str] | None = None, failures: list[ParseFailure] | None = None) -> Iterator[CorpusTune]:
    for rel in chorale_files() if files is None else files:
        try:
            yield bach_tune(rel)
        except Exception as e:  # one bad file must not stop the build
            record_failure(failures, ParseFailure(SOURCE, rel, path_split(rel), failure_reason(e)))


def bach_tune(rel: str) -> CorpusTune:
    from music21 import converter, stream

    score = converter.parse(str(paths.music21_corpus_dir() / rel))
    if not isinstance(score, stream.Score):
        raise MelodyStudioError(f"{rel} is not a single score")
    report = ImportReport(source=rel)
    song = build_song(records_from_score(score, report, source=rel), rel)
    soprano = choose_part(score, None, ImportReport(), rel)
    phrases = fermata_phrases(soprano, song)
    sigs = song.time_signatures
    meta = base_meta(title=_title(rel), key=song.keys[0].label() if song.keys else None,
                     meter=str(sigs[0]))
    meta.update(file=rel, part=report.chosen_part, warnings=list(report.warnings),
                syllables=[n.lyric.text if n.lyric is not None else "" for n in song.notes])
    return CorpusTune(SOURCE, rel, path_split(rel), song, phrases, meta)


def fermata_phrases(part: object, song: Song) -> list[bool]:
    """Per song note: True on the first note and on the first note at or after each fermata's end."""
    from music21 import expressions

    flat = [n for n in part.flatten().notes if not n.duration.isGrace]  # type: ignore[attr-defined]
    if not flat or not song.notes:
        return [True] * min(1, len(song.notes))
    pad = song.notes[0].onset - ticks(flat[0].offset)  # the bridge's pickup padding
    ends = sorted(pad + ticks(n.offset + n.quarterLength) for n in flat
                  if any(isinstance(e, expressions.Fermata) for e in n.expressions))
    flags = [False] * len(song.notes)
    flags[0] = True
    onsets = [n.onset for n in song.notes]
    for end in ends:
        i = bisect.bisect_left(onsets, end)
        if i < len(flags):
            flags[i] = True
    return flags


def _title(rel: str) -> str | None:
    entry = _chorale_list().get(Path(rel).stem.removeprefix("bwv"))
    return entry["title"] if entry else None


@functools.cache
def _chorale_list() -> dict[str, dict]:
    """BWV number ('269', '153.1') -> music21's entry (title, Riemenschneider and Kalmus numbers)."""
    from music21.corpus import chorales

    return chorales.ChoraleListRKBWV().byBWV
