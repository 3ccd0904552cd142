"""The audio package's error type: a missing sound font or synthesiser the user can fix."""

from melodystudio.core.errors import MelodyStudioError


class AudioError(MelodyStudioError):
    """Rendering or playback cannot go ahead; the one-line message says why and how to fix it."""
