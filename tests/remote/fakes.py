"""A small in-process stand-in for ``PsrpSession`` (the ConsoleSession protocol).

It interprets a handful of commands so console tests run without any network:
``$x = 5`` / ``$x``, ``cd PATH``, ``streams``, ``progress``, ``ask``, ``lines N``,
``sleep`` (until stopped), ``lose`` (the server forgot the session).
"""

from __future__ import annotations

import re
import threading

from nanostudio.remote.errors import SessionLostError
from nanostudio.remote.events import (
    CommandFinished,
    Completion,
    EventSink,
    ProgressRecord,
    PromptField,
    PromptHandler,
    PromptKind,
    PromptRequest,
    Stream,
    StreamText,
)

_ASSIGN = re.compile(r"^\$(\w+)\s*=\s*(.+)$")


class FakeSession:
    def __init__(self) -> None:
        self.location = ""
        self.variables: dict[str, str] = {}
        self.scripts: list[str] = []
        self.opened = 0
        self.closed = False
        self.stopped = threading.Event()
        self.lost = False
        self.prompt_handler: PromptHandler | None = None
        self.keep_alives = 0
        self.stop_requests_seen = False

    def open(self) -> None:
        if self.lost:
            self.lost = False
            self.variables.clear()
        self.opened += 1
        self.location = "C:\\Users\\Administrator\\Documents"

    def close(self) -> None:
        self.closed = True

    def reconnect(self) -> None:
        self.open()

    def keep_alive(self) -> None:
        self.keep_alives += 1
        if self.lost:
            raise SessionLostError("NANO1 no longer knows this session (was it restarted?).")

    def set_prompt_handler(self, handler: PromptHandler | None) -> None:
        self.prompt_handler = handler

    def stop(self) -> None:
        self.stopped.set()

    def complete(self, line: str, cursor: int) -> Completion:
        word_start = line.rfind(" ", 0, cursor) + 1
        word = line[word_start:cursor]
        names = ("Get-ChildItem", "Get-Content", "Get-Location")
        matches = tuple(n for n in names if n.lower().startswith(word.lower()))
        return Completion(word_start, cursor - word_start, matches)

    def run(self, script: str, sink: EventSink) -> CommandFinished:
        if self.lost:
            raise SessionLostError("NANO1 no longer knows this session (was it restarted?).")
        self.scripts.append(script)
        try:
            return self._run(script, sink)
        finally:
            self.stop_requests_seen = self.stopped.is_set()
            self.stopped.clear()

    def _run(self, script: str, sink: EventSink) -> CommandFinished:
        had_errors = False
        stopped = False
        for line in script.splitlines():
            command = line.strip()
            if match := _ASSIGN.match(command):
                self.variables[match.group(1)] = match.group(2).strip("'\"")
            elif command.startswith("$"):
                sink(StreamText(Stream.OUTPUT, self.variables.get(command[1:], "")))
            elif command.startswith("cd "):
                self.location = command[3:].strip()
            elif command == "streams":
                for stream in Stream:
                    sink(StreamText(stream, f"{stream.value} text"))
                had_errors = True
            elif command == "progress":
                sink(ProgressRecord("Copying", "file 1 of 2", 50))
            elif command.startswith("lines "):
                for i in range(int(command.split()[1])):
                    sink(StreamText(Stream.OUTPUT, f"line {i:07d} " + "x" * 80))
            elif command == "sleep":
                stopped = self.stopped.wait(30)
                if stopped:
                    break
            elif command == "ask":
                assert self.prompt_handler is not None
                request = PromptRequest(PromptKind.FIELDS, fields=(PromptField("Name", "Name"),))
                reply = self.prompt_handler(request)
                answer = reply.values.get("Name", "") if reply else "<cancelled>"
                sink(StreamText(Stream.OUTPUT, f"Hello {answer}"))
            elif command == "lose":
                self.lost = True
                raise SessionLostError("NANO1 no longer knows this session (was it restarted?).")
            elif command:
                sink(StreamText(Stream.OUTPUT, command))
        return CommandFinished(location=self.location, had_errors=had_errors, stopped=stopped)
