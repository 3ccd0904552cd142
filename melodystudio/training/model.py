"""MelodyGLM-style transformer over compound note tokens, with cascaded attribute heads.

Input embedding = sum of one embedding per token field + learned pos1 and pos2 embeddings (the
GLM two-dimensional positions, see ``glm.py``). Pre-LayerNorm blocks attend with the GLM mask (part
A bidirectional, part B causal over A + B). Heads predict the target token attribute by attribute
(kind -> bar -> pos -> dur -> pitch), each one seeing the earlier attributes of that same token, so
inference can constrain every stage (``melodystudio.tokens.heads`` is the numpy twin).

Conditions (``tokens/conditions.py``): a model built with ``cond_sizes`` adds one embedding per
condition column to the input and, at the cascade's pitch stage, an embedding of the target note's
chord. All of them start at zero and keep row 0 ('unknown') at zero, so a conditioned model
fine-tuned from an unconditioned checkpoint starts as exactly that model, and all-zero conditions
stay the unconditioned case.

Inference in two graphs (exported by ``export.py``): ``encode`` part A into per-layer K/V, then
``step`` one part-B token at a time against the growing cache. KV cache layout:
(B, 2 * n_layers, n_heads, T, head_dim), K of layer l at 2l and V at 2l + 1.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, cast

import torch
import torch.nn.functional as F
from torch import nn

from melodystudio.tokens import TokenizerConfig
from melodystudio.tokens.conditions import CHORD, COND_SIZES, N_PRIOR, chord_prior_index
from melodystudio.tokens.glm import IGNORE
from melodystudio.tokens.heads import CASCADE, CASCADE_NAMES


@dataclass
class GLMConfig:
    d_model: int = 256  # width of the residual stream
    n_layers: int = 6
    n_heads: int = 4  # head_dim = d_model // n_heads
    dropout: float = 0.1  # on embeddings, attention weights and residual branches
    mlp_ratio: int = 4  # hidden width of the block MLP / d_model
    max_pos1: int = 320  # pos1 values 0..max_pos1-1: BOS + notes + MASKs of part A
    max_pos2: int = 320  # pos2 values 0..max_pos2-1: 1 + notes of the longest blank
    field_sizes: tuple[int, ...] = TokenizerConfig().sizes()  # vocabulary of each token column
    tokenizer: dict[str, int] = field(default_factory=lambda: TokenizerConfig().to_dict())
    cond_sizes: tuple[int, ...] = ()  # vocabulary of each condition column; () = unconditioned model

    @staticmethod
    def from_tokenizer(tok: TokenizerConfig, conditions: bool = False, **kwargs: Any) -> GLMConfig:
        return GLMConfig(field_sizes=tok.sizes(), tokenizer=tok.to_dict(),
                         cond_sizes=COND_SIZES if conditions else (), **kwargs)

    @property
    def conditioned(self) -> bool:
        return bool(self.cond_sizes)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @staticmethod
    def from_dict(data: dict[str, Any]) -> GLMConfig:
        return GLMConfig(**{**data, "field_sizes": tuple(data["field_sizes"]),
                            "cond_sizes": tuple(data.get("cond_sizes", ()))})


def glm_mask(a_len: torch.Tensor, t: int) -> torch.Tensor:
    """(B,) part-A lengths -> (B, 1, T, T) bool, True where query i may attend to key j."""
    i = torch.arange(t, device=a_len.device)[:, None]  # (T, 1) queries
    j = torch.arange(t, device=a_len.device)[None, :]  # (1, T) keys
    a = a_len[:, None, None]  # (B, 1, 1)
    return ((j < a) | ((j <= i) & (i >= a)))[:, None]


class TokenEmbedding(nn.Module):
    """Sum of per-field embeddings, the pos1 / pos2 embeddings and per-condition embeddings."""

    def __init__(self, cfg: GLMConfig) -> None:
        super().__init__()
        self.fields = nn.ModuleList(nn.Embedding(n, cfg.d_model) for n in cfg.field_sizes)
        self.pos1 = nn.Embedding(cfg.max_pos1, cfg.d_model)
        self.pos2 = nn.Embedding(cfg.max_pos2, cfg.d_model)
        self.conds = nn.ModuleList(nn.Embedding(n, cfg.d_model, padding_idx=0) for n in cfg.cond_sizes)
        self.drop = nn.Dropout(cfg.dropout)

    def forward(self, tokens: torch.Tensor, pos1: torch.Tensor, pos2: torch.Tensor,
                cond: torch.Tensor | None = None) -> torch.Tensor:
        """tokens (B, T, 7), pos1 / pos2 (B, T), cond (B, T, C) or None (nothing known) -> (B, T, d)."""
        x = self.pos1(pos1) + self.pos2(pos2)  # (B, T, d)
        for f, emb in enumerate(self.fields):
            x = x + emb(tokens[..., f])
        if cond is not None:
            for c, emb in enumerate(self.conds):
                x = x + emb(cond[..., c])
        return self.drop(x)


class SelfAttention(nn.Module):
    def __init__(self, cfg: GLMConfig) -> None:
        super().__init__()
        assert cfg.d_model % cfg.n_heads == 0
        self.n_heads, self.dropout = cfg.n_heads, cfg.dropout
        self.qkv = nn.Linear(cfg.d_model, 3 * cfg.d_model)
        self.proj = nn.Linear(cfg.d_model, cfg.d_model)
        self.resid_drop = nn.Dropout(cfg.dropout)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None,
                past: tuple[torch.Tensor, torch.Tensor] | None = None
                ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """x (B, T, d); mask (B, 1, T, T + past) or None = attend to everything (encode, step);
        past K/V (B, nh, P, hs) each. Returns y (B, T, d) and this layer's K/V (B, nh, P + T, hs)."""
        b, t, d = x.shape
        q, k, v = self.qkv(x).split(d, dim=2)
        q, k, v = (z.view(b, t, self.n_heads, d // self.n_heads).transpose(1, 2) for z in (q, k, v))  # (B, nh, T, hs)
        if past is not None:
            k, v = torch.cat([past[0], k], dim=2), torch.cat([past[1], v], dim=2)
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask,
                                           dropout_p=self.dropout if self.training else 0.0)
        y = y.transpose(1, 2).reshape(b, t, d)
        return self.resid_drop(self.proj(y)), k, v


class MLP(nn.Module):
    def __init__(self, cfg: GLMConfig) -> None:
        super().__init__()
        self.fc = nn.Linear(cfg.d_model, cfg.mlp_ratio * cfg.d_model)
        self.proj = nn.Linear(cfg.mlp_ratio * cfg.d_model, cfg.d_model)
        self.drop = nn.Dropout(cfg.dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.drop(self.proj(F.gelu(self.fc(x), approximate="tanh")))


class Block(nn.Module):
    def __init__(self, cfg: GLMConfig) -> None:
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(cfg.d_model), nn.LayerNorm(cfg.d_model)
        self.attn, self.mlp = SelfAttention(cfg), MLP(cfg)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None,
                past: tuple[torch.Tensor, torch.Tensor] | None = None
                ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        y, k, v = self.attn(self.ln1(x), mask, past)
        x = x + y
        return x + self.mlp(self.ln2(x)), k, v


class HeadMLP(nn.Module):
    """Linear-GELU-Linear from (h + earlier-attribute embeddings) to one attribute's logits."""

    def __init__(self, d: int, size: int) -> None:
        super().__init__()
        self.fc, self.out = nn.Linear(d, d), nn.Linear(d, size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(F.gelu(self.fc(x), approximate="tanh"))


class CascadeHeads(nn.Module):
    """Heads in CASCADE order; stage k sees h + embeddings of the target's attributes 0..k-1."""

    def __init__(self, cfg: GLMConfig) -> None:
        super().__init__()
        sizes = [cfg.field_sizes[f] for f in CASCADE]
        self.emb = nn.ModuleList(nn.Embedding(n, cfg.d_model) for n in sizes[:-1])
        self.heads = nn.ModuleList(HeadMLP(cfg.d_model, n) for n in sizes)
        # the pitch stage of a chord model also sees the target note's CHORD: as an embedding added to
        # its input, and as a chord-tone prior added to its logits (``conditions.chord_prior_index``)
        self.pitch_chord = nn.Embedding(cfg.cond_sizes[CHORD], cfg.d_model, padding_idx=0) \
            if cfg.conditioned else None
        self.pitch_prior = nn.Parameter(torch.zeros(N_PRIOR)) if cfg.conditioned else None
        if cfg.conditioned:
            index = torch.from_numpy(chord_prior_index(cfg.field_sizes[CASCADE[-1]]))
            self.register_buffer("prior_index", index, persistent=False)  # (chord values, pitches)

    def logits(self, stage: int, h: torch.Tensor, chosen: torch.Tensor,
               chord: torch.Tensor | None = None) -> torch.Tensor:
        """h (M, d), chosen (M, >= stage) earlier attribute values, chord (M,) CHORD values of the
        notes or None -> (M, size) logits."""
        x = h
        for j in range(stage):
            x = x + self.emb[j](chosen[:, j])
        if stage == len(CASCADE) - 1 and chord is not None and self.pitch_chord is not None:
            return self.heads[stage](x + self.pitch_chord(chord)) + self.prior_table()[chord]
        return self.heads[stage](x)

    def prior_table(self) -> torch.Tensor:
        """(chord values, pitches) chord-tone prior logits (``conditions.chord_prior_index``); 0 rows
        for unknown and no chord."""
        assert self.pitch_prior is not None, "an unconditioned model has no chord prior"
        index = cast(torch.Tensor, self.prior_index)
        return F.pad(self.pitch_prior, (0, 1))[index]

    def forward(self, h: torch.Tensor, target: torch.Tensor, chord: torch.Tensor | None = None) -> list[torch.Tensor]:
        """Teacher-forced logits of every stage: h (M, d), target (M, 5), chord (M,) -> [(M, size_k)]."""
        chosen = target.clamp(min=0)  # IGNORE values only feed stages that take no loss there
        return [self.logits(k, h, chosen, chord) for k in range(len(CASCADE))]


class MelodyGLM(nn.Module):
    def __init__(self, cfg: GLMConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.embed = TokenEmbedding(cfg)
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.n_layers))
        self.ln_f = nn.LayerNorm(cfg.d_model)
        self.heads = CascadeHeads(cfg)
        self.apply(self._init_weights)
        for name, p in self.named_parameters():  # GPT-2: scale residual projections by depth
            if name.endswith("proj.weight"):
                nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * cfg.n_layers))
        for emb in self.condition_embeddings():  # start as the unconditioned model
            nn.init.zeros_(emb.weight)

    def condition_embeddings(self) -> list[nn.Embedding]:
        return [*self.embed.conds, *([self.heads.pitch_chord] if self.heads.pitch_chord is not None else [])]

    def condition_parameters(self) -> list[nn.Parameter]:
        """Every weight that only conditions feed (zero at the start of fine-tuning)."""
        prior = [self.heads.pitch_prior] if self.heads.pitch_prior is not None else []
        return [cast(nn.Parameter, e.weight) for e in self.condition_embeddings()] + prior

    @staticmethod
    def _init_weights(m: nn.Module) -> None:
        if isinstance(m, nn.Linear | nn.Embedding):
            nn.init.normal_(m.weight, mean=0.0, std=0.02)
        if isinstance(m, nn.Linear) and m.bias is not None:
            nn.init.zeros_(m.bias)

    def num_params(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def hidden(self, tokens: torch.Tensor, pos1: torch.Tensor, pos2: torch.Tensor,
               a_len: torch.Tensor, cond: torch.Tensor | None = None) -> torch.Tensor:
        """Full GLM forward: tokens (B, T, 7), pos1/pos2 (B, T), a_len (B,), cond (B, T, C) -> h (B, T, d)."""
        x = self.embed(tokens, pos1, pos2, cond)
        mask = glm_mask(a_len, tokens.shape[1])
        for block in self.blocks:
            x, _, _ = block(x, mask)
        return self.ln_f(x)

    def forward(self, tokens: torch.Tensor, pos1: torch.Tensor, pos2: torch.Tensor, a_len: torch.Tensor,
                target: torch.Tensor, cond: torch.Tensor | None = None,
                target_chord: torch.Tensor | None = None) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """Loss = sum over attributes of the mean NLL at part-B positions; also each NLL (detached).
        cond (B, T, C) and target_chord (B, T): see ``glm.Example`` (None: nothing known)."""
        h = self.hidden(tokens, pos1, pos2, a_len, cond)
        where = target[..., 0] != IGNORE  # (B, T): part B positions
        tgt = target[where]  # (M, 5)
        logits = self.heads(h[where], tgt, target_chord[where] if target_chord is not None else None)
        total, nll = h.new_zeros((), dtype=torch.float32), {}
        for name, lg, y in zip(CASCADE_NAMES, logits, tgt.unbind(1)):
            n = (y != IGNORE).sum().clamp(min=1)
            loss = F.cross_entropy(lg.float(), y, ignore_index=IGNORE, reduction="sum") / n
            total = total + loss
            nll[name] = loss.detach()
        return total, nll

    def encode(self, tokens: torch.Tensor, pos1: torch.Tensor, pos2: torch.Tensor,
               cond: torch.Tensor | None = None) -> list[torch.Tensor]:
        """Part A (B, Ta, 7) (conditions (B, Ta, C) or None) attended bidirectionally -> KV cache as
        2L tensors (B, nh, Ta, hs): K of layer l at 2l, V at 2l + 1 (the exported graphs' layout)."""
        x = self.embed(tokens, pos1, pos2, cond)
        kv = []
        for block in self.blocks:
            x, k, v = block(x)
            kv += [k, v]
        return kv

    def step(self, tokens: torch.Tensor, pos1: torch.Tensor, pos2: torch.Tensor,
             past: Sequence[torch.Tensor], cond: torch.Tensor | None = None) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """One part-B token (B, 1, 7) (conditions (B, 1, C) or None) against the cache, 2L tensors
        (B, nh, P, hs) -> h (B, 1, d) and the cache with this token appended, 2L tensors
        (B, nh, P + 1, hs). One tensor per layer and K/V: each layer's cache is copied once (its
        concatenation) instead of also being split from and stacked into one tensor (22% of a
        batch-4 int8 step on the CPU)."""
        x = self.embed(tokens, pos1, pos2, cond)
        kv = []
        for i, block in enumerate(self.blocks):
            x, k, v = block(x, None, (past[2 * i], past[2 * i + 1]))
            kv += [k, v]
        return self.ln_f(x), kv


def init_from_checkpoint(model: MelodyGLM, path: str | Path) -> dict[str, Any]:
    """Copy a checkpoint's weights into ``model`` (fine-tuning): the shapes must match, and only the
    condition embeddings may be missing from the checkpoint (they stay at zero). Returns the checkpoint."""
    ckpt = torch.load(path, map_location="cpu", weights_only=True)
    missing, unexpected = model.load_state_dict(ckpt["model"], strict=False)
    allowed = {n for n, _ in model.named_parameters()
               if n.startswith(("embed.conds.", "heads.pitch_chord.", "heads.pitch_prior"))}
    if unexpected or set(missing) - allowed:
        raise ValueError(f"{path} does not fit this model: missing {sorted(set(missing) - allowed)}, "
                         f"unexpected {sorted(unexpected)}")
    return ckpt


def load_checkpoint(path: str | Path, device: str | torch.device = "cpu") -> tuple[MelodyGLM, dict[str, Any]]:
    """A model rebuilt from the config stored in its checkpoint (eval mode) and the checkpoint."""
    ckpt = torch.load(path, map_location=device, weights_only=True)
    model = MelodyGLM(GLMConfig.from_dict(ckpt["model_config"]))
    model.load_state_dict(ckpt["model"])
    return model.to(device).eval(), ckpt
