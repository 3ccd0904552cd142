"""Chorale phrases end on fermatas."""

from __future__ import annotations

from music21 import expressions, meter, note, stream

from melodystudio.corpus.bach import fermata_phrases
from melodystudio.io.music21_bridge import build_song, records_from_score
from melodystudio.io.report import ImportReport


def soprano() -> stream.Score:
    """A one-beat pickup in 4/4, then two phrases: the fermata is on the 4th note."""
    part = stream.Part()
    part.partName = "Soprano"
    m0 = stream.Measure(number=0)
    m0.append(meter.TimeSignature("4/4"))
    m0.append(note.Note("G4", quarterLength=1))
    m0.paddingLeft = 3.0
    m1 = stream.Measure(number=1)
    for name in ("C5", "D5"):
        m1.append(note.Note(name, quarterLength=1))
    held = note.Note("E5", quarterLength=2)
    held.expressions.append(expressions.Fermata())
    m1.append(held)
    m2 = stream.Measure(number=2)
    for name in ("F5", "E5", "D5", "C5"):
        m2.append(note.Note(name, quarterLength=1))
    part.append([m0, m1, m2])
    score = stream.Score()
    score.insert(0, part)
    return score


def test_the_note_after_a_fermata_starts_a_phrase() -> None:
    score = soprano()
    song = build_song(records_from_score(score, ImportReport()), "test")
    assert song.notes[0].onset == 3 * 480  # the bridge padded the pickup
    assert fermata_phrases(score.parts[0], song) == [True, False, False, False, True, False, False, False]
