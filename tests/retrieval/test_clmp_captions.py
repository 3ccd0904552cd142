"""Captions (training.clmp_captions) and the measured attributes behind them (retrieval.attributes)."""

from __future__ import annotations

import numpy as np
import pytest

from melodystudio.core import PPQ, KeySignature, Note, Song, TimeSignature
from melodystudio.retrieval.attributes import TuneAttributes, guess_key, measure, mode_from_signature, song_attributes
from melodystudio.training.clmp_captions import TuneFacts, caption, display_caption, tune_facts

Q = PPQ


def lullaby() -> Song:
    """'Brahms' Lullaby' opening, 3/4 in F major: 4 bars, slow, narrow range (C4..D5)."""
    # pickup E E | G . E E | G . E G | C5 B4 . A A | G
    rows = [(0, 1, 69), (1, 1, 69), (2, 3, 72), (5, 1, 69), (6, 1, 69), (7, 3, 72), (10, 1, 69), (11, 1, 72),
            (12, 2, 77), (14, 1, 76), (15, 2, 74), (17, 1, 74), (18, 3, 72)]
    return Song("Lullaby", time_signatures=[TimeSignature(0, 3, 4)], keys=[KeySignature(0, "F")],
                notes=[Note(o * Q, d * Q, p) for o, d, p in rows])


def test_song_attributes_of_a_lullaby() -> None:
    a = song_attributes(lullaby())
    assert (a.meter, a.tonic_pc, a.mode, a.bars, a.lowest, a.highest) == ("3/4", 5, "major", 7, 69, 77)
    assert a.key_label() == "F major"
    assert a.notes_per_quarter == pytest.approx(13 / 21)
    assert (a.density, a.range_width, a.register, a.contour) == ("slow", "narrow", "middle", "rising")
    assert a.tempo_bpm == 120.0


@pytest.mark.parametrize(("pitches", "shape"), [
    ([60, 62, 64, 65, 67, 69], "rising"), ([69, 67, 65, 64, 62, 60], "falling"),
    ([60, 62, 72, 72, 62, 60], "arch"), ([72, 70, 60, 60, 70, 72], "valley"), ([60, 62, 60, 62, 60, 62], "level"),
])
def test_contour(pitches: list[int], shape: str) -> None:
    n = len(pitches)
    a = measure(np.arange(n) * Q, np.full(n, Q), np.array(pitches), (4, 4), 0, "major")
    assert a.contour == shape and a.bars == 2 and a.density == "slow"


def test_key_guess_and_signature_mode() -> None:
    # A natural minor scale up and down, ending on A: the C-major signature reads as A minor
    pitches = np.array([57, 59, 60, 62, 64, 65, 67, 69, 67, 65, 64, 62, 60, 59, 57])
    durations = np.full(len(pitches), Q)
    durations[[0, -1]] = 4 * Q
    assert guess_key(pitches, durations) == (9, "minor")
    assert mode_from_signature(0, pitches, durations) == (9, "minor")
    assert mode_from_signature(0, pitches[:-1], durations[:-1]) == (0, "major")  # ends on B: stays C major


@pytest.mark.parametrize(("source", "title", "origin", "genre", "key", "file", "facts"), [
    ("oneills1850", "The Silver Spear", None, "Reel", "D", None,
     TuneFacts("O'Neill's Music of Ireland", "Irish", "reel")),
    ("ryansMammoth", "Village -- Hornpipe", None, "hornpipe", "D", None,
     TuneFacts("Ryan's Mammoth Collection", "Irish", "hornpipe")),
    ("airdsAirs", "Miss Graham of Inchbrakie's Strathspey.", None, None, "A Dorian", None,
     TuneFacts("Aird's Airs", "Scottish", "strathspey", "dorian", "A")),
    ("ryansMammoth", "Paddy O'Rafferty's -- Jig", None, "jig", "Glyd", None,
     TuneFacts("Ryan's Mammoth Collection", "Irish", "jig", "lydian", "G")),
    ("oneills1850", "Kitty's Rambles", None, "slip jig", "G", None,
     TuneFacts("O'Neill's Music of Ireland", "Irish", "slip jig")),
    ("essenFolksong", "Schlaf, Kindlein", "Europa, Mitteleuropa, Deutschland", "Kinder -, Wiegen - Lied", "G",
     "essenFolksong/kinder0.abc", TuneFacts("the Essen folk song collection", "German", "lullaby")),
    ("essenFolksong", "Song", None, "Shange]", "G", "essenFolksong/han1.abc",
     TuneFacts("the Essen folk song collection", "Chinese", "mountain song")),
    ("essenFolksong", "The Purple Boy", "Irland", "Ballade, Sektenlied]", "C", "essenFolksong/irl.abc",
     TuneFacts("the Essen folk song collection", "Irish", "ballad")),
    ("bach", "Wie schön leuchtet der Morgenstern", None, None, "F major", "bach/bwv172.6.mxl",
     TuneFacts("the Bach chorales", "German", "chorale")),
    ("pop909", None, None, None, "Gb major", None, TuneFacts("the POP909 dataset", "Chinese", "pop song")),
])
def test_tune_facts(source: str, title: str | None, origin: str | None, genre: str | None, key: str,
                    file: str | None, facts: TuneFacts) -> None:
    assert tune_facts(source, title, origin, genre, key, file) == facts


def _attrs() -> TuneAttributes:
    return song_attributes(lullaby())


def test_captions_are_deterministic_and_varied() -> None:
    facts = TuneFacts("the Essen folk song collection", "German", "lullaby")
    first = [caption(facts, _attrs(), "essenFolksong/kinder0.abc#7", i) for i in range(12)]
    again = [caption(facts, _attrs(), "essenFolksong/kinder0.abc#7", i) for i in range(12)]
    assert first == again
    assert len(set(first)) >= 10  # wording varies from caption to caption
    assert caption(facts, _attrs(), "other", 0) != first[0] or caption(facts, _attrs(), "other", 1) != first[1]


def test_held_out_templates_never_appear_in_training_captions() -> None:
    facts = TuneFacts("Aird's Airs", "Scottish", "air")
    train = [caption(facts, _attrs(), f"t{i}", n) for i in range(80) for n in range(3)]
    held = [caption(facts, _attrs(), f"t{i}", 0, held_out=True) for i in range(80)]
    assert not any(c.startswith("Can you find") or c.startswith("melody that sounds like") or " / " in c
                   for c in train)
    assert all(c.startswith("Can you find") or c.startswith("melody that sounds like") or " / " in c or
               c.count(" ") < 3 for c in held)


def test_display_caption_names_every_attribute() -> None:
    facts = TuneFacts("the Essen folk song collection", "German", "lullaby")
    assert display_caption(facts, _attrs()) == "slow German lullaby, F major, 3/4, 7 bars, narrow range, rising"
