"""Drive a job to its end from the command line, showing a percentage on a terminal."""

from __future__ import annotations

import sys
from typing import TypeVar

from melodystudio.core.progress import Job, Progress, run_to_end

R = TypeVar("R")


def run_with_progress(job: Job[R], what: str) -> R:
    """Run ``job``; on a terminal, show '<what> 42%' on stderr while it runs."""
    show = sys.stderr.isatty()

    def progress(p: Progress) -> None:
        if show:
            print(f"\r  {what} {p.fraction:4.0%}", end="", file=sys.stderr, flush=True)

    result = run_to_end(job, progress)
    if show:
        print(file=sys.stderr)
    return result
