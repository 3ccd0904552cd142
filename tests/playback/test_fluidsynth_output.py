"""The real backend: driver choice, a clear NoAudioDevice without sound, and real playing through JACK."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from melodystudio.core import PPQ, Note, Song, TempoChange
from melodystudio.playback import AudioSettings, FluidSynthOutput, NoAudioDevice, Player, default_drivers

FONT = Path("/usr/share/sounds/sf2/TimGM6mb.sf2")


@pytest.fixture(scope="module")
def font() -> str:
    pytest.importorskip("fluidsynth", reason="libfluidsynth3 is not installed")
    if not FONT.is_file():
        pytest.skip("TimGM6mb.sf2 is not installed (apt-get install timgm6mb-soundfont)")
    return str(FONT)


@pytest.mark.parametrize(("platform", "drivers"), [
    ("linux", ("pulseaudio", "pipewire", "alsa")),
    ("darwin", ("coreaudio",)),
    ("win32", ("wasapi", "dsound")),
    ("freebsd14", ("pulseaudio", "alsa", "oss", "sdl2")),
])
def test_drivers_are_tried_in_the_platforms_order(platform: str, drivers: tuple[str, ...]) -> None:
    assert default_drivers(platform) == drivers


def test_an_unknown_driver_is_no_audio_device_with_a_clear_message(font: str) -> None:
    with pytest.raises(NoAudioDevice, match="could not start the nosuchdriver audio driver") as info:
        FluidSynthOutput(AudioSettings(driver="nosuchdriver", soundfont=font))
    assert "editing, generation and WAV export still work" in str(info.value)


@pytest.mark.skipif(Path("/dev/snd").exists(), reason="this machine has a sound card")
def test_without_a_sound_card_alsa_does_not_start(font: str) -> None:
    with pytest.raises(NoAudioDevice, match="alsa"):
        FluidSynthOutput(AudioSettings(driver="alsa", soundfont=font))


def test_a_bad_sound_font_is_an_audio_error(tmp_path: Path) -> None:
    pytest.importorskip("fluidsynth", reason="libfluidsynth3 is not installed")
    bad = tmp_path / "bad.sf2"
    bad.write_bytes(b"not a sound font")
    with pytest.raises(Exception, match="not a SoundFont 2"):
        FluidSynthOutput(AudioSettings(soundfont=str(bad)))


def test_plays_through_a_real_driver(font: str, jack: str) -> None:
    output = FluidSynthOutput(AudioSettings(driver="jack", soundfont=font, sample_rate=48000))
    assert output.name == "jack"
    assert 0 < output.latency < 0.2
    player = Player(backend_factory=lambda: output)
    song = Song(tempos=[TempoChange.from_bpm(0, 600)], notes=[Note(i * PPQ, PPQ, 60 + i) for i in range(3)])
    states: list[bool] = []
    player.state_changed.connect(states.append)
    player.play(song, metronome=True)
    player.audition(72, ms=20)
    deadline = time.monotonic() + 3
    while player.is_playing and time.monotonic() < deadline:
        time.sleep(0.01)
    player.close()
    assert states == [True, False]
