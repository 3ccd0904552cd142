"""Drawing one compound token through the cascade heads: masks, temperature, top-p, per-row seeds.

Each stage (kind -> bar -> pos -> dur -> pitch) gets its logits from ``CascadeHeads.logits`` given
the values already drawn for that token, then the constraint mask (-inf outside it), then the
temperature, then top-p (the smallest set of most likely values holding ``top_p`` of the mass), then
one draw per row from that row's own ``numpy.random.Generator``, so a row's result does not depend
on the other rows in the batch. The NLL reported is the raw model's (temperature 1, no mask, no
top-p): how typical the chosen value is, not how likely the constrained sampler was to pick it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from melodystudio.tokens.heads import CASCADE, PITCH_STAGE, CascadeHeads, ChordLookup, Constraint


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
    p /= p.sum(axis=1, keepdims=True)
    order = np.argsort(-p, axis=1, kind="stable")  # most likely first
    sp = np.take_along_axis(p, order, axis=1)
    before = np.cumsum(sp, axis=1) - sp  # mass of the values ranked above each one
    sp = np.where(before < top_p, sp, 0.0)  # the first value always stays (before = 0)
    c = np.cumsum(sp, axis=1)
    k = (c <= (uniforms * c[:, -1])[:, None]).sum(axis=1)
    k = np.minimum(k, (sp > 0).sum(axis=1) - 1)  # rounding at the top end must not reach a dropped value
    return order[np.arange(len(k)), k]


def sample_token(heads: CascadeHeads, h: np.ndarray, allow: Constraint, rngs: Sequence[np.random.Generator],
                 temperature: float, top_p: float,
                 chord_at: ChordLookup | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Draw one token per row of h (B, d): chosen (B, 5) in cascade order and each stage's raw
    NLL (B, 5) in nats. ``allow(stage, chosen[:, :stage])`` returns a (B, size) mask or None;
    ``chord_at(chosen[:, :PITCH_STAGE])`` the CHORD values the pitch stage sees (chord models)."""
    rows = h.shape[0]
    chosen = np.zeros((rows, len(CASCADE)), dtype=np.int64)
    nll = np.zeros((rows, len(CASCADE)), dtype=np.float64)
    for stage in range(len(CASCADE)):
        chord = chord_at(chosen[:, :stage]) if chord_at is not None and stage == PITCH_STAGE else None
        logits = heads.logits(stage, h, chosen, chord).astype(np.float64)
        mask = allow(stage, chosen[:, :stage])
        uniforms = np.array([rng.random() for rng in rngs])  # drawn even when unused: rows stay independent
        if mask is not None and (mask.sum(axis=1) == 1).all():  # forced everywhere (END fields, kept rhythm)
            chosen[:, stage] = mask.argmax(axis=1)
        else:
            masked = logits if mask is None else np.where(mask, logits, -np.inf)
            chosen[:, stage] = nucleus_draw(masked, uniforms, temperature, top_p)
        nll[:, stage] = -log_softmax(logits)[np.arange(rows), chosen[:, stage]]
    return chosen, nll


def teacher_forced_nll(heads: CascadeHeads, h: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Raw NLL (B, 5) in nats of known tokens target (B, 5) (cascade order) given h (B, d)."""
    rows = np.arange(h.shape[0])
    return np.stack([-log_softmax(heads.logits(stage, h, target))[rows, target[:, stage]]
                     for stage in range(len(CASCADE))], axis=1)
