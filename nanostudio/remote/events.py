"""What a running PowerShell command reports, as plain typed values (no Qt, no pypsrp).

The console widget and the terminal REPL render these; tests assert on them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum


class Stream(Enum):
    """PowerShell's output streams, plus text the remote host wrote (Write-Host)."""

    OUTPUT = "output"
    ERROR = "error"
    WARNING = "warning"
    VERBOSE = "verbose"
    DEBUG = "debug"
    INFORMATION = "information"
    HOST = "host"


# The prefixes PowerShell's own console puts in front of these streams.
STREAM_PREFIX: Mapping[Stream, str] = {
    Stream.WARNING: "WARNING: ",
    Stream.VERBOSE: "VERBOSE: ",
    Stream.DEBUG: "DEBUG: ",
}


@dataclass(frozen=True)
class StreamText:
    """One line of text on one stream (no trailing newline)."""

    stream: Stream
    text: str
    # Write-Host's -ForegroundColor/-BackgroundColor as System.ConsoleColor numbers,
    # None where the text keeps the host's own colours (Gray on Black).
    foreground: int | None = None
    background: int | None = None

    def rendered(self) -> str:
        return STREAM_PREFIX.get(self.stream, "") + self.text


@dataclass(frozen=True)
class ProgressRecord:
    """A Write-Progress update; ``percent`` is None when the command gave none."""

    activity: str
    status: str
    percent: int | None
    completed: bool = False
    activity_id: int = 0


@dataclass(frozen=True)
class CommandFinished:
    """The command ended; ``location`` is the remote current directory for the prompt."""

    location: str
    had_errors: bool
    stopped: bool = False


SessionEvent = StreamText | ProgressRecord | CommandFinished
EventSink = Callable[[SessionEvent], None]


class PromptKind(Enum):
    LINE = "line"  # Read-Host without a prompt (ReadLine)
    SECURE_LINE = "secure_line"  # Read-Host -AsSecureString
    FIELDS = "fields"  # Read-Host "text", parameter prompts
    CREDENTIAL = "credential"  # Get-Credential
    CHOICE = "choice"  # confirmations (Remove-Item -Confirm)


@dataclass(frozen=True)
class PromptField:
    name: str
    label: str
    secure: bool = False


@dataclass(frozen=True)
class PromptRequest:
    """The remote command waits for the user; a handler answers it (dialog or terminal)."""

    kind: PromptKind
    caption: str = ""
    message: str = ""
    fields: tuple[PromptField, ...] = ()
    user_name: str = ""
    choices: tuple[str, ...] = ()
    default_choice: int = -1


@dataclass(frozen=True)
class PromptReply:
    """The user's answer; which members matter depends on the request's kind."""

    values: Mapping[str, str] = field(default_factory=dict)
    user: str = ""
    password: str = ""
    choice: int = -1

    def __repr__(self) -> str:  # never print the secret parts
        fields = sorted(self.values)
        return f"PromptReply(fields={fields}, user={self.user!r}, choice={self.choice})"


# None means the user cancelled: the running command is stopped.
PromptHandler = Callable[[PromptRequest], PromptReply | None]


@dataclass(frozen=True)
class Completion:
    """TabExpansion2's answer: replace ``length`` characters at ``start`` by a match."""

    start: int
    length: int
    matches: tuple[str, ...]

    def apply(self, line: str, index: int = 0) -> tuple[str, int]:
        """The line with match ``index`` substituted, and the new cursor position."""
        if not self.matches:
            return line, self.start + self.length
        match = self.matches[index % len(self.matches)]
        new_line = line[: self.start] + match + line[self.start + self.length :]
        return new_line, self.start + len(match)
