#!/usr/bin/env bash
# Build a standalone MelodyStudio folder with PyInstaller into dist/MelodyStudio/.
#   bash packaging/build_app.sh          # uses .venv (installs PyInstaller into it if missing)
# The result runs without Python installed; it still needs the system's FluidSynth library
# (libfluidsynth3) and a GM sound font for audio, as the README's set-up script installs.
set -euo pipefail
cd "$(dirname "$0")/.."
py=.venv/bin/python
[ -x "$py" ] || { echo "no .venv: run 'bash packaging/setup.sh run' first" >&2; exit 1; }
$py -m PyInstaller --version >/dev/null 2>&1 || $py -m pip install -q pyinstaller
$py -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath dist --workpath build/pyinstaller packaging/pyinstaller/melodystudio.spec
install -m 644 packaging/melodystudio.desktop dist/MelodyStudio/
echo "==> built dist/MelodyStudio ($(du -sh dist/MelodyStudio | cut -f1)); run dist/MelodyStudio/melodystudio"
