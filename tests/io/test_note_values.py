"""Spelling spans of ticks as written note values (plain, dotted, triplet) for MusicXML."""

from __future__ import annotations

from fractions import Fraction

import pytest
from music21 import duration

from melodystudio.core import PPQ
from melodystudio.io.note_values import WRITTEN, is_written_value, spelled

Q = PPQ


def test_the_written_values() -> None:
    assert sorted(WRITTEN, reverse=True) == [
        6720, 5760, 3840, 3360, 2880, 1920, 1680, 1440, 1280, 960, 840, 720, 640, 480, 420, 360, 320, 240, 180,
        160, 120, 80, 60, 40, 20]
    assert is_written_value(3 * Q // 2) and is_written_value(7 * Q // 4)  # dotted and double-dotted quarter
    assert is_written_value(2 * Q // 3)  # a quarter triplet
    assert not is_written_value(5 * Q // 2) and not is_written_value(11 * Q // 12)


@pytest.mark.parametrize(("span", "position", "values"), [
    (2 * Q, 0, [2 * Q]),  # a half note
    (3 * Q, Q, [3 * Q]),  # a dotted half from beat 2
    (5 * Q // 2, 0, [2 * Q, Q // 2]),  # 2.5 quarters on the downbeat: half tied to eighth
    (5 * Q // 2, 3 * Q // 2, [Q // 2, 2 * Q]),  # from the second eighth of beat 2: eighth tied to half
    (7 * Q // 2, 0, [7 * Q // 2]),  # a full 7/8 bar rest: a double-dotted half
    (15 * Q // 4, Q // 4, [Q // 4, 7 * Q // 2]),  # the rest of a 4/4 bar after a 16th
    (9 * Q // 2, 0, [4 * Q, Q // 2]),  # a full 9/8 bar: a whole tied to an eighth
    (5 * Q, 0, [4 * Q, Q]),  # a full 5/4 bar
    (Q + 2 * Q // 3, 0, [Q, 2 * Q // 3]),  # a quarter tied to a quarter triplet
    (440, 0, [320, 120]),  # 11/12 of a quarter: quarter triplet tied to a sixteenth
    (100, 20, [40, 60]),  # after a 64th triplet: a 32nd triplet, then a 32nd
    (16 * Q, 0, [14 * Q, 2 * Q]),  # longer than any value: double-dotted breve, half
])
def test_spans_are_spelled_with_few_values_in_metrical_order(span: int, position: int, values: list[int]) -> None:
    assert spelled(span, position) == values


def test_every_grid_span_up_to_two_bars_is_spelled_with_values_music21_can_write() -> None:
    for span in range(20, 8 * Q + 1, 20):
        values = spelled(span, 0)
        assert sum(values) == span and all(v in WRITTEN for v in values)
        assert len(values) <= 4, span
        assert spelled(span, 20) == sorted(values)  # off the longest value's grid: shortest first
    for value in WRITTEN:
        d = duration.Duration(Fraction(value, PPQ))
        assert d.type != "complex"
        assert [(t.numberNotesActual, t.numberNotesNormal) for t in d.tuplets] in ([], [(3, 2)])


@pytest.mark.parametrize("span", [0, -20, 30, 437])
def test_spans_off_the_notation_grid_are_refused(span: int) -> None:
    with pytest.raises(ValueError, match=f"a span of {span} ticks is not on the 20-tick notation grid"):
        spelled(span)
