#!/usr/bin/env bash
# Set up NanoStudio on Debian/Ubuntu (run as root): the engine's tools, Qt's
# runtime libraries, and a virtual environment in .venv with the package.
set -euo pipefail
cd "$(dirname "$0")/.."

DEBIAN_PACKAGES=(
  # portable engine: WIM apply, NTFS, FAT ESP, GPT checks, disk images, cabs, hives
  # (libhivex0 is the library the engine edits SYSTEM hives with; libhivex-bin's
  # hivexsh/hivexget are the independent readers the tests use)
  wimtools ntfs-3g mtools dosfstools gdisk qemu-utils gcab libhivex0 libhivex-bin util-linux
  e2fsprogs
  # sample media (a real EFI program as bootmgfw.efi, a UDF ISO) and boot tests
  grub-efi-amd64-bin grub-common genisoimage qemu-system-x86 ovmf
  # Qt (PySide6) runtime libraries
  libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libfreetype6 libdbus-1-3
  libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-xinerama0 libxcb-randr0
  libxcb-render-util0 libxcb-image0 libxcb-xkb1 libglib2.0-0 fonts-dejavu-core
  # Python; binutils and the shared libpython for PyInstaller; Xvfb for the frozen xcb smoke test
  python3 python3-venv python3-pip binutils libpython3-dev xvfb xauth
  # the frozen app's trimmed ICU data (installer/icu_data.py: icupkg, genccode, a C compiler)
  icu-devtools gcc
)

missing=()
for package in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[test,freeze]'
