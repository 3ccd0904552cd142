"""Section 1 of ``melodystudio eval``: per-note NLL of the test tunes, the model against pitch n-grams.

The model's figures come from ``MelodyEngine.score``; the n-gram's and the short-term mix's from
``evaluation.ngram`` over the same notes. What each prediction is conditioned on is written into
the report (``CONDITIONING``), because the model's pitch is predicted knowing more than a pitch
n-gram knows.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from melodystudio.cli.eval_common import LN2, nll_figures
from melodystudio.cli.eval_data import TestTune
from melodystudio.core.progress import Job, Progress, within
from melodystudio.engine.melody import MelodyEngine
from melodystudio.evaluation import KneserNey, ShortTermMix

ATTRIBUTES = ("kind", "onset", "duration", "pitch", "total")  # NoteSurprisal fields, in bits

CONDITIONING = {
    "model_note": "each note given all previous notes of the tune only (their bar, position, duration, pitch; "
                  "meter and key ride on every token) and nothing after it; the note's NLL is the sum of its "
                  "kind (a note rather than the end), onset (bar + position), duration and pitch NLLs; the end of "
                  "the tune itself is not scored. A tune longer "
                  "than one model window goes on in windows that continue it: each later window's prompt (part A) "
                  "holds the whole bars of up to half a window of the notes before, so no note is scored from a "
                  "cold start (engine.context.score_windows).",
    "model_pitch": "the pitch given all previous notes AND this note's own onset and duration: the model predicts "
                   "a note attribute by attribute in the cascade order kind -> bar -> pos -> dur -> pitch, so "
                   "when it predicts the pitch it already knows when the note starts and how long it lasts. A "
                   "pitch-only model (the n-grams here, IDyOM) predicts the pitch without that, so the model's "
                   "pitch perplexity is lower than a pitch-only model's would be by what a note's rhythm tells "
                   "about its pitch; compare the note NLL for a like-for-like total.",
    "ngram": "the pitch given the previous order-1 pitches of the tune (tune start padded): interpolated "
             "modified Kneser-Ney over MIDI pitches, no transposition, trained on the TRAIN split only.",
    "short_term_mix": "the n-gram above (long-term model) combined note by note with a Kneser-Ney model of the "
                      "same order trained on the earlier notes of this tune only (IDyOM-style: entropy-weighted "
                      "geometric mean, bias 7).",
}


def nll_section(engine: MelodyEngine, tunes: list[TestTune], ngram: KneserNey) -> Job[dict[str, Any]]:
    """Score every tune with the model (bits per attribute per note) and both pitch n-grams (nats)."""
    model_bits: list[tuple[float, ...]] = []
    ngram_nats: list[float] = []
    mix_nats: list[float] = []
    windows = cut = 0
    mix = ShortTermMix(ngram)
    for i, tune in enumerate(tunes):
        label = f"scoring the test tunes: tune {i + 1} of {len(tunes)}"
        result = yield from within(engine.score(tune.song), i / len(tunes), (i + 0.8) / len(tunes), label)
        model_bits += [(s.kind, s.onset, s.duration, s.pitch, s.total) for s in result.notes]
        windows += result.windows
        cut += result.windows > 1
        pitches = [n.pitch for n in tune.song.notes]
        ngram_nats += ngram.nll(pitches).tolist()
        mix_nats += mix.nll(pitches).tolist()
        yield Progress((i + 1) / len(tunes), label)
    return summary(np.array(model_bits).reshape(-1, len(ATTRIBUTES)) * LN2, np.array(ngram_nats),
                   np.array(mix_nats), len(tunes), windows, cut, ngram.order)


def summary(model_nats: np.ndarray, ngram_nats: np.ndarray, mix_nats: np.ndarray, tunes: int, windows: int,
            cut: int, order: int) -> dict[str, Any]:
    """model_nats (N, 5) per note in ATTRIBUTES order; ngram_nats, mix_nats (N,) pitch NLLs."""
    means = model_nats.mean(axis=0) if len(model_nats) else np.full(len(ATTRIBUTES), np.nan)
    attributes = {name: nll_figures(float(m)) for name, m in zip(ATTRIBUTES, means)}
    return {
        "tunes": tunes, "notes": len(model_nats), "model_windows": windows, "tunes_cut_into_windows": cut,
        "model": {"note": attributes.pop("total"), "attributes": attributes,
                  "pitch_perplexity": attributes["pitch"]["perplexity"]},
        "ngram": {"order": order, "pitch": nll_figures(_mean(ngram_nats)),
                  "pitch_perplexity": nll_figures(_mean(ngram_nats))["perplexity"]},
        "short_term_mix": {"order": order, "pitch": nll_figures(_mean(mix_nats)),
                           "pitch_perplexity": nll_figures(_mean(mix_nats))["perplexity"]},
        "conditioning": CONDITIONING,
    }


def _mean(values: np.ndarray) -> float | None:
    return float(values.mean()) if len(values) else None
