"""A build plan made of real Step objects that need no tools: for cancel and failure tests.

The steps honour the cancel token, report progress and log like engine steps do,
and the last one writes the runner's ``*.partial`` file, so the runner's own
rename and clean-up logic is what the tests exercise.
"""

from __future__ import annotations

from pathlib import Path

from nanostudio.engine.steps import Plan, Step, StepContext
from nanostudio.errors import BuildError

FAKE_ENGINE = "fake-for-tests"


class WaitStep(Step):
    """Waits ``seconds`` in small slices, checking cancel and reporting progress."""

    weight = 1.0

    def __init__(self, name: str, title: str, seconds: float) -> None:
        self.name = name
        self.title = title
        self._seconds = seconds

    def run(self, ctx: StepContext) -> None:
        slices = 20
        for number in range(slices):
            ctx.cancel.raise_if_cancelled()
            if ctx.cancel.wait(self._seconds / slices):
                ctx.cancel.raise_if_cancelled()
            ctx.report((number + 1) / slices, f"{self.title}: {number + 1}/{slices}")
            ctx.log(f"{self.name} slice {number + 1}", "debug")


class WriteOutputStep(Step):
    name = "write"
    title = "Write the disk file"
    weight = 0.5

    def run(self, ctx: StepContext) -> None:
        ctx.paths.partial.write_bytes(b"fake disk\n")
        ctx.log(f"wrote {ctx.paths.partial.name}")


class FailingStep(Step):
    name = "format"
    title = "Format the Windows partition (NTFS)"
    weight = 0.5

    def run(self, ctx: StepContext) -> None:
        ctx.log("mkntfs: starting", "info")
        ctx.log("mkntfs: device full (fake)", "warning")
        raise BuildError("mkntfs failed with exit code 1: the partition file is too small")


def fake_plan(output: Path, *, seconds: float = 0.6, fail: bool = False) -> Plan:
    steps: list[Step] = [
        WaitStep("open", "Open the media", seconds / 3),
        WaitStep("stage", "Stage unattend.xml and packages", seconds / 3),
        FailingStep() if fail else WaitStep("apply", "Apply the image", seconds / 3),
        WriteOutputStep(),
    ]
    return Plan(FAKE_ENGINE, tuple(steps), output, required_bytes=1024, notes=("a fake plan",))
