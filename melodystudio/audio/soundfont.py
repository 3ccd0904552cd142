"""Finding a General MIDI sound font: explicit path, then $MELODYSTUDIO_SOUNDFONT, then system folders.

Every candidate is checked for a RIFF/sfbk header before FluidSynth sees it, because FluidSynth
only prints to stderr and returns -1 for a bad file, which would leave the user with silence.
"""

from __future__ import annotations

import os
from pathlib import Path

from melodystudio.audio.errors import AudioError

ENV_VAR = "MELODYSTUDIO_SOUNDFONT"
FIX_HINT = f"install fluid-soundfont-gm (or timgm6mb-soundfont), or set {ENV_VAR} to a .sf2 file"

# Searched in order; a pattern with '*' matches every .sf2 there, sorted by name. '~' and
# %VARIABLES% are expanded when searching, so tests can swap this tuple for temporary folders.
SYSTEM_LOCATIONS: tuple[str, ...] = (
    "/usr/share/sounds/sf2/FluidR3_GM.sf2",  # Debian/Ubuntu fluid-soundfont-gm
    "/usr/share/sounds/sf2/TimGM6mb.sf2",  # Debian/Ubuntu timgm6mb-soundfont
    "/usr/share/sounds/sf2/*.sf2",
    "/usr/share/soundfonts/*.sf2",  # Fedora, Arch
    "/usr/local/share/soundfonts/*.sf2",
    "~/.local/share/soundfonts/*.sf2",
    "~/Library/Audio/Sounds/Banks/*.sf2",  # macOS
    "/Library/Audio/Sounds/Banks/*.sf2",
    "/opt/homebrew/share/soundfonts/*.sf2",
    "%LOCALAPPDATA%/MelodyStudio/soundfonts/*.sf2",  # Windows
    "C:/soundfonts/*.sf2",
)

_HEADER_BYTES = 12  # "RIFF", 4-byte little-endian size, "sfbk"


def check_soundfont(path: Path, origin: str = "sound font") -> Path:
    """Return ``path`` resolved if it is a readable SF2 file; raise AudioError naming ``origin`` if not."""
    path = path.expanduser()
    if not path.exists():
        raise AudioError(f"{origin} {path} does not exist: {FIX_HINT}")
    if not path.is_file():
        raise AudioError(f"{origin} {path} is not a file: {FIX_HINT}")
    try:
        with path.open("rb") as f:
            header = f.read(_HEADER_BYTES)
    except OSError as e:
        raise AudioError(f"{origin} {path} cannot be read ({e.strerror or e}): {FIX_HINT}") from e
    if len(header) < _HEADER_BYTES or header[:4] != b"RIFF" or header[8:12] != b"sfbk":
        raise AudioError(f"{origin} {path} is not a SoundFont 2 (.sf2) file: {FIX_HINT}")
    return path.resolve()


def is_soundfont(path: Path) -> bool:
    try:
        check_soundfont(path)
    except AudioError:
        return False
    return True


def system_candidates(locations: tuple[str, ...] | None = None) -> list[Path]:
    """Existing files matching the system locations, in search order, without duplicates."""
    found: list[Path] = []
    for pattern in SYSTEM_LOCATIONS if locations is None else locations:
        expanded = Path(os.path.expandvars(os.path.expanduser(pattern)))
        if "%" in str(expanded) or "$" in str(expanded):
            continue  # an unset variable (e.g. %LOCALAPPDATA% off Windows)
        if "*" in expanded.name:
            matches = sorted(expanded.parent.glob(expanded.name)) if expanded.parent.is_dir() else []
        else:
            matches = [expanded] if expanded.is_file() else []
        for m in matches:
            if m not in found:
                found.append(m)
    return found


def find_soundfont(path: str | os.PathLike[str] | None = None) -> Path:
    """The sound font to use: ``path`` if given, else $MELODYSTUDIO_SOUNDFONT, else the first
    valid SF2 in ``SYSTEM_LOCATIONS``.

    An explicit path or the variable is taken at its word (a bad one is an error, not skipped);
    a broken file in a system folder is skipped in favour of the next one.
    """
    if path is not None:
        return check_soundfont(Path(path), "sound font")
    env = os.environ.get(ENV_VAR, "").strip()
    if env:
        return check_soundfont(Path(env), f"${ENV_VAR}")
    for candidate in system_candidates():
        if is_soundfont(candidate):
            return candidate.resolve()
    searched = ", ".join(SYSTEM_LOCATIONS)
    raise AudioError(f"no sound font found (searched ${ENV_VAR} and {searched}): {FIX_HINT}")
