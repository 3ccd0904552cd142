from __future__ import annotations

import json

from melodystudio.core import TimeSignature
from melodystudio.corpus.lyrics_melody import lyrics_line, lyrics_tune

RECORD = {"id": "0a1b", "split": "test", "syllables": ["Hel", "lo", "world", "a", "gain"],
          "pitch": [60, 62, 64, 65, 67], "dur": [1.0, 0.5, 2.0, 0.25, 1.0], "rest": [0.0, 0.5, 1.0, 0.0, 0.0],
          "word": [0, 0, 1, 2, 2], "phrase": [0, 0, 0, 1, 1]}


def test_units_are_eighth_notes_and_rests_come_before_notes() -> None:
    tune = lyrics_tune(RECORD)
    assert [(n.onset, n.duration, n.pitch) for n in tune.song.notes] == [
        (0, 240, 60), (360, 120, 62), (720, 480, 64), (1200, 60, 65), (1260, 240, 67)]
    assert tune.song.time_signatures == (TimeSignature(0, 4, 4),)
    assert tune.meta["meter_known"] is False
    assert tune.phrase_starts == [True, False, False, True, False]
    assert tune.meta["syllables"] == RECORD["syllables"] and tune.meta["word"] == RECORD["word"]
    assert (tune.source, tune.tune_id, tune.split) == ("lyrics_melody", "0a1b", "test")


def test_a_record_with_a_zero_length_note_is_a_failure() -> None:
    failures: list = []
    bad = dict(RECORD, dur=[1.0, 0.0, 2.0, 0.25, 1.0])
    assert list(lyrics_line(json.dumps(bad), failures)) == []
    assert failures[0].tune_id == "0a1b" and "zero or negative length" in failures[0].reason
