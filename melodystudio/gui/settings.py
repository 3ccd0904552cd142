"""The application's settings: one typed dataclass with every default in one place, persisted with
QSettings (one key per field, nested dataclasses as groups). A value that cannot be read back as
its field's type, or that fails its check, falls back to the default instead of breaking start-up.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields, is_dataclass, replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings

from melodystudio.audio.accompaniment import BLOCK, BROKEN, OFF, AccompanimentStyle
from melodystudio.engine.api import MAX_PHRASE_BREATH, PROVIDER_CHOICES, GenerationOptions
from melodystudio.gui.snap import SNAP_VALUES

MAX_RECENT = 10
COUNT_IN_CHOICES = (0, 1, 2)  # bars of metronome clicks before real-time recording starts
ORGANIZATION, APPLICATION = "MelodyStudio", "MelodyStudio"
AUTO_PITCH_TEMPERATURE = 0.0  # the Pitch temperature control's "auto" (GenerationOptions.pitch_temperature None)
AUTO_TOP_P = 0.0  # the Top-p control's "auto" (GenerationOptions.top_p None)
AUTO_PHRASE_BREATH = 0.0  # the Line breath control's "auto" (GenerationOptions.phrase_breath None)


@dataclass
class GenerationDefaults:
    """What the Generate panel starts with."""

    variations: int = 4
    temperature: float = 0.9
    top_p: float = AUTO_TOP_P  # stored as a number: 0 means auto (None)
    key_lock: bool = False
    keep_rhythm: bool = False
    pitch_temperature: float = AUTO_PITCH_TEMPERATURE  # stored as a number: 0 means auto (None)
    phrase_breath: float = AUTO_PHRASE_BREATH  # stored as a number: 0 means auto (None)

    def options(self) -> GenerationOptions:
        pitch = None if self.pitch_temperature == AUTO_PITCH_TEMPERATURE else self.pitch_temperature
        top_p = None if self.top_p == AUTO_TOP_P else self.top_p
        breath = None if self.phrase_breath == AUTO_PHRASE_BREATH else self.phrase_breath
        return GenerationOptions(variations=self.variations, temperature=self.temperature, top_p=top_p,
                                 key_lock=self.key_lock, keep_rhythm=self.keep_rhythm, pitch_temperature=pitch,
                                 phrase_breath=breath)

    @staticmethod
    def from_options(options: GenerationOptions) -> GenerationDefaults:
        pitch = AUTO_PITCH_TEMPERATURE if options.pitch_temperature is None else options.pitch_temperature
        top_p = AUTO_TOP_P if options.top_p is None else options.top_p
        breath = AUTO_PHRASE_BREATH if options.phrase_breath is None else options.phrase_breath
        return GenerationDefaults(options.variations, options.temperature, top_p,
                                  options.key_lock, options.keep_rhythm, pitch, breath)


@dataclass
class AccompanimentSettings:
    """How chords sound in playback and in exported WAVs (the Chords controls on the toolbar)."""

    muted: bool = False  # chords silent in playback, left out of WAV exports
    style: str = BLOCK  # one of CHORD_TEXTURES
    program: int = 0  # GM program (0: Acoustic Grand Piano)

    def playback_style(self) -> AccompanimentStyle:
        """The style the player plays (muting is the player's channel volume, so a chord stays
        ready to be heard the moment it is unmuted)."""
        return AccompanimentStyle(self.style, self.program)

    def export_style(self) -> AccompanimentStyle:
        """The style a WAV export renders: what is heard, so muted chords are left out."""
        return AccompanimentStyle(OFF if self.muted else self.style, self.program)


CHORD_TEXTURES = (BLOCK, BROKEN)  # "off" is the mute switch in the GUI


@dataclass
class HarmonizeDefaults:
    """What the Generate panel's Harmonize section starts with."""

    per: str = "half-bar"  # one chord per 'beat', 'half-bar' or 'bar'
    rich: bool = False
    change_rate: float = 1.0
    keep_chords: bool = False


@dataclass
class AppSettings:
    soundfont: str = ""  # a .sf2 path; "" searches the usual places (audio.find_soundfont)
    audio_driver: str = ""  # a FluidSynth driver name; "" tries the platform's drivers in order
    midi_input: str = ""  # a MIDI input port name; "" for none
    provider: str = "auto"  # where the model runs: auto (CUDA when available), cpu, cuda
    model_dir: str = ""  # "" uses the models shipped with MelodyStudio
    autosave_seconds: int = 60  # 0 switches autosave off
    snap: str = "1/16"
    metronome: bool = False
    count_in_bars: int = 1  # one of COUNT_IN_CHOICES
    generation: GenerationDefaults = field(default_factory=GenerationDefaults)
    accompaniment: AccompanimentSettings = field(default_factory=AccompanimentSettings)
    harmonize: HarmonizeDefaults = field(default_factory=HarmonizeDefaults)
    last_prompt: str = ""
    recent_files: list[str] = field(default_factory=list)
    window_geometry: str = ""  # hex of QMainWindow.saveGeometry()
    window_state: str = ""  # hex of QMainWindow.saveState()

    def with_recent(self, path: str | Path) -> AppSettings:
        """The settings with ``path`` first in the recent files (no duplicates, at most MAX_RECENT)."""
        text = str(Path(path).resolve())
        recent = [text] + [p for p in self.recent_files if p != text]
        return replace(self, recent_files=recent[:MAX_RECENT])


# Checks per field name ("group/name" inside a group, else the plain name); a stored value failing
# its check is replaced by the default.
CHECKS: dict[str, Any] = {
    "provider": lambda v: v in PROVIDER_CHOICES,
    "autosave_seconds": lambda v: 0 <= v <= 24 * 3600,
    "snap": lambda v: v in {s.label for s in SNAP_VALUES},
    "count_in_bars": lambda v: v in COUNT_IN_CHOICES,
    "variations": lambda v: 1 <= v <= 16,
    "temperature": lambda v: 0.05 <= v <= 3.0,
    "pitch_temperature": lambda v: v == AUTO_PITCH_TEMPERATURE or 0.05 <= v <= 3.0,
    "top_p": lambda v: v == AUTO_TOP_P or 0.05 <= v <= 1.0,
    "phrase_breath": lambda v: v == AUTO_PHRASE_BREATH or 1.0 <= v <= MAX_PHRASE_BREATH,
    "recent_files": lambda v: all(isinstance(p, str) for p in v),
    "accompaniment/style": lambda v: v in CHORD_TEXTURES,
    "accompaniment/program": lambda v: 0 <= v <= 127,
    "harmonize/per": lambda v: v in ("beat", "half-bar", "bar"),
    "harmonize/change_rate": lambda v: 0.25 <= v <= 4.0,
}


def default_store() -> QSettings:
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, APPLICATION)


def load_settings(store: QSettings) -> AppSettings:
    return _load(AppSettings(), store)


def save_settings(settings: AppSettings, store: QSettings) -> None:
    _save(settings, store)
    store.sync()


def _load(obj: Any, store: QSettings, group: str = "") -> Any:
    values: dict[str, Any] = {}
    for f in fields(obj):
        default = getattr(obj, f.name)
        if is_dataclass(default):
            store.beginGroup(f.name)
            values[f.name] = _load(default, store, f"{group}{f.name}/")
            store.endGroup()
            continue
        if not store.contains(f.name):
            continue
        value = _read(store.value(f.name), default)
        check = CHECKS.get(group + f.name, CHECKS.get(f.name))
        if value is not None and (check is None or check(value)):
            values[f.name] = value
    return replace(obj, **values)


def _read(raw: Any, default: Any) -> Any:
    """``raw`` as the type of ``default``; None when it cannot be (INI files hold only text)."""
    try:
        if isinstance(default, bool):
            return raw if isinstance(raw, bool) else str(raw).lower() in ("true", "1", "yes")
        if isinstance(default, int):
            return int(raw)
        if isinstance(default, float):
            return float(raw)
        if isinstance(default, list):
            value = json.loads(raw)
            return value if isinstance(value, list) else None
        return str(raw)
    except (TypeError, ValueError):
        return None


def _save(obj: Any, store: QSettings) -> None:
    for f in fields(obj):
        value = getattr(obj, f.name)
        if is_dataclass(value):
            store.beginGroup(f.name)
            _save(value, store)
            store.endGroup()
        elif isinstance(value, list):
            store.setValue(f.name, json.dumps(value))
        else:
            store.setValue(f.name, value)
