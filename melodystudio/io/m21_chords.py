"""Chord symbols between music21 and core.chords, in both directions.

Reading, a symbol's kind is looked up as a MusicXML kind; a symbol with degree alterations, or a
kind we lack, is matched by its intervals to a quality in ``QUALITIES``, else to the closest
triad (with a report warning). A chord lasts until the next symbol (a no-chord mark ends it) or
the end of the song. Writing, 7sus4 (which shares MusicXML's 'suspended-fourth' with sus4) goes
out under music21's own kind name, which adds the seventh as a degree, so it reads back as 7sus4.
"""

from __future__ import annotations

from fractions import Fraction

from music21 import harmony, stream

from melodystudio.core.chords import QUALITIES, QUALITY_BY_NAME, Chord, ChordSymbol
from melodystudio.core.errors import MelodyStudioError
from melodystudio.core.timeline import PPQ
from melodystudio.io.report import ImportReport

# music21 renames three MusicXML kinds internally; map them back before asking core.chords.
_MUSICXML_KIND = {v: k for k, v in harmony.CHORD_ALIASES.items()}
_QUALITY_BY_INTERVALS = {frozenset(i % 12 for i in q.intervals): q.name for q in QUALITIES}
_TRIADS = ("maj", "min", "dim", "aug", "sus4", "sus2")  # fallbacks for unknown kinds, preferred first


def pitch_name(p: object) -> str:
    """music21 spelling ('B-') to ours ('Bb')."""
    return str(getattr(p, "name", "")).replace("-", "b")


def m21_name(name: str) -> str:
    """Our spelling ('Bb') to music21's ('B-')."""
    return name[0] + name[1:].replace("b", "-")


def m21_chord_symbol(s: ChordSymbol) -> harmony.ChordSymbol:
    bass = m21_name(s.bass) if s.bass is not None else None
    kind = "suspended-fourth-seventh" if s.quality == "7sus4" else QUALITY_BY_NAME[s.quality].musicxml_kind
    return harmony.ChordSymbol(root=m21_name(s.root), bass=bass, kind=kind)


def chords_of(score: stream.Score, melody: stream.Stream, pad: int, end: int, report: ImportReport) -> list[Chord]:
    marks = list(melody.flatten().getElementsByClass(harmony.Harmony))
    if not marks:
        for i, p in enumerate(score.parts):
            marks = list(p.flatten().getElementsByClass(harmony.Harmony))
            if marks:
                report.warn(f"chord symbols taken from part {i}")
                break
    starts: list[tuple[int, ChordSymbol | None]] = []
    for h in marks:
        tick = pad + round(Fraction(h.offset) * PPQ)
        if starts and starts[-1][0] == tick:
            starts.pop()  # two symbols at one moment: the later one is the one that sounds
        starts.append((tick, _chord_symbol(h, report)))
    out = []
    for i, (tick, symbol) in enumerate(starts):
        stop = starts[i + 1][0] if i + 1 < len(starts) else end
        if symbol is not None and stop > tick:
            out.append(Chord(tick, stop - tick, symbol))
    return out


def _chord_symbol(h: harmony.Harmony, report: ImportReport) -> ChordSymbol | None:
    """A music21 chord symbol as ours; None for a no-chord mark or one we cannot read."""
    if isinstance(h, harmony.NoChord) or not isinstance(h, harmony.ChordSymbol):
        return None
    try:
        root = h.root()
        bass = h.bass()
        quality = _quality(h, report)
        bass_name = pitch_name(bass) if bass is not None and bass.pitchClass != root.pitchClass else None
        return ChordSymbol(pitch_name(root), quality, bass_name)
    except Exception as e:  # music21 raises many types for odd symbols; one bad symbol is not fatal
        report.warn(f"chord symbol '{h.figure}' left out ({' '.join(str(e).split())[:120]})")
        return None


def _quality(h: harmony.ChordSymbol, report: ImportReport) -> str:
    try:
        base: str | None = ChordSymbol.from_musicxml_kind("C", _MUSICXML_KIND.get(h.chordKind, h.chordKind)).quality
    except MelodyStudioError:
        base = None
    if base is not None and not h.getChordStepModifications():
        return base
    # Realise the symbol without its bass, so that an inversion adds no foreign interval.
    plain = harmony.ChordSymbol(root=h.root(), kind=h.chordKind)
    for mod in h.getChordStepModifications():
        plain.addChordStepModification(mod)
    root_pc = h.root().pitchClass
    intervals = frozenset((p.pitchClass - root_pc) % 12 for p in plain.pitches)
    exact = _QUALITY_BY_INTERVALS.get(intervals)
    if exact is not None:
        return exact
    if base is not None:
        report.warn(f"chord alterations of {h.figure} left out")
        return base
    triad = max(_TRIADS, key=lambda q: (len(intervals & set(QUALITY_BY_NAME[q].intervals)), -_TRIADS.index(q)))
    report.warn(f"chord kind '{h.chordKind}' ({h.figure}) is not supported; read as the {triad} triad")
    return triad
