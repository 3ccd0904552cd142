"""Snapping a song to durations that notation can write.

MIDI carries any tick; MusicXML needs note values. Everything on a grid of 20 ticks (1/24 of a
quarter, a 64th-note triplet, where 32nd notes and 32nd triplets meet) is notatable, so the
MusicXML writer moves onsets and ends to that grid first (``note_values`` then spells every span on
it as tied notes of plain, dotted and triplet values). Notes keep their order: a note that would
vanish keeps one grid step, and a note that would overlap the next one is cut at its onset.
"""

from __future__ import annotations

from dataclasses import replace

from melodystudio.core import Chord, KeySignature, Note, Song, TempoChange

NOTATION_GRID = 20  # ticks at PPQ 480


def _snap(tick: int) -> int:
    return round(tick / NOTATION_GRID) * NOTATION_GRID


def off_grid_notes(song: Song) -> int:
    """How many notes the MusicXML writer has to move or resize."""
    return sum(1 for n in song.notes if n.onset % NOTATION_GRID or n.duration % NOTATION_GRID)


def snapped_for_notation(song: Song) -> Song:
    """A copy of ``song`` with every note, chord, key and tempo change on the notation grid."""
    if not off_grid_notes(song) and all(t % NOTATION_GRID == 0 for t in _map_ticks(song)):
        return song
    notes: list[Note] = []
    for n in song.notes:
        onset = _snap(n.onset)
        end = max(_snap(n.end), onset + NOTATION_GRID)
        if notes and notes[-1].end > onset:
            prev = notes[-1]
            if onset <= prev.onset:  # two notes landed on one grid point: the later one is kept
                notes.pop()
            else:
                notes[-1] = replace(prev, duration=onset - prev.onset)
        notes.append(replace(n, onset=onset, duration=end - onset))
    chords: list[Chord] = []
    for c in song.chords:
        onset = _snap(c.onset)
        if chords and chords[-1].end > onset:
            chords[-1] = replace(chords[-1], duration=max(NOTATION_GRID, onset - chords[-1].onset))
        chords.append(replace(c, onset=onset, duration=max(NOTATION_GRID, _snap(c.end) - onset)))
    tempos = {_snap(t.tick): TempoChange(_snap(t.tick), t.us_per_quarter) for t in song.tempos}
    keys = {_snap(k.tick): KeySignature(_snap(k.tick), k.tonic, k.mode) for k in song.keys}
    return Song(song.title, program=song.program, tempos=list(tempos.values()),
                time_signatures=song.time_signatures, keys=list(keys.values()), notes=notes, chords=chords)


def _map_ticks(song: Song) -> list[int]:
    return [t.tick for t in song.tempos] + [k.tick for k in song.keys] + [c.onset for c in song.chords] + \
        [c.end for c in song.chords]
