"""The session interface consoles are written against (``PsrpSession`` implements it).

Keeping it a Protocol lets the Qt widget and the terminal REPL be tested with small
in-process fakes, and keeps them free of pypsrp.
"""

from __future__ import annotations

from typing import Protocol

from nanostudio.remote.events import CommandFinished, Completion, EventSink, PromptHandler


class ConsoleSession(Protocol):
    """Blocking calls, one thread at a time, except ``stop()`` which any thread may call."""

    location: str

    def open(self) -> None: ...
    def close(self) -> None: ...
    def run(self, script: str, sink: EventSink) -> CommandFinished: ...
    def stop(self) -> None: ...
    def complete(self, line: str, cursor: int) -> Completion: ...
    def reconnect(self) -> None: ...
    def keep_alive(self) -> None: ...
    def set_prompt_handler(self, handler: PromptHandler | None) -> None: ...


def prompt_text(host_label: str, location: str) -> str:
    """The prompt a remote PowerShell console shows (as Enter-PSSession does), no trailing space."""
    return f"[{host_label}]: PS {location}>"
