"""Harmony without models: chord-vocabulary arrays, melody segments (beats, half bars, bars), the
model's window features, the rule-based harmonizer, Viterbi chord decoding and accuracy measures.

numpy only (no Qt, torch or onnxruntime); the learned harmonizer runs in ``engine.harmonizer``.
"""
