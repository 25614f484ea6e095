"""FAKE expand.exe for tests: ``expand -F:* <cabinet> <folder>`` unpacks with gcab.

Prints what the real one prints (``Adding <folder>\\<name> to Extraction Queue``,
then a total), exits 1 with the real tool's complaint for a file that is not a
cabinet.
"""

from __future__ import annotations

import subprocess
import sys

from tests.support.windows_fakes import fakecore


def main(argv: list[str]) -> int:
    fakecore.journal({"tool": "expand", "argv": argv})
    if len(argv) != 3 or argv[0].upper() != "-F:*":
        fakecore.say("expand: the fake understands only -F:* SOURCE DEST")
        return 2
    source, dest = fakecore.host_path(argv[1]), fakecore.host_path(argv[2])
    if fakecore.failure("expand", " ".join(argv)) is not None:
        fakecore.say(f"Can't open input file: {argv[1]}.")
        return 1
    listing = subprocess.run(["gcab", "--list", str(source)], capture_output=True, text=True)
    if listing.returncode != 0:
        fakecore.say(f"Can't open input file: {argv[1]}.")
        return 1
    dest.mkdir(parents=True, exist_ok=True)
    subprocess.run(["gcab", "--extract", f"--directory={dest}", str(source)], check=True)
    names = [line.strip() for line in listing.stdout.splitlines() if line.strip()]
    for name in names:
        fakecore.say(f"Adding {argv[2]}\\{name} to Extraction Queue")
    fakecore.say("")
    fakecore.say("Expanding Files Complete ...")
    fakecore.say(f"{len(names)} files total.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
