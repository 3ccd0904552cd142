"""Dragging a syllable in the lyric lane re-aligns the lyrics (issue 5). Twinkle's slots, one per
note: Twin- kle twin- kle lit- tle star / How I won- _ der (the '_' holds "won")."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from melodystudio.core import Lyric, MelodyStudioError, Note, Song, Syllabic
from melodystudio.gui.lyric_shift import DESCRIPTION, Slot, drop_target, realign_lyrics, shifted_lyrics
from melodystudio.gui.piano_roll import PianoRoll
from tests.conftest import twinkle

HOLD = Lyric.continuation()


def words(slots: list[Slot]) -> str:
    """Slots as text: 'Twin-' continues a word, '_' holds, '.' sings nothing, '/' opens a phrase."""
    out = []
    for s in slots:
        if s is None:
            out.append(".")
        elif s.melisma:
            out.append("_")
        else:
            out.append(("/" if s.phrase_start else "") + s.text + ("-" if s.syllabic.continues else ""))
    return " ".join(out)


def twinkle_slots() -> list[Slot]:
    return [n.lyric for n in twinkle().notes]


def first_phrase_only() -> list[Slot]:
    """Twinkle with only 'Twin-kle twin-kle lit-tle star' set: bar 3's five notes sing nothing."""
    return twinkle_slots()[:7] + [None] * 5


# -- the pure rules ---------------------------------------------------------------------------
def test_twinkle_reads_as_expected() -> None:
    assert words(twinkle_slots()) == "/Twin- kle twin- kle lit- tle star /How I won- _ der"


def test_dragging_right_holds_the_syllable_before_and_takes_up_the_next_gaps() -> None:
    new = shifted_lyrics(first_phrase_only(), 4, 6)  # "lit" onto the note of "star"
    assert words(new) == "/Twin- kle twin- kle _ _ lit- tle star . . ."
    assert new[4] == HOLD and new[5] == HOLD
    assert new[6] == Lyric("lit", Syllabic.BEGIN) and new[8] == Lyric("star")


def test_dragging_inside_a_word_holds_its_first_syllable() -> None:
    new = shifted_lyrics(first_phrase_only(), 1, 2)  # "kle" one note right: "Twin" sung longer
    assert words(new) == "/Twin- _ kle twin- kle lit- tle star . . . ."


def test_a_gap_stops_the_ripple_so_later_lyrics_keep_their_notes() -> None:
    slots = [*twinkle_slots()[:7], None, *twinkle_slots()[7:11]]  # a silent note after "star"
    assert words(shifted_lyrics(slots, 4, 5)) == "/Twin- kle twin- kle _ lit- tle star /How I won- _"
    assert drop_target(slots, 4, 6) == 5  # only one free note: "lit" goes no further
    assert words(shifted_lyrics(slots, 0, 1)) == ". /Twin- kle twin- kle lit- tle star /How I won- _"


def test_dragging_left_removes_held_slots_and_opens_a_gap_at_the_end() -> None:
    new = shifted_lyrics(twinkle_slots(), 11, 10)  # "der" onto the held note of "won"
    assert words(new) == "/Twin- kle twin- kle lit- tle star /How I won- der ."
    assert shifted_lyrics(new, 10, 11) == twinkle_slots()  # and back: the hold is restored


def test_dragging_left_opens_the_gap_at_the_next_silent_note() -> None:
    slots = [*first_phrase_only()[:4], None, None, *first_phrase_only()[4:10]]
    assert words(slots) == "/Twin- kle twin- kle . . lit- tle star . . ."
    assert words(shifted_lyrics(slots, 6, 4)) == "/Twin- kle twin- kle lit- tle star . . . . ."


def test_a_drag_stops_at_the_nearest_note_it_can_reach() -> None:
    slots = twinkle_slots()
    assert drop_target(slots, 11, 3) == 10  # only one held note before "der"
    assert drop_target(slots, 7, 2) == 7  # "star" sits right before "How"
    assert drop_target(slots, 4, 11) == 4  # every note sings: no room on the right
    assert drop_target(first_phrase_only(), 4, 40) == 9  # five free notes, clamped to the song
    with pytest.raises(MelodyStudioError, match="cannot move to note 3"):
        shifted_lyrics(slots, 11, 2)
    with pytest.raises(MelodyStudioError, match="note 11 carries no syllable"):
        drop_target(slots, 10, 9)


def test_the_planner_changes_only_the_notes_whose_lyric_moves() -> None:
    song = twinkle()
    edit = realign_lyrics(song, 11, 10)
    assert edit is not None and edit.description == DESCRIPTION
    assert [n.onset for n in edit.removed] == [song.notes[10].onset, song.notes[11].onset]
    assert realign_lyrics(song, 3, 3) is None
    song.apply(edit)
    assert song.lyric_text() == "Twinkle twinkle little star\nHow I wonder"


# -- the lane ---------------------------------------------------------------------------------
def x_of(roll: PianoRoll, note: Note) -> QPoint:
    return QPoint(round(roll.view.x_of_tick(note.onset + note.duration // 2)), roll.lyric_lane.height() // 2)


def drag(roll: PianoRoll, source: int, target: int, *, escape: bool = False) -> None:
    lane, notes = roll.lyric_lane, roll.song.notes
    QTest.mousePress(lane, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, x_of(roll, notes[source]))
    QTest.mouseMove(lane, x_of(roll, notes[target]))
    if escape:
        QTest.keyClick(lane, Qt.Key.Key_Escape)
    QTest.mouseRelease(lane, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, x_of(roll, notes[target]))


def test_dragging_a_syllable_in_the_lane_is_one_undo_step(roll: PianoRoll) -> None:
    before = roll.song.content()
    lane, stack = roll.lyric_lane, roll.document.undo_stack
    notes = roll.song.notes
    QTest.mousePress(lane, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, x_of(roll, notes[11]))
    QTest.mouseMove(lane, x_of(roll, notes[8]))  # wants "How": stops on the held note
    assert lane.drag == (11, 10)
    assert not lane.grab().isNull()  # paints the drop indicator
    QTest.mouseRelease(lane, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, x_of(roll, notes[8]))
    assert lane.drag is None
    assert words([n.lyric for n in roll.song.notes]) == "/Twin- kle twin- kle lit- tle star /How I won- der ."
    assert stack.count() == 1 and stack.undoText() == DESCRIPTION
    stack.undo()
    assert roll.song.content() == before
    stack.redo()
    drag(roll, 10, 11)  # and dragged back: the hold returns
    assert roll.song.content() == before and stack.count() == 2


def test_the_lane_previews_the_drop_while_dragging(roll: PianoRoll) -> None:
    from melodystudio.gui.piano_roll.lanes import MOVED_TEXT

    lane, notes = roll.lyric_lane, roll.song.notes
    plain = lane.grab().toImage()
    QTest.mousePress(lane, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, x_of(roll, notes[11]))
    assert lane.preview == twinkle_slots()  # picked up, not moved yet
    QTest.mouseMove(lane, x_of(roll, notes[10]))
    assert lane.preview is not None and words(lane.preview) == "/Twin- kle twin- kle lit- tle star /How I won- der ."
    assert words([n.lyric for n in roll.song.notes]).endswith("won- _ der")  # nothing changed yet
    image = lane.grab().toImage()
    accent = MOVED_TEXT.rgb()
    moved_pixels = sum(image.pixel(x, y) == accent for x in range(image.width()) for y in range(image.height()))
    assert moved_pixels > 0 and not any(plain.pixel(x, y) == accent for x in range(plain.width())
                                        for y in range(plain.height()))
    QTest.keyClick(lane, Qt.Key.Key_Escape)
    assert lane.preview is None and lane.drag is None
    QTest.mouseRelease(lane, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, x_of(roll, notes[10]))
    assert roll.document.undo_stack.count() == 0


def test_escape_cancels_and_a_blocked_drag_changes_nothing(roll: PianoRoll) -> None:
    before = roll.song.content()
    drag(roll, 11, 10, escape=True)
    drag(roll, 7, 5)  # "How" cannot pass "star"
    drag(roll, 10, 8)  # a held note carries no syllable to pick up
    assert roll.song.content() == before and roll.document.undo_stack.count() == 0
    assert roll.lyric_lane.drag is None


def test_the_lane_finds_the_document_without_being_given_it(qtbot: object) -> None:
    from melodystudio.gui.document import Document

    song = Song(notes=[Note(0, 480, 60, lyric=Lyric("la")), Note(480, 480, 62)])
    roll = PianoRoll(Document(song))
    qtbot.addWidget(roll)  # type: ignore[attr-defined]
    assert roll.lyric_lane.document is roll.document
    assert roll.document.perform_planned(realign_lyrics, 0, 1)
    assert [n.lyric for n in song.notes] == [None, Lyric("la")]
