"""Bad requests fail at once with one clear line; cancelling a job stops it cleanly."""

from __future__ import annotations

import inspect
import threading

import pytest

from melodystudio.core import KeySignature, Song
from melodystudio.core.errors import MelodyStudioError
from melodystudio.core.progress import Progress, run_to_end
from melodystudio.engine import GenerationOptions
from melodystudio.engine.melody import MelodyEngine
from melodystudio.engine.runtime import Decoder
from tests.engine.conftest import Q, scale_song


@pytest.mark.parametrize(("first", "last", "message"), [
    (6, 8, r"^bars 7-9 lie outside the song, which has 8 bars \(use continue to add bars\)$"),
    (-1, 2, r"^bars 0-3 are not a range of bars"),
    (3, 2, r"^bars 4-3 are not a range of bars"),
])
def test_inpaint_bars_must_lie_in_the_song(engine: MelodyEngine, first: int, last: int, message: str) -> None:
    with pytest.raises(MelodyStudioError, match=message):
        engine.inpaint(scale_song(), first, last)


def test_more_bars_than_the_window_holds(engine: MelodyEngine) -> None:
    song = scale_song(bars=70)
    with pytest.raises(MelodyStudioError, match=r"^at most 63 bars can be regenerated at once, not 64$"):
        engine.inpaint(song, 0, 63)
    with pytest.raises(MelodyStudioError, match=r"^a continuation adds 1-62 bars at once, not 63$"):
        engine.continuation(song, 63)


def test_continuation_needs_a_note(engine: MelodyEngine) -> None:
    with pytest.raises(MelodyStudioError, match=r"^continuation needs at least one note .*inpaint bars of the empty"):
        engine.continuation(Song("empty"), 4)
    with pytest.raises(MelodyStudioError, match="keep rhythm needs existing notes"):
        engine.continuation(scale_song(), 2, GenerationOptions(keep_rhythm=True))


def test_an_empty_song_is_composed_from_scratch(engine: MelodyEngine) -> None:
    song = Song("empty", keys=[KeySignature(0, "D")])
    opts = GenerationOptions(variations=2, seed=4, key_lock=True)
    variations = run_to_end(engine.inpaint(song, 2, 5, opts))
    start, end = song.bar_range_ticks(2, 5)
    assert any(v.notes for v in variations)
    assert all(start <= n.onset and n.end <= end and n.pitch % 12 in {2, 4, 6, 7, 9, 11, 1}
               for v in variations for n in v.notes)
    assert all(n.velocity == 90 for v in variations for n in v.notes)  # no context: the default velocity


def test_key_lock_needs_a_key(engine: MelodyEngine) -> None:
    with pytest.raises(MelodyStudioError, match=r"^the song has no key signature"):
        engine.inpaint(scale_song(key=None), 0, 1, GenerationOptions(key_lock=True))


def test_key_lock_with_a_range_holding_no_scale_tone(engine: MelodyEngine) -> None:
    opts = GenerationOptions(key_lock=True, pitch_range=(61, 61))  # C#4 is not in G major
    with pytest.raises(MelodyStudioError, match=r"^no note of G major lies in the pitch range C#4-C#4: widen"):
        engine.inpaint(scale_song(), 0, 1, opts)


def test_a_key_outside_the_selection_does_not_count(engine: MelodyEngine) -> None:
    song = scale_song()
    song.set_key(KeySignature(6 * 4 * Q, "Db"))  # from bar 7; E4 (64) is in G major, not in Db major
    opts = GenerationOptions(variations=2, seed=1, key_lock=True, pitch_range=(64, 64))
    assert all(n.pitch == 64 for v in run_to_end(engine.inpaint(song, 0, 1, opts)) for n in v.notes)
    with pytest.raises(MelodyStudioError, match="no note of Db major"):
        engine.inpaint(song, 5, 6, opts)


def test_keep_rhythm_needs_notes_in_the_bars(engine: MelodyEngine) -> None:
    song = Song("gap", notes=scale_song(2).notes)
    song.insert_note(scale_song(8).notes[-1])  # a note in bar 8; bars 3-7 are empty
    with pytest.raises(MelodyStudioError, match=r"^bars 4-5 have no notes whose rhythm could be kept$"):
        engine.inpaint(song, 3, 4, GenerationOptions(keep_rhythm=True))


def test_score_needs_notes(engine: MelodyEngine) -> None:
    with pytest.raises(MelodyStudioError, match=r"^the song has no notes to score$"):
        engine.score(Song("empty"))


def test_closing_a_job_after_the_first_progress_stops_it(engine: MelodyEngine,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    threads = threading.active_count()
    made: list[Decoder] = []
    make = engine.decoder
    monkeypatch.setattr(engine, "decoder", lambda: made.append(make()) or made[-1])
    job = engine.inpaint(scale_song(), 2, 5, GenerationOptions(variations=4, seed=1))
    assert isinstance(next(job), Progress)
    assert made[0].cache_length > 0
    job.close()
    assert made[0].cache_length == 0  # the KV cache was let go
    assert inspect.getgeneratorstate(job) == inspect.GEN_CLOSED
    with pytest.raises(StopIteration):
        next(job)
    assert threading.active_count() == threads
    assert len(run_to_end(engine.inpaint(scale_song(), 2, 5, GenerationOptions(variations=2)))) == 2


def test_a_job_does_nothing_until_it_is_driven(engine: MelodyEngine) -> None:
    job = engine.score(scale_song())
    assert inspect.getgeneratorstate(job) == inspect.GEN_CREATED  # no model call until the worker drives it
    job.close()
