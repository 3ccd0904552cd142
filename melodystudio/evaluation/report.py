"""What every evaluation report shares: JSON-safe values, the machine's CPU name, and writing the
report as a JSON file plus its Markdown rendering (both atomically)."""

from __future__ import annotations

import json
import math
import platform
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from melodystudio.core.atomic import write_atomically


def json_safe(value: Any) -> Any:
    """The result with NaN and infinities as null (JSON has neither) and numpy scalars as Python's."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def cpu_model() -> str:
    """The CPU's marketing name (Linux /proc/cpuinfo), else what the platform module says."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def write_report(result: dict[str, Any], out: Path, stem: str,
                 render: Callable[[dict[str, Any]], str]) -> tuple[Path, Path]:
    """``out/stem.json`` (the JSON-safe result) and ``out/stem.md`` (``render`` of it); the paths."""
    out.mkdir(parents=True, exist_ok=True)
    safe = json_safe(result)
    paths = out / f"{stem}.json", out / f"{stem}.md"
    write_atomically(paths[0], (json.dumps(safe, indent=1, allow_nan=False, ensure_ascii=False) + "\n").encode())
    write_atomically(paths[1], render(safe).encode("utf-8"))
    return paths
