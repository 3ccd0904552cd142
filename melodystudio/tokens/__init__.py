"""Compound note tokens shared by training and inference (Qt-, torch- and onnxruntime-free).

One token per note: (kind, bar, position, pitch, duration, meter, key). See ``compound.py``.
"""

from melodystudio.tokens.compound import (
    TOKENIZER_VERSION,
    CompoundTokenizer,
    TokenizerConfig,
    TuneTokens,
)

__all__ = ["TOKENIZER_VERSION", "CompoundTokenizer", "TokenizerConfig", "TuneTokens"]
