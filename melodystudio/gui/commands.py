"""Undo commands: each wraps one core edit, so the undo stack needs nothing but the model.

``redo()`` applies the forward edit and keeps the inverse that ``Song.apply`` returns; ``undo()``
applies the inverse. An edit the model refuses marks the command obsolete during its first
``redo()``, so ``QUndoStack.push`` drops it and the error reaches the user instead of the stack.
"""

from __future__ import annotations

from PySide6.QtGui import QUndoCommand

from melodystudio.core import MelodyStudioError, Song
from melodystudio.core.edits import Compound, Edit

NO_MERGE = -1
MERGE_TEMPO, MERGE_VELOCITY = 1001, 1002  # consecutive commands with one of these ids fold together


class EditCommand(QUndoCommand):
    """One undoable step: ``edit`` applied to ``song``."""

    def __init__(self, song: Song, edit: Edit, merge_id: int = NO_MERGE) -> None:
        super().__init__(edit.description)
        self._song = song
        self._forward: Edit = edit
        self._inverse: Edit | None = None
        self._merge_id = merge_id
        self.error: MelodyStudioError | None = None

    def redo(self) -> None:
        try:
            self._inverse = self._song.apply(self._forward)
        except MelodyStudioError as e:
            # Only the first redo can fail (later ones replay a state the model accepted).
            self.error = e
            self._inverse = None
            self.setObsolete(True)

    def undo(self) -> None:
        if self._inverse is not None:
            self._forward = self._song.apply(self._inverse)

    def id(self) -> int:
        return self._merge_id

    def mergeWith(self, other: QUndoCommand) -> bool:
        """Fold a following command of the same kind (spin-box steps) into this one."""
        if not isinstance(other, EditCommand) or other.id() != self.id() or other._song is not self._song:
            return False
        if other._inverse is None or self._inverse is None:
            return False
        self._forward = Compound((self._forward, other._forward), other.text())
        self._inverse = Compound((other._inverse, self._inverse), other.text())
        self.setText(other.text())
        return True
