"""``nanostudio console``: a line-oriented PowerShell console on plain stdin/stdout.

It drives the same ``PsrpSession`` as the Qt widget. The command runs on a worker
thread so Ctrl+C (KeyboardInterrupt in the main thread) can stop it while the
session survives.
"""

from __future__ import annotations

import getpass
import sys
import threading
from collections.abc import Callable
from typing import TextIO

from nanostudio.errors import RemoteError
from nanostudio.remote.errors import SessionLostError
from nanostudio.remote.events import (
    CommandFinished,
    ProgressRecord,
    PromptKind,
    PromptReply,
    PromptRequest,
    SessionEvent,
    Stream,
    StreamText,
)
from nanostudio.remote.history import CommandHistory
from nanostudio.remote.session_api import ConsoleSession, prompt_text

_COLOURS = {
    Stream.ERROR: "\x1b[91m",
    Stream.WARNING: "\x1b[93m",
    Stream.VERBOSE: "\x1b[96m",
    Stream.DEBUG: "\x1b[96m",
    Stream.INFORMATION: "\x1b[97m",
}
_RESET = "\x1b[0m"
EXIT_WORDS = frozenset({"exit", "exit-pssession", "quit"})


def needs_more_input(text: str) -> bool:
    """A script is unfinished while brackets are open or the last line ends with a backtick."""
    depth = 0
    quote: str | None = None
    for char in text:
        if quote:
            if char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char in "({[":
            depth += 1
        elif char in ")}]":
            depth -= 1
    return depth > 0 or quote is not None or text.rstrip("\n").endswith("`")


class TerminalConsole:
    """The REPL: prompt, read (with continuation lines), run, print streams in colour."""

    def __init__(
        self,
        session: ConsoleSession,
        host_label: str,
        history: CommandHistory,
        *,
        read_line: Callable[[str], str] = input,
        stdout: TextIO = sys.stdout,
        stderr: TextIO = sys.stderr,
        read_secret: Callable[[str], str] = getpass.getpass,
    ) -> None:
        self.session = session
        self.host_label = host_label
        self.history = history
        self.read_line = read_line
        self.read_secret = read_secret
        self.stdout = stdout
        self.stderr = stderr
        self.colour = stdout.isatty()
        session.set_prompt_handler(self.answer_prompt)

    @property
    def prompt(self) -> str:
        return prompt_text(self.host_label, self.session.location) + " "

    def loop(self) -> int:
        """Until ``exit`` or end of input; returns the exit code for the CLI."""
        while True:
            try:
                script = self._read_script()
            except EOFError:
                self.stdout.write("\n")
                return 0
            except KeyboardInterrupt:
                self.stdout.write("\n")
                continue
            if script.strip().lower() in EXIT_WORDS:
                return 0
            if not script.strip():
                continue
            self.history.add(script)
            self.execute(script)

    def _read_script(self) -> str:
        lines = [self.read_line(self.prompt)]
        while needs_more_input("\n".join(lines)):
            lines.append(self.read_line(">> "))
        return "\n".join(lines)

    def execute(self, script: str) -> CommandFinished | None:
        """Run one script; Ctrl+C stops it; a lost session is reconnected once."""
        result: list[CommandFinished] = []
        failure: list[BaseException] = []

        done = threading.Event()

        def work() -> None:
            try:
                result.append(self.session.run(script, self.show))
            except BaseException as error:  # handed to the main thread below
                failure.append(error)
            finally:
                done.set()

        worker = threading.Thread(target=work, name="console-command", daemon=True)
        worker.start()
        # An Event, not Thread.is_alive(): a KeyboardInterrupt inside join() can leave
        # is_alive() wrong, and the command would be abandoned while still running.
        while not done.is_set():
            try:
                done.wait(0.1)
            except KeyboardInterrupt:
                self.session.stop()
        worker.join()
        if failure:
            self._report(failure[0])
            return None
        return result[0] if result else None

    def _report(self, error: BaseException) -> None:
        if isinstance(error, SessionLostError):
            self._print(Stream.ERROR, f"{error} Reconnecting…")
            try:
                self.session.reconnect()
            except RemoteError as again:
                self._print(Stream.ERROR, str(again))
                raise again from error
            self._print(Stream.WARNING, "Connected again in a new session: variables were reset.")
            return
        if isinstance(error, RemoteError):
            self._print(Stream.ERROR, str(error))
            return
        raise error

    def show(self, event: SessionEvent) -> None:
        if isinstance(event, StreamText):
            self._print(event.stream, event.rendered())
        elif isinstance(event, ProgressRecord) and self.stderr.isatty():
            percent = f" {event.percent}%" if event.percent is not None else ""
            end = "\n" if event.completed else "\r"
            self.stderr.write(f"{event.activity}: {event.status}{percent}\x1b[K{end}")
            self.stderr.flush()

    def _print(self, stream: Stream, text: str) -> None:
        target = self.stderr if stream == Stream.ERROR else self.stdout
        if self.colour and stream in _COLOURS:
            text = f"{_COLOURS[stream]}{text}{_RESET}"
        target.write(text + "\n")
        target.flush()

    def answer_prompt(self, request: PromptRequest) -> PromptReply | None:
        """Host prompts (Read-Host, Get-Credential) asked on the terminal."""
        try:
            for line in (request.caption, request.message):
                if line:
                    self.stdout.write(line + "\n")
            if request.kind == PromptKind.CREDENTIAL:
                user = request.user_name or self.read_line("User: ")
                return PromptReply(user=user, password=self.read_secret("Password: "))
            if request.kind == PromptKind.CHOICE:
                options = " ".join(f"[{i}] {c}" for i, c in enumerate(request.choices))
                answer = self.read_line(f"{options} (default {request.default_choice}): ")
                picked = int(answer) if answer.strip().isdigit() else -1
                choice = picked if picked < len(request.choices) else request.default_choice
                return PromptReply(choice=choice)
            values: dict[str, str] = {}
            for field in request.fields:
                label = f"{field.label}: " if field.label else ""
                reader = self.read_secret if field.secure else self.read_line
                values[field.name] = reader(label)
            return PromptReply(values=values)
        except (EOFError, KeyboardInterrupt):
            return None
