"""``nanostudio build RECIPE``: validate, plan, and run a build with visible progress.

Exit codes: 0 built, 2 bad recipe or input, 1 the build failed, 130 cancelled
(Ctrl+C or SIGTERM: the cancel token stops the current tool, partial files go).
The administrator password comes from NANOSTUDIO_ADMIN_PASSWORD or a prompt,
never from the command line, where other users could read it.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from types import FrameType
from typing import Any

from nanostudio.cli.build_progress import JsonRenderer, TerminalRenderer
from nanostudio.cli.image_password import image_password
from nanostudio.cli.recipe_cmd import check_recipe
from nanostudio.engine.cancel import CancelToken
from nanostudio.engine.engines import EngineName, make_plan
from nanostudio.engine.events import BuildEvent
from nanostudio.engine.runner import BuildRunner, EventSink
from nanostudio.engine.steps import BuildPaths
from nanostudio.paths import log_dir
from nanostudio.recipe import Problem, Recipe
from nanostudio.recipe.toml_io import load_recipe_problems
from nanostudio.secret import ADMIN_PASSWORD_ENV, Secret

DRY_RUN_WORKDIR = Path("<temp>")


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "build",
        help="build the disk (or WIM) a recipe describes",
        description="Build a bootable Nano Server VHDX/VHD (or a WIM) from a recipe. The "
        f"administrator password is read from {ADMIN_PASSWORD_ENV} or asked for.",
    )
    parser.add_argument("recipe", type=Path, metavar="RECIPE")
    parser.add_argument(
        "--engine",
        choices=[engine.value for engine in EngineName],
        default=EngineName.AUTO.value,
        help="auto: windows on a Windows host with DISM, else portable",
    )
    parser.add_argument(
        "--json-progress",
        action="store_true",
        help='one JSON object per line: {"step", "percent", "message"}',
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="print the plan and its commands; write nothing"
    )
    parser.add_argument("--force", action="store_true", help="overwrite an existing output")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    recipe, read_problems = load_recipe_problems(args.recipe)
    return build_recipe(recipe, read_problems, args)


def build_recipe(recipe: Recipe, read_problems: Sequence[Problem], args: argparse.Namespace) -> int:
    """Check, plan and run ``recipe`` as ``args`` say (engine, dry run, progress, force):
    ``build`` and ``edit`` share it."""
    password = None if args.dry_run else image_password(confirm=True)
    media, problems = check_recipe(recipe, password, EngineName(args.engine), read_problems)
    if problems or media is None:
        for problem in problems:
            print(problem, file=sys.stderr)
        return 2
    plan = make_plan(recipe, media, EngineName(args.engine), dry_run=args.dry_run)
    if args.dry_run:
        paths = BuildPaths.for_output(plan.output, DRY_RUN_WORKDIR, log_dir())
        with suppress(BrokenPipeError):
            print(plan.describe(paths), flush=True)
        return 0
    verbose = bool(getattr(args, "verbose", False))
    sink: EventSink = (
        JsonRenderer(sys.stdout)
        if args.json_progress
        else TerminalRenderer(sys.stdout, verbose=verbose)
    )
    cancel = CancelToken()
    runner = BuildRunner(
        plan,
        sink=_safe_sink(sink),
        cancel=cancel,
        password=Secret(password) if password is not None else None,
        force=args.force,
    )
    with cancel_on_signals(cancel), _quiet_stderr_logging(verbose):
        outcome = runner.run()
    return outcome.exit_code if not outcome.was_successful() else 0


def _safe_sink(sink: EventSink) -> EventSink:
    """A closed stdout (``| head``) must not turn a build into a crash."""

    def deliver(event: BuildEvent) -> None:
        with suppress(BrokenPipeError, ValueError):
            sink(event)

    return deliver


@contextmanager
def _quiet_stderr_logging(verbose: bool) -> Iterator[None]:
    """The renderer shows the build's messages; log records on stderr would repeat them."""
    handlers = [h for h in logging.getLogger().handlers if not isinstance(h, logging.FileHandler)]
    levels = [h.level for h in handlers]
    for handler in handlers:
        handler.setLevel(logging.DEBUG if verbose else logging.CRITICAL + 1)
    try:
        yield
    finally:
        for handler, level in zip(handlers, levels, strict=True):
            handler.setLevel(level)


@contextmanager
def cancel_on_signals(cancel: CancelToken) -> Iterator[None]:
    """SIGINT and SIGTERM cancel the build instead of killing Python mid-step."""

    def handler(signum: int, frame: FrameType | None) -> None:
        cancel.cancel()

    wanted = [signal.SIGINT, signal.SIGTERM]
    previous = {sig: signal.signal(sig, handler) for sig in wanted}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
