"""Small pieces the ``melodystudio eval`` sections share: units, the machine."""

from __future__ import annotations

import math
import os
import platform
from typing import Any

import numpy as np

from melodystudio.evaluation.report import cpu_model

LN2 = math.log(2)


def nll_figures(nats: float | None) -> dict[str, float | None]:
    """A mean NLL in nats, in bits and as a perplexity (exp of the mean)."""
    if nats is None or not math.isfinite(nats):
        return {"nats": None, "bits": None, "perplexity": None}
    return {"nats": nats, "bits": nats / LN2, "perplexity": math.exp(nats)}


def mean_or_none(values: list[float] | np.ndarray) -> float | None:
    return float(np.mean(values)) if len(values) else None


def machine(provider: str, threads: int) -> dict[str, Any]:
    """Where the evaluation ran: the timings only compare between runs on the same machine."""
    import onnxruntime

    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {"cpu": cpu_model(), "cores": os.cpu_count(), "usable_cores": usable, "provider": provider,
            "onnx_threads": threads, "platform": platform.platform(), "python": platform.python_version(),
            "numpy": np.__version__, "onnxruntime": onnxruntime.__version__}
