"""Atomic file replacement for the file formats (the mechanism lives in core.atomic)."""

from melodystudio.core.atomic import atomic_file, write_atomically

__all__ = ["atomic_file", "write_atomically"]
