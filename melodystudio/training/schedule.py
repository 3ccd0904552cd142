"""The learning-rate schedule shared by the trainers: linear warm-up, then cosine decay.

The decay runs over the steps, or over a wall-clock budget when one is given (``time_frac``, the
share of it spent), whichever ends first: a GPU lease of fixed length then still ends its run at the
bottom of the schedule, and the step count it reached is logged so the run can be made by steps instead.
"""

from __future__ import annotations

import math


def warmup_cosine(step: int, *, lr: float, min_lr: float, warmup: int, steps: int, time_frac: float = 0.0) -> float:
    """Learning rate at ``step`` (0-based): ``lr * (step + 1) / warmup`` during warm-up, then a cosine
    from ``lr`` to ``min_lr`` over the remaining steps or the remaining time, whichever is further on."""
    if step < warmup:
        return lr * (step + 1) / warmup
    frac = min(1.0, max((step - warmup) / max(1, steps - warmup), time_frac))
    return min_lr + 0.5 * (lr - min_lr) * (1 + math.cos(math.pi * frac))
