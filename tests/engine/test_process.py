from __future__ import annotations

import logging
import sys
import threading
import time

import psutil
import pytest

from nanostudio.engine.cancel import CancelToken
from nanostudio.engine.process import require_tool, run_tool, split_redraws
from nanostudio.errors import BuildCancelled, ToolMissingError

PY = sys.executable


def test_split_redraws_treats_carriage_return_as_line_end() -> None:
    text = "Applying\r[==   10.0%   ]\r[=====  50.0%  ]\r\nDone\n"
    assert split_redraws(text) == ["Applying", "[==   10.0%   ]", "[=====  50.0%  ]", "Done"]


def test_lines_arrive_split_on_cr_and_lf() -> None:
    script = "import sys; sys.stdout.write('a\\r b\\r\\nc\\nd'); sys.stdout.flush()"
    seen: list[str] = []
    result = run_tool([PY, "-c", script], cancel=CancelToken(), on_line=seen.append)
    assert result.ok
    assert seen == ["a", " b", "c", "d"]
    assert result.tail == ("a", " b", "c", "d")


def test_a_character_split_across_reads_is_decoded_whole() -> None:
    script = (
        "import sys, time; out = sys.stdout.buffer; "
        "out.write(b'caf\\xc3'); out.flush(); time.sleep(0.3); "
        "out.write(b'\\xa9\\n'); out.flush()"
    )
    seen: list[str] = []
    run_tool([PY, "-c", script], cancel=CancelToken(), on_line=seen.append)
    assert seen == ["café"]


def test_exit_code_and_stderr_are_kept() -> None:
    script = "import sys; print('boom', file=sys.stderr); sys.exit(3)"
    result = run_tool([PY, "-c", script], cancel=CancelToken())
    assert result.returncode == 3 and not result.ok
    assert result.tail == ("boom",)


def test_stdin_data_is_passed() -> None:
    script = "import sys; print(sys.stdin.read().upper())"
    seen: list[str] = []
    run_tool([PY, "-c", script], cancel=CancelToken(), on_line=seen.append, stdin_data=b"list disk")
    assert seen == ["LIST DISK"]


def test_cancel_kills_the_whole_tree_quickly() -> None:
    child = "import time; time.sleep(60)"
    script = (
        "import subprocess, sys, time; "
        f"p = subprocess.Popen([sys.executable, '-c', {child!r}]); "
        "print(p.pid, flush=True); time.sleep(60)"
    )
    cancel = CancelToken()
    pids: list[int] = []

    def on_line(line: str) -> None:
        pids.append(int(line))
        threading.Timer(0.2, cancel.cancel).start()

    started = time.monotonic()
    with pytest.raises(BuildCancelled):
        run_tool([PY, "-c", script], cancel=cancel, on_line=on_line)
    assert time.monotonic() - started < 5
    assert pids, "the grandchild reported its pid"
    gone = not psutil.pid_exists(pids[0]) or psutil.Process(pids[0]).status() == "zombie"
    assert gone


def test_missing_tool_says_how_to_install() -> None:
    with pytest.raises(ToolMissingError, match="apt-get install wimtools"):
        require_tool_named_wimlib_in_empty_path()


def require_tool_named_wimlib_in_empty_path() -> None:
    import os

    saved = os.environ["PATH"]
    os.environ["PATH"] = ""
    try:
        require_tool("wimlib-imagex")
    finally:
        os.environ["PATH"] = saved


def test_lines_given_to_a_callback_are_not_logged_twice(caplog: pytest.LogCaptureFixture) -> None:
    script = "print('only once')"
    with caplog.at_level(logging.DEBUG, logger="nanostudio.engine.process"):
        run_tool([PY, "-c", script], cancel=CancelToken(), on_line=lambda line: None)
        run_tool([PY, "-c", script], cancel=CancelToken())
    lines = [r.getMessage() for r in caplog.records if r.getMessage().endswith(": only once")]
    assert len(lines) == 1  # only the call without a callback logs the line
