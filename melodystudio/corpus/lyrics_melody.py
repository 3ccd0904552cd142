"""English lyric-to-melody pairs (``lyrics_melody/lyrics_melody.jsonl.gz``) as Songs, notes only.

The source's beat unit behaves like an eighth note (see its README), so one unit is 240 ticks.
A note starts after the previous note's duration plus its own ``rest``. No meter is known: bars
are 4/4 for the tokenizer and ``meta['meter_known']`` is False. A phrase (lyric line) starts where
the phrase id changes. Syllables, word and phrase ids stay in ``meta`` for the lyrics model.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from melodystudio.core import PPQ, Note, Song, TimeSignature
from melodystudio.core.errors import MelodyStudioError
from melodystudio.corpus import paths
from melodystudio.corpus.records import CorpusTune, ParseFailure, base_meta, jsonl_line, jsonl_tunes

SOURCE = "lyrics_melody"
UNIT_TICKS = PPQ // 2  # one source unit = an eighth note


def iter_lyrics_melody(path: Path | None = None, failures: list[ParseFailure] | None = None) -> Iterator[CorpusTune]:
    return jsonl_tunes(path or paths.lyrics_melody_path(), lyrics_line, failures)


def lyrics_line(line: str, failures: list[ParseFailure] | None = None) -> Iterator[CorpusTune]:
    """The tune of one JSONL line (nothing, and a recorded failure, when it cannot be read)."""
    return jsonl_line(line, SOURCE, lyrics_tune, failures)


def lyrics_tune(record: dict[str, Any]) -> CorpusTune:
    pitches, durs, rests = record["pitch"], record["dur"], record["rest"]
    phrase_ids = record["phrase"]
    if not pitches:
        raise MelodyStudioError("the song has no notes")
    if not len(pitches) == len(durs) == len(rests) == len(phrase_ids):
        raise MelodyStudioError("per-note lists differ in length")
    notes, onset = [], 0
    for pitch, dur, rest in zip(pitches, durs, rests):
        onset += _ticks(rest)
        length = _ticks(dur)
        notes.append(Note(onset, length, int(pitch)))
        onset += length
    song = Song(str(record["id"]), time_signatures=[TimeSignature(0, 4, 4)], notes=notes)
    phrases = [i == 0 or phrase_ids[i] != phrase_ids[i - 1] for i in range(len(phrase_ids))]
    meta = base_meta(meter="4/4", meter_known=False)
    meta.update(syllables=list(record["syllables"]), word=list(record["word"]), phrase=list(phrase_ids))
    return CorpusTune(SOURCE, str(record["id"]), str(record["split"]), song, phrases, meta)


def _ticks(units: float) -> int:
    ticks = units * UNIT_TICKS
    if ticks < 0 or abs(ticks - round(ticks)) > 1e-6:
        raise MelodyStudioError(f"{units} units is not a whole number of ticks")
    return round(ticks)
