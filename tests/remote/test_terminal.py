"""The terminal REPL with the in-process fake session."""

from __future__ import annotations

import io
import os
import signal
import sys
import threading

import pytest

from nanostudio.cli.terminal import TerminalConsole
from nanostudio.remote.events import PromptField, PromptKind, PromptRequest
from nanostudio.remote.history import CommandHistory
from tests.remote.fakes import FakeSession


def make(fake: FakeSession, typed: list[str]) -> tuple[TerminalConsole, io.StringIO, io.StringIO]:
    lines = iter(typed)

    def read_line(prompt: str) -> str:
        try:
            return next(lines)
        except StopIteration:
            raise EOFError from None

    out, err = io.StringIO(), io.StringIO()
    console = TerminalConsole(
        fake,
        "NANO1",
        CommandHistory(),
        read_line=read_line,
        stdout=out,
        stderr=err,
        read_secret=lambda prompt: "s3cret",
    )
    return console, out, err


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signal delivery")
def test_ctrl_c_stops_the_command_not_the_console() -> None:
    fake = FakeSession()
    fake.open()
    console, _out, _err = make(fake, [])
    timer = threading.Timer(0.3, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    finished = console.execute("sleep")
    assert finished is not None and finished.stopped
    assert fake.stop_requests_seen
    assert console.execute("$nothing") is not None  # the session still works


def test_lost_session_is_reconnected_once() -> None:
    fake = FakeSession()
    fake.open()
    console, out, err = make(fake, ["$v = 1", "lose", "$v"])
    assert console.loop() == 0
    assert "no longer knows this session" in err.getvalue()
    assert "variables were reset" in out.getvalue()
    assert fake.opened == 2


def test_prompts_answered_on_the_terminal() -> None:
    fake = FakeSession()
    console, out, _ = make(fake, ["Ada", "7"])
    fields = PromptRequest(PromptKind.FIELDS, message="Who?", fields=(PromptField("N", "Name"),))
    reply = console.answer_prompt(fields)
    assert reply is not None and reply.values == {"N": "Ada"}
    credential = console.answer_prompt(PromptRequest(PromptKind.CREDENTIAL, user_name="ops"))
    assert credential is not None and (credential.user, credential.password) == ("ops", "s3cret")
    choice = console.answer_prompt(PromptRequest(PromptKind.CHOICE, choices=("Yes", "No")))
    assert choice is not None and choice.choice == -1  # "7" is no choice: the default
    assert "Who?" in out.getvalue()
    assert console.answer_prompt(fields) is None  # end of input cancels
