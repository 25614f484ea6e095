"""FAKE robocopy.exe for tests: the two forms the Windows engine uses.

``robocopy SRC DST /E <options>`` copies a tree; ``robocopy SRCDIR DST NAME <options>``
one file. Exit codes as robocopy's: 1 files copied, 0 nothing to copy, 16 a fatal
error (a source that does not exist). Options other than the engine's are refused.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

from tests.support.windows_fakes import fakecore

OPTIONS = {"/E", "/COPY:DAT", "/R:0", "/W:0", "/NP", "/NJH", "/NJS"}


def _is_option(arg: str) -> bool:
    """``/E``, ``/COPY:DAT``; not a POSIX path such as ``/tmp/x`` (the fake runs on Linux)."""
    return re.fullmatch(r"/[A-Za-z]+(:[A-Za-z0-9]+)?", arg) is not None and not Path(arg).exists()


def main(argv: list[str]) -> int:
    fakecore.journal({"tool": "robocopy", "argv": argv})
    positional = [a for a in argv if not _is_option(a)]
    options = {a.upper() for a in argv if _is_option(a)}
    if not options <= OPTIONS or len(positional) not in (2, 3):
        fakecore.say(f"ERROR : Invalid Parameter: {' '.join(argv)}")
        return 16
    if fakecore.failure("robocopy", " ".join(argv)) is not None:
        fakecore.say("ERROR 5 (0x00000005) Copying File. Access is denied.")
        return 8
    source, dest = fakecore.host_path(positional[0]), fakecore.host_path(positional[1])
    if not source.is_dir():
        fakecore.say(f"ERROR 2 (0x00000002) Accessing Source Directory {positional[0]}")
        return 16
    if len(positional) == 3:
        if not (source / positional[2]).is_file():
            return 0
        dest.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / positional[2], dest / positional[2])
        fakecore.say(f"\t    New File  \t\t{positional[2]}")
        return 1
    if "/E" not in options:
        fakecore.say("the fake copies trees with /E only")
        return 16
    shutil.copytree(source, dest, dirs_exist_ok=True)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
