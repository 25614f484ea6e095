"""Shared plumbing of the FAKE Windows tools (fake_dism, fake_diskpart, fake_bcdboot,
fake_bcdedit).

Nothing here is Windows: the fakes replay the text the real tools print (with
their ``\\r`` progress redraws, success sentences, error codes) and keep a tiny
simulated machine (attached virtual disks, drive letters, DISM mounts) in the
folder named by ``NANOSTUDIO_FAKE_STATE``. Every call is appended to the JSON-lines
journal ``NANOSTUDIO_FAKE_JOURNAL`` for tests to assert on.

Fault injection, by environment variable (several rules separated by ``;``):
- ``NANOSTUDIO_FAKE_FAIL=tool|substring|error``: a call of ``tool`` whose command
  line (for diskpart: a script command) contains ``substring`` fails with ``error``
  (a DISM code such as ``0x800f081e``; diskpart's error sentence; ignored by bcdboot;
  for bcdedit the reason line under its verdict, such as ``Access is denied.``).
- ``NANOSTUDIO_FAKE_HANG=tool|substring``: such a call prints some progress, starts
  a child process (like DismHost.exe) and then never finishes.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

JOURNAL_ENV = "NANOSTUDIO_FAKE_JOURNAL"
STATE_ENV = "NANOSTUDIO_FAKE_STATE"
FAIL_ENV = "NANOSTUDIO_FAKE_FAIL"
HANG_ENV = "NANOSTUDIO_FAKE_HANG"
HANG_SECONDS = 300


@dataclass(frozen=True)
class Rule:
    tool: str
    substring: str
    detail: str


def _rules(variable: str) -> list[Rule]:
    rules = []
    for item in os.environ.get(variable, "").split(";"):
        if not item.strip():
            continue
        parts = item.split("|")
        rules.append(Rule(parts[0], parts[1], parts[2] if len(parts) > 2 else ""))
    return rules


def failure(tool: str, text: str) -> str | None:
    """The injected error for this call, if a FAIL rule matches."""
    for rule in _rules(FAIL_ENV):
        if rule.tool == tool and rule.substring.lower() in text.lower():
            return rule.detail
    return None


def hangs(tool: str, text: str) -> bool:
    return any(
        rule.tool == tool and rule.substring.lower() in text.lower() for rule in _rules(HANG_ENV)
    )


def state_dir() -> Path:
    path = Path(os.environ[STATE_ENV])
    path.mkdir(parents=True, exist_ok=True)
    return path


def drive(letter: str) -> Path:
    """The fake machine's drive ``letter`` (a link that fake_diskpart's ``assign`` makes)."""
    return state_dir() / "drives" / letter.upper()


def host_path(text: str) -> Path:
    """A path as a tool gets it: ``W:\\Windows`` is on the fake drive W; others are native."""
    match = re.match(r"^([A-Za-z]):[\\/]?(.*)$", text)
    if match is None:
        return Path(text)
    parts = [part for part in re.split(r"[\\/]+", match.group(2)) if part]
    return drive(match.group(1)).joinpath(*parts)


def load_state(name: str) -> dict[str, Any]:
    path = state_dir() / f"{name}.json"
    if not path.exists():
        return {}
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def save_state(name: str, data: dict[str, Any]) -> None:
    path = state_dir() / f"{name}.json"
    temp = path.with_suffix(".tmp")
    temp.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
    temp.replace(path)


def journal(entry: dict[str, Any]) -> None:
    path = Path(os.environ[JOURNAL_ENV])
    with path.open("a", encoding="utf-8") as out:
        out.write(json.dumps(entry) + "\n")


def say(text: str = "", end: str = "\r\n") -> None:
    """Write like a Windows console program: CRLF line ends, flushed at once."""
    sys.stdout.write(text + end)
    sys.stdout.flush()


def redraw(frames: list[str], pause: float = 0.0) -> None:
    """Progress redrawn in place with ``\\r`` (no newline until the last frame)."""
    for frame in frames:
        sys.stdout.write("\r" + frame)
        sys.stdout.flush()
        if pause:
            time.sleep(pause)
    say("")


def hang(tool: str) -> None:
    """Start a helper child (as DISM starts DismHost.exe), note its pid, never finish."""
    child = subprocess.Popen(
        [sys.executable, "-c", f"import time; time.sleep({HANG_SECONDS})"],
        stdin=subprocess.DEVNULL,
    )
    journal({"tool": tool, "hang": True, "pid": os.getpid(), "child_pid": child.pid})
    time.sleep(HANG_SECONDS)
    sys.exit(99)


def tree_listing(root: Path) -> dict[str, str]:
    """Every file below ``root``: its text, or ``sha256:...`` for binary files."""
    listing: dict[str, str] = {}
    if not root.exists():
        return listing
    for path in sorted(root.rglob("*")):
        if path.is_file():
            relative = path.relative_to(root).as_posix()
            data = path.read_bytes()
            try:
                listing[relative] = data.decode("utf-8")
            except UnicodeDecodeError:
                listing[relative] = "sha256:" + hashlib.sha256(data).hexdigest()
    return listing
