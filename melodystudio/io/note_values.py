"""Written note values, and how a span of ticks is spelled with them as tied notes or rests.

A notated note or rest has one written value: plain, dotted or double-dotted (breve down to 32nd
note), or a triplet value (three in the time of two: a quarter-note triplet is 320 ticks). A span
that is no single value, such as 2.5 quarters in a bar, is written as several tied notes (or
several rests). music21 calls such a span "complex" and splits it only in its slow
``makeNotation`` pass, which the MusicXML writer skips; other odd spans it writes as one note in a
tuplet nobody reads (11 in the time of 12). So spelling is done here, before music21 sees a note.

Every span on the notation grid (``notation_grid.NOTATION_GRID``, 20 ticks) can be spelled: a span
of whole 32nd notes with plain and dotted values only, any other span with one triplet value more.
"""

from __future__ import annotations

from melodystudio.core.timeline import PPQ
from melodystudio.io.notation_grid import NOTATION_GRID

# The written values in ticks at PPQ 480, longest first.
PLAIN = (8 * PPQ, 4 * PPQ, 2 * PPQ, PPQ, PPQ // 2, PPQ // 4, PPQ // 8)  # breve, whole ... 32nd
DOTTED = tuple(v * 3 // 2 for v in PLAIN[:-1])  # dotted breve ... dotted 16th (a dotted 32nd is off the grid)
DOUBLE_DOTTED = tuple(v * 7 // 4 for v in PLAIN[:-2])  # double-dotted breve ... double-dotted eighth
TRIPLET = (*(v * 2 // 3 for v in PLAIN[1:]), PPQ // 24)  # whole-note triplet ... 32nd triplet, 64th triplet
BINARY = tuple(sorted(PLAIN + DOTTED + DOUBLE_DOTTED, reverse=True))  # all whole 32nd notes
WRITTEN = frozenset(BINARY + TRIPLET)
THIRTY_SECOND = PPQ // 8


def is_written_value(ticks: int) -> bool:
    """Whether one note (plain, dotted, double-dotted or triplet) of ``ticks`` length can be written."""
    return ticks in WRITTEN


def spelled(span: int, position: int = 0) -> list[int]:
    """The written values, in order, that spell ``span`` ticks starting ``position`` ticks into the bar.

    One value when there is one. Otherwise the fewest binary values (largest first) plus, for a span
    that is not whole 32nds, the longest triplet value that leaves whole 32nds. They are written
    longest first when the span starts on a multiple of the longest one (a half tied to an eighth on
    the downbeat), else shortest first (an eighth tied to a half from the second eighth of the bar).
    """
    if span <= 0 or span % NOTATION_GRID:
        raise ValueError(f"a span of {span} ticks is not on the {NOTATION_GRID}-tick notation grid")
    if span in WRITTEN:
        return [span]
    triplet = 0
    if span % THIRTY_SECOND:
        triplet = max(t for t in TRIPLET if t <= span and (span - t) % THIRTY_SECOND == 0)
    values = [triplet] if triplet else []
    rest = span - triplet
    while rest:
        value = next(v for v in BINARY if v <= rest)
        values.append(value)
        rest -= value
    values.sort(reverse=True)
    if position % values[0]:
        values.reverse()
    return values
