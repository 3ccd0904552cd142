"""Teacher-forced NLL of the notes already in some bars, under the model's inpainting prompt.

``MelodyEngine.score`` conditions each note on the notes before it only. ``score_blank`` scores
bars the way ``MelodyEngine.inpaint`` would regenerate them: part A is the same window around bars
first..last with one MASK in their place (``context.inpaint_prompt``: the same window choice and
the same cut of a note held into the bars), part B feeds START and then the true notes, and the
model is scored on every true note and on the END that closes the blank at its end boundary, as in
training (``tokens.glm``). Each true note is thus conditioned on the whole context on both sides
and on the true notes of the blank before it. Raw model probabilities: temperature 1, no
constraints. On a song with no notes after the bars this is the NLL of a continuation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from melodystudio.core import Song
from melodystudio.core.errors import MelodyStudioError
from melodystudio.core.progress import Job
from melodystudio.engine import context
from melodystudio.engine.decode import END_STAGES, score_tokens
from melodystudio.tokens.compound import BAR, END, KIND, POS

if TYPE_CHECKING:
    from melodystudio.engine.melody import MelodyEngine


@dataclass(frozen=True)
class BlankScore:
    """NLL in nats of the true content of song bars first_bar..last_bar (0-based, inclusive)."""

    first_bar: int
    last_bar: int
    notes: np.ndarray  # (n, 5) per true note, cascade order: kind, bar, pos, dur, pitch
    end: float  # the END closing the blank: its kind, bar and pos

    @property
    def total(self) -> float:
        """-ln p(exactly these notes and then nothing more in the bars)."""
        return float(self.notes.sum()) + self.end

    @property
    def tokens(self) -> int:
        return len(self.notes) + 1

    @property
    def mean_per_token(self) -> float:
        """Nats per token (each note and the END), as ``Variation.mean_nll`` counts them."""
        return self.total / self.tokens


def score_blank(engine: MelodyEngine, song: Song, first_bar: int, last_bar: int) -> Job[BlankScore]:
    """Score the notes that start in song bars first_bar..last_bar as an inpainting of those bars."""
    prompt = context.inpaint_prompt(song, first_bar, last_bar, engine.tokenizer, engine.limits)
    notes = prompt.original_tokens
    if len(notes) > engine.limits.max_notes:
        raise MelodyStudioError(f"bars {first_bar + 1}-{last_bar + 1} hold {len(notes)} notes; the model scores "
                                f"at most {engine.limits.max_notes} in one blank")
    end = np.zeros(7, dtype=np.int64)
    end[[KIND, BAR, POS]] = (END, *prompt.end_boundary)  # dur and pitch of an END take no loss
    nll = yield from score_tokens(engine.decoder(), engine.heads, prompt.part_a, prompt.mask_index,
                                  np.concatenate([notes, end[None]]), 0, len(notes) + 1)
    return BlankScore(first_bar, last_bar, nll[:-1], float(nll[-1, :END_STAGES].sum()))
