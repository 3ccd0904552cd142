"""A song as a time-ordered list of synthesiser events at exact sample frames.

The offline renderer walks this list; real-time playback (``playback.sequence``) makes the same
notes from the same accompaniment description. Frames come from the song's tempo map
(``Timeline.seconds_at``), so tempo changes are honoured.
"""

from __future__ import annotations

from dataclasses import dataclass

from melodystudio.audio.accompaniment import AccompanimentStyle, accompaniment_notes
from melodystudio.core import Song

MELODY_CHANNEL = 0
CHORD_CHANNEL = 1
MELODY_VOLUME = 110  # MIDI channel volume (CC 7), 0-127
CHORD_VOLUME = 90  # with the default chord velocity (60): ~9 dB RMS under the melody (TimGM6mb piano)
DEFAULT_ACCOMPANIMENT = AccompanimentStyle()


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


def song_events(song: Song, sample_rate: int, *, include_chords: bool = True,
                accompaniment: AccompanimentStyle = DEFAULT_ACCOMPANIMENT) -> list[SynthEvent]:
    """Melody on channel 0 and (unless ``include_chords`` is False) the chord accompaniment in
    ``accompaniment``'s style on channel 1, sorted by frame."""
    events: list[SynthEvent] = []
    for n in song.notes:
        events.append(SynthEvent(frame_at(song, n.onset, sample_rate), n.velocity, MELODY_CHANNEL, n.pitch))
        events.append(SynthEvent(frame_at(song, n.end, sample_rate), 0, MELODY_CHANNEL, n.pitch))
    if include_chords:
        for c in accompaniment_notes(song, accompaniment):
            events.append(SynthEvent(frame_at(song, c.onset, sample_rate), c.velocity, CHORD_CHANNEL, c.pitch))
            events.append(SynthEvent(frame_at(song, c.end, sample_rate), 0, CHORD_CHANNEL, c.pitch))
    events.sort()
    return events
