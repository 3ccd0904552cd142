"""Headless audio: sound-font discovery and offline rendering with FluidSynth (no sound card needed).

``fluidsynth`` is imported only when a synthesiser is created, so importing this package is cheap
and works without the native library.
"""

from melodystudio.audio.accompaniment import STYLES, AccompanimentStyle, ChordNote, accompaniment_notes
from melodystudio.audio.errors import AudioError
from melodystudio.audio.render import RenderResult, render_samples, render_wav
from melodystudio.audio.schedule import SynthEvent, song_events
from melodystudio.audio.soundfont import ENV_VAR, find_soundfont

__all__ = [
    "ENV_VAR",
    "STYLES",
    "AccompanimentStyle",
    "AudioError",
    "ChordNote",
    "RenderResult",
    "SynthEvent",
    "accompaniment_notes",
    "find_soundfont",
    "render_samples",
    "render_wav",
    "song_events",
]
