from __future__ import annotations

import numpy as np
import pytest

from melodystudio.core import PPQ, KeySignature, Note, Song, TimeSignature
from melodystudio.core.errors import MelodyStudioError
from melodystudio.tokens import CompoundTokenizer, TokenizerConfig, compound
from melodystudio.tokens.compound import BAR, DUR, KEY, METER, METERS, NOTE, PITCH, POS, UNKNOWN_KEY
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


def test_each_note_takes_the_key_in_force_at_its_onset() -> None:
    notes = [Note(i * PPQ, PPQ, 60 + i) for i in range(8)]
    song = Song(notes=notes, keys=[KeySignature(2 * PPQ, "D"), KeySignature(5 * PPQ, "A", "minor")])
    tt = CompoundTokenizer().encode(song)
    # before the first key change the first key holds (as Song.key_at); D major 2, A minor 9 + 12
    assert tt.tokens[:, KEY].tolist() == [2, 2, 2, 2, 2, 21, 21, 21]
    assert CompoundTokenizer().encode(Song(notes=notes)).tokens[0, KEY] == UNKNOWN_KEY


def test_a_bar_longer_than_the_position_table_is_refused() -> None:
    song = Song(time_signatures=[TimeSignature(0, 9, 4)], notes=[Note(0, PPQ, 60), Note(17 * PPQ // 2, PPQ // 2, 62)])
    with pytest.raises(MelodyStudioError, match=r"bar 1 is longer than the model's 96 grid units"):
        CompoundTokenizer().encode(song)
    assert CompoundTokenizer().encode(Song(notes=[Note(0, PPQ, 60)]), first_bar=3).tokens.shape == (0, 7)


def test_key_fields_match_the_key_in_force_at_each_tick() -> None:
    keys = [KeySignature(PPQ * 4, "G"), KeySignature(PPQ * 12, "E", "minor")]
    song = Song("keys", time_signatures=[TimeSignature(0, 4, 4)], keys=keys)
    ticks = np.array([0, PPQ * 4 - 1, PPQ * 4, PPQ * 11, PPQ * 12, PPQ * 40, PPQ * 5])  # not ascending at the end
    fields = compound.key_fields(song.keys, ticks)
    assert fields.tolist() == [compound.key_index(song, int(t)) for t in ticks] == [7, 7, 7, 7, 4 + 12, 4 + 12, 7]
    assert compound.key_fields([], ticks).tolist() == [UNKNOWN_KEY] * len(ticks)
