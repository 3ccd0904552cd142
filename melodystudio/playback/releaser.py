"""Delayed note-offs for auditioned notes, on one helper thread instead of a timer per click."""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections.abc import Callable


class NoteReleaser:
    """Calls ``release(pitch)`` ``seconds`` after ``schedule(pitch, seconds)``.

    Scheduling a pitch again before its release supersedes the earlier release, so a quickly
    re-clicked note is not cut short by the first click's note-off.
    """

    def __init__(self, release: Callable[[int], None], clock: Callable[[], float] = time.perf_counter) -> None:
        self._release = release
        self._clock = clock
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, int]] = []  # (deadline, token, pitch)
        self._latest: dict[int, int] = {}  # pitch -> token of its newest schedule
        self._tokens = itertools.count()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="melodystudio-note-releaser", daemon=True)
        self._thread.start()

    def schedule(self, pitch: int, seconds: float) -> None:
        with self._cond:
            token = next(self._tokens)
            self._latest[pitch] = token
            heapq.heappush(self._heap, (self._clock() + seconds, token, pitch))
            self._cond.notify()

    def close(self, release_pending: bool = True) -> None:
        """Stop the thread; pending notes are released now unless ``release_pending`` is False."""
        with self._cond:
            self._closed = True
            pending = [p for _, token, p in self._heap if self._latest.get(p) == token]
            self._heap.clear()
            self._cond.notify()
        self._thread.join()
        if release_pending:
            for pitch in pending:
                self._release(pitch)

    def _run(self) -> None:
        while True:
            with self._cond:
                due = self._next_due()
                if due is None:
                    return
            if due >= 0:
                self._release(due)

    def _next_due(self) -> int | None:
        """Wait (lock held) for the next due pitch; -1 for a superseded one, None when closed."""
        while not self._closed:
            if not self._heap:
                self._cond.wait()
                continue
            wait = self._heap[0][0] - self._clock()
            if wait > 0:
                self._cond.wait(wait)
                continue
            _, token, pitch = heapq.heappop(self._heap)
            if self._latest.get(pitch) != token:
                return -1
            del self._latest[pitch]
            return pitch
        return None
