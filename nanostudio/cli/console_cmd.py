"""``nanostudio console HOST``: an interactive remote PowerShell prompt in the terminal."""

from __future__ import annotations

import argparse
import sys

from nanostudio.cli.remote_support import add_remote_command, connect, connection_from_args
from nanostudio.cli.terminal import TerminalConsole
from nanostudio.remote.history import CommandHistory, history_path
from nanostudio.remote.pinning import PinStore
from nanostudio.remote.psrp_session import PsrpSession


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = add_remote_command(
        subparsers,
        "console",
        "open a remote PowerShell prompt on a Nano Server (PowerShell Remoting)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings, password = connection_from_args(args)
    session = PsrpSession(settings, password, pins=PinStore())
    connect(settings, password, session.open)
    history = CommandHistory(history_path(settings.host_key))
    console = TerminalConsole(session, settings.host, history)
    _enable_line_editing(console)
    try:
        return console.loop()
    finally:
        session.close()


def _enable_line_editing(console: TerminalConsole) -> None:
    """Arrow-key history and Tab completion where the readline module exists."""
    if not sys.stdin.isatty():
        return
    try:
        import readline
    except ImportError:  # Windows without pyreadline: plain input() still works
        return
    for entry in console.history.entries:
        readline.add_history(entry)
    matches: list[str] = []

    def complete(text: str, state: int) -> str | None:
        if state == 0:
            line = readline.get_line_buffer()
            cursor = readline.get_endidx()
            completion = console.session.complete(line, cursor)
            prefix_start = readline.get_begidx()
            # readline replaces only the word it chose; hand back matches for that word.
            head = line[prefix_start : completion.start]
            matches[:] = [head + m for m in completion.matches]
        return matches[state] if state < len(matches) else None

    readline.set_completer(complete)
    readline.set_completer_delims(" \t\n;|(){}")
    readline.parse_and_bind("tab: complete")
