"""Sub-commands for harmony (filled in by its feature work)."""

from __future__ import annotations

from typing import Any

COMMANDS: tuple[Any, ...] = ()
