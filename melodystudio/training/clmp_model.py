"""CLMP: contrastive text-melody projections over frozen encoders.

    melody:  MelodyGLM encoder (frozen) -> mean over note positions (B, d_model) -> MelodyProjection -> (B, D)
    text:    MiniLM sentence embedding (frozen, (B, 384), unit length)      -> TextProjection   -> (B, D)

Both outputs are L2-normalised; the loss is CLIP's symmetric InfoNCE over a batch of (melody,
caption) pairs with a learned temperature (``logit_scale`` = log 1/T, clamped at log 100).
The frozen encoders run once to cache features (``PooledEncoder``), so training touches only the
two small projections.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from melodystudio.training.model import MelodyGLM

MAX_LOGIT_SCALE = math.log(100.0)


@dataclass
class ClmpConfig:
    melody_dim: int = 192  # the melody model's d_model
    text_dim: int = 384  # MiniLM
    hidden: int = 256  # projection MLP width
    joint_dim: int = 128  # the shared space
    dropout: float = 0.1
    init_temperature: float = 0.07

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class Projection(nn.Module):
    """LayerNorm -> Linear -> GELU -> Dropout -> Linear, plus a linear skip; output unit length."""

    def __init__(self, d_in: int, hidden: int, d_out: int, dropout: float) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(d_in)
        self.fc, self.out, self.skip = nn.Linear(d_in, hidden), nn.Linear(hidden, d_out), nn.Linear(d_in, d_out)
        self.drop = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.norm(x)
        y = self.out(self.drop(F.gelu(self.fc(x)))) + self.skip(x)
        return F.normalize(y, dim=-1)


class Clmp(nn.Module):
    def __init__(self, cfg: ClmpConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.melody = Projection(cfg.melody_dim, cfg.hidden, cfg.joint_dim, cfg.dropout)
        self.text = Projection(cfg.text_dim, cfg.hidden, cfg.joint_dim, cfg.dropout)
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1 / cfg.init_temperature)))

    def loss(self, melody_features: torch.Tensor, text_features: torch.Tensor) -> torch.Tensor:
        """Symmetric InfoNCE: row i of each is a matching pair, every other row a negative."""
        m, t = self.melody(melody_features), self.text(text_features)  # (B, D) each
        logits = self.logit_scale.clamp(max=MAX_LOGIT_SCALE).exp() * m @ t.T  # (B, B)
        labels = torch.arange(len(m), device=m.device)
        return (F.cross_entropy(logits, labels) + F.cross_entropy(logits.T, labels)) / 2


class PooledEncoder(nn.Module):
    """The melody model's part-A encoder over (BOS + notes), mean-pooled over the notes.

    tokens (B, T, 7) int64, mask (B, T) float (1 = real) -> (B, d_model). BOS (position 0) is
    attended to but not pooled; padding is neither.
    """

    def __init__(self, glm: MelodyGLM) -> None:
        super().__init__()
        self.glm = glm

    def forward(self, tokens: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        t = tokens.shape[1]
        pos1 = torch.arange(t, device=tokens.device).unsqueeze(0).expand(tokens.shape[0], t)  # (B, T)
        x = self.glm.embed(tokens, pos1, torch.zeros_like(pos1))
        attend = (mask > 0.5)[:, None, None, :]  # (B, 1, 1, T): every query sees every real token
        for block in self.glm.blocks:
            x, _, _ = block(x, attend)
        h = self.glm.ln_f(x)  # (B, T, d)
        notes = mask.clone()
        notes[:, 0] = 0.0
        return (h * notes.unsqueeze(-1)).sum(1) / notes.sum(1, keepdim=True).clamp(min=1.0)


class MelodyEmbedGraph(nn.Module):
    """Exported as melody_embed.onnx: PooledEncoder -> melody projection."""

    def __init__(self, encoder: PooledEncoder, projection: Projection) -> None:
        super().__init__()
        self.encoder, self.projection = encoder, projection

    def forward(self, tokens: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.projection(self.encoder(tokens, mask))
