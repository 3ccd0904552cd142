"""The decoding loops: N variations of one blank as one batch, and teacher-forced scoring.

Both are generators in the project's job style: they yield ``Progress`` after every model step and
return their result; ``close()`` at a yield stops them, and the KV cache is dropped on the way out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

import numpy as np

from melodystudio.core.progress import Job, Progress
from melodystudio.engine.constraints import BAR_S, DUR_S, KIND_S, POS_S, Rules
from melodystudio.engine.context import Prompt
from melodystudio.engine.request_conditions import RequestConditions
from melodystudio.engine.runtime import Decoder
from melodystudio.engine.sampling import sample_token, teacher_forced_nll
from melodystudio.tokens.compound import END, KIND, START
from melodystudio.tokens.heads import CASCADE, CascadeHeads

END_STAGES = 3  # an END is scored on kind, bar and pos only (dur and pitch mean nothing there)


@dataclass
class Sampled:
    """One row's result: its notes as cascade-order tokens and the NLL of everything it drew."""

    tokens: list[np.ndarray]  # (5,) each: kind, bar, pos, dur, pitch
    nll: float = 0.0  # nats: every stage of each note + kind/bar/pos of the closing END
    scored: int = 0  # tokens behind ``nll`` (notes + the END)

    @property
    def mean_nll(self) -> float:
        return self.nll / max(self.scored, 1)


def _part_a_positions(prompt: Prompt) -> tuple[np.ndarray, np.ndarray]:
    length = len(prompt.part_a)
    return np.arange(length, dtype=np.int64), np.zeros(length, dtype=np.int64)


def generate(decoder: Decoder, heads: CascadeHeads, prompt: Prompt, rules: Rules,
             rngs: Sequence[np.random.Generator], temperature: float, top_p: float,
             conds: RequestConditions | None = None, pitch_temperature: float | None = None) -> Job[list[Sampled]]:
    """Sample one blank per generator in ``rngs``, all rows in one batch; finished rows leave it.
    ``conds``: the request's chords / syllables for a conditioned model (None: nothing known);
    ``pitch_temperature``: the pitch stage's own temperature (None: ``temperature``)."""
    rows = len(rngs)
    results = [Sampled([]) for _ in range(rows)]
    active = np.arange(rows)  # original row of each batch row still decoding
    cursor = np.full(rows, prompt.start_tick, dtype=np.int64)  # end of each row's previous note, ticks
    count = np.zeros(rows, dtype=np.int64)
    span = max(prompt.end_tick - prompt.start_tick, 1)
    feed = np.repeat(prompt.start[None], rows, axis=0)
    feed_ticks = np.full(rows, prompt.start_tick, dtype=np.int64)  # onset of each active row's input
    chord_at = None if conds is None or conds.chords is None else \
        (lambda chosen: conds.chord_at(rules.onset_ticks(chosen[:, BAR_S], chosen[:, POS_S])))
    step = 0
    try:
        # an unconditioned request keeps the plain call (decoders that know no conditions still work)
        extra = {"cond": conds.part_a} if conds is not None else {}
        decoder.start(prompt.part_a, *_part_a_positions(prompt), batch=rows, **extra)
        while active.size:
            step += 1
            cond = (conds.step(feed_ticks, count[active]),) if conds is not None else ()
            h = decoder.step(feed, np.full(active.size, prompt.mask_index), np.full(active.size, step), *cond)
            allow = rules.allow(cursor[active], count[active])
            counts = count[active]
            chosen, nll = sample_token(heads, h, allow, [rngs[int(i)] for i in active], temperature, top_p,
                                       chord_at, rules.onset_prior(counts), pitch_temperature,
                                       partial(rules.pitch_prior, counts))
            ended = chosen[:, KIND_S] == END
            _record(results, active, chosen, nll, ended)
            notes = ~ended
            ticks = rules.onset_ticks(chosen[notes, BAR_S], chosen[notes, POS_S])
            feed_ticks = ticks
            cursor[active[notes]] = ticks + chosen[notes, DUR_S] * rules.grid
            count[active[notes]] += 1
            if ended.any():
                decoder.keep(np.flatnonzero(notes))
                active = active[notes]
            feed = rules.fed_tokens(chosen[notes])
            done = np.ones(rows)  # finished rows count as done, the others by how far they have written
            done[active] = (cursor[active] - prompt.start_tick) / span
            yield Progress(float(np.clip(done, 0.0, 1.0).mean()), f"generating: step {step}, {active.size} of "
                                                                  f"{rows} variations still writing")
    finally:
        decoder.close()
    return results


def _record(results: list[Sampled], active: np.ndarray, chosen: np.ndarray, nll: np.ndarray,
            ended: np.ndarray) -> None:
    """Add one step's tokens (B, 5) and NLLs (B, 5) to the results of the rows ``active`` (B,)."""
    for j, row in enumerate(active):
        result = results[row]
        result.nll += float(nll[j, :END_STAGES].sum() if ended[j] else nll[j].sum())
        result.scored += 1
        if not ended[j]:
            result.tokens.append(chosen[j])


def score_tokens(decoder: Decoder, heads: CascadeHeads, part_a: np.ndarray, mask_index: int,
                 notes: np.ndarray, done: int, total: int, already: int = 0) -> Job[np.ndarray]:
    """Raw NLL (n, 5) in nats, cascade order, of NOTE tokens notes (n, 7) following part A, each
    conditioned on part A and the notes before it; ``done``/``total`` place the progress, in which
    the first ``already`` notes (scored before, decoded again as context) do not count."""
    start = part_a[mask_index].copy()
    start[KIND] = START
    inputs = np.concatenate([start[None], notes[:-1]])  # token t predicts notes[t]
    target = notes[:, list(CASCADE)]
    out = np.zeros((len(notes), len(CASCADE)), dtype=np.float64)
    try:
        decoder.start(part_a, np.arange(len(part_a)), np.zeros(len(part_a), dtype=np.int64), batch=1)
        for t in range(len(notes)):
            h = decoder.step(inputs[t:t + 1], np.array([mask_index]), np.array([t + 1]))
            out[t] = teacher_forced_nll(heads, h, target[t:t + 1])[0]
            if t >= already:
                scored = done + t + 1 - already
                yield Progress(scored / max(total, 1), f"scoring note {scored} of {total}")
    finally:
        decoder.close()
    return out
