"""Sound-font discovery: explicit path > $MELODYSTUDIO_SOUNDFONT > system folders, and clear errors."""

from __future__ import annotations

import wave
from pathlib import Path

import pytest

from melodystudio.audio import ENV_VAR, AudioError, find_soundfont
from melodystudio.audio import soundfont as sf_module
from melodystudio.audio.soundfont import check_soundfont
from melodystudio.core import MelodyStudioError


def fake_sf2(path: Path) -> Path:
    """A file with a valid RIFF/sfbk header (enough for discovery; FluidSynth never sees it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"RIFF" + (4).to_bytes(4, "little") + b"sfbk")
    return path


@pytest.fixture
def no_system_fonts(monkeypatch, tmp_path):
    """Discovery sees only what a test puts in tmp_path; the real environment is hidden."""
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.setattr(sf_module, "SYSTEM_LOCATIONS", (str(tmp_path / "system" / "*.sf2"),))


# -- discovery order ----------------------------------------------------------------------------
def test_explicit_path_wins_over_the_variable_and_system_folders(no_system_fonts, monkeypatch, tmp_path):
    explicit = fake_sf2(tmp_path / "mine.sf2")
    monkeypatch.setenv(ENV_VAR, str(fake_sf2(tmp_path / "env.sf2")))
    fake_sf2(tmp_path / "system" / "GM.sf2")
    assert find_soundfont(explicit) == explicit.resolve()
    assert find_soundfont(str(explicit)) == explicit.resolve()


def test_variable_wins_over_system_folders(no_system_fonts, monkeypatch, tmp_path):
    env = fake_sf2(tmp_path / "env.sf2")
    monkeypatch.setenv(ENV_VAR, str(env))
    fake_sf2(tmp_path / "system" / "GM.sf2")
    assert find_soundfont() == env.resolve()


def test_system_locations_are_searched_in_order(monkeypatch, tmp_path):
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    preferred = tmp_path / "sf2" / "FluidR3_GM.sf2"
    user_font = fake_sf2(tmp_path / "home" / ".local" / "share" / "soundfonts" / "Piano.sf2")
    locations = (str(preferred), str(tmp_path / "sf2" / "*.sf2"), "~/.local/share/soundfonts/*.sf2")
    monkeypatch.setattr(sf_module, "SYSTEM_LOCATIONS", locations)

    assert find_soundfont() == user_font.resolve()  # only the user's folder has a font
    other = fake_sf2(tmp_path / "sf2" / "Another.sf2")
    assert find_soundfont() == other.resolve()  # the system folder comes before ~
    fake_sf2(preferred)
    assert find_soundfont() == preferred.resolve()  # a named file comes before its folder's glob


def test_a_broken_file_in_a_system_folder_is_skipped(no_system_fonts, tmp_path):
    (tmp_path / "system").mkdir()
    (tmp_path / "system" / "A-broken.sf2").write_bytes(b"not a sound font")
    good = fake_sf2(tmp_path / "system" / "B-good.sf2")
    assert find_soundfont() == good.resolve()


def test_the_real_system_font_is_found():
    if not Path("/usr/share/sounds/sf2/TimGM6mb.sf2").is_file():
        pytest.skip("no system sound font installed (apt-get install timgm6mb-soundfont)")
    assert find_soundfont().suffix == ".sf2"


# -- errors -------------------------------------------------------------------------------------
def test_nothing_found_says_what_was_searched_and_how_to_fix_it(no_system_fonts):
    with pytest.raises(AudioError) as info:
        find_soundfont()
    message = str(info.value)
    assert message.startswith("no sound font found (searched $MELODYSTUDIO_SOUNDFONT and ")
    assert "system/*.sf2" in message
    assert message.endswith("install fluid-soundfont-gm (or timgm6mb-soundfont), "
                            "or set MELODYSTUDIO_SOUNDFONT to a .sf2 file")
    assert "\n" not in message
    assert isinstance(info.value, MelodyStudioError)


def test_missing_explicit_path_is_an_error_even_when_a_system_font_exists(no_system_fonts, tmp_path):
    fake_sf2(tmp_path / "system" / "GM.sf2")
    with pytest.raises(AudioError, match=r"^sound font .*typo\.sf2 does not exist: install fluid-soundfont-gm"):
        find_soundfont(tmp_path / "typo.sf2")


def test_a_bad_variable_is_named_in_the_error(no_system_fonts, monkeypatch, tmp_path):
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "gone.sf2"))
    with pytest.raises(AudioError, match=r"^\$MELODYSTUDIO_SOUNDFONT .*gone\.sf2 does not exist"):
        find_soundfont()


def test_a_wav_file_is_not_a_sound_font(tmp_path):
    path = tmp_path / "piano.sf2"
    with wave.open(str(path), "wb") as w:  # RIFF, but WAVE instead of sfbk
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(44100)
        w.writeframes(b"\x00\x00" * 100)
    with pytest.raises(AudioError, match=r"piano\.sf2 is not a SoundFont 2 \(\.sf2\) file"):
        find_soundfont(path)


@pytest.mark.parametrize("content", [b"", b"RIFF", b"hello, I am a text file"])
def test_short_or_foreign_files_are_not_sound_fonts(tmp_path, content):
    path = tmp_path / "x.sf2"
    path.write_bytes(content)
    with pytest.raises(AudioError, match="is not a SoundFont 2"):
        check_soundfont(path)


def test_a_folder_is_not_a_sound_font(tmp_path):
    with pytest.raises(AudioError, match="is not a file"):
        find_soundfont(tmp_path)


def test_an_unreadable_file_says_why(tmp_path, monkeypatch):
    path = fake_sf2(tmp_path / "locked.sf2")

    def refuse(self: Path, *args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "open", refuse)  # chmod 000 does not stop root, which runs CI
    with pytest.raises(AudioError, match=r"locked\.sf2 cannot be read \(Permission denied\)"):
        find_soundfont(path)
