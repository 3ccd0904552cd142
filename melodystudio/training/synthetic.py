"""Small synthetic-but-musical tunes (scales and arpeggios in random keys) for smoke tests and the
tiny config: enough structure that a model's loss visibly falls within a few dozen steps."""

from __future__ import annotations

import numpy as np

from melodystudio.tokens.compound import METERS, NOTE
from melodystudio.training.data import TuneSet

MAJOR = (0, 2, 4, 5, 7, 9, 11)
MINOR = (0, 2, 3, 5, 7, 8, 10)
# rhythms of one bar in grid units (quarter = 12), one table per meter
RHYTHMS = {
    "4/4": ((12, 12, 12, 12), (6,) * 8, (6, 6, 12, 12, 12), (24, 24), (12, 12, 24), (18, 6, 12, 12)),
    "3/4": ((12, 12, 12), (6,) * 6, (24, 12), (6, 6, 12, 12), (18, 6, 12)),
}
BAR_UNITS = {"4/4": 48, "3/4": 36}


def degree_pitch(degree: int, tonic: int, scale: tuple[int, ...]) -> int:
    """MIDI pitch of a scale degree (0 = tonic, may be negative or above 7)."""
    octave, step = divmod(degree, len(scale))
    return tonic + 12 * octave + scale[step]


def synthetic_tune(rng: np.random.Generator, n_bars: int | None = None) -> np.ndarray:
    """One tune (N, 7): per bar a rhythm, and either a scale run or an arpeggio up or down."""
    meter = str(rng.choice(list(RHYTHMS)))
    minor = bool(rng.random() < 0.3)
    tonic_pc = int(rng.integers(12))
    tonic = 60 + tonic_pc if tonic_pc < 6 else 48 + tonic_pc
    scale = MINOR if minor else MAJOR
    n_bars = n_bars or int(rng.integers(4, 9))
    rows, degree = [], 0
    for bar in range(n_bars):
        rhythm = RHYTHMS[meter][int(rng.integers(len(RHYTHMS[meter])))]
        step = int(rng.choice([1, 2])) * (1 if degree < 4 else -1) * int(rng.choice([1, 1, -1]))
        pos = 0
        for i, dur in enumerate(rhythm):
            if bar == n_bars - 1 and i == len(rhythm) - 1:
                degree = 0 if abs(degree) < 4 else 7 * (degree // 7)  # end on a tonic
            rows.append((NOTE, bar, pos, degree_pitch(degree, tonic, scale), dur, METERS.index(meter),
                         tonic_pc + 12 * minor))
            pos += dur
            if not -3 <= degree + step <= 9:
                step = -step  # turn round at the edges of the range
            degree += step
    return np.array(rows, dtype=np.int32)


def synthetic_set(n_tunes: int = 200, seed: int = 0, valid_fraction: float = 0.1) -> TuneSet:
    rng = np.random.default_rng(seed)
    tunes = [synthetic_tune(rng) for _ in range(n_tunes)]
    n_valid = max(1, int(n_tunes * valid_fraction))
    order = rng.permutation(n_tunes)
    return TuneSet.from_tunes(tunes, {"train": np.sort(order[n_valid:]), "valid": np.sort(order[:n_valid])})
