"""What the runner tells its audience (CLI, GUI) about a build: plain dataclasses.

Events carry no Qt types so the engine stays GUI-free; the GUI adapter turns
each into a queued signal.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

# What a plan makes: a new image, or a new image from an existing one (``edit``).
Work = Literal["build", "edit"]


@dataclass(frozen=True)
class StepInfo:
    """A step as the plan announces it, before any runs: listed by the build page,
    its weight its share of the progress bar."""

    name: str
    title: str
    weight: float


@dataclass(frozen=True)
class PlanStarted:
    engine: str
    steps: tuple[StepInfo, ...]


@dataclass(frozen=True)
class StepStarted:
    """The step at ``index`` of ``PlanStarted.steps`` begins."""

    index: int
    name: str
    title: str


@dataclass(frozen=True)
class Progress:
    """Overall progress; ``step_fraction`` is the current step's share done (0..1)."""

    index: int
    name: str
    step_fraction: float
    percent: float
    message: str
    elapsed_s: float
    remaining_s: float | None


@dataclass(frozen=True)
class LogLine:
    level: str  # "debug" | "info" | "warning" | "error"
    text: str
    step: str | None


@dataclass(frozen=True)
class StepFinished:
    index: int
    name: str
    seconds: float


class Status(enum.StrEnum):
    """How a build ended; a failure's exit code is in ``BuildOutcome.exit_code``."""

    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class BuildOutcome:
    status: Status
    output: Path | None
    elapsed_s: float
    error: str | None = None
    failed_step: str | None = None
    log_path: Path | None = None
    exit_code: int = 0
    work: Work = "build"

    def was_successful(self) -> bool:
        return self.status is Status.SUCCEEDED

    def __str__(self) -> str:
        if self.status is Status.SUCCEEDED:
            made = "Built" if self.work == "build" else "Wrote the edited image"
            return f"{made} {self.output} in {self.elapsed_s:.0f} s."
        if self.status is Status.CANCELLED:
            return f"The {self.work} was cancelled; no output was written."
        where = f" in step '{self.failed_step}'" if self.failed_step else ""
        return f"The {self.work} failed{where}: {self.error}"


@dataclass(frozen=True)
class Finished:
    outcome: BuildOutcome


BuildEvent = PlanStarted | StepStarted | Progress | LogLine | StepFinished | Finished
