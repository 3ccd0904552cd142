"""What the harmonizer model reads about one window of bars (shared by training and the runtime).

A song is cut into windows of whole bars (``windows``: at most ``max_notes`` notes and
``max_bars`` bars, so the GLM prompt fits the melody encoder's positions); each window becomes:

    tokens   (N + 1, 7) int64   GLM part A: BOS + the window's notes (CompoundTokenizer, bar 0 = window start)
    pos1     (N + 1,)   int64   0..N (part A positions); pos2 is all zero in part A
    pool     (S, N + 1) float32 row s: how long each note sounds in segment s, normalised to sum 1;
                                a silent segment puts its weight on BOS (the encoder's "nothing sounding")
    profile  (S, 12)    float32 duration-weighted pitch-class profile of each segment (0 when silent)
    cats     (S, 4)     int64   key (tonic + 12 * minor, 24 unknown), rule (index in RULES),
                                segment index in its bar, segments in its bar (both clipped to 7)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from melodystudio.core import Song
from melodystudio.harmony.segments import RULES, Segment, note_overlaps, pitch_class_profile, segments
from melodystudio.tokens import CompoundTokenizer
from melodystudio.tokens.compound import KEY, KIND, NOTE, PITCH, UNKNOWN_KEY, key_index
from melodystudio.tokens.glm import part_a

MAX_NOTES = 96  # notes per window: the shipped encoder was trained on prompts of up to 96 notes + BOS
MAX_BARS = 32
MAX_SLOT = 7  # segment index / count categories 0..7
N_KEYS = UNKNOWN_KEY + 1
CAT_SIZES = (N_KEYS, len(RULES), MAX_SLOT + 1, MAX_SLOT + 1)


@dataclass
class WindowFeatures:
    first_bar: int
    last_bar: int  # inclusive
    segments: list[Segment]
    tokens: np.ndarray  # (N + 1, 7) int64
    pos1: np.ndarray  # (N + 1,) int64
    pool: np.ndarray  # (S, N + 1) float32
    profile: np.ndarray  # (S, 12) float32
    cats: np.ndarray  # (S, 4) int64

    def transposed(self, semitones: int) -> WindowFeatures:
        """The same window moved by ``semitones`` (pitches, keys and profiles together)."""
        tokens = self.tokens.copy()
        is_note = tokens[:, KIND] == NOTE  # BOS keeps its "nothing" pitch 0
        tokens[is_note, PITCH] = np.clip(tokens[is_note, PITCH] + semitones, 0, 127)
        cats = self.cats.copy()
        for arr, col in ((tokens, KEY), (cats, 0)):
            known = arr[:, col] != UNKNOWN_KEY
            key = arr[known, col]
            arr[known, col] = (key % 12 + semitones) % 12 + 12 * (key // 12)
        return WindowFeatures(self.first_bar, self.last_bar, self.segments, tokens, self.pos1, self.pool,
                              np.roll(self.profile, semitones, axis=1), cats)


def windows(song: Song, first_bar: int, last_bar: int, max_notes: int = MAX_NOTES,
            max_bars: int = MAX_BARS) -> list[tuple[int, int]]:
    """Consecutive (first, last) bar ranges covering first_bar..last_bar, each as long as the limits allow."""
    tl = song.timeline
    counts = [len(song.notes_between(tl.bar_start(b), tl.bar_start(b + 1))) for b in range(first_bar, last_bar + 1)]
    out: list[tuple[int, int]] = []
    start, notes = first_bar, 0
    for bar, n in zip(range(first_bar, last_bar + 1), counts):
        if bar > start and (notes + n > max_notes or bar - start >= max_bars):
            out.append((start, bar - 1))
            start, notes = bar, 0
        notes += n
    out.append((start, last_bar))
    return out


def window_features(song: Song, per: str, first_bar: int, last_bar: int,
                    tokenizer: CompoundTokenizer | None = None, max_notes: int = MAX_NOTES) -> WindowFeatures:
    """The model input of bars first_bar..last_bar segmented by rule ``per``."""
    tok = tokenizer or CompoundTokenizer()
    segs = segments(song, per, first_bar, last_bar)
    tt = tok.encode(song, first_bar, last_bar - first_bar + 1)
    start, end = int(tt.bar_starts[0]), int(tt.bar_starts[-1])
    notes = song.notes_between(start, end)[:max_notes]  # a bar over max_notes long keeps its first notes
    tokens, _ = part_a(tt.tokens[:max_notes], [])
    overlaps = note_overlaps(notes, segs)  # (S, N)
    total = overlaps.sum(axis=1, keepdims=True)
    pool = np.zeros((len(segs), len(notes) + 1), np.float32)
    pool[:, 1:] = np.divide(overlaps, total, out=np.zeros_like(overlaps), where=total > 0)
    pool[total[:, 0] == 0, 0] = 1.0
    rule = RULES.index(per)
    cats = np.array([(key_index(song, s.start), rule, min(s.index, MAX_SLOT), min(s.count, MAX_SLOT))
                     for s in segs], np.int64).reshape(-1, 4)
    return WindowFeatures(first_bar, last_bar, segs, tokens.astype(np.int64), np.arange(len(tokens), dtype=np.int64),
                          pool, pitch_class_profile(notes, overlaps), cats)


def song_features(song: Song, per: str, first_bar: int = 0, last_bar: int | None = None,
                  tokenizer: CompoundTokenizer | None = None) -> list[WindowFeatures]:
    """Every window of bars first_bar..last_bar (default: the whole song)."""
    last = song.bar_count - 1 if last_bar is None else last_bar
    return [window_features(song, per, a, b, tokenizer) for a, b in windows(song, first_bar, last)]
