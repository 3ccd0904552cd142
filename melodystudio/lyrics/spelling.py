"""Where a written word splits into sung syllables ("beau-ti-ful"), given how many it has.

The dictionary gives the count; the spelling split comes from pyphen's en_US hyphenation patterns,
then is reconciled to the count deterministically:

1. pieces without a vowel group are merged into their left neighbour (the right one for the first);
2. too many pieces: the adjacent pair with the fewest letters together is merged (leftmost first);
3. too few: the piece holding the most vowel groups is split between two of them, at the gap nearest
   its middle (leftmost first). The consonants between the groups go by maximal onset: the next
   syllable takes the longest tail of the cluster that can start an English syllable ("mel-o-dy",
   "a-way", "hun-dred"), and a cluster that is just "ng", "ck" or "x" stays left ("sing-ing");
   with no such gap left, the longest vowel group of two or more letters is split ("i-de-a",
   "see-ing"), then a gap before a silent final e is used ("ca-fé").

A word never splits into more pieces than it has letters. Apostrophes and accents stay where they
are written: they ride with the letter before them ("ev'-ry"), a leading one with the first piece.
"""

from __future__ import annotations

import functools
import itertools
import unicodedata

import pyphen

VOWELS = "aeiou"
ONSETS = frozenset("b c d f g h j k l m n p q r s t v w y z "
                   "bl br ch cl cr dr dw fl fr gl gr kn ph pl pr qu sc sh sk sl sm sn sp st sw th tr tw wh wr "
                   "chr sch scr shr spl spr squ str thr".split())
_LEFT_CLUSTERS = ("ng", "ck", "x")


@functools.cache
def _hyphenator() -> pyphen.Pyphen:
    return pyphen.Pyphen(lang="en_US", left=1, right=1)


def _base_letter(ch: str) -> str:
    """'é' -> 'e', 'A' -> 'a'; '' for anything that is not a Latin letter."""
    base = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode("ascii").lower()
    return base if len(base) == 1 and base.isalpha() else ""


def letters_only(word: str) -> str:
    """The word's Latin letters, lower case, accents removed: "Don't" -> "dont"."""
    return "".join(_base_letter(ch) for ch in word)


def vowel_groups(letters: str, sounded: bool = True) -> list[tuple[int, int]]:
    """[start, end) of each sounded vowel group of a lower-case letter string.

    A group is a run of a, e, i, o, u and y, where y is a consonant at the start of the word or
    before a vowel, and u is one after q. A final e is silent (not "-le" after a consonant:
    "lit-tle"), and so is the e of a final -es (not after s, x, z, ch, sh, c, g) or -ed (not after t,
    d), as long as a group is left; ``sounded=False`` keeps those silent groups.
    """
    groups: list[tuple[int, int]] = []
    start = None
    for i, ch in enumerate(letters):
        before_vowel = i + 1 < len(letters) and letters[i + 1] in VOWELS
        is_vowel = ((ch in VOWELS and not (ch == "u" and i > 0 and letters[i - 1] == "q"))
                    or (ch == "y" and i > 0 and not before_vowel))
        if is_vowel and start is None:
            start = i
        elif not is_vowel and start is not None:
            groups.append((start, i))
            start = None
    if start is not None:
        groups.append((start, len(letters)))
    if sounded and len(groups) > 1 and _silent_final_e(letters, groups[-1]):
        groups.pop()
    return groups


def _silent_final_e(letters: str, last: tuple[int, int]) -> bool:
    n = len(letters)
    if last == (n - 1, n) and letters[-1] == "e":
        return not (n >= 3 and letters[-2] == "l" and letters[-3] not in VOWELS)
    if last == (n - 2, n - 1) and letters.endswith("es"):
        return not letters[:-2].endswith(("s", "x", "z", "ch", "sh", "c", "g"))
    if last == (n - 2, n - 1) and letters.endswith("ed"):
        return not letters[:-2].endswith(("t", "d"))
    return False


def split_spelling(word: str, n_syllables: int) -> tuple[str, ...]:
    """``word`` cut into ``n_syllables`` pieces that join back to it exactly (fewer when it has fewer
    letters than that). See the module docstring for the rules."""
    if n_syllables < 1:
        raise ValueError(f"a word has at least one syllable, not {n_syllables}")
    positions = [i for i, ch in enumerate(word) if _base_letter(ch)]  # original index of each letter
    letters = "".join(_base_letter(word[i]) for i in positions)
    if n_syllables == 1 or len(letters) < 2:
        return (word,)
    cuts = _reconciled(letters, set(_hyphenator().positions(letters)), n_syllables)
    starts = [0] + [positions[c] for c in sorted(cuts)] + [len(word)]
    return tuple(word[a:b] for a, b in itertools.pairwise(starts))


def _reconciled(letters: str, cuts: set[int], n: int) -> set[int]:
    """Cut positions (letter indexes where a piece starts, 0 excluded) giving n pieces if possible."""
    cuts = {c for c in cuts if 0 < c < len(letters)}
    nuclei = [g[0] for g in vowel_groups(letters)]
    for c in sorted(cuts):  # 1. pieces with no vowel group
        bounds = [0, *sorted(cuts), len(letters)]
        i = bounds.index(c)
        if not any(bounds[i - 1] <= v < c for v in nuclei) or not any(c <= v < bounds[i + 1] for v in nuclei):
            cuts.discard(c)
    while len(cuts) + 1 > n:  # 2. merge the shortest adjacent pair
        bounds = [0, *sorted(cuts), len(letters)]
        widths = [(bounds[i + 1] - bounds[i - 1], i) for i in range(1, len(bounds) - 1)]
        cuts.discard(bounds[min(widths)[1]])
    while len(cuts) + 1 < n:  # 3. split the piece with the most vowel groups (a silent e counts last)
        sounded = _cut_groups(vowel_groups(letters), cuts)
        cut = (_best_new_cut(letters, sounded, cuts) or _long_group_cut(sounded)
               or _best_new_cut(letters, _cut_groups(vowel_groups(letters, sounded=False), cuts), cuts)
               or next((i for i in range(1, len(letters)) if i not in cuts), None))
        if cut is None:
            break
        cuts.add(cut)
    return cuts


def _cut_groups(groups: list[tuple[int, int]], cuts: set[int]) -> list[tuple[int, int]]:
    """Vowel groups with the existing cuts applied: "cre-ation" has the groups e, a and io."""
    out = []
    for s, e in groups:
        inner = [c for c in sorted(cuts) if s < c < e]
        out += list(zip([s, *inner], [*inner, e]))
    return out


def _best_new_cut(letters: str, groups: list[tuple[int, int]], cuts: set[int]) -> int | None:
    """A cut between two vowel groups of one piece, or None when no piece holds two."""
    bounds = [0, *sorted(cuts), len(letters)]
    candidates: list[tuple[int, float, int]] = []  # (-groups in piece, distance from its middle, cut)
    for a, b in itertools.pairwise(bounds):
        inside = [g for g in groups if a <= g[0] < b]
        middle = (a + b) / 2
        gaps = [_onset_cut(letters, g1[1], g2[0]) for g1, g2 in itertools.pairwise(inside)]
        candidates += [(-len(inside), abs(c - middle), c) for c in gaps if a < c < b]
    return min(candidates)[2] if candidates else None


def _long_group_cut(groups: list[tuple[int, int]]) -> int | None:
    """A cut inside the longest vowel group of two or more letters (leftmost first): after its first
    letter ("i-de-a"), or before the last one in a group of three or more ("see-ing")."""
    long_groups = [(-(e - s), s + 1 if e - s == 2 else e - 1) for s, e in groups if e - s >= 2]
    return min(long_groups)[1] if long_groups else None


def _onset_cut(letters: str, cluster_start: int, next_vowel: int) -> int:
    """Where the consonants between two vowel groups divide (maximal onset, see the docstring)."""
    cluster = letters[cluster_start:next_vowel]
    if cluster in _LEFT_CLUSTERS:
        return next_vowel
    for size in range(min(3, len(cluster)), 0, -1):
        if cluster[-size:] in ONSETS:
            return next_vowel - size
    return next_vowel
