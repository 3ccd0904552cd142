"""One line of typed lyrics cut into word tokens, held syllables and punctuation.

What the composer types (the lyric editor's conventions, plus plain prose):

- words are separated by white space; punctuation around them is kept for display, not sung;
  "/" and other symbols inside a word separate words, "&" is sung "and";
- a hyphen inside a word forces the syllables ("beau-ti-ful"); a hyphen at a word's edge or a
  free-standing "--" (LilyPond's syllable hyphen) joins two words ("Twin- kle", "Twin -- kle");
  a free-standing "-", em and en dashes are punctuation (a dash in prose);
- "_" holds the previous syllable over one more note (a melisma): on its own ("love _"), at the end
  of a word ("love_", "love__" for two notes) or inside one ("won_-der", "lo_ve" = "lo-_-ve");
- "~" in or after a word sings the whole word as one syllable on one note, whatever the dictionary
  says ("fire~", "heav~en", "ev~ery": LilyPond's elision mark, here within a word);
- numbers are sung as words: "21" twenty one, "3.5" three point five, "1,000" one thousand,
  "21st" twenty-first, a four-digit number from 1100 to 2099 as a year ("1999" nineteen ninety-nine).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from num2words import num2words

from melodystudio.lyrics import pronounce

_NUMBER = re.compile(r"(?<![\w.,])(?:(?P<ordinal>\d+)(?P<suffix>st|nd|rd|th)|(?P<grouped>\d{1,3}(?:,\d{3})+)"
                     r"|(?P<plain>\d+(?:\.\d+)?))(?![\w])", re.IGNORECASE)
_CHUNK = re.compile(r"[\w'’\-~]+|[^\w'’\-~\s]+")
_SYMBOLS = {"&": "and"}
_SPLIT = re.compile(r"([-_]+)")


@dataclass(frozen=True, slots=True)
class WordToken:
    """A word as typed: ``pieces`` are the forced syllables (one piece: the dictionary decides),
    ``holds[i]`` the melisma notes after piece i."""

    pieces: tuple[str, ...]
    holds: tuple[int, ...]
    lead: str = ""  # punctuation just before the word (an opening quote, a bracket)
    trail: str = ""  # punctuation just after it
    one_syllable: bool = False  # typed with "~": the whole word on one note

    @property
    def sung(self) -> str:
        return "".join(self.pieces)

    @property
    def forced(self) -> bool:
        return len(self.pieces) > 1 and not self.one_syllable


@dataclass(frozen=True, slots=True)
class Hold:
    """Free-standing "_" marks: melisma notes on the syllable before."""

    count: int


def spell_numbers(line: str) -> str:
    """Digits replaced by the words they are sung as (see the module docstring)."""
    def words(m: re.Match[str]) -> str:
        if m.group("ordinal"):
            text = num2words(int(m.group("ordinal")), to="ordinal")
        elif m.group("grouped"):
            text = num2words(int(m.group("grouped").replace(",", "")))
        else:
            value = m.group("plain")
            year = len(value) == 4 and value.isdigit() and 1100 <= int(value) <= 2099
            text = num2words(int(value), to="year") if year else num2words(value if "." in value else int(value))
        return " " + text.replace("-", " ").replace(",", "") + " "
    return _NUMBER.sub(words, line)


def tokenize_line(line: str) -> list[WordToken | Hold | str]:
    """A line as word tokens, holds and punctuation strings, in order."""
    out: list[WordToken | Hold | str] = []
    join_next = False
    text = spell_numbers(line)
    chunks = list(_CHUNK.finditer(text))
    for i, m in enumerate(chunks):
        chunk = _SYMBOLS.get(m.group(), m.group())
        if chunk.strip("_") == "":
            out.append(Hold(len(chunk)))
            continue
        if not any(ch.isalnum() for ch in chunk):
            if chunk == "--" and _last_word(out) is not None:  # "Twin -- kle" (LilyPond's hyphen)
                join_next = True
            else:
                spaced = m.start() > 0 and text[m.start() - 1].isspace()
                opening = (m.start() == 0 or spaced) and i + 1 < len(chunks) and chunks[i + 1].start() == m.end()
                out.append(Opening(chunk) if opening else " " + chunk if spaced else chunk)  # keep "love -" spaced
                join_next = False
            continue
        joins_previous = (join_next or chunk.startswith("-")) and _last_word(out) is not None
        core = chunk.strip("-")
        join_next = chunk.endswith("-")
        leading_holds = len(core) - len(core.lstrip("_"))
        if leading_holds:  # "_love": the hold belongs to the syllable before
            out.append(Hold(leading_holds))
            joins_previous = False
        token = _word(core.lstrip("_"))
        if joins_previous:
            previous = out.pop()
            assert isinstance(previous, WordToken)
            token = WordToken(previous.pieces + token.pieces, previous.holds + token.holds, previous.lead,
                              one_syllable=previous.one_syllable or token.one_syllable)
        out.append(token)
    return _attach_punctuation(out)


class Opening(str):
    """Punctuation that opens what follows it (a quote or bracket before a word)."""


def _last_word(items: list[WordToken | Hold | str]) -> WordToken | None:
    return items[-1] if items and isinstance(items[-1], WordToken) else None


def _word(core: str) -> WordToken:
    """'beau-ti-ful' -> pieces (beau, ti, ful); 'won_-der' -> (won, der) holding won once; 'heav~en'
    -> (heaven,) sung as one syllable."""
    one_syllable = "~" in core
    parts = _SPLIT.split(core.replace("~", ""))
    pieces: list[str] = []
    holds: list[int] = []
    for i, part in enumerate(parts):
        if i % 2 == 0:
            if part:
                pieces.append(_edge_apostrophes(part))
                holds.append(0)
        elif pieces:
            holds[-1] += part.count("_")
    if one_syllable and len(pieces) > 1:
        pieces, holds = ["".join(pieces)], [sum(holds)]
    return WordToken(tuple(pieces), tuple(holds), one_syllable=one_syllable)


def _edge_apostrophes(word: str) -> str:
    """Quotes around a word go; an apostrophe of elision stays: a form the dictionary lists with it
    ("'cause", "'til") or a dropped g ("singin'")."""
    inner = word.strip("'’")
    if inner == word or pronounce.listed(word):
        return word
    if word.endswith(("in'", "in’")) and word[0] not in "'’":
        return word
    return inner


def _attach_punctuation(items: list[WordToken | Hold | str]) -> list[WordToken | Hold | str]:
    """Punctuation chunks folded into the words beside them (after the previous word, or before the
    next one at the start of a line); those stay in the list too, as phrase-break marks."""
    out: list[WordToken | Hold | str] = []
    lead = ""
    for item in items:
        if isinstance(item, Opening):
            lead += item
            out.append(str(item))
        elif isinstance(item, str):
            word_index = _last_word_index(out)
            if word_index is None:
                lead += item
            else:
                w = out[word_index]
                assert isinstance(w, WordToken)
                out[word_index] = replace(w, trail=w.trail + item)
            out.append(item)
        elif isinstance(item, WordToken) and lead:
            out.append(replace(item, lead=lead + item.lead))
            lead = ""
        else:
            out.append(item)
    return out


def _last_word_index(items: list[WordToken | Hold | str]) -> int | None:
    """Index of the last word, unless another word-less stretch (a hold) stands after it."""
    for i in range(len(items) - 1, -1, -1):
        if isinstance(items[i], WordToken):
            return i
        if isinstance(items[i], Hold):
            return None
    return None
