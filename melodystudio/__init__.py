"""MelodyStudio: melody composition with inpainting, continuation, lyrics and chords."""

__version__ = "0.1.0"
