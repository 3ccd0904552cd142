"""Syllable counts and lexical stress of English words: the CMU dictionary first, rules after.

Known words (``pronouncing``, the CMU Pronouncing Dictionary): stress digits 0/1/2 become
``Stress.UNSTRESSED / PRIMARY / SECONDARY``. When a word has several pronunciations, the first one
whose syllable count is wanted wins (``n_syllables`` given, or else the count its spelling suggests,
so "fire" and "our" are one syllable, "every" three), otherwise the dictionary's first.
Before giving up, the lookup also tries: the word without accents ("café"), without leading or
trailing apostrophes ("'til"), a dropped g ("singin'" as "singing"), a contraction typed without
its apostrophe ("dont", "youre": lyric data often drops it) and a possessive ("rose's": "rose"
plus an unstressed syllable after a sibilant).

Unknown words (the stress heuristic, deliberately simple):

- syllable count: ``spelling.vowel_groups`` (runs of vowel letters, minus a silent final e / -es / -ed);
- one syllable: primary stress; two: the first ("CARpet"); three or more: the antepenult
  ("MElody"), except before a stress-attracting suffix, where the syllable just before the suffix
  takes it ("blorp-TAS-tic", "cre-A-tion", "a-BIL-i-ty").

A known word whose dictionary count differs from the count asked for keeps the dictionary's primary
stress at the same syllable index (clamped to the last syllable), the other syllables unstressed.

Weak function words: a one-syllable pronoun, article, preposition, conjunction or auxiliary
(``FUNCTION_WORDS``) is unstressed whatever the dictionary says. The dictionary gives almost every
monosyllable a 1 (even "to" and "you"), which would make every syllable of most lines "stressed";
metrical practice treats these words as weak.
"""

from __future__ import annotations

import functools
import unicodedata

import pronouncing

from melodystudio.lyrics.spelling import letters_only, vowel_groups
from melodystudio.lyrics.syllables import Stress

_STRESS_OF_DIGIT = {"0": Stress.UNSTRESSED, "1": Stress.PRIMARY, "2": Stress.SECONDARY}
_SIBILANT_PHONES = ("S", "Z", "SH", "ZH", "CH", "JH")
APOSTROPHES = "'’‘`"

# Suffix (letters) -> syllables it adds by the vowel-group count; the syllable before it is stressed.
STRESS_BEFORE_SUFFIX = (("ically", 3), ("ity", 2), ("ical", 2), ("ic", 1), ("tion", 1), ("sion", 1),
                        ("cian", 1), ("tial", 1), ("cial", 1), ("ious", 1), ("eous", 1))

FUNCTION_WORDS = frozenset("""
a an the
i me my you your he him his she her it its we us our they them their thy thee
i'm i'll i'd i've you're you'll you'd you've he's he'll he'd she's she'll she'd it's it'll we're we'll we'd
we've they're they'll they'd they've
to of in on at by for from with than up out off o'er till 'til til
and or but nor so if that as
am is are was were be been can could will would shall should may might must do does did has have had
""".split())


@functools.cache
def _phones(word: str) -> tuple[str, ...]:
    """Dictionary pronunciations with at least one vowel ("hmm" is listed as HH M: no syllable)."""
    return tuple(p for p in pronouncing.phones_for_word(word) if pronouncing.stresses(p))


def _stress_digits(phones: str) -> tuple[Stress, ...]:
    return tuple(_STRESS_OF_DIGIT[d] for d in pronouncing.stresses(phones))


def lookup_key(word: str) -> str:
    """The dictionary spelling of ``word``: lower case, curly apostrophes straightened, accents removed."""
    for mark in APOSTROPHES[1:]:
        word = word.replace(mark, "'")
    plain = unicodedata.normalize("NFKD", word).encode("ascii", "ignore").decode("ascii")
    if not plain and word:  # no Latin letters at all: keep the original so it stays 'unknown'
        return word.lower()
    return plain.lower()


def _candidates(key: str) -> list[str]:
    """Spellings to look up, in order: as written, without edge apostrophes, a dropped g
    ("singin'"), a contraction typed without its apostrophe ("dont", "youre", "im")."""
    out = [key, key.strip("'")]
    if key.endswith("in'"):
        out.append(key[:-1] + "g")
    if "'" not in key and len(key) >= 2:
        out += [key[:-1] + "'" + key[-1:], key[:-2] + "'" + key[-2:]]
    return out


@functools.cache
def dictionary_form(word: str) -> tuple[str, tuple[tuple[Stress, ...], ...]]:
    """The spelling the dictionary knows ``word`` by and the stress pattern of each of its
    pronunciations (one Stress per syllable, the dictionary's order); ("", ()) for an unknown word.
    A possessive ("rose's") is its base plus an unstressed syllable after a sibilant."""
    key = lookup_key(word)
    for form in _candidates(key):
        found = _phones(form) if form.strip("'") else ()
        if found:
            return form, tuple(_stress_digits(p) for p in found)
    if key.endswith("'s") and len(key) > 2:
        base = _phones(key[:-2])
        if base:
            return key, tuple(_stress_digits(p) + ((Stress.UNSTRESSED,) if p.split()[-1] in _SIBILANT_PHONES else ())
                              for p in base)
    return "", ()


def pronunciations(word: str) -> tuple[tuple[Stress, ...], ...]:
    """Stress patterns of every dictionary pronunciation of ``word`` (see ``dictionary_form``)."""
    return dictionary_form(word)[1]


def listed(word: str) -> bool:
    """True when the dictionary has an entry spelled exactly like ``word`` (case and accents aside)."""
    return bool(_phones(lookup_key(word)))


def known(word: str) -> bool:
    """True when the CMU dictionary (or one of the variants tried) knows ``word``."""
    return bool(pronunciations(word))


def guess_stresses(word: str, n_syllables: int) -> tuple[Stress, ...]:
    """The stress heuristic for a word the dictionary does not know (see the module docstring)."""
    if n_syllables < 1:
        raise ValueError(f"a word has at least one syllable, not {n_syllables}")
    if n_syllables == 1:
        return (Stress.PRIMARY,)
    if n_syllables == 2:
        stressed = 0
    else:
        stressed = n_syllables - 3
        letters = letters_only(lookup_key(word))
        for suffix, size in STRESS_BEFORE_SUFFIX:
            if letters.endswith(suffix) and n_syllables > size:
                stressed = n_syllables - size - 1
                break
    return tuple(Stress.PRIMARY if i == stressed else Stress.UNSTRESSED for i in range(n_syllables))


def _fit(stresses: tuple[Stress, ...], n_syllables: int) -> tuple[Stress, ...]:
    """A dictionary pattern moved onto another syllable count: its primary stress stays at the same
    index (clamped to the last syllable), everything else is unstressed."""
    out = [Stress.UNSTRESSED] * n_syllables
    if Stress.PRIMARY in stresses:
        out[min(stresses.index(Stress.PRIMARY), n_syllables - 1)] = Stress.PRIMARY
    return tuple(out)


def _weakened(word: str, stresses: tuple[Stress, ...]) -> tuple[Stress, ...]:
    if len(stresses) == 1 and (lookup_key(word) in FUNCTION_WORDS or dictionary_form(word)[0] in FUNCTION_WORDS):
        return (Stress.UNSTRESSED,)
    return stresses


def word_stresses(word: str, n_syllables: int | None = None) -> tuple[Stress, ...]:
    """One lexical stress per syllable of ``word``.

    ``n_syllables``: how many syllables the caller splits the word into (a data set's split, the
    user's hyphens); None lets the dictionary, or for an unknown word the spelling, decide.
    Never raises for odd text (no letters: the heuristic's pattern for the count, 1 if not given).
    """
    if n_syllables is not None and n_syllables < 1:
        raise ValueError(f"a word has at least one syllable, not {n_syllables}")
    patterns = pronunciations(word)
    wanted = n_syllables if n_syllables is not None else spelled_syllables(word)
    if patterns:
        chosen = next((p for p in patterns if len(p) == wanted), None)
        if chosen is None:
            chosen = patterns[0] if n_syllables is None else _fit(patterns[0], n_syllables)
        return _weakened(word, chosen)
    return _weakened(word, guess_stresses(word, wanted))


def spelled_syllables(word: str) -> int:
    """Syllables the spelling suggests (vowel groups, at least 1): the count for unknown words."""
    return max(1, len(vowel_groups(letters_only(lookup_key(word)))))


def syllable_count(word: str) -> int:
    """Syllables of ``word`` when nothing else decides: the dictionary's (see ``word_stresses``),
    else the spelling's."""
    return len(word_stresses(word))
