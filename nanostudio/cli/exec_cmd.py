"""``nanostudio exec HOST -- COMMAND...``: one command over WinRS, exit with its exit code."""

from __future__ import annotations

import argparse
import sys

from nanostudio.cli.remote_support import (
    add_connection_arguments,
    add_remote_command,
    connect,
    connection_from_args,
)
from nanostudio.errors import UserFacingError
from nanostudio.remote.exec import stream_command
from nanostudio.remote.pinning import PinStore


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = add_remote_command(
        subparsers,
        "exec",
        "run one command on a Nano Server over WinRM and exit with its exit code",
        usage="nanostudio exec HOST [options] -- COMMAND [ARG...]",
    )
    parser.add_argument(
        "command", nargs=argparse.REMAINDER, help="the command and its arguments, after --"
    )
    parser.set_defaults(func=run)


def split_command(args: argparse.Namespace) -> list[str]:
    """Options written after HOST land in the remainder: take ours back out of it.

    Before ``--`` every word is ours; without ``--`` our options are taken and the rest
    is the command (``--`` is the safe way when the command has options of its own).
    """
    words = list(args.command)
    again = argparse.ArgumentParser(prog="nanostudio exec HOST", add_help=False)
    add_connection_arguments(again)
    if "--" in words:
        cut = words.index("--")
        options, command = words[:cut], words[cut + 1 :]
        again.parse_args([args.host, *options], namespace=args)
        return command
    _, command = again.parse_known_args([args.host, *words], namespace=args)
    return command


def run(args: argparse.Namespace) -> int:
    argv = split_command(args)
    if not argv:
        raise UserFacingError("Give the command to run after --, e.g. exec HOST -- ipconfig")
    settings, password = connection_from_args(args)
    pins = PinStore()
    return connect(
        settings, password, lambda: stream_command(settings, password, argv, _write, pins=pins)
    )


def _write(stream: str, text: str) -> None:
    """The command's output as it arrives, on our stdout or stderr."""
    target = sys.stdout if stream == "stdout" else sys.stderr
    target.write(text)
    target.flush()
