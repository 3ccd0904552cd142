"""Lyric-setting cases: opening lines of lyrics_melody songs with their human melodies (the cases
of ``melodystudio eval lyrics``, and those the degree prior is fitted on).

A case is a test song's first phrases, as many as it takes to reach ``MIN_BARS`` bars of 4/4 (the
source's unit read as an eighth note, as ``corpus.lyrics_melody`` does), skipped when that passes
``MAX_BARS``. The source has no bar lines, so the downbeat is estimated from the rhythm alone (never
from the lyric): of the four eighth-note offsets in the first half bar after the first note, the one
where the notes starting on it or half a bar later (beats 1 and 3) hold the most total duration
(the earliest on ties), the long-note accent that meter finding relies on. The notes then move so
that this offset is a bar line, the first note at tick 0 or as a pickup before it.

Each note carries its syllable as a core ``Lyric``; the syllables get stress from
``lyrics.word_stresses`` on each word's syllables joined. The case's key is the one estimated from
the human melody (Krumhansl-Kessler profiles, as the harmonizer estimates it): the key a composer
would give the song before setting the lyric. Cases are drawn with the seed from the songs that make
one (and whose syllables the model can set in one request), in the file's (id) order.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from melodystudio.core import PPQ, KeySignature, Note, Song, TimeSignature
from melodystudio.core.errors import MelodyStudioError
from melodystudio.corpus.lyrics_melody import lyrics_tune
from melodystudio.harmony.rules import estimate_key
from melodystudio.lyrics import Syllable, note_lyrics, syllables_from_words

MIN_BARS, MAX_BARS = 8, 16
EIGHTH = PPQ // 2
TEST_SPLIT = "test"
METER = TimeSignature(0, 4, 4)


@dataclass(frozen=True)
class LyricCase:
    song_id: str
    human: tuple[Note, ...]  # from tick 0, each with its Lyric
    syllables: tuple[Syllable, ...]  # one per human note
    bars: int  # 4/4 bars the human melody takes (the generated one fills as many)
    phrases: int
    key: KeySignature


def read_split_records(path: Path, split: str = TEST_SPLIT) -> list[dict[str, Any]]:
    """The records of a split (the test split unless said), in file order."""
    try:
        with gzip.open(path, "rt", encoding="utf-8") as f:
            records = [r for r in map(json.loads, f) if r.get("split") == split]
    except OSError as e:
        raise MelodyStudioError(f"cannot read the lyrics_melody data {path}: {e.strerror or e} "
                                "(set MELODYSTUDIO_DATA or --data)") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise MelodyStudioError(f"{path} is not the lyrics_melody JSONL file ({e})") from None
    if not records:
        raise MelodyStudioError(f"{path} holds no {split} songs")
    return records


def case_of(record: dict[str, Any]) -> LyricCase | None:
    """The song's opening case (module docstring), or None when no whole phrases make 8-16 bars."""
    tune = lyrics_tune(record)
    notes = tune.song.notes
    phrase_ids = record["phrase"]
    shift = notes[0].onset - first_note_tick(notes)
    timeline = Song(time_signatures=[METER]).timeline
    end = 0
    for i in range(len(notes)):
        if i + 1 < len(notes) and phrase_ids[i + 1] == phrase_ids[i]:
            continue
        bars = timeline.bars_to_hold(notes[i].end - shift)
        if bars >= MIN_BARS:
            end = i + 1
            break
    if not end or bars > MAX_BARS:
        return None
    syllables = syllables_from_words(record["syllables"][:end], record["word"][:end], phrase_ids[:end])
    human = tuple(replace(n, onset=n.onset - shift, lyric=lyric)
                  for n, lyric in zip(notes[:end], note_lyrics(syllables)))
    return LyricCase(str(record["id"]), human, syllables, bars, syllables[-1].phrase + 1, melody_key(human))


def melody_key(notes: Sequence[Note]) -> KeySignature:
    """The key best correlated with the melody's duration-weighted pitch classes."""
    tonic, mode = estimate_key(notes)
    major_tonic = tonic if mode == "major" else (tonic + 3) % 12
    sharps = (major_tonic * 7 + 5) % 12 - 5  # circle of fifths: C 0, G 1, ..., F -1; F# (6) rather than Gb
    return KeySignature.from_sharps(0, sharps, mode)


def first_note_tick(notes: Sequence[Note]) -> int:
    """Where the first note goes in bar 0 so that the estimated downbeat (module docstring) falls on a
    bar line: 0, or a pickup's place before bar 1."""
    half_bar = METER.bar_ticks // 2
    weights = {}
    for offset in range(0, half_bar, EIGHTH):
        weights[offset] = sum(n.duration for n in notes if (n.onset - notes[0].onset - offset) % half_bar == 0)
    best = max(weights, key=lambda k: (weights[k], -k))
    return (METER.bar_ticks - best) % METER.bar_ticks if best else 0


@dataclass(frozen=True)
class CaseDraw:
    cases: list[LyricCase]  # the cases to set, in file order
    others: list[LyricCase]  # as many other eligible songs (fewer when too few are left): a human reference
    eligible: int  # songs that make a case


def choose_cases(records: list[dict[str, Any]], n: int, seed: int, max_notes: int) -> CaseDraw:
    """``n`` cases drawn with ``seed`` (all when fewer) among the songs that make a case of at most
    ``max_notes`` syllables (what the model sets at once), and up to ``n`` others from the rest."""
    eligible = [c for c in map(case_of, records) if c is not None and len(c.syllables) <= max_notes]
    if not eligible:
        raise MelodyStudioError(f"no test song opens with whole phrases making {MIN_BARS}-{MAX_BARS} bars "
                                f"of at most {max_notes} syllables")
    order = np.random.default_rng([seed, 5]).permutation(len(eligible))
    chosen = sorted(order[:n].tolist())
    others = sorted(order[n:2 * n].tolist())
    return CaseDraw([eligible[i] for i in chosen], [eligible[i] for i in others], len(eligible))
