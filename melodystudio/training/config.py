"""Training configuration: one typed dataclass tree, read from TOML (defaults live here only).

    python -m melodystudio.training.train --config melodystudio/training/configs/tiny.toml

Top-level keys fill ``TrainConfig``; the tables ``[tasks]``, ``[model]`` and ``[conditioning]`` fill
``TaskMix``, ``ModelSettings`` and ``Conditioning``. Unknown keys are errors (a typo must not silently
train the wrong model).
"""

from __future__ import annotations

import tomllib
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from melodystudio.tokens import TokenizerConfig
from melodystudio.training.model import GLMConfig


@dataclass
class TaskMix:
    """Relative weight of each blanking task in the training examples."""

    ngram: float = 0.4  # MelodyGLM melodic n-gram blanking (~15% of notes)
    long_span: float = 0.2  # ~50% of notes in 1-3 long spans
    inpaint: float = 0.2  # all notes of 1-4 consecutive bars (may be empty)
    continuation: float = 0.2  # everything from a bar to the end
    lyrics: float = 0.0  # the bars of 1-3 lyric phrases (or the window) with every syllable given; inpaint
    # where a tune has no lyrics
    lyric_ngram: float = 0.0  # SongGLM word level: ~15% of sung notes as word n-grams, those whose stress meets
    # a pitch peak, strong beat or long note first (tokens.lyric_ngrams); melodic n-grams where no lyrics
    generate: float = 0.0  # the whole window from nothing (free generation: every note given only the notes
    # before it, the case `melodystudio eval` scores; continuation reaches it only from bar 0)

    def weights(self) -> dict[str, float]:
        return asdict(self)


@dataclass
class ModelSettings:
    d_model: int = 256
    n_layers: int = 6
    n_heads: int = 4
    dropout: float = 0.1
    mlp_ratio: int = 4
    max_pos1: int = 320  # must exceed max_notes + 1 (BOS, and a MASK for an empty blank)
    max_pos2: int = 320  # must exceed max_notes (START + the longest blank)
    conditions: bool = False  # chord and lyric condition embeddings (tokens/conditions.py)

    def glm_config(self, tokenizer: TokenizerConfig) -> GLMConfig:
        return GLMConfig.from_tokenizer(tokenizer, **asdict(self))


@dataclass
class Conditioning:
    """The conditioned tune set (chords, lyrics) mixed into training, and condition dropout."""

    data: str = ""  # tune set with 'cond' (python -m melodystudio.corpus.conditioned); "" = none
    share: float = 0.5  # share of training examples drawn from it; the rest come from ``data``
    pop909: float = 0.4  # relative weights of its sources
    lyrics_melody: float = 0.4
    openewld: float = 0.2
    drop_chords: float = 0.3  # per example: hide the chords
    drop_lyrics: float = 0.3  # per example outside the lyrics task: hide every lyric column
    drop_text: float = 0.2  # per example: hide the syllable text only
    drop_context_lyrics: float = 0.5  # lyrics task: hide the lyrics of part A (the context)
    lr_scale: float = 1.0  # learning rate of the condition weights (they start at zero) / the model's
    tasks: dict[str, float] = field(default_factory=dict)  # [conditioning.tasks]: task weights that differ
    # on this set (e.g. generate = 0: free generation taught on the plain tunes only); the rest as [tasks]

    def task_weights(self, base: TaskMix) -> dict[str, float]:
        """The task mix of the conditioned set: ``base`` with this set's own weights over it."""
        return {**base.weights(), **self.tasks}

    def source_weights(self) -> dict[str, float]:
        return {"pop909": self.pop909, "lyrics_melody": self.lyrics_melody, "openewld": self.openewld}


@dataclass
class TrainConfig:
    data: str = "synthetic"  # .npz tune set (training/data.py), or "synthetic" (scales/arpeggios, smoke tests)
    lexicon: str = ""  # lexicon .json (python -m melodystudio.training.lexicon); "" = build from train split
    out_dir: str = "runs/glm"  # checkpoints (last.pt, best.pt) and train.log
    seed: int = 0
    device: str = "auto"  # auto = cuda if available, else cpu
    bf16: bool = True  # bf16 autocast on CUDA (ignored on CPU)
    steps: int = 20000
    minutes: float = 0.0  # wall-clock budget of the training loop (0 = none): the run stops, and the cosine
    # schedule ends, at the steps or at the budget, whichever comes first (a GPU lease is counted in minutes)
    batch_size: int = 64  # examples per step per GPU
    lr: float = 1e-3  # peak, after linear warmup
    min_lr: float = 1e-4  # end of the cosine decay
    warmup_steps: int = 500
    weight_decay: float = 0.1  # on matrices and embeddings, not biases / LayerNorms
    beta2: float = 0.99
    grad_clip: float = 1.0
    log_interval: int = 50  # steps
    eval_interval: int = 1000  # steps; also evaluates after the last step
    eval_batches: int = 20  # fixed validation batches per evaluation
    transpose: bool = True  # random shift of -5..+6 semitones per example (KEY follows)
    max_notes: int = 256  # notes per training window (whole bars)
    num_workers: int = 0  # data-loader processes building examples (0 = in the training process)
    threads: int = 0  # torch intra-op threads (0 = torch's default); 1 on a shared 2-core machine, where a
    # second thread spinning against other jobs made a CPU step 3.9x slower (1.7 s vs 6.6 s, batch 32)
    init_from: str = ""  # checkpoint to fine-tune from (same sizes; condition embeddings may be new)
    tasks: TaskMix = field(default_factory=TaskMix)
    model: ModelSettings = field(default_factory=ModelSettings)
    conditioning: Conditioning = field(default_factory=Conditioning)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def check(self) -> None:
        m = self.model
        if self.max_notes + 2 > m.max_pos1 or self.max_notes + 1 > m.max_pos2:
            raise ValueError(f"max_notes {self.max_notes} needs max_pos1 >= {self.max_notes + 2} and "
                             f"max_pos2 >= {self.max_notes + 1}")
        if m.d_model % m.n_heads:
            raise ValueError(f"d_model {m.d_model} is not a multiple of n_heads {m.n_heads}")
        if self.steps < 1 or self.batch_size < 1:
            raise ValueError("steps and batch_size must be positive")
        if self.minutes < 0:
            raise ValueError("minutes must be 0 (no budget) or positive")
        known = sorted(self.tasks.weights())
        unknown = sorted(set(self.conditioning.tasks) - set(known))
        if unknown:
            raise ValueError(f"[conditioning.tasks]: unknown task(s) {unknown}; tasks are {known}")
        if self.conditioning.data and not m.conditions:
            raise ValueError("[conditioning] data needs a model with conditions ([model] conditions = true)")


def _build(cls: type, data: dict[str, Any], where: str) -> Any:
    names = {f.name for f in fields(cls)}
    unknown = sorted(set(data) - names)
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {unknown}; known: {sorted(names)}")
    return cls(**data)


def config_from_dict(data: dict[str, Any], where: str = "config") -> TrainConfig:
    data = dict(data)
    tasks = _build(TaskMix, data.pop("tasks", {}), f"{where} [tasks]")
    model = _build(ModelSettings, data.pop("model", {}), f"{where} [model]")
    conditioning = _build(Conditioning, data.pop("conditioning", {}), f"{where} [conditioning]")
    cfg: TrainConfig = _build(TrainConfig, {**data, "tasks": tasks, "model": model, "conditioning": conditioning},
                              where)
    cfg.check()
    return cfg


def load_config(path: str | Path) -> TrainConfig:
    with open(path, "rb") as f:
        return config_from_dict(tomllib.load(f), str(path))
