"""Save docs/screenshot.png: the main window with a real melody, its lyrics and chords, a bar
selection and the shipped model's variations for it (variation A shown as a ghost).

    python tools/screenshot.py [OUT.png]            # offscreen (no display needed)
    xvfb-run -a python tools/screenshot.py          # under a virtual X server (QT_QPA_PLATFORM=xcb)
"""

from __future__ import annotations

import os
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen" if not os.environ.get("DISPLAY") else "xcb")

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from melodystudio.core import PPQ, Chord, ChordSymbol, KeySignature, Note, Song, TempoChange  # noqa: E402
from melodystudio.gui.lyric_assign import assign_lyrics, split_lyrics  # noqa: E402

# "Twinkle, Twinkle, Little Star" in D major: (pitch, quarters) per note, and one chord per half bar.
MELODY = [(62, 1), (62, 1), (69, 1), (69, 1), (71, 1), (71, 1), (69, 2), (67, 1), (67, 1), (66, 1), (66, 1),
          (64, 1), (64, 1), (62, 2), (69, 1), (69, 1), (67, 1), (67, 1), (66, 1), (66, 1), (64, 2),
          (69, 1), (69, 1), (67, 1), (67, 1), (66, 1), (66, 0.5), (67, 0.5), (64, 2)]
CHORDS = ["D", "D", "G", "D", "G", "D", "A7", "D", "D", "G", "D", "A", "D", "G", "D", "A"]
LYRICS = """Twin-kle twin-kle lit-tle star
How I won-der what you are
Up a-bove the world so high
Like a dia-mond_ in the sky"""


def build_song() -> Song:
    notes, tick = [], 0
    for pitch, quarters in MELODY:
        length = round(quarters * PPQ)
        notes.append(Note(tick, length, pitch, velocity=70 + (pitch % 5) * 6))
        tick += length
    song = Song("Twinkle, Twinkle, Little Star", program=73, tempos=[TempoChange.from_bpm(0, 96)],
                keys=[KeySignature(0, "D")], notes=notes,
                chords=[Chord(i * 2 * PPQ, 2 * PPQ, ChordSymbol.parse(c) or ChordSymbol("D"))
                        for i, c in enumerate(CHORDS)])
    outcome = assign_lyrics(song.notes, split_lyrics(LYRICS))
    song.set_lyrics([(n, ly) for n, ly in outcome.pairs])
    return song


def generate(window: object) -> None:
    """Inpaint the selected bars with the shipped model (fixed seed) and wait for the variations."""
    from PySide6.QtCore import QEventLoop, QTimer

    panel = window.panel  # type: ignore[attr-defined]
    panel.set_options(replace(panel.options(), seed=7))
    loop = QEventLoop()
    panel.variation_selected.connect(lambda index: loop.quit())
    QTimer.singleShot(60_000, loop.quit)  # a missing model shows its message instead
    panel.inpaint_action.trigger()
    loop.exec()


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "docs" / "screenshot.png"
    app = QApplication([])
    from melodystudio.gui.app import app_icon
    from melodystudio.gui.main_window import MainWindow, Services

    app.setWindowIcon(app_icon())
    tmp = Path(tempfile.mkdtemp(prefix="melodystudio-shot-"))
    window = MainWindow(Services(store=QSettings(str(tmp / "s.ini"), QSettings.Format.IniFormat),
                                 recovery_dir=tmp / "recovery", player=lambda s: None, start_devices=False))
    window.resize(1440, 900)
    window.show()
    window.start()
    song = build_song()
    window.document.replace_song(song)
    window.document.select_bars((4, 5))
    generate(window)
    roll = window.roll
    roll.view.set_zoom(px_per_tick=44 / PPQ, px_per_row=16)
    roll.view.horizontalScrollBar().setValue(0)
    roll.view.center_on_pitch(67)
    roll.set_playhead(3 * PPQ)
    for _ in range(5):
        app.processEvents()
    out.parent.mkdir(parents=True, exist_ok=True)
    ok = window.grab().save(str(out))
    window.shutdown()
    print(f"{'saved' if ok else 'could not save'} {out}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
