"""Lyrics between music21 and the song model: syllables, melismas and lyric lines (phrases).

music21 reads and writes a lyric's text and syllabic but drops MusicXML's ``<extend>`` (the
melisma line) and ``<end-line>`` (a lyric line ends here). The MusicXML module carries them
through music21 in the lyric's ``name`` attribute, which music21 keeps as ``Lyric.identifier``:
``TAG_PREFIX`` followed by comma-separated flags:

- ``extend``: the syllable goes on over the following notes (an extend line starts here);
- ``held``: this note has no syllable of its own, it holds the previous one (a melisma note);
  ``last`` marks the last held note of a run (the extend line stops there);
- ``end-line``: the lyric line ends after this note, so the next syllable starts a phrase.

Reading, a note becomes a melisma (``Lyric.continuation()``) when it is ``held``, or when it has no
lyric and follows, without a rest between, a syllable with an extend line or one whose word goes on
(a hyphen: the singer holds the syllable until the next one). The first syllable of the song and
the first after an ``end-line`` (or after a source line break, for ABC) start phrases.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from music21 import note

from melodystudio.core.errors import MelodyStudioError
from melodystudio.core.song import MAX_LYRIC_CHARS, Lyric, Syllabic
from melodystudio.io.report import ImportReport

TAG_PREFIX = "melodystudio:"
EXTEND, HELD, LAST, END_LINE = "extend", "held", "last", "end-line"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
_SYLLABIC = {s.value: s for s in Syllabic}


@dataclass(frozen=True, slots=True)
class SyllableMark:
    """The first verse's lyric on one note, before melismas and phrases are worked out."""

    text: str  # "" when held
    syllabic: Syllabic
    extend: bool = False
    held: bool = False
    end_line: bool = False


class _Timed(Protocol):  # what resolve_lyrics needs of a note (music21_bridge.NoteEvent)
    @property
    def onset(self) -> int: ...
    @property
    def end(self) -> int: ...
    @property
    def source(self) -> int: ...
    @property
    def syllable(self) -> SyllableMark | None: ...


def tag(flags: list[str]) -> str | None:
    return TAG_PREFIX + ",".join(flags) if flags else None


def flags_of(identifier: object) -> set[str]:
    if isinstance(identifier, str) and identifier.startswith(TAG_PREFIX):
        return set(identifier[len(TAG_PREFIX):].split(","))
    return set()


def syllable_mark(n: note.NotRest, verse: int | None, report: ImportReport) -> SyllableMark | None:
    """The lyric of verse ``verse`` on ``n``, or None."""
    if verse is None:
        return None
    ly = next((x for x in n.lyrics if x.number == verse), None)
    if ly is None:
        return None
    flags = flags_of(ly.identifier)
    if HELD in flags:
        return SyllableMark("", Syllabic.SINGLE, held=True, end_line=END_LINE in flags)
    text = _clean(ly.text or "", report)
    if not text:
        return None
    return SyllableMark(text, _syllabic(ly), extend=EXTEND in flags, end_line=END_LINE in flags)


def _clean(text: str, report: ImportReport) -> str:
    text = " ".join(_CONTROL.sub(" ", text).split())
    if len(text) > MAX_LYRIC_CHARS:
        report.warn(f"syllables longer than {MAX_LYRIC_CHARS} characters were cut short")
        text = text[:MAX_LYRIC_CHARS].rstrip()
    return text


def _syllabic(ly: note.Lyric) -> Syllabic:
    """MusicXML syllabic; a composite lyric ('co_e') starts like its first part and ends like its last."""
    if ly.syllabic != "composite" or not ly.components:
        return _SYLLABIC.get(ly.syllabic or "single", Syllabic.SINGLE)
    first = _SYLLABIC.get(ly.components[0].syllabic or "single", Syllabic.SINGLE)
    last = _SYLLABIC.get(ly.components[-1].syllabic or "single", Syllabic.SINGLE)
    starts_word = first in (Syllabic.SINGLE, Syllabic.BEGIN)
    table = {(True, False): Syllabic.SINGLE, (True, True): Syllabic.BEGIN,
             (False, True): Syllabic.MIDDLE, (False, False): Syllabic.END}
    return table[(starts_word, last.continues)]


def resolve_lyrics(notes: Sequence[_Timed], line_starts: set[int],
                   report: ImportReport) -> tuple[list[Lyric | None], list[bool]]:
    """Per note: its Lyric, and whether a phrase starts there.

    ``line_starts`` holds source indices of notes that begin a source line; a line start on a note
    that was merged away (a tie) or dropped moves to the next note kept.
    """
    pending = sorted(line_starts)
    lyrics: list[Lyric | None] = []
    phrases: list[bool] = []
    carrying, new_phrase, prev_end, i = False, True, None, 0
    for n in notes:
        line_start = False
        while i < len(pending) and pending[i] <= n.source:
            line_start, i = True, i + 1
        if prev_end is not None and n.onset > prev_end:
            carrying = False  # a rest ends a held syllable
        prev_end = n.end
        new_phrase = new_phrase or line_start
        lyric, carrying, new_phrase = _lyric_for(n.syllable, carrying, new_phrase, report)
        lyrics.append(lyric)
        phrases.append(line_start or (lyric is not None and lyric.phrase_start))
    return lyrics, phrases


def _lyric_for(mark: SyllableMark | None, carrying: bool, new_phrase: bool,
               report: ImportReport) -> tuple[Lyric | None, bool, bool]:
    """(lyric, carrying after this note, next syllable starts a phrase)."""
    if mark is None:
        return (Lyric.continuation() if carrying else None), carrying, new_phrase
    if mark.held:
        return Lyric.continuation(), True, new_phrase or mark.end_line
    try:
        lyric = Lyric(mark.text, mark.syllabic, phrase_start=new_phrase)
    except MelodyStudioError as e:
        report.warn(f"syllable left out: {e}")
        return None, False, new_phrase
    return lyric, mark.extend or mark.syllabic.continues, mark.end_line
