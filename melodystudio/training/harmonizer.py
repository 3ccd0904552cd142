"""The harmonizer: a melody encoder, per-segment pooling and a light head -> 121 chord logits.

    notes   tokens (B, T, 7), pos1 (B, T), lengths (B,)  -- GLM part A: BOS + notes (harmony.features)
    encoder MelodyGLM.hidden with a_len = lengths (bidirectional over each window's own tokens)
            -> h (B, T, d)
    pooling pool (B, S, T) @ h -> (B, S, d): duration-weighted mean of the notes sounding in each segment
    head    [pooled, cat embeddings (key, rule, slot, count), profile projection] -> Linear -> GELU
            -> bidirectional GRU over the segments -> Linear -> (B, S, 121) logits

Two encoders (``HarmonizerConfig.encoder``): "pretrained" loads the shipped melody model's
checkpoint (its encoder only; frozen, or its last ``tune_layers`` blocks trained), "scratch" builds
the same architecture with random weights and trains all of it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from melodystudio.core.chord_vocabulary import N_CHORD_CLASSES
from melodystudio.harmony.features import CAT_SIZES
from melodystudio.tokens.glm import IGNORE
from melodystudio.training.model import GLMConfig, MelodyGLM, glm_mask, load_checkpoint


@dataclass
class HarmonizerConfig:
    encoder: str = "pretrained"  # "pretrained" (checkpoint below) | "scratch" (random, same sizes as encoder_config)
    checkpoint: str = "runs/cpu_medium_long/best.pt"
    tune_layers: int = 0  # pretrained: how many of the last encoder blocks train (0 = frozen)
    hidden: int = 128  # head width; the GRU has this many units per direction
    gru_layers: int = 1
    cat_dim: int = 16  # per categorical feature
    profile_dim: int = 32
    dropout: float = 0.1
    encoder_config: dict[str, Any] = field(default_factory=dict)  # filled from the checkpoint, or for scratch

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @staticmethod
    def from_dict(data: dict[str, Any]) -> HarmonizerConfig:
        return HarmonizerConfig(**data)


class SegmentHead(nn.Module):
    def __init__(self, d_enc: int, cfg: HarmonizerConfig) -> None:
        super().__init__()
        self.cats = nn.ModuleList(nn.Embedding(n, cfg.cat_dim) for n in CAT_SIZES)
        self.profile = nn.Linear(12, cfg.profile_dim)
        self.inp = nn.Linear(d_enc + len(CAT_SIZES) * cfg.cat_dim + cfg.profile_dim, cfg.hidden)
        self.drop = nn.Dropout(cfg.dropout)
        self.gru = nn.GRU(cfg.hidden, cfg.hidden, num_layers=cfg.gru_layers, batch_first=True, bidirectional=True)
        self.out = nn.Linear(2 * cfg.hidden, N_CHORD_CLASSES)

    def forward(self, pooled: torch.Tensor, profile: torch.Tensor, cats: torch.Tensor,
                seg_lengths: torch.Tensor | None = None) -> torch.Tensor:
        """pooled (B, S, d), profile (B, S, 12), cats (B, S, 4) -> logits (B, S, 121).
        ``seg_lengths`` (B,): segments before padding (None: no padding, as in the exported graph)."""
        parts = [pooled, self.profile(profile)] + [emb(cats[..., i]) for i, emb in enumerate(self.cats)]
        x = self.drop(F.gelu(self.inp(torch.cat(parts, dim=-1))))  # (B, S, hidden)
        if seg_lengths is None:
            y, _ = self.gru(x)
        else:
            packed = pack_padded_sequence(x, seg_lengths.cpu(), batch_first=True, enforce_sorted=False)
            y, _ = pad_packed_sequence(self.gru(packed)[0], batch_first=True, total_length=x.shape[1])
        return self.out(self.drop(y))  # (B, S, 121)


class Harmonizer(nn.Module):
    def __init__(self, cfg: HarmonizerConfig, encoder: MelodyGLM) -> None:
        super().__init__()
        self.cfg = cfg
        self.encoder = encoder
        self.head = SegmentHead(encoder.cfg.d_model, cfg)
        self._trainable_encoder_params()

    @staticmethod
    def build(cfg: HarmonizerConfig) -> Harmonizer:
        """A new model: the pretrained encoder from ``cfg.checkpoint``, or a random one."""
        if cfg.encoder == "pretrained":
            encoder, _ = load_checkpoint(cfg.checkpoint)
            cfg.encoder_config = encoder.cfg.to_dict()
        elif cfg.encoder == "scratch":
            if not cfg.encoder_config:
                raise ValueError("a scratch encoder needs encoder_config (sizes)")
            encoder = MelodyGLM(GLMConfig.from_dict(cfg.encoder_config))
        else:
            raise ValueError(f"encoder must be 'pretrained' or 'scratch', not {cfg.encoder!r}")
        return Harmonizer(cfg, encoder)

    @staticmethod
    def from_state(cfg: HarmonizerConfig, state: dict[str, torch.Tensor]) -> Harmonizer:
        """Rebuild a trained model (no checkpoint file needed: the encoder sizes are in ``cfg``)."""
        model = Harmonizer(cfg, MelodyGLM(GLMConfig.from_dict(cfg.encoder_config)))
        model.load_state_dict(state)
        return model.eval()

    def _trainable_encoder_params(self) -> None:
        if self.cfg.encoder != "pretrained":
            return
        for p in self.encoder.parameters():
            p.requires_grad_(False)
        n = len(self.encoder.blocks)
        for block in list(self.encoder.blocks)[n - self.cfg.tune_layers:] if self.cfg.tune_layers else []:
            for p in block.parameters():
                p.requires_grad_(True)
        if self.cfg.tune_layers:
            for p in self.encoder.ln_f.parameters():
                p.requires_grad_(True)

    @property
    def encoder_frozen(self) -> bool:
        return self.cfg.encoder == "pretrained" and self.cfg.tune_layers == 0

    def train(self, mode: bool = True) -> Harmonizer:
        super().train(mode)
        if self.encoder_frozen:
            self.encoder.eval()  # a frozen encoder keeps its dropout off
        return self

    @property
    def _split(self) -> int:
        """Index of the first trained encoder block (blocks before it are frozen; len(blocks): none trains)."""
        n = len(self.encoder.blocks)
        return n - self.cfg.tune_layers if self.cfg.encoder == "pretrained" else 0

    def frozen_states(self, tokens: torch.Tensor, pos1: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """The frozen part of the encoder: embeddings and the blocks before ``_split`` (B, T, d); the whole
        encoder's output (after ln_f) when it is frozen. Training computes this once per window and caches it."""
        with torch.set_grad_enabled(torch.is_grad_enabled() and self._split == 0):
            x = self.encoder.embed(tokens, pos1, torch.zeros_like(pos1))
            mask = glm_mask(lengths, tokens.shape[1])  # each window attends to its own tokens only
            for block in list(self.encoder.blocks)[:self._split]:
                x, _, _ = block(x, mask)
            return self.encoder.ln_f(x) if self.encoder_frozen else x

    def trained_states(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """The rest of the encoder on ``frozen_states``: the trained blocks and ln_f -> h (B, T, d)."""
        if self.encoder_frozen:
            return x
        mask = glm_mask(lengths, x.shape[1])
        for block in list(self.encoder.blocks)[self._split:]:
            x, _, _ = block(x, mask)
        return self.encoder.ln_f(x)

    def forward(self, tokens: torch.Tensor, pos1: torch.Tensor, lengths: torch.Tensor, pool: torch.Tensor,
                profile: torch.Tensor, cats: torch.Tensor, seg_lengths: torch.Tensor | None = None,
                states: torch.Tensor | None = None) -> torch.Tensor:
        """tokens (B, T, 7), pos1 (B, T), lengths (B,), pool (B, S, T), profile (B, S, 12), cats (B, S, 4)
        -> chord logits (B, S, 121). ``states`` (B, T, d): ``frozen_states`` computed before (training
        caches them), used instead of running the frozen part of the encoder. The result equals
        ``encoder.hidden`` (GLM part A, bidirectional) followed by the head."""
        x = self.frozen_states(tokens, pos1, lengths) if states is None else states
        h = self.trained_states(x, lengths)  # (B, T, d)
        pooled = torch.bmm(pool, h)  # (B, S, d)
        return self.head(pooled, profile, cats, seg_lengths)

    def loss(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Mean cross-entropy over segments with a target (IGNORE: no chord annotated, or padding)."""
        return F.cross_entropy(logits.reshape(-1, N_CHORD_CLASSES).float(), target.reshape(-1), ignore_index=IGNORE)
