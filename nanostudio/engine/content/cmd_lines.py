"""Pieces of cmd.exe script text that every part of SetupComplete.cmd is made of: a
logged step, a PowerShell call, text made safe inside quotes or for ``echo``."""

from __future__ import annotations


def powershell(command: str) -> str:
    return f'powershell -NoProfile -ExecutionPolicy Bypass -Command "{command}"'


def logged_step(label: str, command: str) -> list[str]:
    """Log the label, run the command into the log, record its exit code.

    ``STEP`` keeps the label for ``:check``'s line in the failures file: inside
    ``set "..."`` the text is stored as written (quotes removed so they cannot end the
    quoted assignment), escaped for the ``echo`` that later expands it.
    """
    return [
        f'set "STEP={echo_text(label.replace(chr(34), chr(39)))}"',
        f'echo [%DATE% %TIME%] {echo_text(label)} >> "%LOG%"',
        f'{command} >> "%LOG%" 2>&1',
        "call :check %ERRORLEVEL%",
    ]


def quoted(text: str) -> str:
    """Text for inside double quotes on a cmd line: no quotes, ``%`` doubled."""
    return text.replace('"', "").replace("%", "%%")


def echo_text(text: str) -> str:
    """Text for ``echo``: cmd's special characters escaped with ``^``, ``%`` doubled."""
    escaped = "".join(f"^{c}" if c in "^&|<>()" else c for c in text)
    return escaped.replace("%", "%%")
