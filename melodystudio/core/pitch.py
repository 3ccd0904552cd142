"""Pitch names, pitch classes and key signatures."""

from __future__ import annotations

import re
from dataclasses import dataclass

from melodystudio.core.errors import MelodyStudioError

STEP_PC = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
SHARP_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
FLAT_NAMES = ("C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B")

MAJOR_SCALE = (0, 2, 4, 5, 7, 9, 11)
NATURAL_MINOR_SCALE = (0, 2, 3, 5, 7, 8, 10)

# Tonic of the major key with this many sharps (negative: flats), and its relative minor.
_MAJOR_BY_SHARPS = {-7: "Cb", -6: "Gb", -5: "Db", -4: "Ab", -3: "Eb", -2: "Bb", -1: "F", 0: "C",
                    1: "G", 2: "D", 3: "A", 4: "E", 5: "B", 6: "F#", 7: "C#"}
_MINOR_BY_SHARPS = {-7: "Ab", -6: "Eb", -5: "Bb", -4: "F", -3: "C", -2: "G", -1: "D", 0: "A",
                    1: "E", 2: "B", 3: "F#", 4: "C#", 5: "G#", 6: "D#", 7: "A#"}
_SHARPS_BY_MAJOR = {v: k for k, v in _MAJOR_BY_SHARPS.items()}
_SHARPS_BY_MINOR = {v: k for k, v in _MINOR_BY_SHARPS.items()}

_NAME_RE = re.compile(r"^\s*([A-Ga-g])([#b♯♭]{0,2})(-?\d+)?\s*$")


def pitch_class_of(name: str) -> int:
    """Pitch class (0-11) of a spelled name such as 'C#', 'Bb', 'Fb'."""
    m = _NAME_RE.match(name)
    if m is None or m.group(3) is not None:
        raise MelodyStudioError(f"'{name}' is not a note name (expected e.g. C, F#, Bb)")
    return (STEP_PC[m.group(1).upper()] + _alter(m.group(2))) % 12


def canonical_name(name: str) -> str:
    """'c#' -> 'C#', 'b♭' -> 'Bb'; raises for anything that is not a note name."""
    m = _NAME_RE.match(name)
    if m is None or m.group(3) is not None:
        raise MelodyStudioError(f"'{name}' is not a note name (expected e.g. C, F#, Bb)")
    acc = m.group(2).replace("♯", "#").replace("♭", "b")
    return m.group(1).upper() + acc


def _alter(accidentals: str) -> int:
    return sum(1 if a in "#♯" else -1 for a in accidentals)


def note_name(pitch: int, flats: bool = False) -> str:
    """MIDI number to scientific pitch name: 60 -> 'C4', 61 -> 'C#4' (or 'Db4' with flats)."""
    names = FLAT_NAMES if flats else SHARP_NAMES
    return f"{names[pitch % 12]}{pitch // 12 - 1}"


def parse_note_name(text: str) -> int:
    """Scientific pitch name to MIDI number: 'C4' -> 60, 'G#5' -> 80, 'Bb3' -> 58."""
    m = _NAME_RE.match(text)
    if m is None or m.group(3) is None:
        raise MelodyStudioError(f"'{text}' is not a pitch (expected e.g. C4, F#5, Bb3)")
    pitch = 12 * (int(m.group(3)) + 1) + STEP_PC[m.group(1).upper()] + _alter(m.group(2))
    if not 0 <= pitch <= 127:
        raise MelodyStudioError(f"pitch '{text}' is outside the MIDI range C-1..G9")
    return pitch


@dataclass(frozen=True, slots=True)
class KeySignature:
    """A key from ``tick`` onwards: tonic spelled as written ('Bb', 'F#') and mode."""

    tick: int
    tonic: str
    mode: str = "major"  # "major" | "minor"

    def __post_init__(self) -> None:
        object.__setattr__(self, "tonic", canonical_name(self.tonic))
        if self.mode not in ("major", "minor"):
            raise MelodyStudioError(f"key mode must be 'major' or 'minor', not '{self.mode}'")
        if self.tick < 0:
            raise MelodyStudioError("a key change cannot start before the beginning of the song")
        if self.sharps is None:
            raise MelodyStudioError(f"{self.tonic} {self.mode} has no standard key signature")

    @property
    def tonic_pc(self) -> int:
        return pitch_class_of(self.tonic)

    @property
    def sharps(self) -> int | None:
        """Number of sharps (negative: flats) of the signature, None for theoretical keys."""
        table = _SHARPS_BY_MAJOR if self.mode == "major" else _SHARPS_BY_MINOR
        return table.get(self.tonic)

    @property
    def scale_pitch_classes(self) -> frozenset[int]:
        steps = MAJOR_SCALE if self.mode == "major" else NATURAL_MINOR_SCALE
        return frozenset((self.tonic_pc + s) % 12 for s in steps)

    @property
    def prefers_flats(self) -> bool:
        return (self.sharps or 0) < 0 or self.tonic in ("F", "Bb", "Eb", "Ab", "Db", "Gb", "Cb")

    def label(self) -> str:
        """Human label: 'D major', 'F# minor'."""
        return f"{self.tonic} {self.mode}"

    @staticmethod
    def from_sharps(tick: int, sharps: int, mode: str = "major") -> KeySignature:
        table = _MAJOR_BY_SHARPS if mode == "major" else _MINOR_BY_SHARPS
        if sharps not in table:
            raise MelodyStudioError(f"a key signature has -7..7 sharps, not {sharps}")
        return KeySignature(tick, table[sharps], mode)

    @staticmethod
    def parse(text: str, tick: int = 0) -> KeySignature:
        """'D', 'D major', 'Dm', 'F# minor', 'Bb:maj', 'E:min' -> KeySignature."""
        t = text.strip().replace(":", " ")
        m = re.match(r"^([A-Ga-g][#b]?)\s*(maj|major|min|minor|m)?\s*$", t, re.IGNORECASE)
        if m is None:
            raise MelodyStudioError(f"'{text}' is not a key (expected e.g. D, D major, F#m, Bb minor)")
        mode_word = (m.group(2) or "").lower()
        mode = "minor" if mode_word in ("m", "min", "minor") else "major"
        return KeySignature(tick, m.group(1), mode)
