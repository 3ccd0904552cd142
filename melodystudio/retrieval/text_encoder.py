"""The sentence encoder at run time: MiniLM as ONNX + its WordPiece tokenizer, no torch.

``TextEncoder.embed(["a lively reel"])`` -> (1, 384) float32, unit length (mean pooling and L2
normalisation are inside the graph; see ``training.text_encoder_export``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from melodystudio.core.errors import MelodyStudioError

OUTPUT_NAME = "sentence_embedding"
MAX_TOKENS = 256  # all-MiniLM-L6-v2's max_seq_length: longer text is truncated, as sentence-transformers does
TEXT_DIM = 384


class TextEncoder:
    def __init__(self, onnx_path: Path, tokenizer_path: Path, threads: int | None = None) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        for path in (onnx_path, tokenizer_path):
            if not path.is_file():
                raise MelodyStudioError(f"text encoder file {path} is missing (rebuild with "
                                        "python -m melodystudio.training.clmp build)")
        self.tokenizer = Tokenizer.from_file(str(tokenizer_path))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        options = ort.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        self.session = ort.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """(N, 384) float32 unit vectors, one per text.

        Texts run one at a time: the int8 graph quantises activations with one scale per call, so in
        a padded batch a sentence's embedding would depend on its neighbours (cosine ~0.99 to its own);
        alone it is a function of the text only, and no slower for short texts.
        """
        out = [np.zeros((0, TEXT_DIM), np.float32)]
        for text in texts:
            e = self.tokenizer.encode(text)
            ids = np.array([e.ids], dtype=np.int64)
            mask = np.array([e.attention_mask], dtype=np.int64)
            (emb,) = self.session.run([OUTPUT_NAME], {"input_ids": ids, "attention_mask": mask})
            out.append(np.asarray(emb, dtype=np.float32))
        return np.concatenate(out)
