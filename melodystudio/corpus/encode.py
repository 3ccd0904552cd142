"""A CorpusTune becomes compact arrays: tokens in windows, phrase flags, the dedupe key.

Each tune is first fitted to the tokenizer (``bars``: over-long bars halved, silent leading bars
cut), then cut into consecutive windows of ``max_bars`` bars, each encoded by CompoundTokenizer
(BAR counts from 0 in every window). Windows without notes are left out. Every note lands in
exactly one window, so a tune's rows are its notes in onset order, aligned with its phrase flags.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from melodystudio.core.errors import MelodyStudioError
from melodystudio.corpus.bars import fit_meter, trim_leading_bars
from melodystudio.corpus.dedupe import dedupe_key
from melodystudio.corpus.records import CorpusTune
from melodystudio.tokens import CompoundTokenizer

_SCALARS = (str, int, float, bool, type(None))


@dataclass
class EncodedTune:
    source: str
    tune_id: str
    split: str
    tokens: np.ndarray  # (n_notes, 7) int16, CompoundTokenizer columns
    phrase_start: np.ndarray  # (n_notes,) uint8, 0 where unknown
    phrases_known: bool
    meter_known: bool
    windows: list[tuple[int, int]]  # (song bar of window bar 0, token rows in the window)
    key: bytes  # dedupe key (see ``dedupe``)
    meta: dict[str, Any] = field(default_factory=dict)  # scalar metadata for the JSON sidecar
    off_grid: int = 0  # notes the tokenizer snapped to its grid
    meter_fitted: bool = False  # a bar was too long and its meter was halved
    bars_trimmed: int = 0  # silent leading bars cut


def encode_tune(tune: CorpusTune, tokenizer: CompoundTokenizer) -> EncodedTune:
    cfg = tokenizer.config
    song, fitted = fit_meter(tune.song, cfg.max_pos * cfg.grid)
    song, trimmed = trim_leading_bars(song)
    if not song.notes:
        raise MelodyStudioError("the tune has no notes")
    parts, windows, off_grid = [], [], 0
    for first_bar in range(0, song.bar_count, cfg.max_bars):
        tt = tokenizer.encode(song, first_bar, cfg.max_bars)
        off_grid += tt.off_grid
        if len(tt.tokens):
            parts.append(tt.tokens)
            windows.append((first_bar, len(tt.tokens)))
    tokens = np.concatenate(parts).astype(np.int16)
    if len(tokens) != len(song.notes):  # cannot happen: windows tile the song's bars
        raise MelodyStudioError(f"{len(tokens)} tokens for {len(song.notes)} notes")
    flags = tune.phrase_starts
    if flags is not None and len(flags) != len(song.notes):
        flags = None  # a reader bug would misalign every flag: keep none
    phrase = np.array(flags if flags is not None else np.zeros(len(tokens)), dtype=np.uint8)
    meta = {k: v for k, v in tune.meta.items() if isinstance(v, _SCALARS)}
    return EncodedTune(tune.source, tune.tune_id, tune.split, tokens, phrase, flags is not None,
                       bool(tune.meta.get("meter_known", True)), windows, dedupe_key(song), meta,
                       off_grid, fitted, trimmed)
