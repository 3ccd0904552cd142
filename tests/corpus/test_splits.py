"""The split rules, checked against SHA-1 digests computed here from the literal bytes."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from melodystudio.corpus import paths
from melodystudio.corpus.splits import (
    abc_file_splits,
    abc_tune_digest,
    abc_tune_split,
    cut_abc_text,
    path_split,
    read_latin1,
    split_of_digest,
)

TUNE = "\n\nX:7\nT:Hänschen klein\nM:2/4\nL:1/8\nK:G\nd B B2 | c A A2 |\nG B d d | B B B2 |\n\n\n"


def test_digit_rule() -> None:
    assert split_of_digest("f3a1") == "test"
    assert split_of_digest("e000") == "valid"
    assert [split_of_digest(d) for d in "0123456789abcd"] == ["train"] * 14


def test_tune_text_is_stripped_plus_one_newline_and_hashed_as_utf8() -> None:
    expected = hashlib.sha1("X:7\nT:Hänschen klein\nM:2/4\nL:1/8\nK:G\nd B B2 | c A A2 |\nG B d d | B B B2 |\n"
                            .encode()).hexdigest()
    assert abc_tune_digest(TUNE) == expected
    assert abc_tune_split(TUNE) == split_of_digest(expected)


def test_file_is_cut_before_x_lines_and_read_as_latin1(tmp_path: Path) -> None:
    header = "% Aird's Airs, volume 1\n\n"
    second = "X:8\nT:Zweite\nK:D\nDEFG|\n"
    f = tmp_path / "two.abc"
    f.write_bytes((header + TUNE.strip() + "\n\n" + second).encode("latin-1"))  # ä is one byte on disk
    head, pieces = cut_abc_text(read_latin1(f))
    assert head == header
    assert [p.splitlines()[0] for p in pieces] == ["X:7", "X:8"]
    assert abc_file_splits(f) == [abc_tune_split(TUNE), abc_tune_split(second)]
    assert abc_tune_digest(pieces[0]) == abc_tune_digest(TUNE)  # Latin-1 text, hashed as UTF-8


def test_an_x_inside_a_line_does_not_start_a_tune() -> None:
    _, pieces = cut_abc_text("X:1\nT:a\nN: see X:2\nK:C\nC|\n")
    assert len(pieces) == 1


def test_path_rule() -> None:
    digest = hashlib.sha1(b"bach/bwv269.mxl").hexdigest()
    assert path_split("bach/bwv269.mxl") == split_of_digest(digest)


ESSEN = paths.music21_corpus_dir() / "essenFolksong"


@pytest.mark.skipif(not ESSEN.is_dir(), reason="music21 corpus not installed")
def test_real_essen_first_tune_split() -> None:
    # Verified once by hand: awk '/^X:/{n++} n==1' ballad50.abc, trailing blank lines removed, | sha1sum
    pieces = cut_abc_text(read_latin1(ESSEN / "ballad50.abc"))[1]
    assert abc_tune_digest(pieces[0]) == "fb64223a3498940fb38e252c7fdcdafbe9175b4a"
    assert abc_file_splits(ESSEN / "ballad50.abc")[0] == "test"


@pytest.mark.skipif(not ESSEN.is_dir(), reason="music21 corpus not installed")
def test_essen_has_528_test_tunes() -> None:
    splits = [s for f in sorted(ESSEN.glob("*.abc")) for s in abc_file_splits(f)]  # hashing only, no parsing
    assert len(splits) == 8514
    assert (splits.count("test"), splits.count("valid")) == (528, 546)
