"""Lyrics as MIDI text: one event per sung note, the conventions described in ``melodystudio.io.midi``.

Import works in three steps on plain records: ``parse_syllables`` turns the text events into
``Syllable`` records (line breaks and word spacing resolved), ``attach_syllables`` finds the note
each one falls on, ``build_lyrics`` derives word structure and builds the core ``Lyric`` objects.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from melodystudio.core.song import MAX_LYRIC_CHARS, Lyric, Syllabic

HYPHEN = "-"  # ends a syllable whose word goes on
MELISMA = "_"  # the whole text of a note that holds the previous syllable
LINE_MARKS = "/\\"  # karaoke: '/' new line, '\' new paragraph; both start a lyric line for us
NEWLINES = "\r\n"


def lyric_event_text(lyric: Lyric) -> str:
    """The text written for one note: '/' before a line's first syllable, '-' after a continuing one."""
    if lyric.melisma:
        return MELISMA
    # Stripped: a stray space would read back as karaoke word spacing.
    text = lyric.text.strip() + (HYPHEN if lyric.syllabic.continues else "")
    return ("/" if lyric.phrase_start else "") + text


@dataclass(frozen=True, slots=True)
class Syllable:
    """One lyric event, cleaned: ``text`` keeps a trailing hyphen; the flags record the markup around it."""

    tick: int
    text: str
    line_start: bool = False
    space_before: bool = False
    space_after: bool = False


def _clean(text: str) -> str:
    # Control characters (C0 and the C1 range Latin-1 decoding produces) cannot live in a Lyric.
    return "".join(" " if ord(c) < 32 or 0x7F <= ord(c) < 0xA0 else c for c in text).strip()


def parse_syllables(events: Iterable[tuple[int, str]]) -> list[Syllable]:
    """Text events (tick, text) in time order -> syllables; events holding only markup mark the next one."""
    out: list[Syllable] = []
    line_pending = space_pending = False
    for tick, raw in events:
        body = raw.lstrip()
        lead = raw[: len(raw) - len(body)]
        mark = body[:1] in LINE_MARKS and body != ""
        if mark:
            body = body[1:]
        core = body.strip()
        trail = body[len(body.rstrip()):]
        starts_line = mark or any(c in NEWLINES for c in lead)
        ends_line = any(c in NEWLINES for c in trail)
        space_before = bool(lead) or body[:1].isspace()
        text = _clean(core)
        if not text:
            line_pending = line_pending or starts_line or ends_line
            space_pending = space_pending or space_before or bool(trail)
            continue
        out.append(Syllable(tick, text, starts_line or line_pending, space_before or space_pending, bool(trail)))
        line_pending, space_pending = ends_line, False
    return out


def _merge(group: Sequence[Syllable]) -> Syllable:
    # Two events on one note (e.g. a split word in a karaoke file) are sung as one syllable.
    first, last = group[0], group[-1]
    text = "".join(s.text for s in group)
    return Syllable(first.tick, text, first.line_start, first.space_before, last.space_after)


def attach_syllables(syllables: Sequence[Syllable], onsets: Sequence[int],
                     ends: Sequence[int]) -> tuple[dict[int, Syllable], int]:
    """Map note index -> its syllable: the note starting at the event, else the note sounding then.

    Returns the map and how many events fell on no note.
    """
    groups: dict[int, list[Syllable]] = {}
    missed = 0
    for s in syllables:
        i = bisect.bisect_right(onsets, s.tick) - 1
        if i >= 0 and s.tick < ends[i]:
            groups.setdefault(i, []).append(s)
        else:
            missed += 1
    return {i: _merge(g) for i, g in groups.items()}, missed


def _is_melisma(s: Syllable) -> bool:
    return s.text in (MELISMA, HYPHEN)


def _continuations(sylls: Sequence[Syllable]) -> list[bool]:
    """Per sung syllable: does its word go on? Hyphens decide; without any, karaoke spacing does."""
    if any(s.text.endswith(HYPHEN) for s in sylls):
        return [s.text.endswith(HYPHEN) for s in sylls]
    if not any(s.space_before or s.space_after for s in sylls):
        return [False] * len(sylls)  # no markup at all: every syllable is a word
    pairs = itertools.pairwise(sylls)
    return [not a.space_after and not b.space_before and not b.line_start for a, b in pairs] + [False]


def build_lyrics(by_note: dict[int, Syllable]) -> tuple[dict[int, Lyric], int]:
    """Note index -> Lyric, with BEGIN/MIDDLE/END derived from continuations; also the count of
    syllables cut to ``MAX_LYRIC_CHARS``."""
    order = sorted(by_note)
    sung = [i for i in order if not _is_melisma(by_note[i])]
    continues = dict(zip(sung, _continuations([by_note[i] for i in sung])))
    out: dict[int, Lyric] = {}
    cut = 0
    in_word = False
    for i in order:
        s = by_note[i]
        if _is_melisma(s):
            out[i] = Lyric.continuation()
            continue
        text = s.text[:-1].rstrip() if s.text.endswith(HYPHEN) else s.text
        if len(text) > MAX_LYRIC_CHARS:
            text, cut = text[:MAX_LYRIC_CHARS].strip(), cut + 1
        in_word = in_word and not s.line_start
        out[i] = Lyric(text, _syllabic(in_word, continues[i]), phrase_start=s.line_start)
        in_word = continues[i]
    return out, cut


def _syllabic(in_word: bool, continues: bool) -> Syllabic:
    if in_word:
        return Syllabic.MIDDLE if continues else Syllabic.END
    return Syllabic.BEGIN if continues else Syllabic.SINGLE
