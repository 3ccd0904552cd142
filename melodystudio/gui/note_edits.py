"""Edits the piano roll needs that core does not plan yet, composed from core's ReplaceNotes (Qt-free).

Each returns one core ``Edit`` (so it is one undo step) or None when it would change nothing.
Core could gain these planners directly: set_velocity, quantize, paste/duplicate (an offset copy).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from dataclasses import replace

from melodystudio.core import Lyric, MelodyStudioError, Note, Song, Syllabic, edits
from melodystudio.core.errors import EditError
from melodystudio.core.song import MAX_NOTES
from melodystudio.gui.snap import SnapValue, snap_length, snap_tick, step_ticks

CLIP_FORMAT = "melodystudio-notes"
CLIP_VERSION = 1


def _count(notes: Sequence[Note]) -> str:
    return "note" if len(notes) == 1 else f"{len(notes)} notes"


def set_velocity(song: Song, notes: Sequence[Note], velocity: int) -> edits.Edit | None:
    """Every note in ``notes`` gets ``velocity`` (clamped to 1-127)."""
    v = max(1, min(127, velocity))
    changed = [n for n in notes if n.velocity != v]
    if not changed:
        return None
    return edits.ReplaceNotes(tuple(changed), tuple(replace(n, velocity=v) for n in changed),
                              f"Set velocity of {_count(changed)}")


def scale_velocity(song: Song, notes: Sequence[Note], delta: int) -> edits.Edit | None:
    """Shift each note's velocity by ``delta``, keeping the accents between them."""
    changed = [(n, max(1, min(127, n.velocity + delta))) for n in notes]
    changed = [(n, v) for n, v in changed if v != n.velocity]
    if not changed:
        return None
    return edits.ReplaceNotes(tuple(n for n, _ in changed), tuple(replace(n, velocity=v) for n, v in changed),
                              f"Change velocity of {_count([n for n, _ in changed])}")


def quantize(song: Song, notes: Sequence[Note], snap: SnapValue) -> edits.Edit | None:
    """Onsets to the nearest grid line, lengths to whole grid steps; notes landing on the same
    onset keep the first, and each note is cut where the next quantized one starts."""
    grid = snap if snap.ticks > 0 else SnapValue("1/16", step_ticks(snap))
    targets: dict[int, Note] = {}
    for n in sorted(notes):
        onset = snap_tick(song.timeline, n.onset, grid)
        targets.setdefault(onset, replace(n, onset=onset, duration=snap_length(n.duration, grid)))
    placed = sorted(targets.values())
    fitted = [replace(a, duration=min(a.duration, b.onset - a.onset)) for a, b in itertools.pairwise(placed)]
    fitted += placed[-1:]
    if all(any(m.same(n) for m in fitted) for n in notes) and len(fitted) == len(notes):
        return None
    return edits.place_notes(song, fitted, removing=notes, description=f"Quantize {_count(notes)}")


def shifted(notes: Sequence[Note], delta_ticks: int) -> list[Note]:
    return [replace(n, onset=n.onset + delta_ticks) for n in notes]


def paste(song: Song, clip: Sequence[Note], at_tick: int) -> edits.Edit | None:
    """Place ``clip`` (onsets relative to 0) starting at ``at_tick``; pasted notes win."""
    if not clip:
        return None
    placed = shifted(clip, at_tick)
    return edits.place_notes(song, placed, description=f"Paste {_count(placed)}")


def duplicate(song: Song, notes: Sequence[Note], snap: SnapValue) -> tuple[edits.Edit, list[Note]] | None:
    """Copies of ``notes`` right after them (the span rounded up to the grid); returns the copies too."""
    if not notes:
        return None
    first, last_end = min(n.onset for n in notes), max(n.end for n in notes)
    step = step_ticks(snap)
    span = -(-(last_end - first) // step) * step
    copies = shifted(sorted(notes), span)
    if len(song.notes) + len(copies) > MAX_NOTES:
        raise EditError(f"duplicating would make more than {MAX_NOTES} notes")
    return edits.place_notes(song, copies, description=f"Duplicate {_count(copies)}"), copies


def clip_of(notes: Sequence[Note]) -> list[Note]:
    """The selection as a clip: onsets relative to the first note."""
    if not notes:
        return []
    first = min(n.onset for n in notes)
    return shifted(sorted(notes), -first)


def encode_clip(clip: Sequence[Note]) -> str:
    """A clip as JSON text (what goes on the system clipboard)."""
    rows = [[n.onset, n.duration, n.pitch, n.velocity, _lyric_row(n.lyric)] for n in clip]
    return json.dumps({"format": CLIP_FORMAT, "version": CLIP_VERSION, "notes": rows})


def decode_clip(text: str) -> list[Note]:
    """The clip in ``text``; [] for anything that is not a MelodyStudio clip."""
    try:
        data = json.loads(text)
        if data.get("format") != CLIP_FORMAT or data.get("version") != CLIP_VERSION:
            return []
        return [Note(int(o), int(d), int(p), int(v), _lyric_from(ly)) for o, d, p, v, ly in data["notes"]]
    except (ValueError, TypeError, KeyError, AttributeError, MelodyStudioError):
        return []


def _lyric_row(lyric: Lyric | None) -> list[object] | None:
    if lyric is None:
        return None
    return [lyric.text, lyric.syllabic.value, lyric.phrase_start, lyric.melisma]


def _lyric_from(row: list[object] | None) -> Lyric | None:
    if row is None:
        return None
    text, syllabic, phrase_start, melisma = row
    return Lyric(str(text), Syllabic(syllabic), bool(phrase_start), bool(melisma))
