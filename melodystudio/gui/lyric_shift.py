"""Re-aligning the lyrics by dragging one syllable onto another note (Qt-free).

The lyric is read as one slot per melody note: a syllable, a melisma (the syllable before it held
on) or None (a note that sings nothing). Dragging the syllable on note ``source`` onto note
``target`` keeps the syllables in order and only moves them against the notes:

- right by k notes: k slots open before the syllable; it and the syllables after it move right
  until k notes that sing nothing (None) have been taken up, the nearest first, so the lyric after
  those gaps keeps its notes. An opened slot holds the syllable before it (a melisma,
  ``Lyric.continuation()``) when a syllable or its melisma comes just before, inside a word or
  after one: "won-der" dragged from "der" sings "won" longer. At the song's start or after a note
  that sings nothing it stays empty (None), so no melisma ever belongs to nothing.
- left by k notes: the k held or empty slots just before the syllable are removed; it and the
  syllables after it move left up to the next note that sings nothing (or the song's end), where
  k empty slots open.

No syllable is ever overwritten or lost: a drag that would need more free slots than there are
stops at the nearest note it can reach (``drop_target``). Text, syllabic and phrase_start travel
with each syllable unchanged, so words and phrases read exactly as before.
"""

from __future__ import annotations

from collections.abc import Sequence

from melodystudio.core import Lyric, MelodyStudioError, Song, edits

Slot = Lyric | None
DESCRIPTION = "Re-align lyrics"


def _is_syllable(slot: Slot) -> bool:
    return slot is not None and not slot.melisma


def _check_source(slots: Sequence[Slot], source: int) -> None:
    if not 0 <= source < len(slots) or not _is_syllable(slots[source]):
        raise MelodyStudioError(f"note {source + 1} carries no syllable to drag")


def _free_before(slots: Sequence[Slot], source: int) -> int:
    """How many held or empty slots lie directly before ``source``."""
    k = 0
    while source - k - 1 >= 0 and not _is_syllable(slots[source - k - 1]):
        k += 1
    return k


def drop_target(slots: Sequence[Slot], source: int, wanted: int) -> int:
    """The note nearest to ``wanted`` that the syllable on ``source`` can be dragged to."""
    _check_source(slots, source)
    wanted = min(max(wanted, 0), len(slots) - 1)
    if wanted > source:
        room = sum(1 for slot in slots[source + 1:] if slot is None)
        return source + min(wanted - source, room)
    return source - min(source - wanted, _free_before(slots, source))


def _opened_slot(slots: Sequence[Slot], source: int) -> Slot:
    """What a slot opened before ``source`` holds: the syllable sung before it, or nothing."""
    for slot in reversed(slots[:source]):
        if slot is None:
            return None
        if not slot.melisma:
            return Lyric.continuation()
    return None


def shifted_lyrics(slots: Sequence[Slot], source: int, target: int) -> list[Slot]:
    """The slots after dragging the syllable on ``source`` to ``target`` (rules: module docstring);
    MelodyStudioError when ``target`` cannot be reached without overwriting a syllable."""
    if drop_target(slots, source, target) != target:
        raise MelodyStudioError(f"the syllable on note {source + 1} cannot move to note {target + 1}: "
                                "no held or empty note is free to make room")
    k = abs(target - source)
    if target > source:
        out = [*slots[:source], *[_opened_slot(slots, source)] * k, slots[source]]
        taken = 0
        for slot in slots[source + 1:]:
            if slot is None and taken < k:
                taken += 1  # a gap after the dragged syllable takes up the shift
                continue
            out.append(slot)
        return out
    gap = next((g for g in range(source + 1, len(slots)) if slots[g] is None), len(slots))
    return list(slots[:source - k]) + list(slots[source:gap]) + [None] * k + list(slots[gap:])


def realign_lyrics(song: Song, source: int, target: int) -> edits.Edit | None:
    """Planner: the syllable on note ``source`` (index into ``song.notes``) dragged to ``target``,
    as one edit of the notes whose lyric changes; None when nothing would change."""
    notes = song.notes
    slots = [n.lyric for n in notes]
    new = shifted_lyrics(slots, source, target)
    pairs = [(n, lyric) for n, old, lyric in zip(notes, slots, new, strict=True) if old != lyric]
    if not pairs:
        return None
    edit = edits.set_lyrics(song, pairs)
    return edits.ReplaceNotes(edit.removed, edit.added, DESCRIPTION)
