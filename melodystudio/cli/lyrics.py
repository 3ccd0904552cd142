"""``melodystudio lyrics``: set English lyrics to new melodies (one file per variation), and the
``eval-lyrics`` suite (``melodystudio eval lyrics``, in ``lyrics_eval``).

    melodystudio lyrics "Twinkle, twinkle, little star" --meter 3/4 --key D -o tune.mid

The lyric is parsed into phrases (lines), words and stressed syllables (``melodystudio.lyrics``);
the song is empty apart from its meter, key and tempo, and the model fills bars 1..N with exactly
one note per syllable, each note carrying its syllable (MIDI lyric events, MusicXML lyrics). N is
``--bars`` or, by default, whole bars per phrase at about a syllable per quarter note
(``lyrics.layout``). Files are named like ``inpaint``'s: OUT's stem + "-A", "-B", ... unless
``--pick`` keeps one.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from melodystudio.cli.generate import (
    add_engine_arguments,
    add_sampling_arguments,
    generation_options,
    load_engine,
    write_variations,
)
from melodystudio.cli.lyrics_eval import COMMANDS as EVAL_COMMANDS
from melodystudio.cli.progress import run_with_progress
from melodystudio.core import KeySignature, Song, TempoChange, TimeSignature
from melodystudio.core.errors import MelodyStudioError
from melodystudio.engine.api import MAX_PHRASE_BREATH, PHRASE_BREATH, Variation
from melodystudio.lyrics import Lyrics, parse_lyrics
from melodystudio.lyrics.layout import lyric_bars

if TYPE_CHECKING:
    from melodystudio.engine.melody import MelodyEngine

DEFAULT_TEMPO = 100.0
NO_LYRIC_MODEL = ("the model in {dir} has no lyric conditioning: it sets one note per syllable without hearing "
                  "the words, so stress and phrasing are not taken into account")


def meter(text: str) -> TimeSignature:
    """'3/4' -> TimeSignature(0, 3, 4)."""
    m = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
    if m is None:
        raise argparse.ArgumentTypeError(f"'{text}' is not a meter (expected e.g. 4/4, 3/4, 6/8)")
    try:
        return TimeSignature(0, int(m.group(1)), int(m.group(2)))
    except MelodyStudioError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def lyrics_text(text: str | None, lyrics_file: Path | None) -> str:
    """The lyric from the command line or from a file ('-' reads standard input)."""
    if (text is None) == (lyrics_file is None):
        raise MelodyStudioError("give the lyrics either as text or with --lyrics-file, not both"
                                if text is not None else "give the lyrics as text or with --lyrics-file FILE")
    if text is not None:
        return text
    assert lyrics_file is not None
    if str(lyrics_file) == "-":
        return sys.stdin.read()
    try:
        return lyrics_file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise MelodyStudioError(f"cannot read the lyrics file {lyrics_file}: it is not UTF-8 text") from None
    except OSError as e:
        raise MelodyStudioError(f"cannot read the lyrics file {lyrics_file}: {e.strerror or e}") from None


def lyric_song(lyrics: Lyrics, signature: TimeSignature, key: str, tempo: float) -> Song:
    """The empty song the lyric is set into: its meter (from bar 1), key and tempo, titled by the
    first line."""
    title = lyrics.phrases[0].text if lyrics.phrases else ""
    return Song(title[:80], tempos=[TempoChange.from_bpm(0, tempo)], time_signatures=[signature],
                keys=[KeySignature.parse(key)])


def _args_lyrics(p: argparse.ArgumentParser) -> None:
    p.add_argument("text", nargs="?", default=None,
                   help="the lyrics (a new line starts a phrase; 'beau-ti-ful' forces syllables, '_' holds one)")
    p.add_argument("--lyrics-file", type=Path, default=None, metavar="FILE",
                   help="read the lyrics from a UTF-8 text file ('-': standard input)")
    p.add_argument("--meter", type=meter, default=TimeSignature(0, 4, 4), metavar="N/D", help="meter (default 4/4)")
    p.add_argument("--key", default="C", help="key, e.g. D, F#m, Bb minor (default C)")
    p.add_argument("--tempo", type=float, default=DEFAULT_TEMPO, help=f"quarter notes per minute "
                                                                      f"(default {DEFAULT_TEMPO:g})")
    p.add_argument("--bars", type=int, default=None, metavar="N",
                   help="bars to fill (default: whole bars per line, about a syllable per quarter note)")
    p.add_argument("--breath", type=float, default=None, metavar="NOTES",
                   help=f"time a line's last note takes, with the pause before the next line, in syllables' time: "
                        f"1-{MAX_PHRASE_BREATH:g}, 1 paces every syllable alike (default {PHRASE_BREATH:g})")
    add_sampling_arguments(p)
    add_engine_arguments(p)


def _run_lyrics(args: argparse.Namespace) -> int:
    lyrics = parse_lyrics(lyrics_text(args.text, args.lyrics_file))
    for warning in lyrics.warnings:
        print(f"  note: {warning}", file=sys.stderr)
    song = lyric_song(lyrics, args.meter, args.key, args.tempo)
    bars = args.bars if args.bars is not None else lyric_bars(lyrics.syllables, args.meter)
    if bars < 1:
        raise MelodyStudioError(f"--bars must be 1 or more, not {bars}")
    options = replace(generation_options(args), phrase_breath=args.breath)
    engine = _engine(args)
    variations = run_with_progress(engine.lyrics(song, 0, bars - 1, lyrics.syllables, options), "setting the lyrics")
    _write(song, variations, args, len(lyrics.syllables))
    return 0


def _engine(args: argparse.Namespace) -> MelodyEngine:
    engine = load_engine(args)
    if not engine.supports_lyrics:
        print("  note: " + NO_LYRIC_MODEL.format(dir=engine.model_dir), file=sys.stderr)
    return engine


def _write(song: Song, variations: list[Variation], args: argparse.Namespace, syllables: int) -> None:
    def describe(v: Variation, result: Song) -> str:
        bars = v.last_bar - v.first_bar + 1
        used = result.timeline.bar_at(v.notes[-1].end - 1) - v.first_bar + 1 if v.notes else 0
        unused = f" (the notes end in bar {v.first_bar + used})" if used < bars else ""
        return f"{bars} bars of {args.meter}{unused}, {len(v.notes)} notes for {syllables} syllables"

    write_variations(song, variations, args, describe)


COMMANDS = (
    ("lyrics", "set English lyrics to new melodies with the model (one note per syllable, several variations)",
     _args_lyrics, _run_lyrics),
    *EVAL_COMMANDS,
)
