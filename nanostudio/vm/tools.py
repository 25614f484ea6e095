"""Running a hypervisor's command-line tool: argv logged, output captured, never a hang."""

from __future__ import annotations

import logging
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass

from nanostudio.engine.process import quote_argv
from nanostudio.vm.model import VmError

log = logging.getLogger(__name__)
TOOL_TIMEOUT_S = 120.0


@dataclass(frozen=True)
class Output:
    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    @property
    def message(self) -> str:
        """The tool's own complaint, first line that says something."""
        for line in (self.stderr + "\n" + self.stdout).splitlines():
            text = line.strip()
            if text and not set(text) <= set("0123456789.%"):
                return text
        return f"{self.argv[0]} exited with {self.returncode}"


def run(
    argv: Sequence[str], *, stdin: str | None = None, timeout_s: float = TOOL_TIMEOUT_S
) -> Output:
    log.info("running: %s", quote_argv(argv))
    try:
        result = subprocess.run(
            list(argv),
            input=stdin,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=timeout_s,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise VmError(f"{argv[0]} did not finish within {timeout_s:g} s.") from error
    except OSError as error:
        raise VmError(f"{argv[0]} could not be started: {error}") from error
    output = Output(tuple(argv), result.returncode, result.stdout, result.stderr)
    if not output.ok:
        log.info("%s exited with %s: %s", argv[0], output.returncode, output.message)
    return output
