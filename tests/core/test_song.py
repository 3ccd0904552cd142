from __future__ import annotations

import pytest

from melodystudio.core import PPQ, KeySignature, Lyric, MelodyStudioError, Note, Song, Syllabic, TimeSignature
from melodystudio.core.errors import EditError
from melodystudio.core.timeline import TempoChange
from tests.conftest import twinkle

Q = PPQ


def test_bars_follow_the_time_signatures(song: Song) -> None:
    tl = song.timeline
    assert [tl.bar_start(b) for b in range(5)] == [0, 4 * Q, 8 * Q, 11 * Q, 14 * Q]
    assert tl.bar_at(8 * Q - 1) == 1 and tl.bar_at(8 * Q) == 2 and tl.bar_at(11 * Q) == 3
    assert song.bar_count == 3
    assert tl.beat_ticks_in_bar(2) == [8 * Q, 9 * Q, 10 * Q]


def test_compound_meter_beats_are_dotted_quarters() -> None:
    ts = TimeSignature(0, 6, 8)
    assert ts.bar_ticks == 3 * Q and ts.beat_ticks == 3 * Q // 2 and ts.beats_per_bar == 2


Q = PPQ


@pytest.mark.parametrize(("meter", "levels"), [
    # offsets 0, an eighth, a quarter, ..., up to a whole bar of 12/8: level at each (None past the bar)
    ((4, 4), (0, 3, 2, 3, 1, 3, 2, 3)), ((3, 4), (0, 3, 2, 3, 2, 3)), ((2, 4), (0, 3, 2, 3)),
    ((6, 8), (0, 3, 3, 2, 3, 3)), ((12, 8), (0, 3, 3, 2, 3, 3, 1, 3, 3, 2, 3, 3)), ((2, 2), (0, 3, 3, 3, 2, 3, 3, 3)),
    ((6, 4), (0, 3, 2, 3, 2, 3, 1, 3, 2, 3, 2, 3)), ((3, 8), (0, 2, 2)), ((7, 8), (0, 2, 2, 2, 2, 2, 2)),
])
def test_metrical_levels(meter: tuple[int, int], levels: tuple[int, ...]) -> None:
    signature = TimeSignature(0, *meter)
    assert tuple(signature.metrical_level(k * Q // 2) for k in range(len(levels))) == levels
    assert signature.metrical_level(Q // 4) == 4 and signature.metrical_level(Q // 3) == 4  # a sixteenth, a triplet
    assert signature.metrical_level(signature.bar_ticks) == 0  # the next bar line


def test_seconds_follow_the_tempo_map(song: Song) -> None:
    tl = song.timeline
    assert tl.seconds_at(8 * Q) == pytest.approx(8 * 0.6)  # 100 bpm
    assert tl.seconds_at(11 * Q) == pytest.approx(4.8 + 3 * 60 / 90)
    assert tl.tick_at_seconds(tl.seconds_at(9 * Q + 7)) == 9 * Q + 7


def test_lyric_alignment_gives_word_and_phrase_ids(song: Song) -> None:
    ids = song.lyric_alignment()
    assert ids == [(0, 0), (0, 0), (1, 0), (1, 0), (2, 0), (2, 0), (3, 0),
                   (4, 1), (5, 1), (6, 1), (6, 1), (6, 1)]
    assert song.lyric_text() == "Twinkle twinkle little star\nHow I wonder"


def test_notes_must_not_overlap() -> None:
    with pytest.raises(EditError, match="monophonic"):
        Song(notes=[Note(0, 480, 60), Note(240, 480, 62)])


@pytest.mark.parametrize("kwargs, message", [
    ({"onset": 0, "duration": 0, "pitch": 60}, "zero or negative length"),
    ({"onset": -1, "duration": 10, "pitch": 60}, "before the song"),
    ({"onset": 0, "duration": 10, "pitch": 128}, "outside the MIDI range"),
    ({"onset": 0, "duration": 10, "pitch": 60, "velocity": 0}, "velocity"),
])
def test_bad_notes_are_refused(kwargs: dict[str, int], message: str) -> None:
    with pytest.raises(MelodyStudioError, match=message):
        Note(**kwargs)


def test_bad_maps_are_refused() -> None:
    with pytest.raises(MelodyStudioError, match="greater than 0"):
        TempoChange(0, 0)
    with pytest.raises(MelodyStudioError, match="greater than 0"):
        TempoChange.from_bpm(0, 0)
    with pytest.raises(MelodyStudioError, match="denominator"):
        TimeSignature(0, 4, 3)
    with pytest.raises(MelodyStudioError, match="first time signature"):
        Song(time_signatures=[TimeSignature(1, 4, 4)])
    with pytest.raises(MelodyStudioError, match="no standard key signature"):
        KeySignature(0, "D#", "major")


def test_absurd_sizes_are_refused() -> None:
    with pytest.raises(EditError, match="longer than 10000 bars"):
        Song(notes=[Note(10_000 * 4 * Q, Q, 60)])
    with pytest.raises(EditError, match="more than"):
        Song(notes=[Note(i * 10, 10, 60) for i in range(100_001)])


def test_lyric_validation() -> None:
    with pytest.raises(MelodyStudioError, match="needs some text"):
        Lyric("  ")
    with pytest.raises(MelodyStudioError, match="melisma"):
        Lyric("la", melisma=True)
    with pytest.raises(MelodyStudioError, match="control character"):
        Lyric("a\nb")
    assert Lyric("beau", Syllabic.BEGIN).syllabic.continues


def test_equality_covers_lyrics_and_copy_is_independent() -> None:
    a, b = twinkle(), twinkle()
    assert a == b
    c = a.copy()
    c.transpose([c.notes[0]], 1)
    assert c != a and a == b
    first = b.notes[0]
    b.set_lyrics([(first, Lyric("Tw", Syllabic.BEGIN, phrase_start=True))])
    assert a != b
