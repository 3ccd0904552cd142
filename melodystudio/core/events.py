"""A minimal Qt-free signal: models emit, views subscribe (the GUI adapts it to Qt signals)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Event(Generic[T]):
    """A list of callbacks called in connection order with one payload."""

    def __init__(self) -> None:
        self._callbacks: list[Callable[[T], None]] = []

    def connect(self, callback: Callable[[T], None]) -> None:
        if callback not in self._callbacks:
            self._callbacks.append(callback)

    def disconnect(self, callback: Callable[[T], None]) -> None:
        self._callbacks.remove(callback)

    def emit(self, payload: T) -> None:
        for callback in list(self._callbacks):
            callback(payload)

    def __len__(self) -> int:
        return len(self._callbacks)
