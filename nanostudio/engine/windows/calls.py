"""Running DISM and cleanup commands: errors in words, cleanups that cannot hang.

A step runs DISM through its StepContext (the build's cancel token, progress,
log); ``DismStep`` is the shape of a step that is one DISM call. A cleanup runs
after the build was cancelled, so it gets a fresh token that fires after
``CLEANUP_TIMEOUT_S``: a stuck detach must not hang the app.
"""

from __future__ import annotations

import abc
import logging
import threading
from collections.abc import Sequence
from pathlib import Path

from nanostudio.engine.cancel import CancelToken
from nanostudio.engine.process import ToolResult, run_tool
from nanostudio.engine.steps import BuildPaths, ProgressParser, StepContext
from nanostudio.engine.tools import dism
from nanostudio.engine.windows.job import Job, JobStep
from nanostudio.engine.windows.layout import Layout, windows_cmdline
from nanostudio.errors import BuildError

log = logging.getLogger(__name__)

CLEANUP_TIMEOUT_S = 120.0


def fresh_log(path: Path) -> None:
    """Keep one previous DISM log per call; DISM appends to an existing file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.replace(path.with_name(path.stem + ".previous.log"))


def run_dism(
    ctx: StepContext,
    job: Job,
    argv: Sequence[str],
    *,
    log_file: Path,
    subject: dism.Subject,
    start: float = 0.0,
    share: float = 1.0,
) -> ToolResult:
    """Run one DISM call as ``share`` of the step from ``start``; BuildError in words."""
    fresh_log(log_file)

    def progress(line: str) -> float | None:
        fraction = dism.parse_progress(line)
        return None if fraction is None else start + share * fraction

    result = ctx.run_tool(argv, progress=progress, check=False, encoding=job.host.console_encoding)
    if not dism.succeeded(result.returncode, result.tail):
        message = dism.explain(dism.find_error(result.tail), result.returncode, subject)
        excerpt = dism.log_excerpt(log_file)
        if excerpt:
            message += f"\nLast lines of the DISM log ({log_file}):\n" + "\n".join(excerpt)
        raise BuildError(message)
    return result


class DismStep(JobStep):
    """A step that is one DISM call: the plan shows its command line, a failure
    is explained in words with the last lines of its log, ``dism-<name>.log``."""

    def options(self, layout: Layout) -> dism.DismOptions:
        """The shared DISM options, logging to this step's own log file."""
        return self.job.dism(layout.paths, self.name)

    @abc.abstractmethod
    def argv(self, layout: Layout) -> list[str]:
        """The call, with the paths as the Windows host names them (``layout.text``)."""

    @abc.abstractmethod
    def subject(self) -> dism.Subject:
        """What the call works on, for the error message."""

    def describe(self, paths: BuildPaths) -> list[str]:
        return [windows_cmdline(self.argv(self.job.layout(paths)))]

    def run(self, ctx: StepContext) -> None:
        layout = self.job.layout(ctx.paths)
        run_dism(
            ctx,
            self.job,
            self.argv(layout),
            log_file=layout.dism_log(self.name),
            subject=self.subject(),
        )


def run_for_cleanup(
    argv: Sequence[str],
    *,
    progress: ProgressParser | None = None,
    encoding: str = "utf-8",
    timeout_s: float | None = None,
) -> ToolResult:
    """Run a tool after the build stopped: own cancel token with a deadline."""
    token = CancelToken()
    timer = threading.Timer(CLEANUP_TIMEOUT_S if timeout_s is None else timeout_s, token.cancel)
    timer.daemon = True
    timer.start()

    def on_line(line: str) -> None:
        if progress is not None:
            progress(line)
        log.info("%s: %s", Path(argv[0]).name, line)

    try:
        return run_tool(argv, cancel=token, on_line=on_line, encoding=encoding)
    finally:
        timer.cancel()
