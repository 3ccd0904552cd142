"""Harmonizing with the shipped model (models/harmonizer): options, locks, undo, errors."""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

import pytest

from melodystudio.core import PPQ, Chord, ChordSymbol, KeySignature, MelodyStudioError, Note, Song
from melodystudio.core.progress import run_to_end
from melodystudio.engine.harmonizer import REPO_MODELS, HarmonizeOptions, Harmonizer
from melodystudio.harmony.decode import changes
from melodystudio.harmony.vocabulary import IS_SIMPLE, label_class
from tests.conftest import twinkle

Q = PPQ
MODEL = REPO_MODELS / "harmonizer"


def ode_to_joy() -> Song:
    """Beethoven's 'Ode to Joy', 8 bars in C major, 4/4."""
    bars = ["E E F G", "G F E D", "C C D E", "E. D8 D2", "E E F G", "G F E D", "C C D E", "D. C8 C2"]
    lengths = {"": Q, ".": 3 * Q // 2, "8": Q // 2, "2": 2 * Q}
    pitch = {"C": 60, "D": 62, "E": 64, "F": 65, "G": 67}
    notes, tick = [], 0
    for bar in bars:
        for word in bar.split():
            dur = lengths[word[1:]]
            notes.append(Note(tick, dur, pitch[word[0]]))
            tick += dur
    return Song("Ode to Joy", keys=[KeySignature(0, "C")], notes=notes)


@pytest.fixture(scope="module")
def harmonizer() -> Harmonizer:
    return Harmonizer.load(MODEL, "cpu")


def test_every_segment_gets_a_chord_and_the_edit_undoes(harmonizer: Harmonizer) -> None:
    song = ode_to_joy()
    result = run_to_end(harmonizer.harmonize(song))
    assert len(result.segments) == 16 and (result.start, result.end) == (0, 32 * Q)
    assert result.chords[0].onset == 0 and result.chords[-1].end == 32 * Q
    for a, b in itertools.pairwise(result.chords):
        assert a.end == b.onset and a.symbol != b.symbol  # contiguous, and a new chord only where it changes
    assert all(IS_SIMPLE[label_class(str(c.symbol))] for c in result.chords)  # maj/min by default
    inverse = song.apply(result.edit)
    assert song.chords == result.chords
    song.apply(inverse)
    assert song.chords == ()


def test_rich_vocabulary_and_beat_segments(harmonizer: Harmonizer) -> None:
    result = run_to_end(harmonizer.harmonize(ode_to_joy(), options=HarmonizeOptions(per="beat", rich=True)))
    assert len(result.segments) == 32 and len(result.classes) == 32


def test_change_rate_is_monotone_on_a_real_melody(harmonizer: Harmonizer) -> None:
    song = ode_to_joy()
    counts = [changes(run_to_end(harmonizer.harmonize(song, options=HarmonizeOptions(
        per="beat", change_rate=r))).classes) for r in (0.05, 0.3, 1.0, 3.0, 20.0)]
    assert counts == sorted(counts) and counts[0] < counts[-1]


def test_locked_chords_are_kept_exactly(harmonizer: Harmonizer) -> None:
    song = ode_to_joy()
    kept = [Chord(4 * Q, 2 * Q, ChordSymbol("G", "7", "B")), Chord(14 * Q, 2 * Q, ChordSymbol("D", "min7"))]
    song.set_chords(kept)
    result = run_to_end(harmonizer.harmonize(song, options=HarmonizeOptions(locked=tuple(kept))))
    assert all(c in result.chords for c in kept)
    assert result.classes[2] == label_class("G7") and result.classes[7] == label_class("Dm7")
    song.apply(result.edit)
    assert kept[0] in song.chords and kept[1] in song.chords
    for a, b in itertools.pairwise(song.chords):
        assert a.end == b.onset


def test_a_bar_range_leaves_the_other_bars_alone(harmonizer: Harmonizer) -> None:
    song = twinkle()  # bars 1-2 4/4 with C, F/A, C; bar 3 in 3/4 with G7
    before = song.chords
    result = run_to_end(harmonizer.harmonize(song, 1, 1, HarmonizeOptions(per="bar")))
    assert (result.start, result.end) == (4 * Q, 8 * Q) and len(result.chords) == 1
    song.apply(result.edit)
    assert song.chords[0] == before[0] and song.chords[-1] == before[-1]
    assert song.chords[1] == result.chords[0]


def test_errors_are_one_clear_line(harmonizer: Harmonizer, tmp_path: Path) -> None:
    with pytest.raises(MelodyStudioError, match="no notes"):
        run_to_end(harmonizer.harmonize(Song()))
    with pytest.raises(MelodyStudioError, match="change rate"):
        HarmonizeOptions(change_rate=0)
    with pytest.raises(MelodyStudioError, match="segment size"):
        HarmonizeOptions(per="bars")
    with pytest.raises(MelodyStudioError, match="no harmonizer model found"):
        Harmonizer.load(tmp_path / "nowhere")
    broken = tmp_path / "harmonizer"
    shutil.copytree(MODEL, broken)
    graph = broken / harmonizer.manifest["graph"]["file"]
    with open(graph, "r+b") as f:
        f.seek(1000)
        f.write(b"\x00\x01\x02")
    with pytest.raises(MelodyStudioError, match="checksum mismatch"):
        Harmonizer.load(broken)
