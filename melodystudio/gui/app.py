"""The desktop application's entry point: ``melodystudio [FILE]``."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QWidget

from melodystudio import __version__
from melodystudio.gui.settings import APPLICATION, ORGANIZATION

ICON_NAMES = ("melodystudio.svg", "melodystudio.png")
# Set to the launch time (time.time()) by benchmarks/bench_gui.py and packaging checks: the app
# prints the seconds from launch to its first idle event loop, then quits.
STARTUP_PROBE_ENV = "MELODYSTUDIO_STARTUP_PROBE"


def resource_dirs() -> list[Path]:
    """Where the icons are: beside a frozen app (PyInstaller's _MEIPASS), or in the source tree."""
    dirs = []
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        dirs.append(Path(frozen) / "resources" / "icons")
    dirs.append(Path(__file__).resolve().parents[2] / "resources" / "icons")
    return dirs


def app_icon() -> QIcon:
    icon = QIcon()
    for folder in resource_dirs():
        for name in ICON_NAMES:
            if (folder / name).is_file():
                icon.addFile(str(folder / name))
        if not icon.isNull():
            break
    return icon


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="melodystudio", description="MelodyStudio desktop application")
    parser.add_argument("file", nargs="?", type=Path, help="a song to open (.mstudio, MIDI, MusicXML, ABC)")
    args, _unknown = parser.parse_known_args(list(argv))
    return args


def run_app(argv: Sequence[str]) -> int:
    """Start the GUI, open FILE if given, and return the event loop's exit code."""
    app = QApplication.instance() or QApplication([sys.argv[0], *argv])
    assert isinstance(app, QApplication)
    args = parse_args(app.arguments()[1:])  # Qt has taken its own options (-platform, -style ...) out
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("melodystudio")
    app.setWindowIcon(app_icon())
    from melodystudio.gui.main_window import MainWindow  # after the app: its imports create no widgets

    window = MainWindow()
    window.show()
    QTimer.singleShot(0, lambda: window.start(args.file))
    launched = os.environ.get(STARTUP_PROBE_ENV)
    if launched:
        QTimer.singleShot(0, lambda: _report_startup(float(launched), window))
    return int(app.exec())


def _report_startup(launched: float, window: QWidget) -> None:
    print(f"startup_seconds={time.time() - launched:.3f}", flush=True)
    window.close()
