"""Import/export speed for a 1,000-bar song in every writable format.

Baselines in the same run: mido alone reading/writing the same MIDI file, music21 alone parsing the
same MusicXML, and json alone for the project file, so our overhead is quoted as a ratio.

    python benchmarks/bench_io.py [--bars 1000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from melodystudio.core import PPQ, Chord, ChordSymbol, KeySignature, Lyric, Note, Song, Syllabic, TimeSignature
from melodystudio.io import load_song, save_song


def long_song(bars: int, seed: int = 1) -> Song:
    """A 4/4 melody of ``bars`` bars: eighths and quarters in C major, a syllable per note, a chord per bar."""
    rng = random.Random(seed)
    scale = [60, 62, 64, 65, 67, 69, 71, 72]
    notes, tick = [], 0
    words = ["la", "lo", "li"]
    while tick < bars * 4 * PPQ:
        dur = rng.choice([PPQ // 2, PPQ, PPQ])
        syl = rng.choice(words)
        lyric = Lyric(syl, Syllabic.SINGLE, phrase_start=tick % (16 * PPQ) == 0)
        notes.append(Note(tick, dur, rng.choice(scale), 90, lyric))
        tick += dur
    chords = [Chord(b * 4 * PPQ, 4 * PPQ, ChordSymbol(rng.choice("CFGA"), rng.choice(["maj", "min", "7"])))
              for b in range(bars)]
    return Song("long", time_signatures=[TimeSignature(0, 4, 4)], keys=[KeySignature(0, "C")], notes=notes,
                chords=chords)


def timed(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--bars", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    song = long_song(args.bars)
    print(f"{args.bars} bars, {len(song.notes)} notes, {len(song.chords)} chords; "
          f"{platform.processor() or platform.machine()}, Python {platform.python_version()}")
    with tempfile.TemporaryDirectory() as d:
        rows = []
        for ext, baseline_name, baseline_read in (
            (".mstudio", "json.loads", lambda p: json.loads(Path(p).read_text("utf-8"))),
            (".mid", "mido.MidiFile", lambda p: __import__("mido").MidiFile(p)),
            (".musicxml", "music21.converter.parse",
             lambda p: __import__("music21").converter.parse(p, forceSource=True)),
        ):
            path = Path(d) / f"song{ext}"
            write_s = timed(lambda p=path: save_song(song, p), args.repeat)
            read_s = timed(lambda p=path: load_song(p), args.repeat)
            base_s = timed(lambda p=path, f=baseline_read: f(p), args.repeat)
            back, _ = load_song(path)
            same = "exact" if back.content()[2:] == song.content()[2:] else "DIFFERS"
            rows.append((ext, write_s, read_s, base_s, baseline_name, same))
        print(f"{'format':10} {'write s':>8} {'read s':>8} {'baseline read s':>16}  ratio  round trip")
        for ext, w, r, b, name, same in rows:
            print(f"{ext:10} {w:8.3f} {r:8.3f} {b:16.3f}  {r / b:5.2f}x  {same}   (baseline: {name})")


if __name__ == "__main__":
    main()
