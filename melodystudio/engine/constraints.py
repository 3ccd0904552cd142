"""Decoding constraints: per-stage masks that keep every sampled token inside the request.

Enforced while sampling, never by filtering afterwards. For a note, in cascade order:

    kind   NOTE or END; END only once the fill sounds in the last selected bar (the previous note
           ends after its bar line: the model may not leave whole bars empty at the end of a fill,
           nor leave a fill empty), or when no onset is left with room for a 1-unit note, or the blank holds
           as many notes as the model's pos2 table allows ('keep rhythm': NOTE until every
           original note has a new pitch, then END)
    bar    a selected bar at or after the bar of the cursor (the end of the previous note)
    pos    an onset at or after the cursor, inside the bar's meter and the model's position table,
           with at least one grid unit left before the selection ends
    dur    1..max_dur grid units, ending at or before the end of the selection (no note crosses it)
    pitch  in the pitch range, and in the scale of the key at the onset when key lock is on

An END carries the (bar, pos) the model was trained to put there (``glm.end_boundary``); its dur
and pitch are not used and are fixed at 0. 'Keep rhythm' forces bar, pos and dur of the i-th token
to the i-th original note of the selection, so only pitches are sampled.

A fixed note count (lyrics: one note per syllable) replaces the kind rule: NOTE until the count is
reached, then END. Onsets and durations are then also kept where the notes still to come fit after
them at ``min_ticks`` each (a sixteenth): a greedy count of the open onsets (earliest onset, shortest
note) says how many more notes fit from any tick, so the count can always be met. The notes are also
paced over the selection: note k of n starts within PACING_SLACK bars (at most a quarter of the
selection) of k/n of the way through it (a lyric may be neither crammed into the first bars nor
into the last), and the last one starts in the last selected bar. A note's duration then ends inside
the next note's window, so pacing never forces a rest (with a bound on onsets alone, a short note
followed by a forced rest came after 40% of the notes of ``eval lyrics``, against 22% rests in the
human melodies). Where rounding would leave no onset (or duration) for a row, its pacing window is
dropped (the count rule always wins). A lyric's phrases can breathe (``breathe``): the note that ends
a line then takes ``shares`` notes' worth of the selection in the pacing, so the next line's window
starts later and the line's last note is held longer (in the human lyrics_melody settings the interval
from a line's last note to the next is 2.6 times the others': ``eval lyrics``). Freeing that note's
length so that the breath could be a rest instead, as 55% of the human line ends have it, was measured
and not kept: the model then chose durations further from the human ones (DD 94.3 against 95.5 held,
400 validation songs).
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

import numpy as np

from melodystudio.core import KeySignature, TimeSignature, note_name
from melodystudio.core.errors import MelodyStudioError
from melodystudio.engine.api import GenerationOptions
from melodystudio.engine.context import Prompt
from melodystudio.engine.degree_prior import DegreePrior
from melodystudio.engine.stress_prior import StressPrior, onset_levels
from melodystudio.tokens import TokenizerConfig
from melodystudio.tokens.compound import BAR, DUR, END, KEY, METER, NOTE, POS, key_fields, meter_index
from melodystudio.tokens.heads import CASCADE, Constraint

CLOSED = -1  # onset of a (bar, pos) cell where no note may start: below every cursor (ticks >= 0)
FOREVER = np.iinfo(np.int64).max
PACING_SLACK = 1.0  # bars a note of a fixed count may start before or after its even share of the selection
KIND_S, BAR_S, POS_S, DUR_S, PITCH_S = range(len(CASCADE))  # stage numbers


class Rules:
    """The constraints of one request; ``allow`` builds the mask function for one decoding step."""

    def __init__(self, prompt: Prompt, meters: Sequence[tuple[int, int]], keys: Sequence[KeySignature],
                 tokenizer: TokenizerConfig, sizes: Sequence[int], options: GenerationOptions, max_notes: int,
                 note_count: int | None = None, min_ticks: int = 120) -> None:
        self.grid, self.sizes, self.max_notes = tokenizer.grid, tuple(sizes), max_notes
        self.bar_starts = prompt.bar_starts  # (n_bars + 1,) ticks of the window's bar lines
        self.meters = np.array([meter_index(*m) for m in meters], dtype=np.int64)  # METER of each window bar
        self.b0 = prompt.first_bar - prompt.window_bar  # window bar of the first selected bar
        self.start_tick, self.end_tick = prompt.start_tick, prompt.end_tick
        self.end_bar, self.end_pos = prompt.end_boundary
        self._keys = list(keys)
        self._key_ticks = [k.tick for k in keys]
        n_sel = prompt.last_bar - prompt.first_bar + 1
        self.onsets = self._onset_table(n_sel)
        self.last_bar_tick = int(self.bar_starts[self.b0 + n_sel - 1])  # where the last selected bar starts
        self.forced = self._forced_rhythm(prompt) if options.keep_rhythm else None
        self._scales = self._pitch_masks(options)
        self.note_count = note_count
        self.fit = self._fit_table(max(min_ticks, self.grid))  # (n_bars, max_pos) notes that fit from each onset
        cells = self.onsets >= 0
        order = np.argsort(self.onsets[cells], kind="stable")
        self._cell_ticks = self.onsets[cells][order]
        self._cell_fit = np.append(self.fit[cells][order], 0)  # 0: past the last onset, nothing fits
        if note_count is not None and self.fits_from(np.array([self.start_tick]))[0] < note_count:
            bars = f"{prompt.first_bar + 1}-{prompt.last_bar + 1}"
            raise MelodyStudioError(f"{note_count} notes do not fit in bars {bars} at a sixteenth each: "
                                    "select more bars or give fewer syllables")
        self._bar_ticks = int(np.diff(self.bar_starts[self.b0:self.b0 + 2])[0])  # the first selected bar's length
        self.earliest, self.latest = self._pacing(note_count, self._bar_ticks)
        self._stress_cells: np.ndarray | None = None  # (note_count, n_sel, max_pos) onset log-weights
        self._degree_weights: np.ndarray | None = None  # (n keys, places, 128) pitch log-weights
        self._phrase_end: np.ndarray | None = None  # (note_count,) place of each note: 1 at a phrase end
        self._meter_of_bar = tuple(meters)  # (numerator, denominator) of each window bar

    def _pacing(self, note_count: int | None, bar_ticks: int,
                shares: np.ndarray | None = None) -> tuple[np.ndarray | None, np.ndarray | None]:
        """(note_count,) earliest and latest onset tick of each note of a fixed count (None, None
        without a count): where its share of the selection starts, give or take PACING_SLACK bars (at
        most a quarter of the selection). ``shares`` (note_count,): how much of the selection each
        note takes, relative to the others (None: all alike, even pacing)."""
        if note_count is None:
            return None, None
        span = self.end_tick - self.start_tick
        slack = int(min(PACING_SLACK * bar_ticks, span / 4))
        weight = np.ones(note_count) if shares is None else np.asarray(shares, dtype=np.float64)
        before = np.concatenate([[0.0], np.cumsum(weight)[:-1]])  # shares taken by the notes before each
        even = self.start_tick + np.floor(before * span / max(float(weight.sum()), 1e-9)).astype(np.int64)
        earliest = even - slack
        earliest[-1] = max(int(earliest[-1]), self.last_bar_tick)
        return earliest, even + slack

    def breathe(self, phrase_end: Sequence[bool], shares: float) -> None:
        """Pace a fixed count of notes with a breath after each line: a note that ends a phrase
        (``phrase_end``: one flag per note) takes ``shares`` notes' worth of the selection, the
        others one (``shares`` 1: even pacing)."""
        if self.note_count is None or len(phrase_end) != self.note_count:
            raise ValueError("breathing needs one phrase-end flag per note of a fixed note count")
        if shares < 1.0:
            raise ValueError(f"a phrase end takes at least one note's share (got {shares})")
        ends = np.asarray(phrase_end, dtype=bool)
        self.earliest, self.latest = self._pacing(self.note_count, self._bar_ticks, np.where(ends, shares, 1.0))

    def hear_stress(self, prior: StressPrior, stresses: Sequence[int]) -> None:
        """Weigh each note's onset by the stress-to-meter prior of its syllable (``stress_prior``);
        ``stresses``: one ``lyrics.Stress`` value per note of the fixed count (0: a held note)."""
        if self.note_count is None or len(stresses) != self.note_count:
            raise ValueError("a stress prior needs one stress per note of a fixed note count")
        n_sel = self.onsets.shape[0]
        levels = onset_levels(self.onsets, self.bar_starts[self.b0:self.b0 + n_sel],
                              [TimeSignature(0, *m) for m in self._meter_of_bar[self.b0:self.b0 + n_sel]])
        self._stress_cells = prior.onset_weights(stresses, levels)

    def hear_degrees(self, prior: DegreePrior, phrase_end: Sequence[bool]) -> None:
        """Weigh each note's pitch by the scale-degree prior (``degree_prior``) of the key in force at
        its onset and its place (``phrase_end``: one flag per note of the fixed count). A song
        without a key gets no prior."""
        if self.note_count is None or len(phrase_end) != self.note_count:
            raise ValueError("a degree prior needs one phrase-end flag per note of a fixed note count")
        if self._keys:
            self._degree_weights = np.stack([prior.pitch_weights(k) for k in self._keys])
            self._phrase_end = np.asarray(phrase_end, dtype=np.int64)

    def pitch_prior(self, count: np.ndarray, chosen: np.ndarray) -> np.ndarray | None:
        """(B, 128) log-weights of each pitch for the next note of rows with ``count`` notes so far,
        whose bar and pos are in ``chosen`` (B, >= POS_S + 1); None without a degree prior."""
        if self._degree_weights is None or self._phrase_end is None:
            return None
        ticks = self.onset_ticks(chosen[:, BAR_S], chosen[:, POS_S])
        slots = [self.key_slot(int(t)) for t in ticks] if len(self._keys) > 1 else [0] * len(ticks)
        places = self._phrase_end[np.minimum(count, len(self._phrase_end) - 1)]
        return self._degree_weights[slots, places]

    def onset_prior(self, count: np.ndarray) -> np.ndarray | None:
        """(B, bar size, pos size) log-weights of every onset for the next note of rows with ``count``
        notes so far (None without a stress prior); zero outside the selection."""
        if self._stress_cells is None:
            return None
        cells = self._stress_cells[np.minimum(count, len(self._stress_cells) - 1)]  # (B, n_sel, max_pos)
        out = np.zeros((len(count), self.sizes[BAR_S], self.sizes[POS_S]))
        out[:, self.b0:self.b0 + cells.shape[1], :cells.shape[2]] = cells
        return out

    # -- tables built once ---------------------------------------------------------------------
    def _onset_table(self, n_bars: int) -> np.ndarray:
        """(n_bars, max_pos) onset tick of each (selected bar, pos), CLOSED where no note may start."""
        starts = self.bar_starts[self.b0:self.b0 + n_bars + 1]
        units = np.arange(self.sizes[POS_S]) * self.grid
        onset = starts[:-1, None] + units[None]
        inside = (units[None] < np.diff(starts)[:, None]) & (onset + self.grid <= self.end_tick)
        return np.where(inside, onset, CLOSED)

    def _fit_table(self, min_ticks: int) -> np.ndarray:
        """(n_bars, max_pos): how many notes of ``min_ticks`` fit from each open onset on, one after
        another, each at the earliest open onset (0 at closed cells)."""
        flat = self.onsets.reshape(-1)
        open_ = np.flatnonzero(flat >= 0)
        ticks = flat[open_]
        order = np.argsort(ticks, kind="stable")
        fit = np.zeros(len(ticks) + 1, dtype=np.int64)
        for k in order[::-1]:  # from the last onset back: fit = 1 + what fits after this note
            after = ticks[k] + min_ticks
            if after <= self.end_tick:
                nxt = np.searchsorted(ticks[order], after, side="left")
                fit[k] = 1 + (fit[order[nxt]] if nxt < len(order) else 0)
        out = np.zeros(flat.shape, dtype=np.int64)
        out[open_] = fit[:-1]
        return out.reshape(self.onsets.shape)

    def fits_from(self, ticks: np.ndarray) -> np.ndarray:
        """(...) notes that still fit from a cursor at each tick (same shape as ``ticks``)."""
        return self._cell_fit[np.searchsorted(self._cell_ticks, ticks, side="left")]

    def _forced_rhythm(self, prompt: Prompt) -> np.ndarray:
        """(n, 3) window bar, pos, dur of each original note, durations cut at the selection's end."""
        tokens = prompt.original_tokens
        if not len(tokens):
            raise MelodyStudioError(f"bars {prompt.first_bar + 1}-{prompt.last_bar + 1} have no notes whose "
                                    "rhythm could be kept")
        if len(tokens) > self.max_notes:
            raise MelodyStudioError(f"the selection has {len(tokens)} notes; the model can keep the rhythm of at "
                                    f"most {self.max_notes} at once (select fewer bars)")
        onset = self.bar_starts[tokens[:, BAR]] + tokens[:, POS] * self.grid
        dur = np.clip(tokens[:, DUR], 1, np.maximum((self.end_tick - onset) // self.grid, 1))
        return np.stack([tokens[:, BAR], tokens[:, POS], dur], axis=1).astype(np.int64)

    def _pitch_masks(self, options: GenerationOptions) -> list[np.ndarray]:
        """One (128,) allowed-pitch mask per key signature (a single one without key lock)."""
        lo, hi = options.pitch_range or (0, 127)
        in_range = np.zeros(self.sizes[PITCH_S], dtype=bool)
        in_range[lo:hi + 1] = True
        if not options.key_lock:
            return [in_range]
        if not self._keys:
            raise MelodyStudioError("the song has no key signature: set a key before generating with key lock")
        masks = []
        for i, key in enumerate(self._keys):
            mask = in_range & np.isin(np.arange(len(in_range)) % 12, sorted(key.scale_pitch_classes))
            if not mask.any() and self._key_in_force(i):
                raise MelodyStudioError(f"no note of {key.label()} lies in the pitch range "
                                        f"{note_name(lo)}-{note_name(hi)}: widen the range or turn key lock off")
            masks.append(mask)
        return masks

    def _key_in_force(self, i: int) -> bool:
        """True when key signature i is in force somewhere in the selection (the first one also
        before its own tick, as ``Song.key_at`` has it)."""
        key = self._keys[i]
        until = self._keys[i + 1].tick if i + 1 < len(self._keys) else FOREVER
        return (i == 0 or key.tick < self.end_tick) and until > self.start_tick

    # -- lookups -------------------------------------------------------------------------------
    def key_slot(self, tick: int) -> int:
        """Index of the key in force at ``tick`` (the first key before it, as ``Song.key_at``)."""
        return max(0, bisect.bisect_right(self._key_ticks, tick) - 1)

    def onset_ticks(self, bar: np.ndarray, pos: np.ndarray) -> np.ndarray:
        """Song ticks of window (bar, pos) onsets."""
        return self.bar_starts[bar] + pos * self.grid

    def pitch_mask(self, ticks: np.ndarray) -> np.ndarray:
        """(B, 128) allowed pitches for notes starting at ``ticks``."""
        if len(self._scales) == 1:
            return np.broadcast_to(self._scales[0], (len(ticks), len(self._scales[0])))
        return np.stack([self._scales[self.key_slot(int(t))] for t in ticks])

    def note_allowed(self, cursor: np.ndarray, count: np.ndarray) -> np.ndarray:
        """(B,) True where another note may come: room left and the model's blank not full."""
        if self.forced is not None:
            return count < len(self.forced)
        if self.note_count is not None:
            return count < self.note_count
        return (self.onsets[None] >= cursor[:, None, None]).any(axis=(1, 2)) & (count < self.max_notes)

    # -- the masks ----------------------------------------------------------------------------
    def allow(self, cursor: np.ndarray, count: np.ndarray) -> Constraint:
        """The mask function for one step of the rows whose previous note ends at ``cursor`` (ticks)
        and that have ``count`` notes so far."""
        open_ = self.onsets[None] >= cursor[:, None, None]  # (B, n_bars, max_pos)
        note_ok = self.note_allowed(cursor, count)
        forced = None if self.forced is None else self.forced[np.minimum(count, len(self.forced) - 1)]
        later = None  # notes that must still fit after this one (fixed note count)
        if self.note_count is not None:
            later = np.maximum(self.note_count - count - 1, 0)
            open_ &= self.fit[None] >= (later + 1)[:, None, None]
            if self.earliest is not None and self.latest is not None:
                k = np.minimum(count, len(self.earliest) - 1)
                lb, ub = self.earliest[k], self.latest[k]
                paced = open_ & (self.onsets[None] >= lb[:, None, None]) & (self.onsets[None] <= ub[:, None, None])
                keep = paced.any(axis=(1, 2))
                open_ = np.where(keep[:, None, None], paced, open_)
        # free fills: END once the previous note sounds in the last selected bar (never an empty fill)
        end_ok = ~note_ok | ((count >= 1) & (cursor > self.last_bar_tick))

        def mask(stage: int, chosen: np.ndarray) -> np.ndarray:
            rows = len(cursor)
            m = np.zeros((rows, self.sizes[stage]), dtype=bool)
            if stage == KIND_S:
                m[:, NOTE] = note_ok
                # keep rhythm and a fixed count: END only after the last note
                m[:, END] = ~note_ok if forced is not None or later is not None else end_ok
                return m
            end = chosen[:, KIND_S] == END
            if forced is not None and stage in (BAR_S, POS_S, DUR_S):
                m[np.arange(rows), forced[:, stage - 1]] = True
            elif stage == BAR_S:
                m[:, self.b0:self.b0 + open_.shape[1]] = open_.any(axis=2)
            elif stage == POS_S:
                m[:] = open_[np.arange(rows), np.clip(chosen[:, BAR_S] - self.b0, 0, open_.shape[1] - 1)]
            elif stage == DUR_S:
                room = (self.end_tick - self.onset_ticks(chosen[:, BAR_S], chosen[:, POS_S])) // self.grid
                units = np.arange(self.sizes[DUR_S])
                m[:] = (units[None] >= 1) & (units[None] <= room[:, None])
                if later is not None:  # the notes still to come must fit after this one ends
                    ends = self.onset_ticks(chosen[:, BAR_S], chosen[:, POS_S])[:, None] + units[None] * self.grid
                    m &= self.fits_from(ends) >= later[:, None]
                    if self.earliest is not None and self.latest is not None:  # end inside the next note's
                        k = np.minimum(count + 1, len(self.earliest) - 1)  # pacing window: no forced rest,
                        lb, ub = self.earliest[k], self.latest[k]  # and no cramming after it
                        held = m & (((ends >= lb[:, None]) & (ends <= ub[:, None])) | (later[:, None] == 0))
                        m = np.where(held.any(axis=1, keepdims=True), held, m)
            else:
                m[:] = self.pitch_mask(self.onset_ticks(chosen[:, BAR_S], chosen[:, POS_S]))
            fixed = {BAR_S: self.end_bar, POS_S: self.end_pos}.get(stage, 0)
            m[end] = False
            m[end, fixed] = True
            return m

        return mask

    def fed_tokens(self, chosen: np.ndarray) -> np.ndarray:
        """Sampled NOTE tokens (B, 5) in cascade order -> model input rows (B, 7) with METER and KEY."""
        out = np.zeros((len(chosen), 7), dtype=np.int64)
        for stage, column in enumerate(CASCADE):
            out[:, column] = chosen[:, stage]
        out[:, METER] = self.meters[chosen[:, BAR_S]]
        ticks = self.onset_ticks(chosen[:, BAR_S], chosen[:, POS_S])
        out[:, KEY] = key_fields(self._keys, ticks)
        return out
