#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages the station needs, only those missing, so a second
# run does nothing. `test`: zbar for pyzbar. `run`: also the xcb libraries a real Qt
# window needs on Linux, OpenGL, and a CJK font for the Chinese screens.
set -euo pipefail

python=${PYTHON:-python3}
want=(libzbar0)
if [ "${1:-test}" = run ]; then
  want+=(libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0
         libxcb-shape0 libxcb-randr0 libxcb-xinerama0 libxkbcommon-x11-0 libegl1 libgl1
         libfontconfig1 libdbus-1-3 fonts-noto-cjk)
fi

if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "error: the station needs Python 3.11 or newer as '$python'; install it or run make PYTHON=python3.11" >&2
  exit 1
fi
if ! "$python" -c 'import ensurepip, venv' 2>/dev/null; then
  want+=("python3-venv" "python3.$("$python" -c 'import sys; print(sys.version_info[1])')-venv")
fi

missing=()
for package in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null; then
  echo "error: missing system packages ${missing[*]}, and this is not a Debian/Ubuntu system: install them by hand" >&2
  exit 1
fi
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
echo "installing system packages: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
