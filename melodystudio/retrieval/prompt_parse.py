"""Explicit attributes in a text prompt: key and mode, meter, tempo, bars, pitch range.

    parse_prompt("a slow, tender lullaby in 3/4, D minor, 16 bars")
    -> PromptSpec(tonic='D', mode='minor', meters=('3/4',), tempo_word='slow', bars=16, ...)

What is parsed becomes hard constraints (retrieval filters on meter and mode; decoding constraints
on key, meter, bars and range); the whole text still goes to the text encoder. Dance names imply
their meters ("waltz" -> 3/4, "jig" -> 6/8). A capital 'A' alone is read as the article, not the
key, unless it follows "in" or "key of"; a lowercase letter is a tonic only after "in"/"key of", with an
accidental, or before "major"/"minor" (except 'a', the article).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from melodystudio.core import KeySignature
from melodystudio.core.errors import MelodyStudioError
from melodystudio.core.pitch import canonical_name, parse_note_name
from melodystudio.core.timeline import VALID_DENOMINATORS

MAX_BARS = 64
NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
                "ten": 10, "eleven": 11, "twelve": 12, "sixteen": 16, "twenty": 20, "twenty-four": 24,
                "thirty-two": 32, "forty-eight": 48, "sixty-four": 64}
TEMPO_WORDS = {
    "slow": ("slow", "slowly", "calm", "gentle", "tender", "unhurried", "peaceful", "relaxed", "sleepy", "stately",
             "adagio", "largo", "andante"),
    "moderate": ("moderate", "moderately", "medium tempo", "walking", "moderato", "steady"),
    "lively": ("lively", "fast", "quick", "brisk", "upbeat", "energetic", "bouncy", "allegro", "presto", "vivace",
               "rapid", "driving"),
}
TEMPO_BPM = {"slow": 66.0, "moderate": 96.0, "lively": 126.0}  # what a tempo word sets when no bpm is given
# Dance and meter words -> the meters they allow, the usual one first ("slip jig" before "jig").
METER_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (r"slip[- ]?jig", ("9/8",)), (r"jigs?", ("6/8",)), (r"waltz(es)?|mazurka|minuet", ("3/4",)),
    (r"reels?|strathspey", ("4/4", "2/2")), (r"polka", ("2/4",)), (r"hornpipe", ("4/4", "2/4", "2/2")),
    (r"common time", ("4/4",)), (r"cut time|alla breve", ("2/2",)), (r"three[- ]four( time)?", ("3/4",)),
    (r"six[- ]eight( time)?", ("6/8",)), (r"two[- ]four( time)?", ("2/4",)), (r"four[- ]four( time)?", ("4/4",)),
    (r"triple (meter|time)", ("3/4", "3/8", "3/2")), (r"compound duple", ("6/8",)),
)
MAX_BAR_QUARTERS = 8  # the melody model's bar: 96 positions of 1/12 quarter (generation only)
REGISTER_RANGES = {"low": (48, 69), "high": (67, 88)}  # C3-A4, G4-E6

_ACC = r"(?:#|♯|b|♭|[- ]?sharp|[- ]?flat)"
_MODE = r"(?:major|minor|maj|min|m(?![a-z]))"
_KEY = re.compile(rf"(?<![\w#])(?P<pre>(?:in|key of|in the key of)\s+)?(?P<letter>[A-Ga-g])(?P<acc>{_ACC})?"
                  rf"(?:\s*-?\s*(?P<mode>{_MODE}))?(?P<after>\s+(?:key|mode|tonality))?(?![\w#♯♭])", re.IGNORECASE)
_MODE_ONLY = re.compile(r"\b(major|minor)\b", re.IGNORECASE)
_METER = re.compile(r"(?<![\d/])(\d{1,2})\s*/\s*(\d{1,2})(?![\d/])")
_BPM = re.compile(r"(\d{2,3})\s*(?:bpm|beats per minute)", re.IGNORECASE)
_BARS = re.compile(r"\b(\d{1,3}|" + "|".join(NUMBER_WORDS) + r")[- ]?(?:bars?|measures?)\b", re.IGNORECASE)
_RANGE = re.compile(r"\b([A-G][#b]?-?\d)\s*(?:-|–|to|\.\.)\s*([A-G][#b]?-?\d)\b")
_REGISTER = re.compile(r"\b(low|high)(?:[- ](?:register|range|pitched|voice|notes))\b", re.IGNORECASE)


@dataclass(frozen=True)
class PromptSpec:
    text: str
    tonic: str | None = None  # 'D', 'Bb', 'F#'
    mode: str | None = None  # 'major' | 'minor'
    meters: tuple[str, ...] = ()  # acceptable meters, the preferred one first
    tempo_bpm: float | None = None
    tempo_word: str | None = None  # 'slow' | 'moderate' | 'lively'
    bars: int | None = None
    pitch_range: tuple[int, int] | None = None  # inclusive MIDI bounds

    @property
    def meter(self) -> str | None:
        return self.meters[0] if self.meters else None

    @property
    def key(self) -> KeySignature | None:
        """The requested key (a bare tonic reads as major), or None."""
        return KeySignature(0, self.tonic, self.mode or "major") if self.tonic else None

    @property
    def bpm(self) -> float | None:
        """The tempo to set: the explicit bpm, else what the tempo word implies."""
        if self.tempo_bpm is not None:
            return self.tempo_bpm
        return TEMPO_BPM[self.tempo_word] if self.tempo_word else None


def parse_prompt(text: str) -> PromptSpec:
    """Every explicit attribute of ``text``; raises for an empty prompt or impossible values."""
    if not text or not text.strip():
        raise MelodyStudioError("the prompt is empty: describe the melody, e.g. 'a lively Irish reel in D'")
    pitch_range, rest = _range(text)
    tonic, mode = _key(rest)
    return PromptSpec(text.strip(), tonic, mode, _meters(rest), *_tempo(rest), _bars(rest), pitch_range)


def _key(text: str) -> tuple[str | None, str | None]:
    for m in _KEY.finditer(text):
        letter, acc, mode_word = m.group("letter"), m.group("acc") or "", (m.group("mode") or "").lower()
        after_in = bool(m.group("pre"))
        if letter.islower() and not (after_in or acc or (mode_word in ("major", "minor") and letter != "a")):
            continue  # 'a', 'e' as words
        if letter.islower() and not acc and mode_word and m.group("after"):
            continue  # 'in a minor key': a mode, not A minor
        if letter == "A" and not (acc or mode_word or after_in):
            continue  # the article
        if mode_word == "m" and not acc and m.group(0)[-1] != "m":
            continue
        accidental = "#" if acc.strip("- ").lower() in ("#", "♯", "sharp") else "b" if acc else ""
        mode = "minor" if mode_word in ("minor", "min", "m") else "major" if mode_word in ("major", "maj") else None
        if mode is None:
            mode = _mode_word(text)
        tonic = canonical_name(letter.upper() + accidental)
        try:
            KeySignature(0, tonic, mode or "major")
        except MelodyStudioError:
            raise MelodyStudioError(f"{tonic} {mode or 'major'} has no standard key signature; "
                                    f"try its enharmonic spelling") from None
        return tonic, mode
    return None, _mode_word(text)


def _mode_word(text: str) -> str | None:
    m = _MODE_ONLY.search(text)
    return m.group(1).lower() if m else None


def _meters(text: str) -> tuple[str, ...]:
    m = _METER.search(text)
    if m:
        num, den = int(m.group(1)), int(m.group(2))
        if not 1 <= num <= 64 or den not in VALID_DENOMINATORS:
            raise MelodyStudioError(f"{num}/{den} is not a meter (the lower number is 1, 2, 4, 8, 16 or 32)")
        return (f"{num}/{den}",)
    lowered = text.lower()
    for pattern, meters in METER_WORDS:
        if re.search(rf"\b(?:{pattern})\b", lowered):
            return meters
    return ()


def _tempo(text: str) -> tuple[float | None, str | None]:
    m = _BPM.search(text)
    bpm = float(m.group(1)) if m else None
    if bpm is not None and not 20 <= bpm <= 400:
        raise MelodyStudioError(f"tempo {bpm:g} bpm is outside 20-400 bpm")
    lowered = text.lower()
    for word, synonyms in TEMPO_WORDS.items():
        if any(re.search(rf"\b{re.escape(s)}\b", lowered) for s in synonyms):
            return bpm, word
    return bpm, None


def _bars(text: str) -> int | None:
    m = _BARS.search(text)
    if not m:
        return None
    raw = m.group(1).lower()
    bars = NUMBER_WORDS[raw] if raw in NUMBER_WORDS else int(raw)
    if not 1 <= bars <= MAX_BARS:
        raise MelodyStudioError(f"{bars} bars is not possible: ask for 1-{MAX_BARS} bars")
    return bars


def _range(text: str) -> tuple[tuple[int, int] | None, str]:
    """(the pitch range, the text without it, so 'C4-G5' is not read as a key)."""
    m = _RANGE.search(text)
    if m:
        lo, hi = parse_note_name(m.group(1)), parse_note_name(m.group(2))
        if lo > hi:
            raise MelodyStudioError(f"pitch range {m.group(0)} goes from high to low: write it low to high")
        return (lo, hi), text[:m.start()] + " " + text[m.end():]
    r = _REGISTER.search(text)
    return (REGISTER_RANGES[r.group(1).lower()] if r else None), text
