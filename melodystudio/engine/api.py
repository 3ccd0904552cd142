"""What the generation engine promises its callers (CLI, GUI jobs): requests, options, results.

The engine runs ONNX models with onnxruntime; this module holds only plain data so callers can
build requests without importing onnxruntime.
"""

from __future__ import annotations

from dataclasses import dataclass

from melodystudio.core import Note
from melodystudio.core.errors import MelodyStudioError

PROVIDER_CHOICES = ("auto", "cpu", "cuda")  # onnxruntime provider settings; auto = CUDA when available
PROVIDER_ENV = "MELODYSTUDIO_PROVIDER"  # decides what "auto" means (cli, scripts)
MODELS_ENV = "MELODYSTUDIO_MODELS"  # a model directory, or a folder holding melody/


# Auto pitch temperature of a lyric setting, as a share of the temperature (0.7 at the default 0.9).
# On 400 lyrics_melody validation songs (`eval lyrics --split valid --cases 400 --seed 2`) pitches at
# 0.7 gave DP 96.1 / DD 95.9 / DIOI 95.7 against 92.3 / 94.6 / 96.0 at 0.9 (stressed syllables on
# pitch peaks 19% vs 23%, human 24%); a cooler temperature for everything (0.7) costs rhythm instead
# (DD 88.8 on 100 songs). Runs of 100 songs differ by up to 4 DP points between seeds.
LYRIC_PITCH_RATIO = 7 / 9
# Top-p when it is left on auto: the nucleus cut keeps a fill's notes away from the model's unlikely
# tail; setting a lyric it is off (1.0): on the validation songs (all 427, seeds 0-2) it gave DP
# 97.3 / 98.2 / 97.9 and DD 97.2 / 95.8 / 96.7 against 95.6 / 95.8 / 95.6 and 95.2 / 96.5 / 95.3 at
# 0.95 (the cut makes every setting alike, so the set's spread falls short of the human one).
DEFAULT_TOP_P, LYRIC_TOP_P = 0.95, 1.0
# The breath after a lyric line when it is left on auto: the line's last note takes this many notes'
# time in the pacing of the syllables over the bars (1: every syllable alike). On 400 validation
# songs (`eval lyrics --split valid --cases 400 --seed 2 | 3 --phrase-breath 1 | 2`) it lengthens
# 52% / 54% of the line ends against 38% / 40% (human 55% / 57%), at some cost to SongGLM's duration
# similarity (DD 95.5 / 96.3 against 96.6 / 97.0; over three draws of seed 2, 96.05 against 96.54, with
# 96.33 at 1.5: tools/lyric_duration_study.py); 1.5 gave 45% and DD 96.0, 3 held the notes too long
# (DD 93.7).
PHRASE_BREATH = 2.0
MAX_PHRASE_BREATH = 8.0


@dataclass(frozen=True)
class GenerationOptions:
    variations: int = 4  # generated together as one batch
    temperature: float = 0.9
    # the pitch stage's own temperature; None: auto, the temperature itself, except when setting a lyric
    # (LYRIC_PITCH_RATIO x temperature: the lyric fixes the rhythm's frame, the pitches are best cooler)
    pitch_temperature: float | None = None
    top_p: float | None = None  # nucleus mass; None: auto, DEFAULT_TOP_P, or LYRIC_TOP_P setting a lyric
    seed: int | None = None  # None: a fresh random seed, reported back in each Variation
    key_lock: bool = False  # only pitches of the song's key at that point
    pitch_range: tuple[int, int] | None = None  # inclusive MIDI pitch bounds
    keep_rhythm: bool = False  # keep the existing onsets and durations, regenerate pitches only
    use_chords: bool = True  # a chord-conditioned model hears the song's chord track
    # setting a lyric: notes' worth of time a line's last note takes, with the breath before the next
    # line (1: every syllable alike); None: auto, PHRASE_BREATH
    phrase_breath: float | None = None

    def pitch_temperature_for(self, lyric: bool) -> float:
        """The pitch stage's temperature for a request (``lyric``: setting syllables)."""
        if self.pitch_temperature is not None:
            return self.pitch_temperature
        return max(0.05, round(self.temperature * LYRIC_PITCH_RATIO, 4)) if lyric else self.temperature

    def top_p_for(self, lyric: bool) -> float:
        """The nucleus mass for a request (``lyric``: setting syllables)."""
        if self.top_p is not None:
            return self.top_p
        return LYRIC_TOP_P if lyric else DEFAULT_TOP_P

    @property
    def phrase_breath_used(self) -> float:
        return PHRASE_BREATH if self.phrase_breath is None else self.phrase_breath

    def __post_init__(self) -> None:
        if not 1 <= self.variations <= 16:
            raise MelodyStudioError(f"variations must be 1-16, not {self.variations}")
        if not 0.05 <= self.temperature <= 3.0:
            raise MelodyStudioError(f"temperature must be 0.05-3.0, not {self.temperature}")
        if self.pitch_temperature is not None and not 0.05 <= self.pitch_temperature <= 3.0:
            raise MelodyStudioError(f"pitch temperature must be 0.05-3.0, not {self.pitch_temperature}")
        if self.top_p is not None and not 0.0 < self.top_p <= 1.0:
            raise MelodyStudioError(f"top-p must be in (0, 1], not {self.top_p}")
        if self.phrase_breath is not None and not 1.0 <= self.phrase_breath <= MAX_PHRASE_BREATH:
            raise MelodyStudioError(f"the breath after a line must be 1-{MAX_PHRASE_BREATH:g} notes, "
                                    f"not {self.phrase_breath}")
        if self.seed is not None and self.seed < 0:
            raise MelodyStudioError(f"the seed must be 0 or more, not {self.seed}")
        if self.pitch_range is not None:
            lo, hi = self.pitch_range
            if not 0 <= lo <= hi <= 127:
                raise MelodyStudioError(f"pitch range {lo}-{hi} is not within 0-127 low to high")


@dataclass(frozen=True)
class Variation:
    """One generated fill: notes in song ticks, all inside bars first_bar..last_bar (0-based)."""

    notes: tuple[Note, ...]
    first_bar: int
    last_bar: int
    seed: int  # this variation's own seed: options.seed + its index (rerun alone with variations=1)
    mean_nll: float  # nats per generated token (each note and the closing END) under the raw model
    # (temperature 1, no constraints); lower = more typical


@dataclass(frozen=True)
class NoteSurprisal:
    """How surprising one note is to the model, in bits, given the notes before it."""

    note: Note
    kind: float  # that a note comes at all (rather than the end)
    bar: float
    pos: float
    duration: float
    pitch: float

    @property
    def onset(self) -> float:
        """Bits for where the note starts: its bar and its position in the bar."""
        return self.bar + self.pos

    @property
    def total(self) -> float:
        return self.kind + self.bar + self.pos + self.duration + self.pitch


@dataclass(frozen=True)
class ScoreResult:
    """Per-note surprisal of a song, left to right (each note given all notes before it)."""

    notes: tuple[NoteSurprisal, ...]
    windows: int  # model windows the song was cut into (notes do not see earlier windows)

    def _mean(self, attribute: str) -> float:
        values = [getattr(n, attribute) for n in self.notes]
        return sum(values) / len(values) if values else 0.0

    @property
    def mean_pitch_bits(self) -> float:
        return self._mean("pitch")

    @property
    def mean_duration_bits(self) -> float:
        return self._mean("duration")

    @property
    def mean_onset_bits(self) -> float:
        return self._mean("onset")

    @property
    def mean_total_bits(self) -> float:
        return self._mean("total")
