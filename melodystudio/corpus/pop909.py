"""POP909 melodies (``pop909/pop909.jsonl.gz``; fields in ``shared/data/README.md``) as Songs.

Times in the file are beats; one beat is a quarter note here (480 ticks). Bars come from the
annotated ``downbeats``: a bar of n beats gets an n/4 time signature wherever the length changes
(2-beat bars in a 4/4 song become 2/4 bars). After the last downbeat bars keep ``beats_per_bar``.
Notes before the first downbeat (a pickup) are padded into full bars of ``beats_per_bar`` beats;
silent bars before the first note's bar (the intro) are cut, and ``meta['origin_beat']`` keeps
the source beat where tick 0 now lies. Keys: 'Gb:maj' -> Gb major; theoretical keys are respelled
(D#:maj -> Eb major). Chords: ``ChordSymbol.parse`` on the label; 'N' is no chord; a label that
does not parse is counted in ``meta['unknown_chords']`` and skipped.
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from melodystudio.core import PPQ, Chord, ChordSymbol, KeySignature, Note, Song, TimeSignature
from melodystudio.core.errors import MelodyStudioError
from melodystudio.core.pitch import FLAT_NAMES, SHARP_NAMES, pitch_class_of
from melodystudio.corpus import paths
from melodystudio.corpus.records import CorpusTune, ParseFailure, base_meta, jsonl_line, jsonl_tunes

SOURCE = "pop909"
_MODES = {"maj": "major", "min": "minor"}


def iter_pop909(path: Path | None = None, failures: list[ParseFailure] | None = None) -> Iterator[CorpusTune]:
    return jsonl_tunes(path or paths.pop909_path(), pop909_line, failures)


def pop909_line(line: str, failures: list[ParseFailure] | None = None) -> Iterator[CorpusTune]:
    """The tune of one JSONL line (nothing, and a recorded failure, when it cannot be read)."""
    return jsonl_line(line, SOURCE, pop909_tune, failures)


def pop909_tune(record: dict[str, Any]) -> CorpusTune:
    notes = record["notes"]
    onsets, durs, pitches = notes["onset"], notes["dur"], notes["pitch"]
    if not onsets:
        raise MelodyStudioError("the song has no melody notes")
    bpb = int(record["beats_per_bar"])
    lines = bar_lines(record["downbeats"], bpb, min(onsets))
    origin = lines[0]

    def tick(beat: float) -> int:
        return round((beat - origin) * PPQ)

    song_notes = [Note(tick(o), tick(o + d) - tick(o), int(p)) for o, d, p in zip(onsets, durs, pitches)]
    chords, unknown = _chords(record.get("chords"), tick)
    keys, respelled = _keys(record.get("keys"), tick)
    song = Song(str(record["id"]), time_signatures=time_signatures(lines, bpb), keys=keys,
                notes=song_notes, chords=chords)
    meta = base_meta(key=keys[0].label() if keys else None, meter=f"{bpb}/4")
    meta.update(origin_beat=origin, irregular_meter=bool(record.get("irregular_meter", False)),
                unknown_chords=unknown, respelled_keys=respelled)
    return CorpusTune(SOURCE, str(record["id"]), str(record["split"]), song, None, meta)


def bar_lines(downbeats: list[int], beats_per_bar: int, first_onset: float) -> list[int]:
    """Bar starts in beats, from the bar holding the first note (a pickup gets padded bars in front)."""
    if not downbeats:
        raise MelodyStudioError("no downbeats")
    first = downbeats[0]
    if first_onset < first:
        lead = math.ceil((first - first_onset) / beats_per_bar)
        return [first - beats_per_bar * k for k in range(lead, 0, -1)] + list(downbeats)
    return list(downbeats[bisect.bisect_right(downbeats, first_onset) - 1:])


def time_signatures(lines: list[int], beats_per_bar: int) -> list[TimeSignature]:
    """n/4 for a bar of n beats, emitted where the bar length changes; ``beats_per_bar`` after the last line."""
    lengths = [b - a for a, b in itertools.pairwise(lines)] + [beats_per_bar]
    out: list[TimeSignature] = []
    for bar, length in enumerate(lengths):
        if length != int(length) or length <= 0:
            raise MelodyStudioError(f"bar {bar + 1} is {length} beats long; bars must be whole beats")
        if not out or out[-1].numerator != int(length):
            out.append(TimeSignature(bar, int(length), 4))
    return out


def _chords(chords: dict[str, list[Any]] | None, tick: Callable[[float], int]) -> tuple[list[Chord], int]:
    """Chords clipped to start at tick 0, and the number of labels that did not parse."""
    out: list[Chord] = []
    unknown = 0
    if not chords:
        return out, unknown
    for onset, dur, label in zip(chords["onset"], chords["dur"], chords["label"]):
        start, end = max(0, tick(onset)), tick(onset + dur)
        try:
            symbol = ChordSymbol.parse(label)
        except MelodyStudioError:
            unknown += 1
            continue
        if symbol is not None and end > start:
            out.append(Chord(start, end - start, symbol))
    return out, unknown


def _keys(keys: dict[str, list[Any]] | None, tick: Callable[[float], int]) -> tuple[list[KeySignature], int]:
    """Key changes (the last one at or before tick 0 holds from 0), and how many were respelled."""
    by_tick: dict[int, KeySignature] = {}
    respelled = 0
    if not keys:
        return [], 0
    for onset, label in sorted(zip(keys["onset"], keys["label"]), key=lambda x: x[0]):
        key, changed = key_from_label(label, max(0, tick(onset)))
        respelled += changed
        by_tick[key.tick] = key
    out: list[KeySignature] = []
    for key in by_tick.values():
        if not out or (out[-1].tonic, out[-1].mode) != (key.tonic, key.mode):
            out.append(key)
    return out, respelled


def key_from_label(label: str, tick: int = 0) -> tuple[KeySignature, bool]:
    """'Gb:maj' -> (Gb major, False); 'D#:maj' -> (Eb major, True): a key without a standard
    signature is respelled enharmonically."""
    root, _, mode_text = label.partition(":")
    mode = _MODES.get(mode_text)
    if mode is None:
        raise MelodyStudioError(f"key label '{label}' is neither maj nor min")
    try:
        return KeySignature(tick, root, mode), False
    except MelodyStudioError:
        pc = pitch_class_of(root)
        other = FLAT_NAMES[pc] if "#" in root else SHARP_NAMES[pc]
        return KeySignature(tick, other, mode), True
