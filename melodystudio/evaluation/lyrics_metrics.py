"""Lyric-to-melody metrics: SongGLM's objective metrics and where stressed syllables fall.

SongGLM (Yu et al., AAAI 2025) compares a set of generated melodies with the human melodies of the
same lyrics. Its published figures come from its evaluation code (``metrics/metric.py`` of
NEXTLab-ZJU/SongGLM), which this module follows, quirks included, so that our figures compare:

- a feature per song: DA, notes per word (a count histogram of words sung on 1, 2, ..., 5 and 6 or
  more notes, not normalised); DP, pitch-class shares (12); DD, the share of notes whose duration is
  exactly each of ``DURATION_BINS`` (ticks at 480 per quarter: multiples of a 64th note up to a whole
  note plus five triplet values; other durations count in no bin); DIOI, the song's mean inter-onset
  interval (ticks, 0 for a single note).
- ``set_overlap`` (after Yang & Lerch 2018, "On the evaluation of generative models in music"): the
  Euclidean distances between every generated song's feature and every human song's (inter-set), and
  between every generated song's and every generated song's, itself included (intra-set; SongGLM
  does not leave the song itself out, so N zero distances are in it). Each distance set is smoothed by
  a Gaussian kernel density (Scott's bandwidth, as scipy's ``gaussian_kde``), and the figure is
  100 * integral of min(f_intra, f_inter) over the data's range [min, max] of both sets (tails beyond
  it are not counted, as in SongGLM's ``integrate.quad`` bounds). Percent; higher is closer.
- MD (melody distance, from SongMASS / TeleMelody): each melody spread into a pitch series with one
  value per ``MD_STEP_TICKS`` (10 ticks: the gcd of the duration bins; a note repeats its pitch
  floor(duration / step) times, rests take no frames), minus the series' mean pitch; dynamic time
  warping with |a - b| as the local cost and steps (1,1), (1,0), (0,1); the optimal path's total cost
  divided by the generated series' length; the mean over songs. Semitones; lower is closer.

Stress placement (our additions, computed per melody from per-note flags):

- strong beats: the bar line, plus the half bar when a bar holds an even number of four or more
  felt beats (4/4: beats 1 and 3; 12/8: the 1st and 3rd dotted quarter; 3/4, 2/4, 6/8: beat 1 only);
- melodic peaks, as SongGLM marks them for its harmonized n-grams: higher than the note before and at
  least as high as the note after (the first and last notes are never peaks).

Phrase ends (our additions; does a melody breathe and settle where the lyric's lines end?), for the
last note of every phrase that another phrase follows (the song's last note is left out: a setting
always ends there), next to the same figure over the other notes as the base rate:

- lengthened: the time to the next note's onset (the note plus any rest after it) is at least
  BREATH_RATIO times the melody's median inter-onset interval;
- stable: the note's pitch class is in the tonic triad of the song's key.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import reduce

import numpy as np

from melodystudio.core import PPQ, KeySignature, Note, Song
from melodystudio.core.timeline import Timeline
from melodystudio.evaluation.metrics import (
    _dtw_accumulated,
    _kde,
    _scott,
    ioi_values,
    pitch_class_histogram,
)

ALIGNMENT_MAX = 6  # words on 6 or more notes share the last bin
_SONGGLM_PPQ = 480  # SongGLM's tick unit; the bins are scaled when PPQ differs
DURATION_BINS = tuple(sorted({30 * i for i in range(1, 65)} | {40, 80, 160, 320, 640}))
MD_STEP_TICKS = reduce(math.gcd, DURATION_BINS)  # 10 ticks
BREATH_RATIO = 2.0  # a phrase end is lengthened when the next onset is this many median IOIs away
OA_GRID_POINTS = 2048
KDE_CELLS = 4_000_000  # float64 cells per slice of the density evaluation: 32 MB


# -- features of one song ------------------------------------------------------------------------
def word_ids(notes: Sequence[Note]) -> list[int | None]:
    """The word each note sings (None: no lyric), as ``Song.lyric_alignment`` derives it."""
    return [a[0] if a is not None else None for a in Song(notes=notes).lyric_alignment()]


def notes_per_word(words: Sequence[int | None]) -> np.ndarray:
    """DA's feature: how many words are sung on 1, 2, ..., ALIGNMENT_MAX or more notes: (6,) counts.
    ``words``: the word id of each note in order (None: a note without lyric, counted for no word)."""
    counts: dict[int, int] = {}
    for w in words:
        if w is not None:
            counts[w] = counts.get(w, 0) + 1
    histogram = np.zeros(ALIGNMENT_MAX)
    for n in counts.values():
        histogram[min(n, ALIGNMENT_MAX) - 1] += 1
    return histogram


def duration_shares(notes: Sequence[Note]) -> np.ndarray:
    """DD's feature: share of the notes whose duration is exactly each of DURATION_BINS: (69,)."""
    bins = [b * PPQ // _SONGGLM_PPQ for b in DURATION_BINS]
    index = {b: i for i, b in enumerate(bins)}
    shares = np.zeros(len(bins))
    for n in notes:
        if n.duration in index:
            shares[index[n.duration]] += 1
    return shares / len(notes) if notes else shares


def mean_ioi(notes: Sequence[Note]) -> float:
    """DIOI's feature: mean inter-onset interval in ticks (0.0 with fewer than two notes)."""
    iois = ioi_values(notes)
    return float(iois.mean()) if iois.size else 0.0


# -- set similarity ---------------------------------------------------------------------------------
def set_overlap(generated: np.ndarray, human: np.ndarray) -> float:
    """Yang & Lerch overlap (percent) of the intra-generated and generated-to-human distance
    distributions, as SongGLM computes it (module docstring). ``generated``: (N, F) or (N,) features,
    ``human``: (M, F) or (M,). Two sets whose distances are all one value score 100."""
    g = _rows(generated, "generated")
    h = _rows(human, "human")
    if g.shape[1] != h.shape[1]:
        raise ValueError(f"features differ in size: {g.shape[1]} generated, {h.shape[1]} human")
    inter = np.linalg.norm(g[:, None, :] - h[None, :, :], axis=-1).ravel()  # (N * M,)
    intra = np.linalg.norm(g[:, None, :] - g[None, :, :], axis=-1).ravel()  # (N * N,) with the zeros
    lo, hi = min(inter.min(), intra.min()), max(inter.max(), intra.max())
    if hi == lo:
        return 100.0
    x = np.linspace(lo, hi, OA_GRID_POINTS)
    overlap = np.minimum(_density(intra, x), _density(inter, x))
    return float(100.0 * np.sum((overlap[1:] + overlap[:-1]) / 2 * np.diff(x)))


def _density(values: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Gaussian KDE of ``values`` at ``x`` with Scott's bandwidth, a slice of the grid at a time so that
    the (grid, values) matrix stays near KDE_CELLS cells (many songs give N * N distances)."""
    bandwidth = _scott(values)
    step = max(1, KDE_CELLS // values.size)
    return np.concatenate([_kde(values, bandwidth, x[i:i + step]) for i in range(0, x.size, step)])


def _rows(values: np.ndarray, name: str) -> np.ndarray:
    arr = np.asarray(values, dtype=np.float64)
    arr = arr[:, None] if arr.ndim == 1 else arr
    if arr.ndim != 2 or arr.shape[0] == 0:
        raise ValueError(f"{name} needs at least one song's feature (shape {np.shape(values)})")
    return arr


def melody_distance(generated: Sequence[Note], human: Sequence[Note]) -> float:
    """MD of one generated melody against the human one (module docstring), in semitones."""
    step = MD_STEP_TICKS * PPQ // _SONGGLM_PPQ
    a = _frames(generated, step)
    b = _frames(human, step)
    if a.size == 0 or b.size == 0:
        raise ValueError("a melody without notes has no melody distance")
    cost = np.abs((b - b.mean())[:, None] - (a - a.mean())[None, :])  # (human frames, generated frames)
    return float(_dtw_accumulated(cost)[-1, -1] / a.size)


def _frames(notes: Sequence[Note], step: int) -> np.ndarray:
    """SongGLM's series: floor(duration / step) frames per note in onset order (``metrics.pitch_series``
    rounds and keeps at least one frame, so it differs for notes off the step grid): (T,)."""
    frames: list[float] = []
    for n in sorted(notes, key=lambda n: n.onset):
        frames += [float(n.pitch)] * (n.duration // step)
    return np.array(frames)


def set_figures(generated: Sequence[Sequence[Note]], human: Sequence[Sequence[Note]]) -> dict[str, float]:
    """DA, DP, DD, DIOI (percent): SongGLM's figures that compare the two sets as wholes, so the sets
    may differ in size and need not pair up (every note carrying its lyric, for DA's word ids)."""
    if not generated or not human:
        raise ValueError(f"{len(generated)} generated and {len(human)} human melodies: neither may be empty")

    def features(songs: Sequence[Sequence[Note]]) -> dict[str, np.ndarray]:
        return {"DA": np.stack([notes_per_word(word_ids(s)) for s in songs]),
                "DP": np.stack([pitch_class_histogram(s) for s in songs]),
                "DD": np.stack([duration_shares(s) for s in songs]),
                "DIOI": np.array([mean_ioi(s) for s in songs])}
    g, h = features(generated), features(human)
    return {name: set_overlap(g[name], h[name]) for name in g}


def songglm_figures(generated: Sequence[Sequence[Note]], human: Sequence[Sequence[Note]]) -> dict[str, float]:
    """DA, DP, DD, DIOI (percent) and MD (semitones) of paired melodies: generated[i] sets the same
    lyrics as human[i], every note carrying its lyric (for DA's word ids)."""
    if len(generated) != len(human) or not generated:
        raise ValueError(f"{len(generated)} generated and {len(human)} human melodies: they must pair up")
    out = set_figures(generated, human)
    out["MD"] = float(np.mean([melody_distance(a, b) for a, b in zip(generated, human)]))
    return out


# -- where stressed syllables fall ------------------------------------------------------------------
def on_strong_beats(notes: Sequence[Note], timeline: Timeline) -> list[bool]:
    """For each note: does it start exactly on a strong beat of its bar (``TimeSignature.metrical_level``
    0 or 1: the bar line, or the half bar of an even number of four or more felt beats)?"""
    out = []
    for n in notes:
        bar = timeline.bar_at(n.onset)
        out.append(timeline.signature_at_bar(bar).metrical_level(n.onset - timeline.bar_start(bar)) <= 1)
    return out


def melodic_peaks(notes: Sequence[Note]) -> list[bool]:
    """For each note of a melody in onset order: higher than the one before and at least as high as
    the next."""
    p = [n.pitch for n in notes]
    return [0 < i < len(p) - 1 and p[i] > p[i - 1] and p[i] >= p[i + 1] for i in range(len(p))]


def share_where(stressed: Sequence[bool], where: Sequence[bool]) -> float:
    """Share of the stressed notes that are also ``where`` (NaN when no note is stressed)."""
    if len(stressed) != len(where):
        raise ValueError(f"{len(stressed)} stress flags for {len(where)} notes")
    hits = [w for s, w in zip(stressed, where) if s]
    return sum(hits) / len(hits) if hits else math.nan


def stress_on_strong_beats(notes: Sequence[Note], stressed: Sequence[bool], timeline: Timeline) -> float:
    """Share of the stressed syllables' notes that start on a strong beat."""
    return share_where(stressed, on_strong_beats(notes, timeline))


def stress_on_peaks(notes: Sequence[Note], stressed: Sequence[bool]) -> float:
    """Share of the stressed syllables' notes that are melodic peaks."""
    return share_where(stressed, melodic_peaks(notes))


# -- phrase ends -----------------------------------------------------------------------------------
def interior_phrase_ends(phrases: Sequence[int]) -> list[bool]:
    """For each note, given the phrase id of its syllable: is it the last note of a phrase that
    another phrase follows?"""
    return [i + 1 < len(phrases) and phrases[i + 1] != phrases[i] for i in range(len(phrases))]


def lengthened(notes: Sequence[Note]) -> list[bool]:
    """For each note of a melody in onset order: is the next onset at least BREATH_RATIO median
    inter-onset intervals away (False for the last note, which has no next onset)?"""
    iois = np.diff([n.onset for n in notes])
    if not iois.size:
        return [False] * len(notes)
    threshold = BREATH_RATIO * float(np.median(iois))
    return [bool(gap >= threshold) for gap in iois] + [False]


def on_tonic_triad(notes: Sequence[Note], key: KeySignature) -> list[bool]:
    """For each note: is its pitch class the key's tonic, third or fifth?"""
    third = 4 if key.mode == "major" else 3
    triad = {key.tonic_pc, (key.tonic_pc + third) % 12, (key.tonic_pc + 7) % 12}
    return [n.pitch % 12 in triad for n in notes]
