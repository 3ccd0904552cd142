"""Typed lyrics to syllables and syllables to notes (Qt-free, so a later CMU-based splitter can
replace ``split_lyrics`` without touching the editor).

The text convention, close to karaoke and LilyPond habits::

    Twin-kle twin-kle lit-tle star      hyphens split a word into syllables
    How I won_-der what you are         '_' holds the previous syllable over one more note (melisma)
    (a new line starts a new phrase)    'Twin- kle' and 'Twin -- kle' also join across a space
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from melodystudio.core import Lyric, Note, Syllabic

_TOKEN = re.compile(r"(?P<space>\s+)|(?P<melisma>_)|(?P<hyphen>-+)|(?P<text>[^\s_-]+)")


@dataclass(frozen=True, slots=True)
class Assignment:
    """The lyric each target note gets, and what did not fit."""

    pairs: list[tuple[Note, Lyric | None]]
    leftover_syllables: int  # syllables with no note left to sing them
    notes_without_lyric: int  # target notes after the last syllable (their lyric is cleared)


def _syllabic(joins_previous: bool, joins_next: bool) -> Syllabic:
    if joins_previous:
        return Syllabic.MIDDLE if joins_next else Syllabic.END
    return Syllabic.BEGIN if joins_next else Syllabic.SINGLE


def _split_line(line: str) -> list[Lyric]:
    # Each entry: [text, joins_previous, joins_next] for syllables, None for a melisma note.
    raw: list[list[object] | None] = []
    last_syllable: list[object] | None = None
    hyphen_pending = False
    for m in _TOKEN.finditer(line):
        kind = m.lastgroup
        if kind == "hyphen" and last_syllable is not None:
            hyphen_pending = True
        elif kind == "melisma":
            raw.append(None)
        elif kind == "text":
            joined = hyphen_pending and last_syllable is not None
            if joined and last_syllable is not None:
                last_syllable[2] = True
            last_syllable = [m.group(), joined, False]
            raw.append(last_syllable)
            hyphen_pending = False
    out: list[Lyric] = []
    for entry in raw:
        if entry is None:
            out.append(Lyric.continuation())
            continue
        text, joins_previous, joins_next = entry
        first_syllable = not any(not x.melisma for x in out)
        out.append(Lyric(str(text), _syllabic(bool(joins_previous), bool(joins_next)), phrase_start=first_syllable))
    return out


def split_lyrics(text: str) -> list[Lyric]:
    """One Lyric per note to be sung, in order; raises MelodyStudioError for an unusable syllable."""
    out: list[Lyric] = []
    for line in text.splitlines():
        out.extend(_split_line(line))
    return out


def assign_lyrics(notes: Sequence[Note], syllables: Sequence[Lyric]) -> Assignment:
    """One syllable per note in order; target notes after the last syllable lose their lyric."""
    pairs: list[tuple[Note, Lyric | None]] = []
    for i, note in enumerate(notes):
        pairs.append((note, syllables[i] if i < len(syllables) else None))
    leftover = max(0, len(syllables) - len(notes))
    unsung = max(0, len(notes) - len(syllables))
    return Assignment(pairs, leftover, unsung)


def lyrics_to_text(notes: Sequence[Note]) -> str:
    """The notes' lyrics written in the convention above (``split_lyrics`` reads it back)."""
    lines: list[str] = []
    line = ""
    for note in notes:
        lyric = note.lyric
        if lyric is None:
            continue
        if lyric.melisma:
            line = line.rstrip(" -") + "_" + ("-" if line.endswith("-") else " ") if line else "_ "
            continue
        if lyric.phrase_start and line:
            lines.append(line.rstrip())
            line = ""
        line += lyric.text + ("-" if lyric.syllabic.continues else " ")
    if line:
        lines.append(line.rstrip(" "))
    return "\n".join(lines)


def preview(syllables: Sequence[Lyric]) -> str:
    """A one-line rendering of the split for the editor: 'Twin·kle | twin·kle' ('_' = melisma)."""
    parts: list[str] = []
    for lyric in syllables:
        if lyric.phrase_start and parts:
            parts.append("/")
        parts.append("_" if lyric.melisma else lyric.text + ("-" if lyric.syllabic.continues else ""))
    return " ".join(parts)
