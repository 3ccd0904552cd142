"""Bar-level clean-ups every source gets, so that each tune fits the tokenizer the same way.

- A bar longer than the tokenizer holds (8 quarters) is read with its denominator doubled until it
  fits (4/1 -> 4/2, 3/1 -> 3/2, 6/2 -> 6/4): each written bar becomes two (or four) bars, notes stay.
- Silent whole bars before the first note's bar are cut (a long intro, or the empty bar a halved
  pickup leaves); everything moves earlier by whole bars, so every onset keeps its place in the bar.
"""

from __future__ import annotations

from melodystudio.core import PPQ, Chord, KeySignature, Note, Song, TempoChange, TimeSignature


def fit_meter(song: Song, max_bar_ticks: int) -> tuple[Song, bool]:
    """(song with every bar at most ``max_bar_ticks`` long, True when a meter was changed)."""
    sigs = song.time_signatures
    if all(ts.bar_ticks <= max_bar_ticks for ts in sigs):
        return song, False
    out: list[TimeSignature] = []
    new_bar = 0
    for i, ts in enumerate(sigs):
        if i:  # the previous section's written bars, counted in its new (shorter) bars
            prev_old, prev_new = sigs[i - 1], out[-1]
            new_bar += (ts.bar - prev_old.bar) * prev_old.bar_ticks // prev_new.bar_ticks
        denominator = ts.denominator
        while ts.numerator * 4 * PPQ // denominator > max_bar_ticks:
            denominator *= 2
        out.append(TimeSignature(new_bar, ts.numerator, denominator))
    return _rebuild(song, signatures=out), True


def trim_leading_bars(song: Song) -> tuple[Song, int]:
    """(song starting at the bar of its first note, number of bars cut)."""
    if not song.notes:
        return song, 0
    tl = song.timeline
    bars = tl.bar_at(song.notes[0].onset)
    if bars <= 0:
        return song, 0
    shift = tl.bar_start(bars)
    current = tl.signature_at_bar(bars)
    sigs = [TimeSignature(0, current.numerator, current.denominator)]
    sigs += [TimeSignature(ts.bar - bars, ts.numerator, ts.denominator) for ts in song.time_signatures if ts.bar > bars]
    notes = [Note(n.onset - shift, n.duration, n.pitch, n.velocity, n.lyric) for n in song.notes]
    chords = [Chord(max(0, c.onset - shift), c.end - max(shift, c.onset), c.symbol)
              for c in song.chords if c.end > shift]
    keys = _shifted_keys(song.keys, shift)
    tempos = _shifted_tempos(song.tempos, shift)
    return _rebuild(song, signatures=sigs, notes=notes, chords=chords, keys=keys, tempos=tempos), bars


def _shifted_keys(keys: tuple[KeySignature, ...], shift: int) -> list[KeySignature]:
    by_tick: dict[int, KeySignature] = {}
    for k in keys:  # sorted by tick: the last key at or before the cut holds from tick 0
        tick = max(0, k.tick - shift)
        by_tick[tick] = KeySignature(tick, k.tonic, k.mode)
    return list(by_tick.values())


def _shifted_tempos(tempos: tuple[TempoChange, ...], shift: int) -> list[TempoChange]:
    by_tick: dict[int, TempoChange] = {}
    for t in tempos:
        tick = max(0, t.tick - shift)
        by_tick[tick] = TempoChange(tick, t.us_per_quarter)
    return list(by_tick.values())


def _rebuild(song: Song, *, signatures: list[TimeSignature] | None = None, notes: list[Note] | None = None,
             chords: list[Chord] | None = None, keys: list[KeySignature] | None = None,
             tempos: list[TempoChange] | None = None) -> Song:
    return Song(song.title, program=song.program,
                tempos=tempos if tempos is not None else song.tempos,
                time_signatures=signatures if signatures is not None else song.time_signatures,
                keys=keys if keys is not None else song.keys,
                notes=notes if notes is not None else song.notes,
                chords=chords if chords is not None else song.chords)
