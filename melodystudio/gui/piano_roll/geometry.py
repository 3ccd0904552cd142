"""Scene coordinates of the piano roll: x is ticks, y is rows counted down from the top pitch."""

from __future__ import annotations

from PySide6.QtCore import QRectF

TOP_PITCH = 127
ROWS = 128
NOTE_INSET = 0.08  # of a row: a gap between notes on neighbouring pitches


def row_of(pitch: int) -> float:
    return float(TOP_PITCH - pitch)


def pitch_at(y: float) -> int:
    """Pitch of the row at scene ``y``, clamped to MIDI's range."""
    return max(0, min(TOP_PITCH, TOP_PITCH - int(y // 1)))


def note_rect(onset: int, duration: int, pitch: int) -> QRectF:
    return QRectF(onset, row_of(pitch) + NOTE_INSET, duration, 1 - 2 * NOTE_INSET)
