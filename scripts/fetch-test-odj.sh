#!/usr/bin/env bash
# A real offline domain-join blob (the decoded bytes of a djoin /provision /savefile
# made by Windows Server 2019) for the djoin reader's tests, from a package registry
# (never committed): Samba's smbtorture carries it as the test vector of its NDR ODJ
# suite (source4/torture/ndr/odj.c; GPL-3.0-or-later, used here only as test input).
# Debian's samba-testsuite package ships smbtorture; the blob is found in the binary by
# its serialization header and lengths, and pinned by its SHA-256 whatever the
# package's version. Writes .venv/test-data/odj-provision-w2k19.bin.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=.venv/test-data/odj-provision-w2k19.bin
blob_sha=8226b561daa94047f7262f08acf24b96730f02231facb9a1f54f23d71baf681a
if [ -f "$dest" ] && echo "$blob_sha  $dest" | sha256sum -c --status -; then
  exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get download -q samba-testsuite >/dev/null 2>&1) || {
  apt-get update -q >/dev/null && (cd "$work" && apt-get download -q samba-testsuite >/dev/null)
}
dpkg-deb --fsys-tarfile "$work"/samba-testsuite_*.deb | tar -xO ./usr/bin/smbtorture > "$work/smbtorture"
# Common type header (01 10 08 00 cccccccc), ObjectBufferLength 0x7b0, filler, the
# top-level referent, ulVersion 1, ulcBlobs 2: 1984 bytes in all.
.venv/bin/python - "$work/smbtorture" "$work/odj.bin" <<'PY'
import sys
data = open(sys.argv[1], "rb").read()
start = data.find(bytes.fromhex("01100800cccccccc" "b0070000" "00000000" "00000200" "01000000" "02000000"))
if start < 0:
    sys.exit("the ODJ test vector is not in smbtorture")
open(sys.argv[2], "wb").write(data[start : start + 16 + 0x7B0])
PY
echo "$blob_sha  $work/odj.bin" | sha256sum -c --status -
mkdir -p "$(dirname "$dest")"
mv "$work/odj.bin" "$dest"
