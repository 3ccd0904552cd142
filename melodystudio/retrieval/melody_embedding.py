"""Melody embeddings at run time: the melody model's encoder, mean-pooled, then the CLMP projection.

The graph ``melody_embed.onnx`` (exported by ``training.clmp_export``) takes

    tokens (B, T, 7) int64   BOS + the melody's first notes, compound tokens (``melody_tokens``)
    mask   (B, T)    float32 1 on real tokens, 0 on padding

and returns ``melody_embedding`` (B, D) float32 unit vectors in the joint text-melody space.
A melody is described by its first ``MAX_NOTES`` notes within ``max_bars - 1`` bars from its first
note: the melody model's part A holds at most that many (its pos1 table).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from melodystudio.core import Song
from melodystudio.core.errors import MelodyStudioError
from melodystudio.tokens import CompoundTokenizer, glm

MAX_NOTES = 98  # melody model max_pos1 (100) - BOS - one spare, as the engine's context limit
OUTPUT_NAME = "melody_embedding"


def melody_tokens(song: Song, tokenizer: CompoundTokenizer) -> np.ndarray:
    """(T, 7) int64: BOS + up to MAX_NOTES notes from the bar of the song's first note."""
    if not song.notes:
        raise MelodyStudioError("the melody has no notes")
    first_bar = song.timeline.bar_at(song.notes[0].onset)
    window = tokenizer.encode(song, first_bar, n_bars=tokenizer.config.max_bars - 1)
    part_a, _ = glm.part_a(window.tokens[:MAX_NOTES].astype(np.int64), [])
    return part_a


def batch_tokens(rows: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Pad (T_i, 7) token arrays to (B, T, 7) with a (B, T) float32 mask."""
    t = max(len(r) for r in rows)
    tokens = np.zeros((len(rows), t, 7), np.int64)
    mask = np.zeros((len(rows), t), np.float32)
    for i, r in enumerate(rows):
        tokens[i, :len(r)], mask[i, :len(r)] = r, 1.0
    return tokens, mask


class MelodyEmbedder:
    """The melody side of the joint space; ``embed`` maps songs (or their tokens) to unit vectors."""

    def __init__(self, onnx_path: Path, tokenizer: CompoundTokenizer, threads: int | None = None) -> None:
        import onnxruntime as ort

        if not onnx_path.is_file():
            raise MelodyStudioError(f"melody embedding model {onnx_path} is missing (rebuild with "
                                    "python -m melodystudio.training.clmp build)")
        options = ort.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        self.session = ort.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])
        self.tokenizer = tokenizer

    def embed_tokens(self, rows: Sequence[np.ndarray], batch_size: int = 64) -> np.ndarray:
        out = []
        for i in range(0, len(rows), batch_size):
            tokens, mask = batch_tokens(rows[i:i + batch_size])
            (emb,) = self.session.run([OUTPUT_NAME], {"tokens": tokens, "mask": mask})
            out.append(np.asarray(emb, np.float32))
        return np.concatenate(out)

    def embed(self, songs: Sequence[Song]) -> np.ndarray:
        """(N, D) unit vectors, one per song (each needs a note)."""
        return self.embed_tokens([melody_tokens(s, self.tokenizer) for s in songs])
