"""Entry point of the ``nanostudio`` command.

Each sub-command lives in its own module under ``nanostudio.cli`` and exposes
``register(subparsers) -> None``; the parser it adds sets ``func`` (taking the
parsed ``argparse.Namespace`` and returning an exit code). Only the chosen
command's module is imported, so the GUI and quick commands start fast. User
mistakes arrive as ``UserFacingError`` and become one ``error:`` line, never a
traceback.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from nanostudio import APP_NAME, __version__
from nanostudio.errors import DISK_FULL_ERRNOS, DiskFullError, UserFacingError
from nanostudio.text import printable_lines

# Sub-command modules, in the order ``--help`` lists them.
COMMAND_MODULES: tuple[str, ...] = (
    "inspect_cmd",
    "recipe_cmd",
    "sample_media_cmd",
    "console_cmd",
    "exec_cmd",
    "build_cmd",
    "edit_cmd",
    "run_cmd",
    "verify_cmd",
    "screenshots_cmd",
)

log = logging.getLogger(__name__)


def command_name(module: str) -> str:
    """``sample_media_cmd`` is the command ``sample-media``."""
    return module.removesuffix("_cmd").replace("_", "-")


def _modules_for(argv: Sequence[str]) -> tuple[str, ...]:
    """The command modules to import: the chosen one, or all of them for help."""
    chosen = next((arg for arg in argv if not arg.startswith("-")), None)
    if chosen is None:
        return COMMAND_MODULES if {"-h", "--help"} & set(argv) else ()
    matching = tuple(m for m in COMMAND_MODULES if command_name(m) == chosen)
    return matching or COMMAND_MODULES  # unknown: let argparse list the choices


def build_parser(modules: Sequence[str] = COMMAND_MODULES) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nanostudio",
        description=f"{APP_NAME}: build bootable Nano Server disks and manage them remotely.",
    )
    parser.add_argument("--version", action="version", version=f"{APP_NAME} {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details to stderr")
    parser.add_argument(
        "--smoke-test",
        action="store_true",
        help="start the GUI, build every page, quit (used to check frozen builds)",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in modules:
        module = importlib.import_module(f"nanostudio.cli.{name}")
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    recipe = _recipe_to_open(arguments)
    if recipe is not None:
        arguments.remove(recipe)
    _safe_streams()
    args = build_parser(_modules_for(arguments)).parse_args(arguments)
    _log_to_stderr(logging.DEBUG if args.verbose else logging.WARNING)
    func: Callable[[argparse.Namespace], int] | None = getattr(args, "func", None)
    if func is None:
        return _start_gui(args, None if recipe is None else Path(recipe))
    try:
        code = func(args)
        sys.stdout.flush()  # a closed pipe shows up here, inside the handler below
        return code
    except UserFacingError as error:
        print(f"error: {printable_lines(str(error))}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (``nanostudio inspect ... | head``): not an error.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except OSError as error:
        if error.errno not in DISK_FULL_ERRNOS:  # builds word theirs in the runner
            raise
        where = f" ({error.filename})" if error.filename else ""
        print(f"error: the disk is full{where}: {error.strerror}", file=sys.stderr)
        return DiskFullError.exit_code


def _safe_streams() -> None:
    """A file name that is not valid UTF-8 reaches Python as lone surrogates
    (surrogateescape); printed on a UTF-8 terminal it would raise UnicodeEncodeError
    wherever it appears (a path in a progress line, a log record). Shown escaped instead."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")


def _log_to_stderr(level: int) -> None:
    """The level is set on the handler too: a build lowers the package logger to
    DEBUG for its log file, and those records must not reach the terminal."""
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:
        handler.setLevel(level)


def _recipe_to_open(arguments: Sequence[str]) -> str | None:
    """``nanostudio RECIPE.toml`` (how Explorer opens a recipe) means: the wizard with it.

    The argument as given, so that it can be taken out of the list again.
    """
    first = next((arg for arg in arguments if not arg.startswith("-")), None)
    if first is not None and first.lower().endswith(".toml"):
        return first
    return None


def _start_gui(args: argparse.Namespace, recipe: Path | None) -> int:
    """No sub-command: the wizard (the GUI module is imported only here, Qt is heavy)."""
    from nanostudio.gui import app

    return app.run(smoke_test=bool(args.smoke_test), recipe=recipe)
