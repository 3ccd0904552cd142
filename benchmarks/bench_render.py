"""Offline render speed: a 64-bar melody with chords to WAV, wall time and real-time factor.

    python benchmarks/bench_render.py [--soundfont PATH] [--bars 64] [--bpm 120] [--runs 3] [--no-chords]

Real-time factor = render time / audio length (0.01 means 100x faster than real time). The time
includes loading the sound font, synthesis, normalisation and the atomic WAV write.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from melodystudio.audio import find_soundfont, render_wav
from melodystudio.core import PPQ, Chord, ChordSymbol, Note, Song, TempoChange
from melodystudio.core.progress import run_to_end

C_MAJOR = (60, 62, 64, 65, 67, 69, 71, 72)
CHORD_CYCLE = ("C", "Am", "F", "G")  # one chord per bar
RHYTHMS = ((2, 2, 2, 2), (1, 1, 2, 2, 2), (2, 1, 1, 4), (4, 4), (3, 1, 2, 2))  # eighths per 4/4 bar


def melody_song(bars: int, bpm: float, seed: int = 64) -> Song:
    """A seeded stepwise melody in C major with a I-vi-IV-V chord per bar."""
    rng = random.Random(seed)
    eighth = PPQ // 2
    notes, degree, tick = [], 2, 0
    for bar in range(bars):
        for length in rng.choice(RHYTHMS):
            degree = min(len(C_MAJOR) - 1, max(0, degree + rng.choice((-2, -1, -1, 0, 1, 1, 2))))
            notes.append(Note(tick, length * eighth, C_MAJOR[degree], velocity=rng.randint(70, 100)))
            tick += length * eighth
        assert tick == (bar + 1) * 4 * PPQ
    chords = [Chord(bar * 4 * PPQ, 4 * PPQ, ChordSymbol.parse(CHORD_CYCLE[bar % 4]) or ChordSymbol("C"))
              for bar in range(bars)]
    return Song(f"{bars}-bar benchmark", tempos=[TempoChange.from_bpm(0, bpm)], notes=notes, chords=chords)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--soundfont", help="SF2 file (default: the usual discovery)")
    parser.add_argument("--bars", type=int, default=64)
    parser.add_argument("--bpm", type=float, default=120.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-chords", action="store_true")
    args = parser.parse_args()

    song = melody_song(args.bars, args.bpm)
    font = find_soundfont(args.soundfont)
    times: list[float] = []
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "bench.wav"
        for _ in range(args.runs):
            start = time.perf_counter()
            result = run_to_end(render_wav(song, out, soundfont=font, include_chords=not args.no_chords))
            times.append(time.perf_counter() - start)
    best, median = min(times), statistics.median(times)
    print(f"song: {args.bars} bars, {len(song.notes)} notes, {len(song.chords) * (not args.no_chords)} chords, "
          f"{result.seconds:.1f} s of audio at {result.sample_rate} Hz")
    print(f"sound font: {font} ({font.stat().st_size / 1e6:.1f} MB)")
    print(f"wall time: best {best:.3f} s, median {median:.3f} s over {args.runs} runs")
    print(f"real-time factor: {best / result.seconds:.4f} ({result.seconds / best:.0f}x faster than real time)")


if __name__ == "__main__":
    main()
