"""Evaluation of melody models: n-gram baselines and melody metrics (numpy only, no Qt/torch).

Import the public names from here: ``from melodystudio.evaluation import KneserNey``.
"""

from melodystudio.evaluation.metrics import (
    PITCH_CLASS_BINS,
    BarSimilarity,
    bar_fit,
    bar_self_similarity,
    duration_histogram,
    duration_units,
    histogram_overlap,
    in_key_ratio,
    ioi_values,
    melody_distance_dtw,
    overlapping_area,
    pitch_class_histogram,
    pitch_classes,
    pitch_series,
)
from melodystudio.evaluation.ngram import (
    KneserNey,
    ShortTermMix,
    combine_by_entropy,
    estimate_discounts,
    sample_from,
)

__all__ = [
    "PITCH_CLASS_BINS",
    "BarSimilarity",
    "KneserNey",
    "ShortTermMix",
    "bar_fit",
    "bar_self_similarity",
    "combine_by_entropy",
    "duration_histogram",
    "duration_units",
    "estimate_discounts",
    "histogram_overlap",
    "in_key_ratio",
    "ioi_values",
    "melody_distance_dtw",
    "overlapping_area",
    "pitch_class_histogram",
    "pitch_classes",
    "pitch_series",
    "sample_from",
]
