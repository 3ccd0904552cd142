"""The note scene: one NoteItem per melody note, keyed by onset (the melody is monophonic, so an
onset names a note), updated only inside the tick range a ``SongChange`` reports."""

from __future__ import annotations

import bisect
from collections.abc import Iterable

from PySide6.QtCore import QObject, QRectF, Signal
from PySide6.QtWidgets import QGraphicsScene

from melodystudio.core import Note, Song
from melodystudio.gui.piano_roll.geometry import ROWS
from melodystudio.gui.piano_roll.ghost import GhostLayer
from melodystudio.gui.piano_roll.note_item import NoteItem

MIN_BARS_SHOWN = 32  # an empty song still has room to draw in
SPARE_BARS = 16  # room to keep writing after the last note


class NoteScene(QGraphicsScene):
    selection_changed = Signal()

    def __init__(self, song: Song, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.BspTreeIndex)
        self.ghost = GhostLayer(self)
        self._song = song
        self._items: dict[int, NoteItem] = {}
        self._onsets: list[int] = []  # sorted keys of _items
        self._selected: set[int] = set()
        self.rebuild(song)

    # -- building ---------------------------------------------------------------------------
    def rebuild(self, song: Song) -> None:
        """Drop every note item and build them again for ``song`` (a new or reloaded song)."""
        self._song = song
        for item in self._items.values():
            self.removeItem(item)
        self._items.clear()
        self._selected.clear()
        for note in song.notes:
            self._add(note)
        self._onsets = sorted(self._items)
        self.update_extent()
        self.selection_changed.emit()

    def sync_range(self, start: int, end: int | None) -> None:
        """Make the items with onsets in [start, end) match the song again."""
        stop = end if end is not None else max([*self._onsets[-1:], self._song.end_tick]) + 1
        lo, hi = bisect.bisect_left(self._onsets, start), bisect.bisect_left(self._onsets, stop)
        old = {onset: self._items.pop(onset) for onset in self._onsets[lo:hi]}
        fresh = self._song.notes_between(start, stop)
        for note in fresh:
            item = old.pop(note.onset, None)
            if item is None:
                self._add(note, onset_selected=note.onset in self._selected)
            else:  # reusing the item is much cheaper than re-indexing a new one (transpose, velocity)
                item.set_note(note)
                self._items[note.onset] = item
        for item in old.values():
            self.removeItem(item)
        self._onsets[lo:hi] = [n.onset for n in fresh]
        before = len(self._selected)
        self._selected = {o for o in self._selected if o in self._items}
        self.update_extent()
        if len(self._selected) != before:
            self.selection_changed.emit()

    def _add(self, note: Note, onset_selected: bool = False) -> None:
        item = NoteItem(note, onset_selected)
        self._items[note.onset] = item
        self.addItem(item)

    def update_extent(self, min_end_tick: int = 0) -> None:
        """Room for the song plus spare bars (and up to ``min_end_tick``, e.g. a ghost continuation)."""
        tl = self._song.timeline
        bars = max(MIN_BARS_SHOWN, self._song.bar_count + SPARE_BARS, tl.bar_at(min_end_tick) + 2)
        width = max(tl.bar_start(bars), self.sceneRect().width() if min_end_tick else 0)
        if self.sceneRect().width() != width:
            self.setSceneRect(QRectF(0, 0, width, ROWS))

    # -- lookup -----------------------------------------------------------------------------
    def item_at_onset(self, onset: int) -> NoteItem | None:
        return self._items.get(onset)

    def items_count(self) -> int:
        return len(self._items)

    def note_items(self) -> Iterable[NoteItem]:
        return self._items.values()

    # -- selection (onsets; kept in the scene because it is view state, not song state) ------
    @property
    def selected_onsets(self) -> frozenset[int]:
        return frozenset(self._selected)

    def selected_notes(self) -> list[Note]:
        return [self._items[o].note for o in sorted(self._selected)]

    def select(self, onsets: Iterable[int], *, add: bool = False) -> None:
        wanted = {o for o in onsets if o in self._items}
        if add:
            wanted |= self._selected
        if wanted == self._selected:
            return
        for o in self._selected - wanted:
            self._items[o].set_selected(False)
        for o in wanted - self._selected:
            self._items[o].set_selected(True)
        self._selected = wanted
        self.selection_changed.emit()

    def toggle(self, onset: int) -> None:
        self.select(self._selected ^ {onset})

    def clear_selection(self) -> None:
        self.select(())

    def select_all(self) -> None:
        self.select(self._onsets)

    def onsets_in(self, start: int, end: int, low_pitch: int, high_pitch: int) -> list[int]:
        """Notes overlapping ticks [start, end) with pitch in [low_pitch, high_pitch]."""
        first = max(0, bisect.bisect_right(self._onsets, start) - 1)
        last = bisect.bisect_left(self._onsets, end)
        out = []
        for onset in self._onsets[first:last]:
            n = self._items[onset].note
            if n.end > start and low_pitch <= n.pitch <= high_pitch:
                out.append(onset)
        return out
