"""Small pieces the ``melodystudio eval`` sections share: nested progress, units, the machine."""

from __future__ import annotations

import math
import os
import platform
from typing import Any, TypeVar

import numpy as np

from melodystudio.core.progress import Job, Progress
from melodystudio.evaluation.report import cpu_model

R = TypeVar("R")
LN2 = math.log(2)


def within(job: Job[R], lo: float, hi: float, label: str | None = None) -> Job[R]:
    """Run a sub-job, its progress mapped into [lo, hi] of the caller's and shown as ``label`` (None:
    the sub-job's own message); closing the caller closes the sub-job (its KV cache is dropped)."""
    try:
        while True:
            try:
                p = next(job)
            except StopIteration as stop:
                return stop.value
            yield Progress(lo + (hi - lo) * p.fraction, p.message if label is None else label)
    finally:
        job.close()


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
