"""Hand-made tunes for the GLM tests; torch (when installed) kept to one thread on shared machines."""

from __future__ import annotations

import numpy as np
import pytest

from melodystudio.tokens.compound import NOTE

try:
    import torch

    torch.set_num_threads(1)
except ImportError:  # the numpy-only tests still run
    pass

FOUR_FOUR, G_MAJOR = 1, 7  # METERS index of 4/4; KEY of G major


def tune_of(notes: list[tuple[int, int, int, int]], meter: int = FOUR_FOUR, key: int = G_MAJOR) -> np.ndarray:
    """(bar, pos, pitch, dur) rows -> (N, 7) NOTE tokens."""
    return np.array([(NOTE, b, p, pitch, d, meter, key) for b, p, pitch, d in notes], dtype=np.int32)


@pytest.fixture
def tune() -> np.ndarray:
    """Five bars of 4/4 in G; bar 2 is empty (a held rest).

    index  0  1  2  3 | 4  5 | - | 6  7  8 | 9
    """
    return tune_of([
        (0, 0, 67, 12), (0, 12, 69, 12), (0, 24, 71, 12), (0, 36, 72, 12),
        (1, 0, 74, 24), (1, 24, 71, 24),
        (3, 0, 76, 12), (3, 12, 74, 12), (3, 24, 72, 24),
        (4, 0, 67, 48),
    ])
