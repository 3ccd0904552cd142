"""A song as a time-ordered list of synthesiser events at exact sample frames.

Shared by the offline renderer and (later) real-time playback: both walk the same list. Frames
come from the song's tempo map (``Timeline.seconds_at``), so tempo changes are honoured.
"""

from __future__ import annotations

from dataclasses import dataclass

from melodystudio.core import Song

MELODY_CHANNEL = 0
CHORD_CHANNEL = 1
CHORD_VELOCITY = 60  # block chords sit under the melody (notes default to velocity 90)
CHORD_BASS_OCTAVE = 3  # voicings start around C3-B3, below most melodies
MELODY_VOLUME = 110  # MIDI channel volume (CC 7), 0-127
CHORD_VOLUME = 90  # with CHORD_VELOCITY: chords ~9 dB RMS under the melody (TimGM6mb piano)


@dataclass(frozen=True, slots=True, order=True)
class SynthEvent:
    """A note switching on (velocity > 0) or off (velocity 0) at ``frame``.

    The field order makes sorting put note-offs before note-ons on the same frame, so a repeated
    pitch is released before it is struck again.
    """

    frame: int  # sample frames from the start of the song
    velocity: int  # 0: note off
    channel: int
    pitch: int

    @property
    def is_on(self) -> bool:
        return self.velocity > 0


def frame_at(song: Song, tick: int, sample_rate: int) -> int:
    return round(song.timeline.seconds_at(tick) * sample_rate)


def song_events(song: Song, sample_rate: int, *, include_chords: bool = True) -> list[SynthEvent]:
    """Melody on channel 0 and (optionally) block chords on channel 1, sorted by frame."""
    events: list[SynthEvent] = []
    for n in song.notes:
        events.append(SynthEvent(frame_at(song, n.onset, sample_rate), n.velocity, MELODY_CHANNEL, n.pitch))
        events.append(SynthEvent(frame_at(song, n.end, sample_rate), 0, MELODY_CHANNEL, n.pitch))
    if include_chords:
        for c in song.chords:
            start, end = frame_at(song, c.onset, sample_rate), frame_at(song, c.end, sample_rate)
            for pitch in c.symbol.voicing(CHORD_BASS_OCTAVE):
                events.append(SynthEvent(start, CHORD_VELOCITY, CHORD_CHANNEL, pitch))
                events.append(SynthEvent(end, 0, CHORD_CHANNEL, pitch))
    events.sort()
    return events
