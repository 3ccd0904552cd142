"""Prompt parsing: the attributes a composer writes, in many phrasings."""

from __future__ import annotations

import pytest

from melodystudio.core import MelodyStudioError
from melodystudio.retrieval.prompt_parse import TEMPO_BPM, PromptSpec, parse_prompt


def test_the_issue_example() -> None:
    spec = parse_prompt("a slow, tender lullaby in 3/4, D minor, 16 bars")
    assert (spec.tonic, spec.mode, spec.meters, spec.tempo_word, spec.bars) == ("D", "minor", ("3/4",), "slow", 16)
    assert spec.key is not None and spec.key.label() == "D minor"
    assert spec.bpm == TEMPO_BPM["slow"]


@pytest.mark.parametrize(("text", "tonic", "mode"), [
    ("a reel in G", "G", None),
    ("in G", "G", None),
    ("Bb major waltz", "Bb", "major"),
    ("B flat major", "Bb", "major"),
    ("F sharp minor air", "F#", "minor"),
    ("f# minor", "F#", "minor"),
    ("in f# minor", "F#", "minor"),
    ("a tune in Dm", "D", "minor"),
    ("Eb-major hymn", "Eb", "major"),
    ("in the key of A", "A", None),
    ("key of e minor", "E", "minor"),
    ("A minor jig", "A", "minor"),
    ("C# minor", "C#", "minor"),
    ("G major, 2/4", "G", "major"),
])
def test_key_phrasings(text: str, tonic: str, mode: str | None) -> None:
    spec = parse_prompt(text)
    assert (spec.tonic, spec.mode) == (tonic, mode)


@pytest.mark.parametrize(("text", "mode"), [
    ("A slow lullaby", None),  # the article, not A major
    ("a lively Irish reel", None),
    ("a sad song in a minor key", "minor"),
    ("something in a major key, please", "major"),
    ("minor-key march", "minor"),
])
def test_articles_and_mode_words_are_not_keys(text: str, mode: str | None) -> None:
    spec = parse_prompt(text)
    assert spec.tonic is None
    assert spec.mode == mode


def test_a_bare_tonic_reads_as_major_key() -> None:
    spec = parse_prompt("a jig in G")
    assert spec.key is not None and spec.key.label() == "G major"
    assert spec.mode is None  # not a retrieval filter: any mode may guide it


@pytest.mark.parametrize(("text", "meters"), [
    ("in 3/4", ("3/4",)),
    ("6 / 8 time", ("6/8",)),
    ("a waltz", ("3/4",)),
    ("Viennese waltzes", ("3/4",)),
    ("a slip jig", ("9/8",)),
    ("double jigs", ("6/8",)),
    ("a reel", ("4/4", "2/2")),
    ("hornpipe", ("4/4", "2/4", "2/2")),
    ("in common time", ("4/4",)),
    ("cut time march", ("2/2",)),
    ("three-four", ("3/4",)),
    ("six eight time", ("6/8",)),
    ("a waltz in 6/8", ("6/8",)),  # an explicit meter wins over the dance's
    ("4/2", ("4/2",)),
    ("in 4/1", ("4/1",)),  # a search may ask for it (Essen has some); generation refuses it
    ("in 7/8", ("7/8",)),
    ("a ballad", ()),
])
def test_meter_phrasings(text: str, meters: tuple[str, ...]) -> None:
    assert parse_prompt(text).meters == meters


@pytest.mark.parametrize(("text", "bpm", "word"), [
    ("slow air", None, "slow"),
    ("gentle and calm", None, "slow"),
    ("a lively reel", None, "lively"),
    ("fast, energetic", None, "lively"),
    ("moderato", None, "moderate"),
    ("at 90 bpm", 90.0, None),
    ("brisk, 132 BPM", 132.0, "lively"),
    ("a tune", None, None),
])
def test_tempo(text: str, bpm: float | None, word: str | None) -> None:
    spec = parse_prompt(text)
    assert (spec.tempo_bpm, spec.tempo_word) == (bpm, word)


def test_explicit_bpm_wins_over_the_tempo_word() -> None:
    assert parse_prompt("slow, 80 bpm").bpm == 80.0


@pytest.mark.parametrize(("text", "bars"), [
    ("16 bars", 16), ("8 bar", 8), ("a 32-bar tune", 32), ("sixteen bars", 16), ("eight measures", 8),
    ("4 measures", 4), ("no count", None),
])
def test_bars(text: str, bars: int | None) -> None:
    assert parse_prompt(text).bars == bars


@pytest.mark.parametrize(("text", "rng"), [
    ("range C4-G5", (60, 79)),
    ("between D4 to D5", (62, 74)),
    ("Bb3-F5, in G", (58, 77)),
    ("low register", (48, 69)),
    ("high-pitched", (67, 88)),
    ("high energy", None),
])
def test_pitch_range(text: str, rng: tuple[int, int] | None) -> None:
    assert parse_prompt(text).pitch_range == rng


def test_a_range_is_not_read_as_a_key() -> None:
    spec = parse_prompt("a reel, C4-G5")
    assert spec.tonic is None and spec.pitch_range == (60, 79)
    assert parse_prompt("Bb3-F5, in G").tonic == "G"


def test_everything_at_once() -> None:
    spec = parse_prompt("A lively Irish jig in E minor, 8 bars, 120 bpm, range D4-B5")
    assert spec == PromptSpec("A lively Irish jig in E minor, 8 bars, 120 bpm, range D4-B5", "E", "minor",
                              ("6/8",), 120.0, "lively", 8, (62, 83))


@pytest.mark.parametrize(("text", "message"), [
    ("", "empty"),
    ("   ", "empty"),
    ("a tune, 100 bars", "1-64 bars"),
    ("range G5-C4", "high to low"),
    ("in 3/5", "3/5 is not a meter"),
    ("in 0/4", "0/4 is not a meter"),
    ("a tune at 900 bpm", "20-400"),
])
def test_errors_are_one_clear_line(text: str, message: str) -> None:
    with pytest.raises(MelodyStudioError, match=message):
        parse_prompt(text)
