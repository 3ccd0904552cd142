"""Lyrics as a composer types them, split into phrases, words and stressed syllables (no Qt, no models)."""
