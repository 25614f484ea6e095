"""Values, errors and the Host interface shared by the parser, cmdlets and session."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol


class Stopped(Exception):
    """The pipeline was asked to stop (Ctrl+C); unwinds the script."""


class ExitScript(Exception):
    """`exit N`: ends the script with an exit code."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


class StatementFailed(Exception):
    """A terminating error for one statement: written to the error stream, script goes on."""

    def __init__(self, error: ErrorInfo) -> None:
        super().__init__(error.message)
        self.error = error


@dataclass(frozen=True)
class Record:
    """A complex object: .NET type names, properties, and what ToString() gives."""

    type_names: tuple[str, ...]
    properties: dict[str, object]
    text: str

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class ErrorInfo:
    """What an ErrorRecord carries."""

    message: str
    exception_type: str
    category: str  # System.Management.Automation.ErrorCategory name
    error_id: str  # FullyQualifiedErrorId
    target: object = None
    command: str = ""
    activity: str | None = None  # CategoryInfo.Activity; None means the command's name

    def category_activity(self) -> str:
        return self.command if self.activity is None else self.activity


class Host(Protocol):
    """What a running pipeline can do beyond computing values."""

    def output(self, value: object) -> None: ...
    def error(self, error: ErrorInfo) -> None: ...
    def warning(self, text: str) -> None: ...
    def verbose(self, text: str) -> None: ...
    def debug(self, text: str) -> None: ...
    def information(self, value: object, tags: list[str]) -> None: ...
    def write_host(
        self, text: str, newline: bool, foreground: str | None, background: str | None
    ) -> None: ...
    def progress(
        self, activity: str, status: str, percent: int, activity_id: int, completed: bool
    ) -> None: ...
    def read_line(self, prompt: str | None) -> str: ...
    def prompt_for_credential(self, caption: str, message: str, user: str) -> object: ...
    def sleep(self, seconds: float) -> None: ...


class NonInteractive(Exception):
    """Raised by a Host that has no user to ask (powershell.exe under WinRS, a null host)."""


NON_INTERACTIVE_MESSAGE = (
    "Windows PowerShell is in NonInteractive mode. Read and Prompt functionality is not available."
)


def parse_error(message: str) -> ErrorInfo:
    return ErrorInfo(
        message=message,
        exception_type="System.Management.Automation.ParseException",
        category="ParserError",
        error_id="ParseException",
    )


def as_text(value: object) -> str:
    """PowerShell's string conversion of a value."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, list):
        return " ".join(as_text(v) for v in value)
    return str(value)


def flatten(value: object) -> Iterator[object]:
    if isinstance(value, list):
        for item in value:
            yield from flatten(item)
    elif value is not None:
        yield value


def to_int(value: object, what: str, command: str) -> int:
    try:
        return int(as_text(value))
    except ValueError:
        raise StatementFailed(
            ErrorInfo(
                message=f"Cannot bind parameter '{what}'. Cannot convert value "
                f'"{as_text(value)}" to type "System.Int32".',
                exception_type="System.Management.Automation.ParameterBindingException",
                category="InvalidArgument",
                error_id=f"CannotConvertArgumentNoMessage,{command}",
                command=command,
            )
        ) from None


def not_recognized(name: str) -> ErrorInfo:
    return ErrorInfo(
        message=f"The term '{name}' is not recognized as the name of a cmdlet, function, "
        "script file, or operable program. Check the spelling of the name, or if a path was "
        "included, verify that the path is correct and try again.",
        exception_type="System.Management.Automation.CommandNotFoundException",
        category="ObjectNotFound",
        error_id="CommandNotFoundException",
        target=name,
        command=name,
        activity="",
    )
