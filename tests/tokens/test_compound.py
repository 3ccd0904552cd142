from __future__ import annotations

import numpy as np

from melodystudio.core import PPQ, Note, Song, TimeSignature
from melodystudio.tokens import CompoundTokenizer, TokenizerConfig
from melodystudio.tokens.compound import BAR, DUR, KEY, METER, METERS, NOTE, PITCH, POS
from tests.conftest import twinkle


def test_twinkle_round_trips_exactly() -> None:
    song = twinkle()
    tok = CompoundTokenizer()
    tt = tok.encode(song)
    assert tt.off_grid == 0
    assert tt.tokens.shape == (12, 7)
    first = tt.tokens[0]
    assert (first[BAR], first[POS], first[PITCH], first[DUR]) == (0, 0, 60, 12)
    assert METERS[tt.tokens[0, METER]] == "4/4" and METERS[tt.tokens[-1, METER]] == "3/4"
    assert tt.tokens[0, KEY] == 0  # C major
    back = tok.decode(tt.tokens, tt.bar_starts)
    assert [(n.onset, n.duration, n.pitch) for n in back] == [(n.onset, n.duration, n.pitch) for n in song.notes]


def test_window_from_a_later_bar_uses_window_bar_indices() -> None:
    tt = CompoundTokenizer().encode(twinkle(), first_bar=2)
    assert set(tt.tokens[:, BAR]) == {0}
    assert tt.tokens[0, POS] == 0 and tt.bar_starts[0] == 8 * PPQ


def test_triplets_and_sixteenths_are_on_the_grid() -> None:
    t = PPQ // 3
    notes = [Note(i * t, t, 60 + i) for i in range(3)] + [Note(PPQ + i * PPQ // 4, PPQ // 4, 70) for i in range(4)]
    tt = CompoundTokenizer().encode(Song(notes=notes))
    assert tt.off_grid == 0
    assert list(tt.tokens[:, POS]) == [0, 4, 8, 12, 15, 18, 21]
    assert list(tt.tokens[:, DUR]) == [4, 4, 4, 3, 3, 3, 3]


def test_off_grid_notes_are_counted_and_long_notes_held() -> None:
    notes = [Note(0, 60, 60), Note(1920, 20 * 1920, 62)]  # a 32nd note, then a 20-bar note
    song = Song(time_signatures=[TimeSignature(0, 4, 4)], notes=notes)
    tt = CompoundTokenizer(TokenizerConfig()).encode(song)
    assert tt.off_grid == 1
    assert tt.tokens[1, DUR] == 96 and np.all(tt.tokens[:, 0] == NOTE)


def test_config_round_trips_with_version() -> None:
    cfg = TokenizerConfig(max_bars=32)
    assert TokenizerConfig.from_dict(cfg.to_dict()) == cfg
