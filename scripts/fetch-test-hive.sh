#!/usr/bin/env bash
# A real Windows 10 SYSTEM hive for the driver-injection tests, from a package
# registry (never committed): dissect.regf's source distribution on PyPI ships one
# as test data (AGPL-3.0-or-later, like the package; used here only as test input).
# Pinned by the sdist's and the hive's SHA-256. Writes .venv/test-data/SYSTEM-win10.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=.venv/test-data/SYSTEM-win10
hive_sha=bf50b7616c960f03a7c429e2972d480fffe717d71b5562b29801e4be0df0b55b
sdist_sha=0df90d4e68453dae1e75a50bd343d84ffc413f4e65d527c05f657b7ea9f30f33
if [ -f "$dest" ] && echo "$hive_sha  $dest" | sha256sum -c --status -; then
  exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "dissect.regf==3.14 --hash=sha256:$sdist_sha" > "$work/req.txt"
.venv/bin/python -m pip download -q --no-deps --no-binary :all: --require-hashes \
  -r "$work/req.txt" -d "$work" 2>/dev/null
tar -xzOf "$work/dissect_regf-3.14.tar.gz" dissect_regf-3.14/tests/_data/SYSTEM.gz \
  | gunzip > "$work/SYSTEM"
echo "$hive_sha  $work/SYSTEM" | sha256sum -c --status -
mkdir -p "$(dirname "$dest")"
mv "$work/SYSTEM" "$dest"
