"""Suggesting chords for a melody with the exported harmonizer (onnxruntime, numpy).

    harmonizer = Harmonizer.load()                        # models/harmonizer (or $MELODYSTUDIO_MODELS/harmonizer)
    result = run_to_end(harmonizer.harmonize(song, 4, 7, HarmonizeOptions(per="half-bar")))
    inverse = song.apply(result.edit)                     # one undoable step; song.apply(inverse) undoes it

The model reads the whole song (so the chords of a selection fit the melody around it); per window of
bars (``harmony.features``) the graph gives chord probabilities per segment; Viterbi
(``harmony.decode``) joins them with the chord-bigram table under the options: segment size,
plain maj/min or the 10 qualities, the change rate, and locked chords. A locked chord is kept
exactly as it is (symbol, onset, length); the segments it covers for at least half their length
are fixed to its class while decoding, so the chords around it lead to it and away from it. New
chords fill the rest of the range: consecutive segments with the same chord become one chord, cut
where a locked chord sounds.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from melodystudio.core import Chord, MelodyStudioError, Song
from melodystudio.core.chord_vocabulary import chord_class, class_symbol
from melodystudio.core.edits import ReplaceChords, set_chords
from melodystudio.core.progress import Job, Progress
from melodystudio.engine.api import MODELS_ENV
from melodystudio.engine.model_files import REPO_MODELS, file_sha256, shown
from melodystudio.engine.runtime import make_session, provider_label, resolve_provider
from melodystudio.harmony.decode import ChordBigrams, Decoding, decode, hold_bonus
from melodystudio.harmony.features import song_features
from melodystudio.harmony.segments import Segment, check_rule

MODEL_NAME = "harmonizer"
EXPORT_VERSION = 1
FIX_HINT = ("reinstall MelodyStudio's models, or export one with "
            "'python -m melodystudio.training.harmonizer_export --checkpoint CKPT --out DIR'")


@dataclass(frozen=True)
class HarmonizeOptions:
    per: str = "half-bar"  # segment size: 'beat', 'half-bar' or 'bar'
    rich: bool = False  # False: major and minor chords only; True: the 10 qualities (7, maj7, m7, dim, ...)
    change_rate: float = 1.0  # 1 = as often as in the training songs; 0.5 fewer changes, 2 more
    locked: tuple[Chord, ...] = ()  # chords the user keeps (in the song or not); the rest is re-harmonized

    def __post_init__(self) -> None:
        check_rule(self.per)
        hold_bonus(self.change_rate)  # a rate out of range is refused before any work


@dataclass(frozen=True)
class HarmonizeResult:
    chords: tuple[Chord, ...]  # the chords of [start, end) after the edit (locked ones included)
    start: int  # ticks of the range whose chords the edit sets
    end: int
    edit: ReplaceChords  # song.apply(edit) sets them (returns the inverse for undo)
    segments: tuple[Segment, ...]
    classes: tuple[int, ...]  # decoded chord class per segment


@dataclass
class Harmonizer:
    session: Any  # onnxruntime.InferenceSession of harmonizer.onnx
    bigrams: ChordBigrams
    manifest: dict[str, Any] = field(default_factory=dict)
    directory: Path = REPO_MODELS / MODEL_NAME

    @property
    def decoding(self) -> Decoding:
        """The bigram weight and hold offset chosen on the validation split (manifest 'decoding')."""
        d = self.manifest.get("decoding") or {}
        return Decoding(float(d.get("transition_weight", 1.0)), float(d.get("hold_offset", 0.0)))

    @staticmethod
    def load(model_dir: str | os.PathLike[str] | None = None, provider: str = "auto",
             threads: int | None = None) -> Harmonizer:
        """The model of a directory (see ``find_harmonizer_dir``), every file checked against its sha256."""
        directory = find_harmonizer_dir(model_dir)
        manifest = _read_manifest(directory)
        graph = _checked(directory, str(manifest.get("graph", {}).get("file", "harmonizer.onnx")), manifest)
        with np.load(_checked(directory, "chords.npz", manifest)) as d:
            bigrams = ChordBigrams(d["counts"].astype(np.float64))
        return Harmonizer(make_session(graph, resolve_provider(provider), threads), bigrams, manifest, directory)

    @property
    def provider(self) -> str:
        return provider_label(self.session)

    def segment_probs(self, song: Song, per: str, first_bar: int,
                      last_bar: int) -> Job[tuple[list[Segment], np.ndarray]]:
        """Segments of bars first_bar..last_bar and the model's chord probabilities (S, 121) for them."""
        windows = song_features(song, check_rule(per), first_bar, last_bar)
        segs: list[Segment] = []
        probs: list[np.ndarray] = []
        for k, w in enumerate(windows):
            feed = {"tokens": w.tokens[None], "pos1": w.pos1[None], "pool": w.pool[None],
                    "profile": w.profile[None], "cats": w.cats[None]}
            (p,) = self.session.run(["probs"], feed)
            segs += w.segments
            probs.append(p[0])
            yield Progress((k + 1) / len(windows), f"bars {w.first_bar + 1}-{w.last_bar + 1}")
        return segs, np.concatenate(probs) if probs else np.zeros((0, 121), np.float32)

    def harmonize(self, song: Song, first_bar: int | None = None, last_bar: int | None = None,
                  options: HarmonizeOptions | None = None) -> Job[HarmonizeResult]:
        """Chords for bars first_bar..last_bar (0-based, inclusive; default the whole song)."""
        opts = options or HarmonizeOptions()
        if not song.notes:
            raise MelodyStudioError("the song has no notes to harmonize")
        first = 0 if first_bar is None else first_bar
        last = song.bar_count - 1 if last_bar is None else last_bar
        if not 0 <= first <= last:
            raise MelodyStudioError(f"bar range {first + 1}-{last + 1} is empty or negative")
        # the model reads the whole song (a selection's chords depend on the melody around it)
        all_segs, all_probs = yield from self.segment_probs(song, opts.per, 0, max(last, song.bar_count - 1))
        keep = [i for i, seg in enumerate(all_segs) if first <= seg.bar <= last]
        segs, probs = [all_segs[i] for i in keep], all_probs[keep]
        locked = sorted(opts.locked, key=lambda c: c.onset)
        classes = decode(probs, self.bigrams.log_transitions(opts.per), rich=opts.rich,
                         change_rate=opts.change_rate, locked=locks(locked, segs), decoding=self.decoding)
        start, end = segs[0].start, segs[-1].end
        inside = [c for c in locked if c.onset < end and c.end > start]
        if inside:  # a kept chord reaching over the range's edges is kept whole
            start, end = min(start, inside[0].onset), max(end, max(c.end for c in inside))
        chords = sorted(inside + new_chords(song, segs, classes, inside), key=lambda c: c.onset)
        return HarmonizeResult(tuple(chords), start, end, set_chords(song, chords, start, end), tuple(segs),
                               tuple(int(c) for c in classes))


def new_chords(song: Song, segs: Sequence[Segment], classes: np.ndarray, locked: Sequence[Chord]) -> list[Chord]:
    """Runs of equal classes as chords, cut out where a locked chord sounds; spelled for the key."""
    out: list[Chord] = []
    run_start = 0
    for i in range(1, len(segs) + 1):
        if i < len(segs) and classes[i] == classes[run_start]:
            continue
        a, b = segs[run_start].start, segs[i - 1].end
        key = song.key_at(a)
        symbol = class_symbol(int(classes[run_start]), flats=key is not None and key.prefers_flats)
        if symbol is not None:
            out += [Chord(x, y - x, symbol) for x, y in _gaps(a, b, locked)]
        run_start = i
    return out


def _gaps(a: int, b: int, locked: Sequence[Chord]) -> list[tuple[int, int]]:
    """Parts of [a, b) where no locked chord sounds."""
    out, at = [], a
    for c in locked:
        if c.end <= at or c.onset >= b:
            continue
        if c.onset > at:
            out.append((at, c.onset))
        at = max(at, c.end)
    if at < b:
        out.append((at, b))
    return out


def locks(locked: Sequence[Chord], segs: Sequence[Segment]) -> np.ndarray:
    """(S,) class a segment is fixed to: the locked chord sounding longest in it when that covers at
    least half the segment (a chord clipping a segment's edge leaves it free), else -1."""
    out = np.full(len(segs), -1, np.int64)
    for i, seg in enumerate(segs):
        best = max(locked, key=lambda c: min(c.end, seg.end) - max(c.onset, seg.start), default=None)
        if best is not None and 2 * (min(best.end, seg.end) - max(best.onset, seg.start)) >= seg.end - seg.start:
            out[i] = chord_class(best.symbol)
    return out


def find_harmonizer_dir(path: str | os.PathLike[str] | None = None) -> Path:
    """An explicit directory, else $MELODYSTUDIO_MODELS/harmonizer, else models/harmonizer."""
    if path is not None:
        where, source = Path(path), "model directory"
    elif os.environ.get(MODELS_ENV, "").strip():
        where, source = Path(os.environ[MODELS_ENV].strip()) / MODEL_NAME, f"${MODELS_ENV}/{MODEL_NAME}"
    else:
        where, source = REPO_MODELS / MODEL_NAME, "the default harmonizer directory"
    if not where.is_dir():
        raise MelodyStudioError(f"no harmonizer model found: {source} {shown(where)} does not exist ({FIX_HINT})")
    return where


def _read_manifest(directory: Path) -> dict[str, Any]:
    path = directory / "manifest.json"
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        ok = manifest.get("kind") == "harmonizer" and isinstance(manifest.get("files"), dict)
    except FileNotFoundError:
        raise MelodyStudioError(f"model file {shown(path)} is missing; {FIX_HINT}") from None
    except (ValueError, AttributeError, UnicodeDecodeError):
        ok = False
    if not ok:
        raise MelodyStudioError(f"{shown(path)} is not a MelodyStudio harmonizer manifest; {FIX_HINT}")
    if manifest.get("export_version") != EXPORT_VERSION:
        raise MelodyStudioError(f"the harmonizer in {shown(directory)} has export format "
                                f"{manifest.get('export_version')}; this MelodyStudio reads format {EXPORT_VERSION}")
    return manifest


def _checked(directory: Path, name: str, manifest: dict[str, Any]) -> Path:
    path = directory / name
    expected = manifest["files"].get(name)
    if expected is None:
        raise MelodyStudioError(f"the harmonizer in {shown(directory)} has no {name}")
    if not path.is_file():
        raise MelodyStudioError(f"model file {shown(path)} is missing; {FIX_HINT}")
    if file_sha256(path) != expected:
        raise MelodyStudioError(f"model file {shown(path)} is damaged (checksum mismatch); {FIX_HINT}")
    return path
