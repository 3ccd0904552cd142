"""Decoding invariants over random songs, selections and options: constraints hold by construction."""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from melodystudio.core import Song
from melodystudio.core.errors import MelodyStudioError
from melodystudio.core.progress import Progress, run_to_end
from melodystudio.engine import GenerationOptions, Variation
from melodystudio.engine.api import PHRASE_BREATH
from melodystudio.engine.melody import MelodyEngine
from tests.engine.conftest import scale_song
from tests.engine.songs import options, selections, songs

FAST = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def expected_errors(song: Song, first: int, last: int, opts: GenerationOptions, max_notes: int) -> list[str]:
    """Messages the request must fail with (any one of them), [] when it is valid."""
    start, end = song.bar_range_ticks(first, last)
    errors = []
    if opts.keep_rhythm:
        originals = song.notes_between(start, end)
        if not originals:
            errors.append("have no notes whose rhythm could be kept")
        elif len(originals) > max_notes:
            errors.append("can keep the rhythm of at most")
    if opts.key_lock and not song.keys:
        errors.append("the song has no key signature")
    elif opts.key_lock and opts.pitch_range:
        lo, hi = opts.pitch_range
        in_force = {song.key_at(start)} | {k for k in song.keys if start < k.tick < end}
        if any(not any(p % 12 in k.scale_pitch_classes for p in range(lo, hi + 1)) for k in in_force):
            errors.append("lies in the pitch range")
    return errors


def check(song: Song, first: int, last: int, opts: GenerationOptions, variations: list[Variation],
          max_notes: int = 10**9) -> None:
    start, end = song.bar_range_ticks(first, last)
    assert len(variations) == opts.variations
    assert [v.seed for v in variations] == [opts.seed + i for i in range(opts.variations)]
    originals = song.notes_between(start, end)
    for v in variations:
        assert (v.first_bar, v.last_bar) == (first, last)
        assert all(start <= n.onset and n.end <= end for n in v.notes), "a note outside the selected bars"
        assert all(a.end <= b.onset for a, b in itertools.pairwise(v.notes)), "not monophonic and sorted"
        if opts.pitch_range:
            assert all(opts.pitch_range[0] <= n.pitch <= opts.pitch_range[1] for n in v.notes)
        if opts.key_lock:
            assert all(n.pitch % 12 in song.key_at(n.onset).scale_pitch_classes for n in v.notes)
        if opts.keep_rhythm:
            assert [(n.onset, n.duration) for n in v.notes] == [(o.onset, min(o.end, end) - o.onset) for o in originals]
        assert math.isfinite(v.mean_nll) and v.mean_nll > 0
        if not opts.keep_rhythm and len(v.notes) < max_notes:  # the fill sounds in the last selected bar
            assert v.notes and v.notes[-1].end > song.bar_range_ticks(last, last)[0], "the fill stops early"
        song.copy().replace_bars(first, last, v.notes)  # the song model accepts every variation


@FAST
@given(data=st.data())
def test_inpaint_variations_obey_every_constraint(engine: MelodyEngine, data: st.DataObject) -> None:
    song = data.draw(songs())
    first, last = data.draw(selections(song))
    opts = data.draw(options())
    errors = expected_errors(song, first, last, opts, engine.limits.max_notes)
    if errors:
        with pytest.raises(MelodyStudioError) as info:
            engine.inpaint(song, first, last, opts)
        assert any(re.search(e, str(info.value)) for e in errors), str(info.value)
        return
    check(song, first, last, opts, run_to_end(engine.inpaint(song, first, last, opts)), engine.limits.max_notes)


@FAST
@given(data=st.data())
def test_continuations_fill_the_bars_after_the_last_note(engine: MelodyEngine, data: st.DataObject) -> None:
    song = data.draw(songs(min_notes=1))
    n_bars = data.draw(st.integers(1, 4))
    opts = data.draw(options(keep_rhythm=False))
    first = song.timeline.bars_to_hold(song.notes[-1].end)
    errors = expected_errors(song, first, first + n_bars - 1, opts, engine.limits.max_notes)
    if errors:
        with pytest.raises(MelodyStudioError):
            engine.continuation(song, n_bars, opts)
        return
    check(song, first, first + n_bars - 1, opts, run_to_end(engine.continuation(song, n_bars, opts)),
          engine.limits.max_notes)


@settings(max_examples=10, deadline=None)
@given(song=songs(min_notes=1), seed=st.integers(0, 2**31 - 1))
def test_a_fixed_seed_gives_the_same_variations(engine: MelodyEngine, song: Song, seed: int) -> None:
    opts = GenerationOptions(variations=3, seed=seed, temperature=1.2)
    last = song.bar_count - 1
    assert run_to_end(engine.inpaint(song, 0, last, opts)) == run_to_end(engine.inpaint(song, 0, last, opts))


def test_each_variation_can_be_rerun_alone_from_its_seed(engine: MelodyEngine) -> None:
    song = scale_song()
    batch = run_to_end(engine.inpaint(song, 2, 4, GenerationOptions(variations=4, seed=11)))
    alone = run_to_end(engine.inpaint(song, 2, 4, GenerationOptions(variations=1, seed=batch[2].seed)))
    assert alone[0].notes == batch[2].notes and alone[0].seed == 13
    assert len({v.notes for v in batch}) > 1  # the rows really differ


def test_the_model_fills_bars_with_notes_and_the_variations_differ(engine: MelodyEngine) -> None:
    song = scale_song()
    variations = run_to_end(engine.inpaint(song, 1, 2, GenerationOptions(variations=4, seed=3)))
    assert all(v.notes for v in variations)
    assert len({tuple(n.pitch for n in v.notes) for v in variations}) == 4


def test_velocity_is_the_mean_of_the_context(engine: MelodyEngine) -> None:
    song = scale_song(bars=4)  # velocities 70..73 by bar; bars 2-3 regenerated, context bars 1 and 4
    (v,) = run_to_end(engine.inpaint(song, 1, 2, GenerationOptions(variations=1, seed=5)))
    assert {n.velocity for n in v.notes} == {round((70 * 4 + 73 * 4) / 8)}


def test_keep_rhythm_keeps_lyrics_and_velocities(engine: MelodyEngine, song: Song) -> None:
    opts = GenerationOptions(variations=2, seed=1, keep_rhythm=True, key_lock=True, pitch_range=(60, 72))
    start, end = song.bar_range_ticks(0, 1)
    for v in run_to_end(engine.inpaint(song, 0, 1, opts)):
        originals = song.notes_between(start, end)
        assert [(n.onset, n.duration, n.velocity, n.lyric) for n in v.notes] == \
            [(o.onset, o.duration, o.velocity, o.lyric) for o in originals]
        assert all(n.pitch in (60, 62, 64, 65, 67, 69, 71, 72) for n in v.notes)


def test_a_blank_holds_no_more_notes_than_the_model_can_place(model_dir: Path) -> None:
    small = MelodyEngine.load(model_dir, provider="cpu", threads=1)
    small.limits = replace(small.limits, max_notes=3)
    for v in run_to_end(small.inpaint(scale_song(), 0, 3, GenerationOptions(variations=4, seed=2))):
        assert len(v.notes) <= 3


def test_progress_rises_to_one(engine: MelodyEngine) -> None:
    seen: list[Progress] = []
    run_to_end(engine.inpaint(scale_song(), 3, 5, GenerationOptions(variations=2, seed=9)), seen.append)
    fractions = [p.fraction for p in seen]
    assert len(seen) >= 2 and fractions == sorted(fractions) and fractions[-1] == 1.0
    assert all(0.0 <= f <= 1.0 for f in fractions) and "generating" in seen[0].message


def test_a_cold_pitch_temperature_fixes_the_pitches_and_leaves_the_rhythm_free() -> None:
    """With the shipped model (a random tiny model has near-flat pitch logits): pitch temperature 0.05
    draws the likeliest pitch, so keeping the rhythm eight seeds give one melody where 3.0 scatters
    them; with a free rhythm the cold pitches still come on varied rhythms."""
    shipped = MelodyEngine.load(Path(__file__).resolve().parents[2] / "models" / "melody", provider="cpu")
    song = scale_song(bars=4)
    kept = [GenerationOptions(variations=8, seed=3, keep_rhythm=True, temperature=1.5, pitch_temperature=t)
            for t in (0.05, 3.0)]
    cold, hot = ({tuple(n.pitch for n in v.notes) for v in run_to_end(shipped.inpaint(song, 1, 2, o))} for o in kept)
    assert len(cold) == 1 and len(hot) > 1
    free = GenerationOptions(variations=8, seed=3, temperature=1.5, pitch_temperature=0.05)
    rhythms = {tuple((n.onset, n.duration) for n in v.notes) for v in run_to_end(shipped.inpaint(song, 1, 2, free))}
    assert len(rhythms) > 1


def test_pitch_temperature_auto_is_the_temperature_and_cooler_for_lyrics() -> None:
    assert GenerationOptions(temperature=1.2).pitch_temperature_for(lyric=False) == 1.2
    assert GenerationOptions().pitch_temperature_for(lyric=True) == 0.7  # 7/9 of the default 0.9
    assert GenerationOptions(temperature=0.06).pitch_temperature_for(lyric=True) == 0.05  # never below the floor
    assert GenerationOptions(pitch_temperature=1.3).pitch_temperature_for(lyric=True) == 1.3
    with pytest.raises(MelodyStudioError, match=r"pitch temperature must be 0\.05-3\.0"):
        GenerationOptions(pitch_temperature=0.0)


def test_top_p_auto_cuts_fills_and_not_lyrics() -> None:
    assert GenerationOptions().top_p_for(lyric=False) == 0.95
    assert GenerationOptions().top_p_for(lyric=True) == 1.0
    assert GenerationOptions(top_p=0.8).top_p_for(lyric=True) == 0.8  # an explicit value always wins
    with pytest.raises(MelodyStudioError, match=r"top-p must be in \(0, 1\]"):
        GenerationOptions(top_p=0.0)


def test_the_breath_after_a_line_is_auto_unless_set() -> None:
    assert GenerationOptions().phrase_breath_used == PHRASE_BREATH == 2.0
    assert GenerationOptions(phrase_breath=1.0).phrase_breath_used == 1.0  # every syllable alike
    for bad in (0.5, 9.0):
        with pytest.raises(MelodyStudioError, match="the breath after a line must be 1-8 notes"):
            GenerationOptions(phrase_breath=bad)
