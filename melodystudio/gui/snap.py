"""The snap grid: note values a drawn or moved note locks to (Qt-free).

Grid lines are counted from the start of each bar, so odd meters (7/8, 5/4) keep their bar lines
on the grid whatever note value is chosen.
"""

from __future__ import annotations

from dataclasses import dataclass

from melodystudio.core import PPQ
from melodystudio.core.timeline import Timeline


@dataclass(frozen=True, slots=True)
class SnapValue:
    label: str  # shown in the snap combo box
    ticks: int  # 0: no snapping (one tick)


SNAP_VALUES: tuple[SnapValue, ...] = (
    SnapValue("1/4", PPQ),
    SnapValue("1/8", PPQ // 2),
    SnapValue("1/16", PPQ // 4),
    SnapValue("1/32", PPQ // 8),
    SnapValue("1/4T", PPQ * 2 // 3),
    SnapValue("1/8T", PPQ // 3),
    SnapValue("1/16T", PPQ // 6),
    SnapValue("Off", 0),
)
DEFAULT_SNAP = "1/16"
FALLBACK_TICKS = PPQ // 4  # a step for arrow keys and quantize when snapping is off


def snap_value(label: str) -> SnapValue:
    for value in SNAP_VALUES:
        if value.label == label:
            return value
    return snap_value(DEFAULT_SNAP)


def step_ticks(snap: SnapValue) -> int:
    """Length of one grid step: the default note length and the arrow-key move."""
    return snap.ticks or FALLBACK_TICKS


def snap_tick(timeline: Timeline, tick: int, snap: SnapValue, *, floor: bool = False) -> int:
    """The grid line nearest to ``tick`` (or the one at or before it with ``floor``)."""
    if snap.ticks <= 0:
        return max(0, tick)
    bar_start = timeline.bar_start(timeline.bar_at(max(0, tick)))
    offset = tick - bar_start
    steps = offset // snap.ticks if floor else (offset + snap.ticks // 2) // snap.ticks
    return max(0, bar_start + steps * snap.ticks)


def snap_length(length: int, snap: SnapValue) -> int:
    """A dragged length rounded to whole grid steps, never shorter than one step."""
    step = step_ticks(snap)
    if snap.ticks <= 0:
        return max(1, length)
    return max(step, (length + step // 2) // step * step)
