"""Harmony: the chord vocabulary, melody segments and the rule-based harmonizer (no Qt, no models)."""
