"""Setting syllables: one note per syllable, inside the bars, carrying its lyric; chords heard or not."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from melodystudio.core import Chord, ChordSymbol, Lyric, Song, Syllabic
from melodystudio.core.errors import MelodyStudioError
from melodystudio.core.progress import run_to_end
from melodystudio.engine import GenerationOptions, Variation
from melodystudio.engine.api import PHRASE_BREATH
from melodystudio.engine.melody import MelodyEngine
from melodystudio.lyrics.syllables import Stress, Syllable, WordPosition
from tests.engine.conftest import Q, scale_song
from tests.engine.songs import selections, songs

P, U, S = Stress.PRIMARY, Stress.UNSTRESSED, Stress.SECONDARY
B, M, E, ONE = WordPosition.BEGIN, WordPosition.MIDDLE, WordPosition.END, WordPosition.SINGLE


def twinkle_syllables() -> list[Syllable]:
    """'Twin-kle twin-kle lit-tle star / how I won_der' (a melisma on 'won')."""
    rows = [("Twin", P, 0, 0, B), ("kle", U, 0, 0, E), ("twin", P, 1, 0, B), ("kle", U, 1, 0, E),
            ("lit", P, 2, 0, B), ("tle", U, 2, 0, E), ("star", P, 3, 0, ONE),
            ("how", P, 4, 1, ONE), ("I", P, 5, 1, ONE), ("won", P, 6, 1, B)]
    out = [Syllable(t, s, w, ph, pos) for t, s, w, ph, pos in rows]
    out.append(Syllable("", U, 6, 1, M, melisma=True))
    out.append(Syllable("der", U, 6, 1, E))
    return out


def many_syllables(n: int) -> list[Syllable]:
    return [Syllable(f"la{i}", P if i % 2 == 0 else U, i, i // 4, ONE) for i in range(n)]


def check(song: Song, first: int, last: int, syllables: list[Syllable], variations: list[Variation]) -> None:
    start, end = song.bar_range_ticks(first, last)
    for v in variations:
        assert len(v.notes) == len(syllables), "not one note per syllable"
        assert all(start <= n.onset and n.end <= end for n in v.notes), "a note outside the bars"
        assert all(a.end <= b.onset for a, b in itertools.pairwise(v.notes)), "not monophonic and sorted"
        for note, syl in zip(v.notes, syllables):
            assert note.lyric is not None and note.lyric.melisma == syl.melisma
            assert syl.melisma or note.lyric.text == syl.text
        song.copy().replace_bars(first, last, v.notes)


def test_every_syllable_gets_one_note_with_its_lyric(cond_engine: MelodyEngine) -> None:
    song = scale_song(bars=8)
    syllables = twinkle_syllables()
    variations = run_to_end(cond_engine.lyrics(song, 2, 4, syllables, GenerationOptions(variations=3, seed=4)))
    check(song, 2, 4, syllables, variations)
    start, end = song.bar_range_ticks(2, 4)
    bar = song.bar_range_ticks(2, 2)[1] - start
    # paced over the bars, "star" (a line's last syllable) taking PHRASE_BREATH syllables' time: 12
    # syllables, 13 shares, so "how" starts no earlier than 8/13 of the way in, less a bar
    before = [k + (PHRASE_BREATH - 1) * (k > 6) for k in range(len(syllables))]
    shares = len(syllables) + 2 * (PHRASE_BREATH - 1)  # "star" and the last syllable "der"
    earliest = [start + int(b * (end - start) // shares) - bar for b in before]
    earliest[-1] = max(earliest[-1], song.bar_range_ticks(4, 4)[0])
    for v in variations:  # no cramming at the start, the last syllable in the last bar
        assert v.notes[-1].onset >= song.bar_range_ticks(4, 4)[0]
        for k, note in enumerate(v.notes):
            assert note.onset >= earliest[k]
        for note, bound in zip(v.notes, earliest[1:]):  # pacing never forces a rest: a note sustains to it
            assert note.end >= bound
    lyrics = [n.lyric for n in variations[0].notes]
    assert lyrics[0] == Lyric("Twin", Syllabic.BEGIN, phrase_start=True)
    assert lyrics[1] == Lyric("kle", Syllabic.END) and lyrics[6] == Lyric("star", Syllabic.SINGLE)
    assert lyrics[7] == Lyric("how", Syllabic.SINGLE, phrase_start=True)
    assert lyrics[10] == Lyric.continuation() and lyrics[11] == Lyric("der", Syllabic.END)
    assert cond_engine.supports_lyrics and cond_engine.supports_chords


def test_pacing_sustains_notes_instead_of_forcing_rests(cond_engine: MelodyEngine) -> None:
    """Four syllables over four bars: the third starts no earlier than bar 2 and the last in bar 4, so
    the third note is held into bar 4 rather than followed by a rest the model did not choose."""
    song = scale_song(bars=6)
    syllables = many_syllables(4)
    variations = run_to_end(cond_engine.lyrics(song, 1, 4, syllables, GenerationOptions(variations=4, seed=3)))
    check(song, 1, 4, syllables, variations)
    last_bar = song.bar_range_ticks(4, 4)[0]
    for v in variations:
        assert v.notes[3].onset >= last_bar
        assert v.notes[2].end >= last_bar


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_the_count_rule_holds_for_any_bars_and_syllables(cond_engine: MelodyEngine, data: st.DataObject) -> None:
    song = data.draw(songs())
    first, last = data.draw(selections(song))
    n = data.draw(st.integers(1, 24))
    opts = GenerationOptions(variations=2, seed=data.draw(st.integers(0, 1000)), temperature=1.5)
    syllables = many_syllables(n)
    start, end = song.bar_range_ticks(first, last)
    if (end - start) // (Q // 4) < n:  # fewer sixteenths than syllables can never fit
        with pytest.raises(MelodyStudioError, match="do not fit"):
            cond_engine.lyrics(song, first, last, syllables, opts)
        return
    try:
        job = cond_engine.lyrics(song, first, last, syllables, opts, use_lyrics=data.draw(st.booleans()))
    except MelodyStudioError as e:  # bars whose open onsets cannot hold them (odd meters, short last bar)
        assert "do not fit" in str(e)
        return
    check(song, first, last, syllables, run_to_end(job))


def test_impossible_requests_say_why(cond_engine: MelodyEngine) -> None:
    song = scale_song(bars=4)
    with pytest.raises(MelodyStudioError, match="17 notes do not fit in bars 1-1"):
        cond_engine.lyrics(song, 0, 0, many_syllables(17))  # a 4/4 bar holds 16 sixteenths
    with pytest.raises(MelodyStudioError, match="no syllables"):
        cond_engine.lyrics(song, 0, 0, [])
    with pytest.raises(MelodyStudioError, match="bars 1-1, which hold 4 notes for 2 syllables"):
        cond_engine.lyrics(song, 0, 0, many_syllables(2), GenerationOptions(keep_rhythm=True))
    with pytest.raises(MelodyStudioError, match="do not fit in bars 1-4"):  # more than a blank: in groups
        cond_engine.lyrics(song, 0, 3, many_syllables(cond_engine.limits.max_notes + 1))
    full = run_to_end(cond_engine.lyrics(song, 0, 0, many_syllables(16), GenerationOptions(variations=2, seed=1)))
    check(song, 0, 0, many_syllables(16), full)  # as many syllables as sixteenths still fit


def test_keep_rhythm_puts_new_pitches_and_the_syllables_on_the_bars_own_notes(cond_engine: MelodyEngine) -> None:
    song = scale_song(bars=6)  # 4 notes a bar
    syllables = twinkle_syllables()[:8]
    originals = song.notes_between(*song.bar_range_ticks(2, 3))
    variations = run_to_end(cond_engine.lyrics(song, 2, 3, syllables, GenerationOptions(variations=3, seed=6,
                                                                                       keep_rhythm=True)))
    check(song, 2, 3, syllables, variations)
    for v in variations:
        assert [(n.onset, n.duration) for n in v.notes] == [(n.onset, n.duration) for n in originals]
        assert [n.lyric.text for n in v.notes if n.lyric] == [s.text for s in syllables]
    assert any([n.pitch for n in v.notes] != [n.pitch for n in originals] for v in variations)


def test_the_syllables_change_the_melody_and_can_be_hidden(cond_engine: MelodyEngine) -> None:
    song, opts = scale_song(bars=6), GenerationOptions(variations=2, seed=8)
    sung = run_to_end(cond_engine.lyrics(song, 1, 3, twinkle_syllables(), opts))
    hidden = run_to_end(cond_engine.lyrics(song, 1, 3, twinkle_syllables(), opts, use_lyrics=False))
    assert [v.notes for v in sung] != [v.notes for v in hidden]
    other = [Syllable("la", s.stress, s.word, s.phrase, s.position, s.melisma) if not s.melisma else s
             for s in twinkle_syllables()]
    assert run_to_end(cond_engine.lyrics(song, 1, 3, other, opts, use_lyrics=False))[0].notes == hidden[0].notes


def test_an_unconditioned_model_sets_syllables_with_the_count_rule_alone(engine: MelodyEngine) -> None:
    assert not engine.supports_lyrics and not engine.supports_chords
    song = scale_song(bars=6)
    syllables = twinkle_syllables()
    check(song, 1, 3, syllables, run_to_end(engine.lyrics(song, 1, 3, syllables, GenerationOptions(seed=2))))


def with_chords(song: Song, symbols: list[str]) -> Song:
    out = song.copy()
    out.set_chords([Chord(i * 4 * Q, 4 * Q, ChordSymbol.parse(s)) for i, s in enumerate(symbols)])
    return out


def test_the_chord_track_is_heard_unless_turned_off(cond_engine: MelodyEngine, engine: MelodyEngine) -> None:
    plain = scale_song(bars=8)
    chorded = with_chords(plain, ["G", "C", "D", "Em", "G", "C", "D", "G"])
    on, off = GenerationOptions(variations=3, seed=5), GenerationOptions(variations=3, seed=5, use_chords=False)
    heard = run_to_end(cond_engine.inpaint(chorded, 2, 4, on))
    assert [v.notes for v in heard] != [v.notes for v in run_to_end(cond_engine.inpaint(chorded, 2, 4, off))]
    # without a chord track nothing is known, as with the chords turned off
    assert run_to_end(cond_engine.inpaint(plain, 2, 4, on)) == run_to_end(cond_engine.inpaint(chorded, 2, 4, off))
    assert run_to_end(cond_engine.continuation(chorded, 2, off)) != run_to_end(cond_engine.continuation(chorded, 2, on))
    # an unconditioned model ignores chords
    assert run_to_end(engine.inpaint(chorded, 2, 4, on)) == run_to_end(engine.inpaint(plain, 2, 4, on))
