"""The generation engine: ONNX models on onnxruntime, constrained sampling, cancellable jobs.

``api`` holds the plain request/result types (no onnxruntime); ``MelodyEngine`` (``melody``) loads
a model and makes inpaint / continuation / lyrics / score jobs (a conditioned model also hears the
song's chords and the syllables to set). It is imported lazily so callers that only
build options do not load onnxruntime.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from melodystudio.engine.api import GenerationOptions, NoteSurprisal, ScoreResult, Variation

if TYPE_CHECKING:
    from melodystudio.engine.melody import MelodyEngine

__all__ = ["GenerationOptions", "MelodyEngine", "NoteSurprisal", "ScoreResult", "Variation"]


def __getattr__(name: str) -> Any:
    if name == "MelodyEngine":
        from melodystudio.engine.melody import MelodyEngine

        return MelodyEngine
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
