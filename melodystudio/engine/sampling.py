"""Drawing one compound token through the cascade heads: masks, temperature, top-p, per-row seeds.

Each stage (kind -> bar -> pos -> dur -> pitch) gets its logits from ``CascadeHeads.logits`` given
the values already drawn for that token, then the constraint mask (-inf outside it), then the
temperature, then top-p (the smallest set of most likely values holding ``top_p`` of the mass), then
one draw per row from that row's own ``numpy.random.Generator``, so a row's result does not depend
on the other rows in the batch. The NLL reported is the raw model's (temperature 1, no mask, no
top-p): how typical the chosen value is, not how likely the constrained sampler was to pick it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from melodystudio.tokens.heads import BAR_STAGE, CASCADE, PITCH_STAGE, POS_STAGE, CascadeHeads, ChordLookup, Constraint

# pitch_prior(chosen) -> (B, pitch size) log-weights of each pitch given the earlier stages' values, or None
PitchPrior = Callable[[np.ndarray], np.ndarray | None]


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """(B, V) -> (B, V) natural-log probabilities, in float64."""
    z = logits.astype(np.float64)
    z = z - z.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


def nucleus_draw(logits: np.ndarray, uniforms: np.ndarray, temperature: float, top_p: float) -> np.ndarray:
    """One index per row of (B, V) logits (-inf = forbidden, at least one allowed per row), using
    the row's uniform number in [0, 1)."""
    z = logits.astype(np.float64) / temperature
    p = np.exp(z - z.max(axis=1, keepdims=True))
    order = np.argsort(-p, axis=1, kind="stable")  # most likely first
    rows = np.arange(len(p))[:, None]
    sp = p[rows, order]
    sp /= sp.sum(axis=1, keepdims=True)
    c = np.cumsum(sp, axis=1)
    sp = np.where(c - sp < top_p, sp, 0.0)  # c - sp: the mass ranked above each value; the first stays
    c = np.cumsum(sp, axis=1)
    k = (c <= (uniforms * c[:, -1])[:, None]).sum(axis=1)
    k = np.minimum(k, (sp > 0).sum(axis=1) - 1)  # rounding at the top end must not reach a dropped value
    return order[rows[:, 0], k]


def sample_token(heads: CascadeHeads, h: np.ndarray, allow: Constraint, rngs: Sequence[np.random.Generator],
                 temperature: float, top_p: float, chord_at: ChordLookup | None = None,
                 onset_prior: np.ndarray | None = None, pitch_temperature: float | None = None,
                 pitch_prior: PitchPrior | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Draw one token per row of h (B, d): chosen (B, 5) in cascade order and each stage's raw
    NLL (B, 5) in nats. ``allow(stage, chosen[:, :stage])`` returns a (B, size) mask or None;
    ``chord_at(chosen[:, :PITCH_STAGE])`` the CHORD values the pitch stage sees (chord models);
    ``onset_prior`` (B, bar size, pos size) log-weights multiplied into the model's distribution of
    the note's onset (``_bar_prior``), or None; ``pitch_temperature``: the pitch stage's own
    temperature (None: ``temperature``); ``pitch_prior(chosen[:, :PITCH_STAGE])`` (B, pitch size)
    log-weights added to the pitch logits, or None (``Rules.pitch_prior``)."""
    rows = h.shape[0]
    chosen = np.zeros((rows, len(CASCADE)), dtype=np.int64)
    nll = np.zeros((rows, len(CASCADE)), dtype=np.float64)
    first = heads.first_layer(h)  # every stage's first-layer product at once
    for stage in range(len(CASCADE)):
        chord = chord_at(chosen[:, :stage]) if chord_at is not None and stage == PITCH_STAGE else None
        raw = heads.logits(stage, h, chosen, chord, first).astype(np.float64)
        mask = allow(stage, chosen[:, :stage])
        logits = raw
        if onset_prior is not None and stage == BAR_STAGE:
            logits = raw + _bar_prior(heads, h, first, chosen, allow, onset_prior, mask)
        elif onset_prior is not None and stage == POS_STAGE:
            logits = raw + onset_prior[np.arange(rows), chosen[:, BAR_STAGE]]
        elif pitch_prior is not None and stage == PITCH_STAGE:
            weights = pitch_prior(chosen[:, :stage])
            logits = raw if weights is None else raw + weights
        uniforms = np.array([rng.random() for rng in rngs])  # drawn even when unused: rows stay independent
        if mask is not None and (mask.sum(axis=1) == 1).all():  # forced everywhere (END fields, kept rhythm)
            chosen[:, stage] = mask.argmax(axis=1)
        else:
            masked = logits if mask is None else np.where(mask, logits, -np.inf)
            hot = pitch_temperature if stage == PITCH_STAGE and pitch_temperature is not None else temperature
            chosen[:, stage] = nucleus_draw(masked, uniforms, hot, top_p)
        nll[:, stage] = chosen_nll(raw, chosen[:, stage])
    return chosen, nll


def chosen_nll(logits: np.ndarray, index: np.ndarray) -> np.ndarray:
    """-log softmax(logits)[row, index[row]] for (B, V) logits (float64): the full log-softmax
    reduced to the one value each row needs."""
    top = logits.max(axis=1)
    return top + np.log(np.exp(logits - top[:, None]).sum(axis=1)) - logits[np.arange(len(logits)), index]


def _bar_prior(heads: CascadeHeads, h: np.ndarray, first: np.ndarray, chosen: np.ndarray, allow: Constraint,
               prior: np.ndarray, bar_mask: np.ndarray | None) -> np.ndarray:
    """(B, bar size) log-weights of each bar: the log of the prior's expectation under the model's own
    (allowed) positions in that bar, log sum_pos P(pos | bar) exp(prior[bar, pos]). Added to the bar
    logits and followed by prior[bar] on the position logits, the onset (bar, pos) is drawn from
    P(bar) P(pos | bar) exp(prior) renormalised: the product of the model and the prior."""
    out = np.zeros(prior.shape[:2])
    candidates = np.flatnonzero(bar_mask.any(axis=0)) if bar_mask is not None else np.arange(prior.shape[1])
    for bar in candidates:
        if not prior[:, bar].any():
            continue
        trial = chosen.copy()
        trial[:, BAR_STAGE] = bar
        logits = heads.logits(POS_STAGE, h, trial, first=first)
        mask = allow(POS_STAGE, trial[:, :POS_STAGE])
        if mask is not None:
            logits = np.where(mask, logits, -np.inf)
        log_p = log_softmax(np.where(np.isfinite(logits).any(axis=1, keepdims=True), logits, 0.0))
        weighted = log_p + prior[:, bar]
        top = weighted.max(axis=1, keepdims=True)
        safe = np.where(np.isfinite(top), top, 0.0)
        out[:, bar] = (safe + np.log(np.exp(weighted - safe).sum(axis=1, keepdims=True)))[:, 0]
    return np.where(np.isfinite(out), out, 0.0)


def teacher_forced_nll(heads: CascadeHeads, h: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Raw NLL (B, 5) in nats of known tokens target (B, 5) (cascade order) given h (B, d)."""
    first = heads.first_layer(h)
    return np.stack([chosen_nll(heads.logits(stage, h, target, first=first).astype(np.float64), target[:, stage])
                     for stage in range(len(CASCADE))], axis=1)
