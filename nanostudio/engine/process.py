"""Run an external tool: log its argv, stream its output lines, honour cancel.

Output is read by threads (works on Windows pipes too) and split on both
``\\r`` and ``\\n`` because DISM and wimlib redraw progress with ``\\r``. On
cancel the whole process tree is killed with psutil.
"""

from __future__ import annotations

import codecs
import contextlib
import logging
import queue
import shlex
import shutil
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import psutil

from nanostudio.engine.cancel import CancelToken
from nanostudio.errors import BuildCancelled, ToolMissingError
from nanostudio.secret import Secret, child_environment

log = logging.getLogger(__name__)

# Where each tool comes from, for the "missing tool" message.
INSTALL_HINTS: dict[str, str] = {
    "wimlib-imagex": "install wimlib (Debian/Ubuntu: apt-get install wimtools)",
    "mkntfs": "install ntfs-3g (Debian/Ubuntu: apt-get install ntfs-3g)",
    "ntfs-3g": "install ntfs-3g (Debian/Ubuntu: apt-get install ntfs-3g)",
    "ntfscat": "install ntfs-3g (Debian/Ubuntu: apt-get install ntfs-3g)",
    "ntfsls": "install ntfs-3g (Debian/Ubuntu: apt-get install ntfs-3g)",
    "mkfs.fat": "install dosfstools (Debian/Ubuntu: apt-get install dosfstools)",
    "mcopy": "install mtools (Debian/Ubuntu: apt-get install mtools)",
    "mmd": "install mtools (Debian/Ubuntu: apt-get install mtools)",
    "qemu-img": "install QEMU's tools (Debian/Ubuntu: apt-get install qemu-utils)",
    "dism": "DISM ships with Windows 10/11 and Server 2016+: run on such a host",
    "diskpart": "diskpart ships with Windows: run on a Windows host",
    "bcdboot": "bcdboot ships with Windows: run on a Windows host",
}
_TAIL_LINES = 40
_POLL_S = 0.05


@dataclass(frozen=True)
class ToolResult:
    argv: tuple[str, ...]
    returncode: int
    tail: tuple[str, ...]  # last lines of output, for error messages

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def require_tool(name: str) -> str:
    """Full path of ``name`` or a ToolMissingError saying how to install it."""
    found = shutil.which(name)
    if found is None:
        hint = INSTALL_HINTS.get(name, f"install {name}")
        raise ToolMissingError(f"{name} was not found on PATH: {hint}")
    return found


def quote_argv(argv: Sequence[str]) -> str:
    if sys.platform == "win32":
        return subprocess.list2cmdline(list(argv))
    return shlex.join(argv)


def split_redraws(chunk: str) -> list[str]:
    """Lines of tool output, treating ``\\r`` as a line end (progress redraws)."""
    return [part for part in _split_line_ends(chunk) if part]


def _split_line_ends(text: str) -> list[str]:
    """``text`` cut at every ``\\r\\n``, ``\\r`` and ``\\n``; the last part is unterminated."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def run_tool(
    argv: Sequence[str],
    *,
    cancel: CancelToken,
    on_line: Callable[[str], None] | None = None,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    stdin_data: bytes | None = None,
    encoding: str = "utf-8",
    secrets: Sequence[Secret | None] = (),
) -> ToolResult:
    """Run to completion; returns the result (the caller decides what a failure means).

    The tool gets this process's environment plus ``env``, without any password
    (``child_environment``: the password variables and any variable holding one of
    ``secrets``). Raises BuildCancelled (after killing the tree) when ``cancel`` is set.
    """
    log.info("running: %s", quote_argv(argv))
    cancel.raise_if_cancelled()
    process = subprocess.Popen(
        list(argv),
        stdin=subprocess.PIPE if stdin_data is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=child_environment(env, secrets),
        cwd=cwd,
        creationflags=_hidden_window_flags(),
    )
    lines: queue.Queue[str | None] = queue.Queue()
    assert process.stdout is not None
    reader = threading.Thread(
        target=_read_lines, args=(process.stdout, lines, encoding), daemon=True
    )
    reader.start()
    if stdin_data is not None and process.stdin is not None:
        try:
            process.stdin.write(stdin_data)
            process.stdin.close()
        except BrokenPipeError:
            pass
    tail: deque[str] = deque(maxlen=_TAIL_LINES)
    finished_reading = False
    while not finished_reading:
        if cancel.cancelled:
            kill_tree(process)
            reader.join(timeout=2)
            # What the tool printed before it was stopped still happened (diskpart's
            # "successfully assigned" decides what the clean-up must undo): hand it on.
            _drain(lines, on_line)
            raise BuildCancelled()
        try:
            line = lines.get(timeout=_POLL_S)
        except queue.Empty:
            continue
        if line is None:
            finished_reading = True
            continue
        tail.append(line)
        if on_line is not None:
            on_line(line)  # the caller logs what it wants: no second copy here
        else:
            log.debug("%s: %s", Path(argv[0]).name, line)
    while process.poll() is None:
        if cancel.wait(_POLL_S):
            kill_tree(process)
            raise BuildCancelled()
    return ToolResult(tuple(argv), process.returncode, tuple(tail))


def _drain(lines: queue.Queue[str | None], on_line: Callable[[str], None] | None) -> None:
    """Pass on the lines already read, without waiting for more."""
    while True:
        try:
            line = lines.get_nowait()
        except queue.Empty:
            return
        if line is None:
            return
        if on_line is not None:
            on_line(line)


def kill_tree(process: subprocess.Popen[bytes]) -> None:
    """Kill ``process`` and every descendant (DISM and diskpart spawn helpers)."""
    try:
        parent = psutil.Process(process.pid)
        children = parent.children(recursive=True)
    except psutil.NoSuchProcess:
        children = []
    for proc in children:
        with contextlib.suppress(psutil.NoSuchProcess):
            proc.kill()
    process.kill()
    process.wait()
    _wait_gone(children, timeout=2)


def _wait_gone(procs: list[psutil.Process], timeout: float) -> None:
    """Like ``psutil.wait_procs``, but a zombie counts as gone: an orphan's zombie waits
    for an init that may never reap it (containers), which would stall every cancel."""
    deadline = time.monotonic() + timeout
    pending = procs
    while pending and time.monotonic() < deadline:
        pending = [proc for proc in pending if _alive(proc)]
        if pending:
            time.sleep(0.02)


def _alive(proc: psutil.Process) -> bool:
    try:
        return proc.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _read_lines(stream: IO[bytes], lines: queue.Queue[str | None], encoding: str) -> None:
    # Incremental: a multi-byte character cut by a read is decoded whole by the next one.
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    pending = ""
    try:
        while chunk := stream.read1(65536) if hasattr(stream, "read1") else stream.read(4096):
            pending += decoder.decode(chunk)
            *complete, pending = _split_line_ends(pending)
            for line in complete:
                if line:
                    lines.put(line)
        pending += decoder.decode(b"", final=True)
        for line in _split_line_ends(pending):
            if line:
                lines.put(line)
    finally:
        stream.close()
        lines.put(None)


def _hidden_window_flags() -> int:
    """CREATE_NO_WINDOW on Windows so a windowed build shows no console flashes."""
    return getattr(subprocess, "CREATE_NO_WINDOW", 0) if sys.platform == "win32" else 0
