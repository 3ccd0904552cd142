"""GLM blank infilling for compound note tokens (numpy only: the ONNX engine reuses it).

A tune is an (N, 7) token array of NOTE tokens in onset order. An example blanks some spans::

    part A: BOS n0 n1 MASK n5 n6 MASK           pos1 = 0 1 2 3 4 5 6      pos2 = 0 ...
    part B: START n2 n3 n4 START n7 n8          pos1 = 3 3 3 3 6 6 6      pos2 = 1 2 3 4 1 2 3
    target:  n2   n3 n4 END  n7   n8 END        (part A and padding: IGNORE)

A MASK (and its START) carries BAR/POS of where the blank begins and METER/KEY of its first note;
PITCH and DUR are 0 ("nothing"). The END that closes a blank carries BAR/POS of where the blank
ends: the onset of the first note after it, or the window end (bar ``n_bars``, pos 0). A blank may
be empty (bars with no notes to fill): its part B is START with target END.

Attention (built by the model from ``a_len``): part A sees all of part A; a part B token sees all
of part A and the part B tokens at or before it.

Conditions (``conditions.py``, one row per input token): part A notes carry their own; BOS none; a
MASK the CHORD where its blank begins. A part-B input carries the CHORD at its own onset (START: its
MASK's) and the lyric columns of the note it predicts (the syllable about to be sung; none before
the END), plus NOTES_LEFT when the blank has lyrics. ``target_chord`` is the CHORD of each target
note, which the cascade's pitch stage sees once bar and position are chosen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from melodystudio.tokens import conditions
from melodystudio.tokens.compound import BAR, BOS, END, KEY, KIND, MASK, METER, POS, START, UNKNOWN_KEY
from melodystudio.tokens.conditions import CHORD, LYRIC_COLUMNS, N_COND, NOTES_LEFT
from melodystudio.tokens.heads import CASCADE

IGNORE = -100  # target value that takes no loss (cross-entropy ignore_index)


@dataclass(frozen=True)
class Span:
    """Notes tune[start:stop] blanked as one MASK; the blank begins at (bar, pos)."""

    start: int
    stop: int  # == start for an empty blank (inserted before tune[start])
    bar: int
    pos: int


@dataclass
class Example:
    inputs: np.ndarray  # (T, 7) int64: part A then part B
    pos1: np.ndarray  # (T,) int64: index in part A (a B token: its MASK's index)
    pos2: np.ndarray  # (T,) int64: 0 in part A, 1.. within a blank (START = 1)
    a_len: int  # tokens in part A
    target: np.ndarray  # (T, 5) int64 in CASCADE order (kind, bar, pos, dur, pitch); IGNORE = no loss
    cond: np.ndarray  # (T, N_COND) int64 conditions of each input token (0 = unknown)
    target_chord: np.ndarray  # (T,) int64 CHORD of each target note (0 for END, part A, unknown)


@dataclass
class Batch:
    inputs: np.ndarray  # (B, T, 7) int64, PAD (all zeros) after each example
    pos1: np.ndarray  # (B, T) int64
    pos2: np.ndarray  # (B, T) int64
    a_len: np.ndarray  # (B,) int64
    target: np.ndarray  # (B, T, 5) int64, IGNORE in part A and padding
    lengths: np.ndarray  # (B,) int64 tokens before padding
    cond: np.ndarray  # (B, T, N_COND) int64, 0 in padding
    target_chord: np.ndarray  # (B, T) int64


def n_bars_of(tune: np.ndarray) -> int:
    """Bars in a tune's window: up to the bar of its last note."""
    return int(tune[-1, BAR]) + 1 if len(tune) else 1


def note_span(tune: np.ndarray, start: int, stop: int) -> Span:
    """Blank notes tune[start:stop] (stop > start); the blank begins at the first note's onset."""
    return Span(start, stop, int(tune[start, BAR]), int(tune[start, POS]))


def bar_range_span(tune: np.ndarray, first_bar: int, last_bar: int) -> Span:
    """Blank every note starting in bars first_bar..last_bar (window bars); may be empty."""
    bars = tune[:, BAR]
    start = int(np.searchsorted(bars, first_bar, side="left"))
    stop = int(np.searchsorted(bars, last_bar, side="right"))
    return Span(start, stop, first_bar, 0)


def continuation_span(tune: np.ndarray, from_bar: int) -> Span:
    """Blank everything from bar ``from_bar`` to the end of the window."""
    return Span(int(np.searchsorted(tune[:, BAR], from_bar, side="left")), len(tune), from_bar, 0)


def end_boundary(tune: np.ndarray, span: Span, n_bars: int) -> tuple[int, int]:
    """(bar, pos) where the blank ends: the next kept note's onset, or the window end."""
    if span.stop < len(tune):
        return int(tune[span.stop, BAR]), int(tune[span.stop, POS])
    return n_bars, 0


def _meter_key(tune: np.ndarray, span: Span) -> tuple[int, int]:
    """METER/KEY of the blank's first note; an empty blank borrows from its neighbours."""
    if len(tune) == 0:
        return 0, UNKNOWN_KEY
    row = tune[min(span.start, len(tune) - 1)]
    return int(row[METER]), int(row[KEY])


def marker(kind: int, tune: np.ndarray, span: Span) -> np.ndarray:
    """A MASK or START token (7,) for a blank."""
    meter, key = _meter_key(tune, span)
    row = np.zeros(7, dtype=np.int64)
    row[[KIND, BAR, POS, METER, KEY]] = (kind, span.bar, span.pos, meter, key)
    return row


def part_a(tune: np.ndarray, spans: Sequence[Span]) -> tuple[np.ndarray, list[int]]:
    """BOS + the tune with each span replaced by a MASK: ((Ta, 7) int64, index of each span's MASK)."""
    _check_spans(tune, spans)
    bos = marker(BOS, tune, Span(0, 0, 0, 0))
    rows, mask_at, prev = [bos[None]], [], 0
    for span in spans:
        rows.append(tune[prev:span.start].astype(np.int64))
        mask_at.append(sum(len(r) for r in rows))
        rows.append(marker(MASK, tune, span)[None])
        prev = span.stop
    rows.append(tune[prev:].astype(np.int64))
    return np.concatenate(rows), mask_at


def _check_spans(tune: np.ndarray, spans: Sequence[Span]) -> None:
    prev = 0
    for span in spans:
        if not prev <= span.start <= span.stop <= len(tune):
            raise ValueError(f"spans must be sorted, disjoint and inside the tune: {spans}")
        prev = span.stop


def blank_chord(cond: np.ndarray, span: Span) -> int:
    """CHORD of a blank's MASK / START: that of its first note, else of the note after it (training
    approximates 'the chord where the blank begins'; the engine looks that chord up exactly)."""
    if len(cond) == 0:
        return 0
    return int(cond[min(span.start, len(cond) - 1), CHORD])


def part_a_cond(cond: np.ndarray, spans: Sequence[Span], context_lyrics: bool = True) -> np.ndarray:
    """Conditions (Ta, N_COND) of ``part_a(tune, spans)``: BOS none, notes their own, MASK its chord."""
    rows, prev = [conditions.empty(1)], 0
    for span in spans:
        rows.append(cond[prev:span.start].astype(np.int64))
        mask = conditions.empty(1)
        mask[0, CHORD] = blank_chord(cond, span)
        rows.append(mask)
        prev = span.stop
    rows.append(cond[prev:].astype(np.int64))
    out = np.concatenate(rows)
    out[:, NOTES_LEFT] = 0
    if not context_lyrics:
        out[:, list(LYRIC_COLUMNS)] = 0
    return out


def part_b_cond(cond: np.ndarray, span: Span, lyrics: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Conditions (n + 1, N_COND) of one blank's inputs START + its n notes, and the CHORD (n + 1,)
    of each input's target (the END's is 0). ``lyrics`` False: no lyric columns."""
    notes = cond[span.start:span.stop].astype(np.int64)
    n = len(notes)
    out = conditions.empty(n + 1)
    out[0, CHORD] = blank_chord(cond, span)
    out[1:, CHORD] = notes[:, CHORD]
    if lyrics and n:
        lyric = list(LYRIC_COLUMNS)
        out[:n, lyric] = notes[:, lyric]
        if (notes[:, conditions.WORD] > 0).any():
            out[:n, NOTES_LEFT] = np.arange(n, 0, -1)
    target_chord = np.concatenate([notes[:, CHORD], [0]]).astype(np.int64)
    return conditions.cap(out), target_chord


def end_token(bar: int, pos: int) -> np.ndarray:
    """Target row (5,) of an END in cascade order: only kind, bar and pos take loss."""
    return np.array([END, bar, pos, IGNORE, IGNORE], dtype=np.int64)


def build_example(tune: np.ndarray, spans: Sequence[Span], n_bars: int,
                  rng: np.random.Generator | None = None, cond: np.ndarray | None = None,
                  context_lyrics: bool = True, blank_lyrics: bool = True) -> Example:
    """Part A + part B for the blanks ``spans`` (sorted by time); ``rng`` shuffles B's blank order.
    ``cond`` (N, N_COND) conditions of the tune's notes (None: nothing known); ``context_lyrics`` /
    ``blank_lyrics`` False leave the lyric columns out of part A / part B."""
    cond = conditions.empty(len(tune)) if cond is None else cond
    a, mask_at = part_a(tune, spans)
    order = rng.permutation(len(spans)) if rng is not None else np.arange(len(spans))
    inputs, pos1, pos2, target = [a], [np.arange(len(a))], [np.zeros(len(a), np.int64)], []
    target.append(np.full((len(a), len(CASCADE)), IGNORE, dtype=np.int64))
    conds, chords = [part_a_cond(cond, spans, context_lyrics)], [np.zeros(len(a), np.int64)]
    for i in order:
        span = spans[i]
        notes = tune[span.start:span.stop].astype(np.int64)
        inputs.append(np.concatenate([marker(START, tune, span)[None], notes]))
        pos1.append(np.full(len(notes) + 1, mask_at[i], dtype=np.int64))
        pos2.append(np.arange(1, len(notes) + 2, dtype=np.int64))
        end = end_token(*end_boundary(tune, span, n_bars))
        target.append(np.concatenate([notes[:, list(CASCADE)], end[None]]))
        b_cond, b_chord = part_b_cond(cond, span, blank_lyrics)
        conds.append(b_cond)
        chords.append(b_chord)
    return Example(np.concatenate(inputs), np.concatenate(pos1), np.concatenate(pos2), len(a),
                   np.concatenate(target), conditions.rebase_ids(np.concatenate(conds)), np.concatenate(chords))


def collate(examples: Sequence[Example]) -> Batch:
    """Pad examples to the longest; padding is PAD tokens at position 0 with IGNORE targets."""
    n, t = len(examples), max(len(e.inputs) for e in examples)
    batch = Batch(np.zeros((n, t, 7), np.int64), np.zeros((n, t), np.int64), np.zeros((n, t), np.int64),
                  np.array([e.a_len for e in examples], np.int64),
                  np.full((n, t, len(CASCADE)), IGNORE, np.int64),
                  np.array([len(e.inputs) for e in examples], np.int64),
                  np.zeros((n, t, N_COND), np.int64), np.zeros((n, t), np.int64))
    for b, e in enumerate(examples):
        k = len(e.inputs)
        batch.inputs[b, :k], batch.pos1[b, :k], batch.pos2[b, :k] = e.inputs, e.pos1, e.pos2
        batch.target[b, :k] = e.target
        batch.cond[b, :k], batch.target_chord[b, :k] = e.cond, e.target_chord
    return batch


# --- span choosers: each returns sorted, disjoint spans for one task ---------------------------


def blank_runs(blanked: np.ndarray) -> list[tuple[int, int]]:
    """[start, stop) of each run of True in a bool array."""
    edges = np.diff(np.concatenate([[0], blanked.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist()))


def room_to_blank(blanked: np.ndarray, start: int, stop: int) -> bool:
    """No blanked note in [start, stop) nor right beside it, so blanks never touch."""
    return not blanked[max(start - 1, 0):stop + 1].any()


def blank_in_random_order(blanked: np.ndarray, ranges: Sequence[tuple[int, int]], budget: int,
                          rng: np.random.Generator) -> None:
    """Blank note ranges [start, stop) of ``ranges`` in random order (in place) while fewer than
    ``budget`` notes are blank; a range may overshoot the budget by half its length, and never
    touches another blank (``room_to_blank``)."""
    for i in rng.permutation(len(ranges)):
        start, stop = ranges[i]
        count = int(blanked.sum())
        if count >= budget:
            break
        if count + stop - start <= budget + (stop - start) // 2 and room_to_blank(blanked, start, stop):
            blanked[start:stop] = True


def choose_ngram_spans(tune: np.ndarray, matches: Sequence[tuple[int, int]], rng: np.random.Generator,
                       ratio: float = 0.15, max_random_len: int = 3) -> list[Span]:
    """MelodyGLM melodic n-gram blanking: blank lexicon n-gram occurrences ``matches`` ([start, stop)
    note ranges) in random order until about ``ratio`` of the notes are blank; short random spans
    fill up when the matches run out."""
    n = len(tune)
    budget = max(1, round(ratio * n))
    blanked = np.zeros(n, dtype=bool)
    blank_in_random_order(blanked, matches, budget, rng)
    for _ in range(4 * n):  # random fill; bounded because gaps may leave no free place
        if blanked.sum() >= budget:
            break
        length = int(rng.integers(1, max_random_len + 1))
        start = int(rng.integers(0, max(n - length, 0) + 1))
        if room_to_blank(blanked, start, start + length):
            blanked[start:start + length] = True
    return [note_span(tune, s, e) for s, e in blank_runs(blanked)]


def choose_long_spans(tune: np.ndarray, rng: np.random.Generator, ratio: float = 0.5,
                      max_spans: int = 3) -> list[Span]:
    """Blank about ``ratio`` of the notes as 1..max_spans contiguous spans with kept notes between."""
    n = len(tune)
    total = min(max(1, round(ratio * n)), n)
    k = int(rng.integers(1, max(1, min(max_spans, total, n - total + 1)) + 1))
    cuts = np.sort(rng.choice(np.arange(1, total), size=k - 1, replace=False)) if k > 1 else np.array([], int)
    lengths = np.diff(np.concatenate([[0], cuts, [total]]))
    # kept notes go into k + 1 gaps; the k - 1 inner gaps get at least one so spans never touch
    spare = n - total - (k - 1)
    gaps = rng.multinomial(spare, np.full(k + 1, 1 / (k + 1)))
    gaps[1:k] += 1
    spans, at = [], 0
    for length, gap in zip(lengths, gaps):
        at += int(gap)
        spans.append(note_span(tune, at, at + int(length)))
        at += int(length)
    return spans


def choose_bar_inpaint(tune: np.ndarray, n_bars: int, rng: np.random.Generator, max_bars: int = 4) -> list[Span]:
    """Blank 1..max_bars consecutive bars (the user's 'regenerate these bars')."""
    length = int(rng.integers(1, min(max_bars, n_bars) + 1))
    first = int(rng.integers(0, n_bars - length + 1))
    return [bar_range_span(tune, first, first + length - 1)]


def choose_continuation(tune: np.ndarray, n_bars: int, rng: np.random.Generator) -> list[Span]:
    """Blank from a random bar to the end (bar 0: the whole tune, i.e. free generation)."""
    return [continuation_span(tune, int(rng.integers(0, n_bars)))]



def choose_lyric_bars(tune: np.ndarray, cond: np.ndarray, rng: np.random.Generator,
                      max_phrases: int = 3, whole: float = 0.25) -> list[Span]:
    """'Set these syllables': blank the bars of 1..max_phrases consecutive lyric phrases (every bar
    holding one of their notes), or with probability ``whole`` the whole window; bar-aligned as the
    engine's lyrics request is. Without phrase ids the phrases are runs of up to 8 sung notes."""
    sung = np.flatnonzero(cond[:, conditions.WORD] > 0)
    if len(sung) == 0 or rng.random() < whole:
        return [continuation_span(tune, 0)]
    phrase = cond[sung, conditions.PHRASE]
    ids = phrase if (phrase > 0).any() else np.arange(len(sung)) // 8
    starts = np.flatnonzero(np.diff(np.concatenate([[-1], ids])) != 0)  # first sung index of each phrase
    first = int(rng.integers(len(starts)))
    last = min(first + int(rng.integers(1, max_phrases + 1)), len(starts)) - 1
    stop = int(starts[last + 1]) if last + 1 < len(starts) else len(sung)
    bars = tune[sung[int(starts[first]):stop], BAR]
    return [bar_range_span(tune, int(bars.min()), int(bars.max()))]
