"""Chord symbols: a root, a quality from one table, an optional bass.

Facts live in the ``QUALITIES`` table (intervals, display suffix, MusicXML kind, spellings that
parse to it); parsing and formatting read the table instead of branching on names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from melodystudio.core.errors import MelodyStudioError
from melodystudio.core.pitch import FLAT_NAMES, SHARP_NAMES, canonical_name, pitch_class_of


@dataclass(frozen=True, slots=True)
class Quality:
    name: str  # our canonical name (Harte-style where one exists)
    intervals: tuple[int, ...]  # semitones above the root, root included
    suffix: str  # written after the root: C + "m7" = Cm7
    musicxml_kind: str  # MusicXML <kind> value
    aliases: tuple[str, ...] = ()  # other suffixes / Harte names that mean the same


QUALITIES: tuple[Quality, ...] = (
    Quality("maj", (0, 4, 7), "", "major", ("M", "maj", "major", "Δ", "")),
    Quality("min", (0, 3, 7), "m", "minor", ("m", "min", "minor", "-", "mi")),
    Quality("7", (0, 4, 7, 10), "7", "dominant", ("7", "dom7", "dominant")),
    Quality("maj7", (0, 4, 7, 11), "maj7", "major-seventh", ("maj7", "M7", "Δ7", "ma7", "major-seventh")),
    Quality("min7", (0, 3, 7, 10), "m7", "minor-seventh", ("m7", "min7", "-7", "mi7", "minor-seventh")),
    Quality("dim", (0, 3, 6), "dim", "diminished", ("dim", "o", "°", "diminished")),
    Quality("dim7", (0, 3, 6, 9), "dim7", "diminished-seventh", ("dim7", "o7", "°7", "diminished-seventh")),
    Quality("hdim7", (0, 3, 6, 10), "m7b5", "half-diminished",
            ("m7b5", "hdim7", "ø", "ø7", "min7b5", "-7b5", "half-diminished")),
    Quality("aug", (0, 4, 8), "aug", "augmented", ("aug", "+", "augmented")),
    Quality("sus2", (0, 2, 7), "sus2", "suspended-second", ("sus2", "suspended-second")),
    Quality("sus4", (0, 5, 7), "sus4", "suspended-fourth", ("sus4", "sus", "suspended-fourth")),
    Quality("maj6", (0, 4, 7, 9), "6", "major-sixth", ("6", "maj6", "M6", "major-sixth")),
    Quality("min6", (0, 3, 7, 9), "m6", "minor-sixth", ("m6", "min6", "-6", "minor-sixth")),
    Quality("9", (0, 4, 7, 10, 14), "9", "dominant-ninth", ("9", "dominant-ninth")),
    Quality("maj9", (0, 4, 7, 11, 14), "maj9", "major-ninth", ("maj9", "M9", "major-ninth")),
    Quality("min9", (0, 3, 7, 10, 14), "m9", "minor-ninth", ("m9", "min9", "-9", "minor-ninth")),
    Quality("7sus4", (0, 5, 7, 10), "7sus4", "suspended-fourth", ("7sus4", "7sus", "sus4(b7)")),
    Quality("minmaj7", (0, 3, 7, 11), "m(maj7)", "major-minor", ("m(maj7)", "minmaj7", "mM7", "major-minor")),
    Quality("aug7", (0, 4, 8, 10), "aug7", "augmented-seventh", ("aug7", "+7", "7#5", "augmented-seventh")),
    Quality("5", (0, 7), "5", "power", ("5", "power")),
)
QUALITY_BY_NAME = {q.name: q for q in QUALITIES}
_QUALITY_BY_ALIAS: dict[str, Quality] = {}
for _q in QUALITIES:
    for _a in (_q.name, _q.suffix, *_q.aliases):
        _QUALITY_BY_ALIAS.setdefault(_a, _q)
_QUALITY_BY_MUSICXML_KIND = {q.musicxml_kind: q for q in reversed(QUALITIES)}

# Harte bass degrees ("E:maj/3"): scale degree relative to the root.
_DEGREE_SEMITONES = {"1": 0, "2": 2, "3": 4, "4": 5, "5": 7, "6": 9, "7": 11, "9": 2}

_SYMBOL_RE = re.compile(r"^([A-G](?:#|b|♯|♭)?)(:?)([^/]*)(?:/(.+))?$")
NO_CHORD_TEXTS = frozenset({"N", "N.C.", "NC", "N.C", "n.c."})


@dataclass(frozen=True, slots=True)
class ChordSymbol:
    """Root (spelled, e.g. 'Bb'), quality name from ``QUALITIES``, optional bass (spelled)."""

    root: str
    quality: str = "maj"
    bass: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", canonical_name(self.root))
        if self.bass is not None:
            object.__setattr__(self, "bass", canonical_name(self.bass))
        if self.quality not in QUALITY_BY_NAME:
            raise MelodyStudioError(f"unknown chord quality '{self.quality}'")

    @property
    def root_pc(self) -> int:
        return pitch_class_of(self.root)

    @property
    def bass_pc(self) -> int:
        return pitch_class_of(self.bass) if self.bass is not None else self.root_pc

    @property
    def pitch_classes(self) -> frozenset[int]:
        pcs = {(self.root_pc + i) % 12 for i in QUALITY_BY_NAME[self.quality].intervals}
        return frozenset(pcs | {self.bass_pc})

    @property
    def musicxml_kind(self) -> str:
        return QUALITY_BY_NAME[self.quality].musicxml_kind

    def __str__(self) -> str:
        text = self.root + QUALITY_BY_NAME[self.quality].suffix
        return f"{text}/{self.bass}" if self.bass is not None else text

    def voicing(self, bass_octave: int = 3) -> list[int]:
        """MIDI pitches of a close root-position voicing (bass note below when inverted)."""
        base = 12 * (bass_octave + 1) + self.root_pc
        pitches = [base + i for i in QUALITY_BY_NAME[self.quality].intervals]
        if self.bass is not None and self.bass_pc != self.root_pc:
            pitches.insert(0, 12 * bass_octave + self.bass_pc)
        return pitches

    @staticmethod
    def parse(text: str) -> ChordSymbol | None:
        """Parse 'Am7', 'F#m7b5', 'C/E', 'Bb:maj', 'E:maj/3' ...; None for a no-chord mark ('N', 'N.C.')."""
        t = text.strip()
        if t in NO_CHORD_TEXTS:
            return None
        m = _SYMBOL_RE.match(t)
        if m is None:
            raise MelodyStudioError(f"'{text}' is not a chord symbol (expected e.g. C, Am7, F#m7b5, G/B)")
        root, suffix, bass_text = m.group(1), m.group(3).strip(), m.group(4)
        quality = _QUALITY_BY_ALIAS.get(suffix)
        if quality is None:
            raise MelodyStudioError(f"'{text}': unknown chord quality '{suffix}'")
        bass = None
        if bass_text is not None:
            bass = _parse_bass(root, bass_text.strip(), text)
        if bass is not None and pitch_class_of(bass) == pitch_class_of(root):
            bass = None
        return ChordSymbol(root, quality.name, bass)

    @staticmethod
    def from_musicxml_kind(root: str, kind: str, bass: str | None = None) -> ChordSymbol:
        quality = _QUALITY_BY_MUSICXML_KIND.get(kind)
        if quality is None:
            raise MelodyStudioError(f"unsupported MusicXML chord kind '{kind}'")
        return ChordSymbol(root, quality.name, bass)


def _parse_bass(root: str, bass_text: str, text: str) -> str:
    if bass_text and bass_text[0] in "ABCDEFG":
        return canonical_name(bass_text)
    m = re.match(r"^([b#]*)(\d)$", bass_text)
    if m is None or m.group(2) not in _DEGREE_SEMITONES:
        raise MelodyStudioError(f"'{text}': cannot read the bass '{bass_text}'")
    shift = sum(1 if c == "#" else -1 for c in m.group(1))
    pc = (pitch_class_of(root) + _DEGREE_SEMITONES[m.group(2)] + shift) % 12
    return (FLAT_NAMES if "b" in root or shift < 0 else SHARP_NAMES)[pc]


@dataclass(frozen=True, slots=True)
class Chord:
    """A chord symbol sounding from ``onset`` for ``duration`` ticks."""

    onset: int
    duration: int
    symbol: ChordSymbol

    def __post_init__(self) -> None:
        if self.onset < 0:
            raise MelodyStudioError(f"chord {self.symbol} starts before the song (tick {self.onset})")
        if self.duration <= 0:
            raise MelodyStudioError(f"chord {self.symbol} at tick {self.onset} has no length")

    @property
    def end(self) -> int:
        return self.onset + self.duration
