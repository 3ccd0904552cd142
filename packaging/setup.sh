#!/usr/bin/env bash
# One-step set-up for a fresh Debian/Ubuntu machine, then run the app or the tests.
#   bash packaging/setup.sh run [FILE]   install what is missing, start MelodyStudio
#   bash packaging/setup.sh test         install what is missing, run the whole test suite
# Idempotent: packages already present are not reinstalled; the virtual environment is .venv.
set -euo pipefail
mode=${1:-run}; shift || true
cd "$(dirname "$0")/.."

# Debian packages: FluidSynth and a GM sound font, Qt's xcb platform libraries, and for the tests
# a virtual X server (screenshots), abcmidi (a second ABC reader to cross-check ours), jackd2
# (a dummy JACK server: a real MIDI loopback without hardware). hnswlib ships only as source, so
# pip compiles it: g++ and the Python headers.
common=(python3 python3-venv python3-pip python3-dev g++ libfluidsynth3 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1
        libxcb-image0 libxcb-render-util0 libxcb-randr0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1
        libxkbcommon-x11-0 libegl1 libgl1 libfontconfig1 libdbus-1-3)
case "$mode" in
  run)  apt_pkgs=("${common[@]}" fluid-soundfont-gm) ;;
  test) apt_pkgs=("${common[@]}" timgm6mb-soundfont xvfb abcmidi sox jackd2) ;;
  *) echo "usage: bash packaging/setup.sh run [FILE] | test" >&2; exit 2 ;;
esac

missing=()
for p in "${apt_pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> installing system packages: ${missing[*]}"
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
  echo "MelodyStudio needs Python 3.11 or newer (found $(python3 --version))" >&2; exit 1; }
if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv"
  python3 -m venv .venv
fi
py=.venv/bin/python
stamp=.venv/.melodystudio-$mode-$(sha1sum pyproject.toml | cut -c1-12)
if [ ! -f "$stamp" ]; then
  echo "==> installing Python packages"
  $py -m pip install -q --upgrade pip
  if [ "$mode" = test ]; then
    # torch first, pinned: the local CPU wheel; an unpinned torch pulls a multi-GB CUDA build.
    $py -m pip install -q "torch==2.13.0"
    $py -m pip install -q -e ".[dev,train]"
  else
    $py -m pip install -q -e .
  fi
  touch "$stamp"
fi

if [ "$mode" = run ]; then
  exec .venv/bin/melodystudio "$@"
fi
export QT_QPA_PLATFORM=offscreen
echo "==> import contracts"; .venv/bin/lint-imports
echo "==> ruff";             .venv/bin/ruff check melodystudio tests benchmarks tools
echo "==> mypy";             .venv/bin/mypy melodystudio
echo "==> tests";            exec $py -m pytest -q "$@"
