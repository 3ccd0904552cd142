from __future__ import annotations

from melodystudio.core import PPQ, KeySignature, Note, Song, TimeSignature
from melodystudio.corpus.bars import fit_meter, trim_leading_bars
from melodystudio.corpus.dedupe import dedupe_key, kept_copies

Q = PPQ


def tune(pitches: list[int], start: int = 0, meter: tuple[int, int] = (4, 4)) -> Song:
    notes = [Note(start + i * Q, Q, p) for i, p in enumerate(pitches)]
    return Song(time_signatures=[TimeSignature(0, *meter)], notes=notes)


def test_key_ignores_transposition_but_not_rhythm_or_place_in_bar() -> None:
    a = dedupe_key(tune([60, 62, 64, 60]))
    assert dedupe_key(tune([65, 67, 69, 65])) == a
    assert dedupe_key(tune([60, 62, 64, 60], start=4 * Q)) == a  # a whole bar later: same places in the bar
    assert dedupe_key(tune([60, 62, 64, 60], start=Q)) != a  # a beat later
    assert dedupe_key(tune([60, 62, 64, 61])) != a


def test_duplicates_across_splits_keep_the_test_copy() -> None:
    keys = [b"x", b"y", b"x", b"x", b"y"]
    kept, spanning = kept_copies(keys, ["train", "train", "test", "valid", "train"])
    assert kept == [False, True, True, False, False]
    assert spanning == 1


def test_valid_copy_beats_train_and_the_first_copy_wins_a_tie() -> None:
    assert kept_copies([b"k", b"k", b"k"], ["train", "valid", "valid"])[0] == [False, True, False]


def test_over_long_bars_are_halved() -> None:
    song = Song(time_signatures=[TimeSignature(0, 4, 1), TimeSignature(2, 3, 4)],
                notes=[Note(0, Q, 60), Note(16 * Q, Q, 62), Note(32 * Q, Q, 64)])
    fitted, changed = fit_meter(song, 8 * Q)
    assert changed
    assert fitted.time_signatures == (TimeSignature(0, 4, 2), TimeSignature(4, 3, 4))
    assert fitted.notes == song.notes
    assert fit_meter(fitted, 8 * Q) == (fitted, False)


def test_silent_leading_bars_are_cut_by_whole_bars() -> None:
    song = Song(time_signatures=[TimeSignature(0, 3, 4), TimeSignature(3, 2, 4)],
                keys=[KeySignature(0, "F"), KeySignature(6 * Q, "C")],
                notes=[Note(7 * Q, Q, 65), Note(9 * Q, Q, 67)])
    cut, bars = trim_leading_bars(song)
    assert bars == 2
    assert [(n.onset, n.pitch) for n in cut.notes] == [(Q, 65), (3 * Q, 67)]
    assert cut.time_signatures == (TimeSignature(0, 3, 4), TimeSignature(1, 2, 4))
    assert cut.keys == (KeySignature(0, "C"),)
    assert trim_leading_bars(cut) == (cut, 0)
