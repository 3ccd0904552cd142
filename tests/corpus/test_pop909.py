"""POP909 records in the JSONL layout (columns per field) become Songs with exact ticks."""

from __future__ import annotations

import pytest

from melodystudio.core import Chord, ChordSymbol, KeySignature, TimeSignature
from melodystudio.core.errors import MelodyStudioError
from melodystudio.corpus.pop909 import key_from_label, pop909_line, pop909_tune

Q = 480


def record() -> dict:
    """A pickup of half a beat, a 4-beat bar, a 2-beat bar, a 4-beat bar, then 4/4 on."""
    return {
        "id": "999", "split": "valid", "beats_per_bar": 4, "first_downbeat": 1, "irregular_meter": True,
        "downbeats": [1, 5, 7, 11],
        "notes": {"onset": [0.5, 1.0, 5.0, 6.5, 7.0, 11.25], "dur": [0.5, 2.0, 1.5, 0.5, 4.0, 0.75],
                  "pitch": [62, 67, 71, 69, 67, 74]},
        "chords": {"onset": [0.0, 1.0, 5.0, 7.0], "dur": [1.0, 4.0, 2.0, 4.0],
                   "label": ["N", "G:maj", "D:7/3", "C:weird"]},
        "keys": {"onset": [0.0, 7.0], "label": ["D#:maj", "E:min"]},
    }


def test_ticks_bars_keys_and_chords() -> None:
    tune = pop909_tune(record())
    song = tune.song
    # the pickup bar starts 3 beats before the first downbeat: beat b -> (b + 3) * 480
    assert [(n.onset, n.duration, n.pitch) for n in song.notes] == [
        (7 * Q // 2, Q // 2, 62), (4 * Q, 2 * Q, 67), (8 * Q, 3 * Q // 2, 71), (19 * Q // 2, Q // 2, 69),
        (10 * Q, 4 * Q, 67), (57 * Q // 4, 3 * Q // 4, 74)]
    assert song.time_signatures == (TimeSignature(0, 4, 4), TimeSignature(2, 2, 4), TimeSignature(3, 4, 4))
    assert [song.timeline.bar_start(b) for b in range(5)] == [0, 4 * Q, 8 * Q, 10 * Q, 14 * Q]
    assert song.keys == (KeySignature(3 * Q, "Eb", "major"), KeySignature(10 * Q, "E", "minor"))
    assert song.chords == (Chord(4 * Q, 4 * Q, ChordSymbol("G")), Chord(8 * Q, 2 * Q, ChordSymbol("D", "7", "F#")))
    assert (tune.split, tune.phrase_starts) == ("valid", None)
    assert tune.meta["unknown_chords"] == 1 and tune.meta["respelled_keys"] == 1
    assert tune.meta["origin_beat"] == -3 and tune.meta["meter"] == "4/4"


def test_silent_intro_bars_are_cut_and_chords_clipped() -> None:
    rec = record()
    rec.update(first_downbeat=0, downbeats=[0, 4, 8, 12],
               notes={"onset": [9.0], "dur": [1.0], "pitch": [60]},
               chords={"onset": [6.0], "dur": [4.0], "label": ["A:min"]},
               keys={"onset": [0.0], "label": ["C:maj"]})
    tune = pop909_tune(rec)
    assert [(n.onset, n.duration) for n in tune.song.notes] == [(Q, Q)]
    assert tune.song.chords == (Chord(0, 2 * Q, ChordSymbol("A", "min")),)
    assert tune.song.keys == (KeySignature(0, "C"),)
    assert tune.meta["origin_beat"] == 8


def test_key_labels() -> None:
    assert key_from_label("Gb:maj") == (KeySignature(0, "Gb", "major"), False)
    assert key_from_label("Db:min", 960) == (KeySignature(960, "C#", "minor"), True)
    with pytest.raises(MelodyStudioError, match="neither maj nor min"):
        key_from_label("D:dor")


def test_a_bad_line_is_a_failure_not_a_crash() -> None:
    failures: list = []
    line = '{"id": "007", "split": "test", "notes": {"onset": [], "dur": [], "pitch": []}}'
    assert list(pop909_line(line, failures)) == []
    assert [(f.tune_id, f.split) for f in failures] == [("007", "test")]
    assert "no melody notes" in failures[0].reason
