"""powershell.exe under WinRS: the interpreter run non-interactively, its streams as text.

WinRS has no host to prompt with, so Read-Host and Get-Credential fail as they do
with -NonInteractive; Start-Sleep becomes a delay before the following output.
Errors are written to stderr in PowerShell's console format, and the exit code is
`exit N`, else 1 when the last statement failed, else 0 (powershell -Command rules).
"""

from __future__ import annotations

from tests.winrm_server.commands import ENCODING, Script, Step
from tests.winrm_server.powershell import ErrorInfo, NonInteractive, Session


class _TextHost:
    """powershell.Host that turns every stream into timed text steps."""

    def __init__(self) -> None:
        self.steps: list[Step] = []
        self.clock = 0.0
        self.failed = False

    def _add(self, stream: str, text: str) -> None:
        self.steps.append(Step(self.clock, stream, text.encode(ENCODING, errors="replace")))

    def output(self, value: object) -> None:
        self.failed = False
        self._add("stdout", _text(value) + "\r\n")

    def error(self, error: ErrorInfo) -> None:
        self.failed = True
        target = _text(error.target)
        reason = error.exception_type.rsplit(".", 1)[-1]
        prefix = f"{error.command} : " if error.command else ""
        self._add(
            "stderr",
            f"{prefix}{error.message}\r\n"
            f"    + CategoryInfo          : {error.category}: ({target}:String) "
            f"[{error.command}], {reason}\r\n"
            f"    + FullyQualifiedErrorId : {error.error_id}\r\n \r\n",
        )

    def warning(self, text: str) -> None:
        self._add("stdout", f"WARNING: {text}\r\n")

    def verbose(self, text: str) -> None:
        self._add("stdout", f"VERBOSE: {text}\r\n")

    def debug(self, text: str) -> None:
        self._add("stdout", f"DEBUG: {text}\r\n")

    def information(self, value: object, tags: list[str]) -> None:
        self._add("stdout", _text(value) + "\r\n")

    def write_host(
        self, text: str, newline: bool, foreground: str | None, background: str | None
    ) -> None:
        self._add("stdout", text + ("\r\n" if newline else ""))

    def progress(
        self, activity: str, status: str, percent: int, activity_id: int, completed: bool
    ) -> None:
        return None  # a console without a window shows no progress bar

    def read_line(self, prompt: str | None) -> str:
        raise NonInteractive

    def prompt_for_credential(self, caption: str, message: str, user: str) -> object:
        raise NonInteractive

    def sleep(self, seconds: float) -> None:
        self.clock += max(0.0, seconds)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    return str(value)


def run_script(script: str, hostname: str, user: str) -> Script:
    """The Script a `powershell -EncodedCommand` invocation produces."""
    host = _TextHost()
    code = Session(hostname=hostname, user=user).run(script, host)
    exit_code = code if code is not None else (1 if host.failed else 0)
    return Script(tuple(host.steps), exit_code, duration=host.clock)
