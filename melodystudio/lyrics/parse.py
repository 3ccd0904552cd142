"""Typed lyrics to phrases, words and stressed syllables: ``parse_lyrics``.

Phrases are the text's lines (blank lines only separate verses). A line of more than
``MAX_PHRASE_SYLLABLES`` syllables is cut at punctuation (, ; : . ! ? dashes, brackets): at the mark
that leaves the longer part shortest (the earliest on ties), again while a part is too long and has a
mark inside. Words and the typing conventions: ``words``. Syllable counts, stress and the spelling
split: ``pronounce`` and ``spelling``. A word of several syllables typed with hyphens is split as
written ("beau-ti-ful"), its stress from the dictionary when the counts agree, unless every piece is
a dictionary word and together they have more syllables than pieces: then it is a compound and each
piece is a word of its own ("twenty-one", "well-to-do").

A held syllable ("_") becomes an extra ``Syllable`` right after the one it holds, with
``melisma=True``, empty text (as on a core ``Lyric``), and the held syllable's stress, position,
word and phrase.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from melodystudio.core.errors import MelodyStudioError
from melodystudio.core.song import MAX_LYRIC_CHARS
from melodystudio.lyrics import pronounce
from melodystudio.lyrics.spelling import split_spelling
from melodystudio.lyrics.syllables import Stress, Syllable, WordPosition
from melodystudio.lyrics.words import Hold, WordToken, tokenize_line

MAX_PHRASE_SYLLABLES = 12
MIN_ENGLISH_SHARE = 0.3  # of words the dictionary knows, below which text with non-ASCII letters is refused
BREAK_MARKS = frozenset(",;:.!?—–-()[]…")


@dataclass(frozen=True, slots=True)
class Word:
    """A sung word: ``syllables[start:stop]`` of its ``Lyrics`` (held notes included)."""

    text: str  # for display, with the punctuation typed around it: '"Love,'
    sung: str  # as sung: 'Love'
    phrase: int
    start: int
    stop: int
    known: bool  # the pronouncing dictionary knows it (else the spelling rules decided)


@dataclass(frozen=True, slots=True)
class Phrase:
    """A lyric line (or part of a long one): ``syllables[start:stop]`` and ``words[first_word:word_stop]``."""

    text: str  # for display: the line as typed, or its words with their punctuation for part of a line
    line: int  # 0-based line of the text it comes from
    start: int
    stop: int
    first_word: int
    word_stop: int


@dataclass(frozen=True)
class Lyrics:
    syllables: tuple[Syllable, ...]  # one per note to sing, in order
    words: tuple[Word, ...]
    phrases: tuple[Phrase, ...]
    warnings: tuple[str, ...]  # what was guessed or left out, one line each, for the composer

    def phrase_syllables(self, phrase: int) -> tuple[Syllable, ...]:
        p = self.phrases[phrase]
        return self.syllables[p.start:p.stop]

    @property
    def text(self) -> str:
        """The lyrics as sung: words joined by spaces, phrases by newlines."""
        return "\n".join(" ".join(w.sung for w in self.words[p.first_word:p.word_stop]) for p in self.phrases)


@dataclass(frozen=True, slots=True)
class _Sung:
    """A word cut into syllables, before ids are given."""

    token: WordToken
    pieces: tuple[str, ...]
    stresses: tuple[Stress, ...]
    holds: tuple[int, ...]
    known: bool
    sung: str = ""  # the word as sung when it differs from the typed pieces joined ("well-to-do")

    @property
    def notes(self) -> int:
        return len(self.pieces) + sum(self.holds)


def parse_lyrics(text: str) -> Lyrics:
    """Phrases, words and syllables of ``text``; MelodyStudioError for empty or non-English text."""
    if not text.strip():
        raise MelodyStudioError("the lyrics are empty: type the words to sing")
    warnings: list[str] = []
    lines: list[tuple[int, str, list[_Sung | str]]] = []
    for number, line in enumerate(text.splitlines()):
        items = _sung_items(tokenize_line(line), warnings, lines[-1][2] if lines else [])
        if any(isinstance(item, _Sung) for item in items):
            lines.append((number, line, items))
    words = [item for _, _, items in lines for item in items if isinstance(item, _Sung)]
    if not words:
        raise MelodyStudioError("the lyrics have no words to sing (only punctuation or '_')")
    _check_english(text, words)
    for word in words:
        if not word.known:
            sung = "-".join(word.pieces)
            stressed = word.pieces[word.stresses.index(Stress.PRIMARY)] if Stress.PRIMARY in word.stresses else "-"
            warnings.append(f"'{word.token.sung}' is not in the pronouncing dictionary: sung as {sung}, "
                            f"stress guessed on '{stressed}'")
    return _assemble(lines, warnings)


def _sung_items(items: list[WordToken | Hold | str], warnings: list[str],
                previous_line: list[_Sung | str]) -> list[_Sung | str]:
    """Words syllabified, holds added to the word before (at a line's start: the previous line's last
    word), punctuation kept as break marks."""
    out: list[_Sung | str] = []
    for item in items:
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, Hold):
            held = out if any(isinstance(w, _Sung) for w in out) else previous_line
            i = max((k for k, w in enumerate(held) if isinstance(w, _Sung)), default=None)
            if i is None:
                warnings.append("a '_' before the first syllable holds nothing and was left out")
                continue
            last = held[i]
            assert isinstance(last, _Sung)
            held[i] = dataclasses.replace(last, holds=(*last.holds[:-1], last.holds[-1] + item.count))
        else:
            out += _syllabify(item, warnings)
    return out


def _syllabify(token: WordToken, warnings: list[str]) -> list[_Sung]:
    if len(token.sung) > MAX_LYRIC_CHARS:
        raise MelodyStudioError(f"'{token.sung[:20]}...' is longer than {MAX_LYRIC_CHARS} characters: "
                                "is it one word?")
    if token.one_syllable:  # "fire~": one note whatever the dictionary says
        sung = token.sung
        return [_Sung(token, (sung,), pronounce.word_stresses(sung, 1), (sum(token.holds),), pronounce.known(sung))]
    if not token.forced:
        return [_plain(token)]
    if _compound(token):
        last = len(token.pieces) - 1
        return [_plain(WordToken((p,), (h,), token.lead if i == 0 else "", token.trail if i == last else ""))
                for i, (p, h) in enumerate(zip(token.pieces, token.holds))]
    hyphenated = "-".join(token.pieces)
    word = hyphenated if pronounce.listed(hyphenated) else token.sung  # "x-ray" is listed as such
    patterns = pronounce.pronunciations(word)
    if patterns and all(len(p) != len(token.pieces) for p in patterns):
        warnings.append(f"'{hyphenated}' is sung in {len(token.pieces)} syllables as typed "
                        f"(the dictionary has {len(patterns[0])})")
    return [_Sung(token, token.pieces, pronounce.word_stresses(word, len(token.pieces)), token.holds,
                  bool(patterns), word)]


def _plain(token: WordToken) -> _Sung:
    """A word cut into syllables by the dictionary's count (or the spelling's) and ``split_spelling``."""
    sung = token.sung
    pieces = split_spelling(sung, pronounce.syllable_count(sung))
    return _Sung(token, pieces, pronounce.word_stresses(sung, len(pieces)), _holds(token.holds, len(pieces)),
                 pronounce.known(sung))


def _holds(holds: tuple[int, ...], n_pieces: int) -> tuple[int, ...]:
    """Holds typed after a whole word ("love_") go after its last syllable."""
    return (0,) * (n_pieces - 1) + (sum(holds),)


def _compound(token: WordToken) -> bool:
    if any(token.holds[:-1]) or not all(pronounce.known(p) for p in token.pieces):
        return False
    return sum(pronounce.syllable_count(p) for p in token.pieces) > len(token.pieces)


def _check_english(text: str, words: list[_Sung]) -> None:
    """Refuse text that is not English: non-ASCII letters with under MIN_ENGLISH_SHARE of the words in
    the dictionary ("我爱你"), or, for 8 words or more, under 10% English function words with under
    80% of the words in the dictionary (the dictionary knows many German and Spanish spellings, but
    English lyrics are full of "the", "I", "you", "to")."""
    known = sum(w.known for w in words)
    function = sum(pronounce.lookup_key(w.token.sung) in pronounce.FUNCTION_WORDS for w in words)
    foreign_letters = any(ch.isalpha() and not ch.isascii() for ch in text)
    if (foreign_letters and known < MIN_ENGLISH_SHARE * len(words)) or (
            len(words) >= 8 and function < 0.1 * len(words) and known < 0.8 * len(words)):
        raise MelodyStudioError(f"the lyrics do not look like English: {known} of {len(words)} words are in the "
                                f"English pronouncing dictionary and {function} of {len(words)} are common "
                                "English words (lyrics to melody sets English lyrics)")


def _assemble(lines: list[tuple[int, str, list[_Sung | str]]], warnings: list[str]) -> Lyrics:
    syllables: list[Syllable] = []
    words: list[Word] = []
    phrases: list[Phrase] = []
    for number, line, items in lines:
        parts = _phrase_parts(items)
        if len(parts) == 1 and sum(w.notes for w in parts[0]) > MAX_PHRASE_SYLLABLES and len(parts[0]) > 1:
            warnings.append(f"line {number + 1} has {sum(w.notes for w in parts[0])} syllables and no punctuation "
                            "to split it at: it stays one phrase")
        for part in parts:
            phrase_id, first_word, start = len(phrases), len(words), len(syllables)
            for word in part:
                word_start = len(syllables)
                syllables += _word_syllables(word, len(words), phrase_id)
                token = word.token
                sung = word.sung or token.sung
                words.append(Word(token.lead + sung + token.trail, sung, phrase_id, word_start, len(syllables),
                                  word.known))
            text = line.strip() if len(parts) == 1 else " ".join(w.text for w in words[first_word:])
            phrases.append(Phrase(text, number, start, len(syllables), first_word, len(words)))
    return Lyrics(tuple(syllables), tuple(words), tuple(phrases), tuple(warnings))


def _word_syllables(word: _Sung, word_id: int, phrase_id: int) -> list[Syllable]:
    out = []
    n = len(word.pieces)
    for i, (piece, stress, holds) in enumerate(zip(word.pieces, word.stresses, word.holds)):
        position = (WordPosition.SINGLE if n == 1 else WordPosition.BEGIN if i == 0
                    else WordPosition.END if i == n - 1 else WordPosition.MIDDLE)
        out.append(Syllable(piece, stress, word_id, phrase_id, position))
        out += [Syllable("", stress, word_id, phrase_id, position, melisma=True)] * holds
    return out


def _phrase_parts(items: list[_Sung | str]) -> list[list[_Sung]]:
    """The line's words, cut at punctuation while a part has more than MAX_PHRASE_SYLLABLES."""
    words = [item for item in items if isinstance(item, _Sung)]
    breaks: set[int] = set()  # k: a break between words[k - 1] and words[k]
    seen = 0
    for item in items:
        if isinstance(item, _Sung):
            seen += 1
        elif 0 < seen < len(words) and any(ch in BREAK_MARKS for ch in item):
            breaks.add(seen)
    return _cut(words, sorted(breaks))


def _cut(words: list[_Sung], breaks: list[int]) -> list[list[_Sung]]:
    notes = [w.notes for w in words]
    if sum(notes) <= MAX_PHRASE_SYLLABLES or not breaks:
        return [words]
    best = min(breaks, key=lambda k: (max(sum(notes[:k]), sum(notes[k:])), k))
    return _cut(words[:best], [k for k in breaks if k < best]) + \
        _cut(words[best:], [k - best for k in breaks if k > best])
