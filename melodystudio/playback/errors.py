"""Playback's error types: what the user sees when real-time sound cannot go ahead."""

from melodystudio.audio.errors import AudioError


class NoAudioDevice(AudioError):
    """No audio driver could start (no sound card, no sound server, or an unsupported driver).

    The app keeps working without sound: editing, generation and WAV export need no device.
    """
