"""What the console widget tests (fake session and loopback server) both need."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from nanostudio.gui.console.console_widget import ConsoleState, ConsoleWidget
from nanostudio.remote.events import CommandFinished


def idle(state: ConsoleState) -> bool:
    return state == ConsoleState.IDLE


def disconnected(state: ConsoleState) -> bool:
    return state == ConsoleState.DISCONNECTED


def run_script(
    qtbot: QtBot, console: ConsoleWidget, script: str, *, timeout_ms: int
) -> CommandFinished:
    """Submit ``script``, wait for the command to finish, paint all its output."""
    with qtbot.waitSignal(console.command_finished, timeout=timeout_ms) as blocker:
        assert console.submit(script)
    console.flush_output(budget_s=None)
    result = blocker.args[0] if blocker.args else None
    assert isinstance(result, CommandFinished)
    return result
