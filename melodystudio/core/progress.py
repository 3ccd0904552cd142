"""Long work is a generator that yields ``Progress`` and returns its result.

The caller cancels by no longer iterating and calling ``close()``: the generator sees
``GeneratorExit`` at its current ``yield`` and cleans up. ``run_to_end`` drives one to completion
for headless callers (CLI, tests); the GUI's worker drives the same generators from a thread.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import TypeVar

R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class Progress:
    fraction: float  # 0..1
    message: str = ""


Job = Generator[Progress, None, R]


def run_to_end(job: Job[R], on_progress: Callable[[Progress], None] | None = None) -> R:
    """Iterate ``job`` to its end and return what it returns."""
    while True:
        try:
            p = next(job)
        except StopIteration as stop:
            return stop.value
        if on_progress is not None:
            on_progress(p)


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
