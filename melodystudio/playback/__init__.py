"""Real-time playback (no Qt): a threaded player over FluidSynth, and the plan it plays.

``Player`` is the entry point; ``gui.qt_player.QtPlayer`` adapts it to Qt signals. ``NullSynth``
records events instead of sounding them, for tests.
"""

from melodystudio.playback.backends import (
    AUTO,
    AudioSettings,
    FluidSynthOutput,
    NullSynth,
    SynthBackend,
    default_drivers,
)
from melodystudio.playback.errors import NoAudioDevice
from melodystudio.playback.player import AUDITION_CHANNEL, LIVE_CHANNEL, Player
from melodystudio.playback.sequence import METRONOME_CHANNEL, PlaybackPlan, TimedEvent

__all__ = [
    "AUDITION_CHANNEL",
    "AUTO",
    "LIVE_CHANNEL",
    "METRONOME_CHANNEL",
    "AudioSettings",
    "FluidSynthOutput",
    "NoAudioDevice",
    "NullSynth",
    "PlaybackPlan",
    "Player",
    "SynthBackend",
    "TimedEvent",
    "default_drivers",
]
