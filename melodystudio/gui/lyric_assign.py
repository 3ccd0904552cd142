"""Typed lyrics to syllables and syllables to notes (Qt-free).

English text is split by ``melodystudio.lyrics.parse_lyrics``: the pronouncing dictionary cuts
each word into syllables with their stress, numbers are sung as words, long lines are cut at
punctuation into phrases. Punctuation typed around a word stays on its first / last syllable, as
printed lyrics show it. Text the dictionary refuses (not English) is split only where hyphens are
typed, one note per word otherwise (``split_typed``). The text convention, close to karaoke and
LilyPond habits::

    Twin-kle twin-kle lit-tle star      hyphens force the split of a word into syllables
    How I won_-der what you are         '_' holds the previous syllable over one more note (melisma)
    (a new line starts a new phrase)    'Twin- kle' and 'Twin -- kle' also join across a space
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from melodystudio.core import Lyric, MelodyStudioError, Note, Syllabic
from melodystudio.core.progress import Job, Progress
from melodystudio.core.song import MAX_LYRIC_CHARS

if TYPE_CHECKING:  # melodystudio.lyrics loads the pronouncing dictionary: imported on first use
    from melodystudio.lyrics import Lyrics, Syllable

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


@dataclass(frozen=True)
class ParsedLyrics:
    """Typed text read for the notes: one Lyric per note to sing, and (for English text) the
    syllables with their stress that lyrics-to-melody sets."""

    lyrics: tuple[Lyric, ...]
    parsed: Lyrics | None  # None: not English, split only at typed hyphens
    warnings: tuple[str, ...]

    @property
    def syllables(self) -> tuple[Syllable, ...]:
        return self.parsed.syllables if self.parsed is not None else ()


def read_lyrics(text: str) -> ParsedLyrics:
    """``text`` as syllables (module docstring); MelodyStudioError for a syllable no note can carry."""
    if not text.strip():
        return ParsedLyrics((), None, ())
    from melodystudio.lyrics import parse_lyrics

    try:
        parsed = parse_lyrics(text)
    except MelodyStudioError as refused:
        typed = split_typed(text)  # raises itself for what no splitter accepts (a 70-letter "word")
        return ParsedLyrics(tuple(typed), None, (f"{refused}; split only where hyphens are typed",))
    return ParsedLyrics(tuple(_with_punctuation(parsed)), parsed, parsed.warnings)


def split_lyrics(text: str) -> list[Lyric]:
    """One Lyric per note to be sung, in order; raises MelodyStudioError for an unusable syllable."""
    return list(read_lyrics(text).lyrics)


def _with_punctuation(parsed: Lyrics) -> list[Lyric]:
    """The notes' lyrics of ``parsed``, with each word's leading and trailing punctuation put back."""
    from melodystudio.lyrics import note_lyrics

    out = note_lyrics(parsed.syllables)
    for word in parsed.words:
        at = word.text.find(word.sung)
        lead, trail = (word.text[:at], word.text[at + len(word.sung):]) if at >= 0 else ("", "")
        sung = [i for i in range(word.start, word.stop) if not out[i].melisma]
        if not sung:
            continue
        first, last = sung[0], sung[-1]
        if lead and len(lead) + len(out[first].text) <= MAX_LYRIC_CHARS:
            out[first] = replace(out[first], text=lead + out[first].text)
        if trail and len(trail) + len(out[last].text) <= MAX_LYRIC_CHARS:
            out[last] = replace(out[last], text=out[last].text + trail)
    return out


def split_typed(text: str) -> list[Lyric]:
    """One Lyric per word, or per typed syllable, in order (no dictionary)."""
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


def syllables_html(parsed: ParsedLyrics) -> str:
    """The split as rich text: 'Twin·kle / star', primary stress bold, secondary underlined."""
    if parsed.parsed is None:
        return html.escape(" ".join("_" if ly.melisma else ly.text for ly in parsed.lyrics))
    from melodystudio.lyrics import Stress

    words: list[str] = []
    phrase = 0
    for word in parsed.parsed.words:
        if word.phrase != phrase:
            words.append("/")
            phrase = word.phrase
        pieces = []
        for syllable in parsed.parsed.syllables[word.start:word.stop]:
            text = "_" if syllable.melisma else html.escape(syllable.text)
            if not syllable.melisma and syllable.stress == Stress.PRIMARY:
                text = f"<b>{text}</b>"
            elif not syllable.melisma and syllable.stress == Stress.SECONDARY:
                text = f"<u>{text}</u>"
            pieces.append(text)
        words.append("·".join(pieces))
    return " ".join(words)


def warm_up_job() -> Job[None]:
    """Load the pronouncing dictionary (about a second, once) on a worker, so the first split
    typed or opened does not stall the window."""
    yield Progress(0.0, "Loading the pronouncing dictionary")
    read_lyrics("warm")
    yield Progress(1.0, "Pronouncing dictionary ready")
