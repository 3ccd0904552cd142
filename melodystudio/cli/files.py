"""Sub-commands on files: ``info``, ``convert`` and ``render``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from melodystudio.cli.progress import run_with_progress
from melodystudio.core import Song, note_name
from melodystudio.io import load_song, save_song, writable_extensions
from melodystudio.io.notation_grid import off_grid_notes
from melodystudio.io.report import ImportReport


def _add_input(p: argparse.ArgumentParser) -> None:
    p.add_argument("input", type=Path, help="a .mstudio, MIDI, MusicXML or ABC file")
    p.add_argument("--track", type=int, default=None,
                   help="MIDI: number of the part to take as the melody (as listed by 'info')")


def _load(args: argparse.Namespace) -> tuple[Song, ImportReport]:
    options = {"track": args.track} if args.track is not None else {}
    return load_song(args.input, **options)


def _print_report(report: ImportReport) -> None:
    for line in report.lines():
        print(f"  note: {line}", file=sys.stderr)


# -- info -------------------------------------------------------------------------------------
def describe(song: Song) -> dict[str, object]:
    """Facts about a song, as shown by ``info`` (also used by tests and the GUI's status bar)."""
    pitches = [n.pitch for n in song.notes]
    syllables = [n.lyric for n in song.notes if n.lyric is not None and not n.lyric.melisma]
    tl = song.timeline
    return {
        "title": song.title,
        "bars": song.bar_count if song.notes or song.chords else 0,
        "duration_seconds": round(song.duration_seconds, 2),
        "meter": [f"bar {s.bar + 1}: {s}" for s in song.time_signatures],
        "key": [f"bar {tl.bar_at(k.tick) + 1}: {k.label()}" for k in song.keys] or ["not given"],
        "tempo": [f"bar {tl.bar_at(t.tick) + 1}: {t.bpm:.4g} bpm" for t in song.tempos],
        "notes": len(pitches),
        "range": f"{note_name(min(pitches))}-{note_name(max(pitches))}" if pitches else "",
        "lyrics": {"syllables": len(syllables), "text": song.lyric_text()},
        "chords": {"count": len(song.chords), "symbols": [str(c.symbol) for c in song.chords]},
        "gm_program": song.program,
    }


def _run_info(args: argparse.Namespace) -> int:
    song, report = _load(args)
    facts = describe(song)
    if args.json:
        facts["import_notes"] = report.lines()
        print(json.dumps(facts, ensure_ascii=False, indent=2))
        return 0
    print(f"{args.input.name}" + (f"  \"{song.title}\"" if song.title else ""))
    for key in ("bars", "duration_seconds", "meter", "key", "tempo", "notes", "range", "gm_program"):
        value = facts[key]
        print(f"  {key.replace('_', ' ')}: {', '.join(value) if isinstance(value, list) else value}")
    lyrics = facts["lyrics"]
    assert isinstance(lyrics, dict)
    preview = lyrics["text"].replace("\n", " / ")
    print(f"  lyrics: {lyrics['syllables']} syllables" + (f": {preview[:120]}" if preview else ""))
    chords = facts["chords"]
    assert isinstance(chords, dict)
    shown = " ".join(chords["symbols"][:24]) + (" ..." if chords["count"] > 24 else "")
    print(f"  chords: {chords['count']}" + (f": {shown}" if chords["count"] else ""))
    for line in report.lines():
        print(f"  import: {line}")
    return 0


def _args_info(p: argparse.ArgumentParser) -> None:
    _add_input(p)
    p.add_argument("--json", action="store_true", help="print the facts as JSON")


# -- convert ----------------------------------------------------------------------------------
def _run_convert(args: argparse.Namespace) -> int:
    song, report = _load(args)
    _print_report(report)
    moved = off_grid_notes(song) if args.output.suffix.lower() in (".musicxml", ".xml", ".mxl") else 0
    if moved:
        print(f"  note: {moved} notes moved to the nearest 1/64-note triplet (20 ticks) to be notatable in MusicXML",
              file=sys.stderr)
    save_song(song, args.output)
    print(f"wrote {args.output}")
    return 0


def _args_convert(p: argparse.ArgumentParser) -> None:
    _add_input(p)
    p.add_argument("output", type=Path, help=f"output file ({', '.join(writable_extensions())})")


# -- render -----------------------------------------------------------------------------------
def _run_render(args: argparse.Namespace) -> int:
    from melodystudio.audio.accompaniment import AccompanimentStyle
    from melodystudio.audio.render import render_wav

    song, report = _load(args)
    _print_report(report)
    chords = AccompanimentStyle("off" if args.no_chords else args.chords, program=args.chord_program)
    job = render_wav(song, args.output, soundfont=args.soundfont, program=args.program, accompaniment=chords)
    result = run_with_progress(job, "rendering")
    print(f"wrote {args.output} ({result.seconds:.1f} s, {Path(result.soundfont).name})")
    return 0


def _args_render(p: argparse.ArgumentParser) -> None:
    _add_input(p)
    p.add_argument("output", type=Path, help="the WAV file to write (44.1 kHz, 16-bit stereo)")
    p.add_argument("--soundfont", type=Path, default=None,
                   help="a .sf2 file (default: $MELODYSTUDIO_SOUNDFONT, then the system's GM sound font)")
    p.add_argument("--program", type=int, default=None, choices=range(128), metavar="0-127",
                   help="GM program for the melody (default: the song's)")
    p.add_argument("--chords", choices=("block", "broken", "off"), default="block",
                   help="how the chord track sounds: block chords, broken (arpeggiated) chords, or off")
    p.add_argument("--chord-program", type=int, default=0, choices=range(128), metavar="0-127",
                   help="GM program for the chords (default: 0, Acoustic Grand Piano)")
    p.add_argument("--no-chords", action="store_true", help="leave out the chord accompaniment (= --chords off)")


COMMANDS = (
    ("info", "show bars, meter, key, tempo, notes, lyrics and chords of a file", _args_info, _run_info),
    ("convert", "convert between .mstudio, MIDI, MusicXML (and read ABC)", _args_convert, _run_convert),
    ("render", "render a file to WAV through FluidSynth", _args_render, _run_render),
)
