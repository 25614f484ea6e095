"""Steps: small objects with a name, a weight and ``run(ctx)``; and their context.

Engines build a ``Plan`` of steps; the runner executes it. A step reaches the
outside world only through its ``StepContext``: progress, log, tools, cleanup.
"""

from __future__ import annotations

import abc
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from nanostudio.engine.cancel import CancelToken
from nanostudio.engine.disk_full import tool_disk_full
from nanostudio.engine.events import Work
from nanostudio.engine.process import ToolResult, quote_argv, run_tool
from nanostudio.errors import BuildError
from nanostudio.secret import Secret
from nanostudio.sizes import human_size

log = logging.getLogger(__name__)

# Parses one output line of a tool into a step fraction (0..1), or None.
ProgressParser = Callable[[str], float | None]


@dataclass(frozen=True)
class BuildPaths:
    """Where a build writes. In a dry run ``workdir`` is the placeholder ``<temp>``."""

    workdir: Path
    partial: Path
    output: Path
    log_dir: Path

    @classmethod
    def for_output(cls, output: Path, workdir: Path, log_dir: Path) -> BuildPaths:
        return cls(workdir, partial_path(output), output, log_dir)


def partial_path(output: Path) -> Path:
    """Where ``output`` is written until it is complete (then renamed)."""
    return output.with_name(output.name + ".partial")


@dataclass
class Cleanup:
    """Something to undo if the build stops early (detach a disk, unmount...)."""

    label: str
    action: Callable[[], None]
    released: bool = False

    def release(self) -> None:
        """The step undid it on its normal path; nothing left to do."""
        self.released = True


@dataclass
class StepContext:
    paths: BuildPaths
    cancel: CancelToken
    password: Secret | None
    report_progress: Callable[[float, str], None]
    emit_log: Callable[[str, str], None]
    cleanups: list[Cleanup] = field(default_factory=list)

    def report(self, fraction: float, message: str = "") -> None:
        self.report_progress(min(max(fraction, 0.0), 1.0), message)

    def log(self, text: str, level: str = "info") -> None:
        self.emit_log(level, text)

    def push_cleanup(self, label: str, action: Callable[[], None]) -> Cleanup:
        cleanup = Cleanup(label, action)
        self.cleanups.append(cleanup)
        return cleanup

    def run_tool(
        self,
        argv: Sequence[str],
        *,
        progress: ProgressParser | None = None,
        failure: str | None = None,
        check: bool = True,
        cwd: Path | None = None,
        stdin_data: bytes | None = None,
        encoding: str = "utf-8",
    ) -> ToolResult:
        """Run a tool, turning parsed progress into step progress and output into log lines.

        With ``check``, a non-zero exit raises BuildError with ``failure`` (or a
        generic sentence) and the tool's last lines.
        """
        self.log(f"$ {quote_argv(argv)}", "debug")  # an event too, for the GUI's log pane

        def on_line(line: str) -> None:
            fraction = progress(line) if progress is not None else None
            if fraction is not None:
                self.report(fraction)
            else:
                self.log(line, "debug")

        result = run_tool(
            argv,
            cancel=self.cancel,
            on_line=on_line,
            cwd=cwd,
            stdin_data=stdin_data,
            encoding=encoding,
            secrets=(self.password,),
        )
        if not result.ok:
            # A Ctrl+C also reaches the tool: its failure is the cancel, whether or not
            # the caller checks the exit code itself.
            self.cancel.raise_if_cancelled()
            # A full output disk is the same failure whichever tool meets it.
            full = tool_disk_full(result.returncode, result.tail, self.paths.workdir)
            if full is not None:
                raise full
        if check and not result.ok:
            tool = Path(argv[0]).name
            what = failure or f"{tool} failed with exit code {result.returncode}"
            last = "\n".join(result.tail[-8:])
            raise BuildError(f"{what}\n{last}" if last else what)
        return result


class Step(abc.ABC):
    """One unit of build work. Subclasses set ``name``, ``title`` and ``weight``."""

    name: str = "step"
    title: str = "Step"
    weight: float = 1.0  # relative expected duration, for overall progress

    def describe(self, paths: BuildPaths) -> list[str]:
        """Lines for ``--dry-run``: the commands and files this step will use."""
        return []

    @abc.abstractmethod
    def run(self, ctx: StepContext) -> None: ...


@dataclass(frozen=True)
class Plan:
    """An engine's answer to a recipe: ordered steps plus what the user should know."""

    engine: str
    steps: tuple[Step, ...]
    output: Path
    required_bytes: int
    notes: tuple[str, ...] = ()
    work: Work = "build"  # how the outcome is worded: "The edit failed: ..."

    def describe(self, paths: BuildPaths) -> str:
        lines = [
            f"Engine: {self.engine}",
            f"Output: {self.output}",
            f"Space: about {human_size(self.required_bytes)} free in {self.output.parent} "
            "(checked before the first step)",
        ]
        lines += [f"Note: {note}" for note in self.notes]
        for number, step in enumerate(self.steps, 1):
            lines.append(f"{number}. {step.title} [{step.name}]")
            for text in step.describe(paths):
                lines += [f"   {line}" for line in text.splitlines()]
        return "\n".join(lines)
