from __future__ import annotations

import logging
import os
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from nanostudio.engine.cancel import CancelToken
from nanostudio.engine.events import (
    BuildEvent,
    Finished,
    LogLine,
    PlanStarted,
    Progress,
    Status,
    StepFinished,
    StepStarted,
)
from nanostudio.engine.runner import BuildRunner
from nanostudio.engine.steps import Plan, Step, StepContext
from nanostudio.errors import BuildError
from nanostudio.secret import Secret

PASSWORD = "Nano-Pa55word!"


class WritePartial(Step):
    name = "write"
    title = "Write the disk"
    weight = 3.0

    def run(self, ctx: StepContext) -> None:
        assert stat.S_IMODE(ctx.paths.workdir.stat().st_mode) == 0o700
        (ctx.paths.workdir / "scratch.img").write_bytes(b"x" * 1024)
        ctx.paths.partial.write_bytes(b"disk")
        ctx.report(0.5, "half way")


class Fail(Step):
    name = "fail"
    title = "Fail on purpose"

    def run(self, ctx: StepContext) -> None:
        ctx.log(f"the password is {PASSWORD}")
        raise BuildError(f"could not finish (password {PASSWORD})")


class Crash(Step):
    name = "crash"
    title = "Crash"

    def run(self, ctx: StepContext) -> None:
        raise RuntimeError("bug")


class RunTool(Step):
    name = "tool"
    title = "Run a tool"

    def __init__(self, script: str) -> None:
        self.script = script

    def run(self, ctx: StepContext) -> None:
        ctx.run_tool(
            [sys.executable, "-c", self.script],
            progress=lambda line: float(line) / 100 if line.isdigit() else None,
        )


class WithCleanup(Step):
    name = "attach"
    title = "Attach"

    def __init__(self, journal: list[str]) -> None:
        self.journal = journal

    def run(self, ctx: StepContext) -> None:
        ctx.push_cleanup("detach", lambda: self.journal.append("detached"))
        released = ctx.push_cleanup("unmount", lambda: self.journal.append("unmounted"))
        released.release()


def _run(
    tmp_path: Path, *steps: Step, cancel: CancelToken | None = None, force: bool = False
) -> tuple[list[BuildEvent], Path]:
    output = tmp_path / "out" / "nano.vhdx"
    output.parent.mkdir(exist_ok=True)
    events: list[BuildEvent] = []
    plan = Plan("test", tuple(steps), output, required_bytes=1024)
    BuildRunner(plan, cancel=cancel, password=Secret(PASSWORD), force=force).run(events.append)
    return events, output


def _outcome(events: list[BuildEvent]) -> Finished:
    last = events[-1]
    assert isinstance(last, Finished)
    return last


def test_success_renames_partial_and_removes_temp(tmp_path: Path) -> None:
    events, output = _run(tmp_path, WritePartial())
    outcome = _outcome(events).outcome
    assert outcome.was_successful(), outcome
    assert output.read_bytes() == b"disk"
    assert sorted(p.name for p in output.parent.iterdir()) == ["nano.vhdx"]
    assert isinstance(events[0], PlanStarted)
    kinds = [type(e) for e in events]
    assert StepStarted in kinds and StepFinished in kinds
    assert [e.percent for e in events if isinstance(e, Progress)][-1] == 100.0


def test_package_log_level_is_restored(tmp_path: Path) -> None:
    package_logger = logging.getLogger("nanostudio")
    before = package_logger.level
    _run(tmp_path, WritePartial())
    _run(tmp_path, Fail())
    assert package_logger.level == before
    assert not package_logger.handlers


def test_failure_leaves_nothing_and_masks_password(tmp_path: Path) -> None:
    events, output = _run(tmp_path, WritePartial(), Fail())
    outcome = _outcome(events).outcome
    assert outcome.status is Status.FAILED and outcome.exit_code == 1
    assert outcome.failed_step == "Fail on purpose"
    assert list(output.parent.iterdir()) == []
    assert outcome.error is not None and PASSWORD not in outcome.error
    assert all(PASSWORD not in e.text for e in events if isinstance(e, LogLine))
    assert outcome.log_path is not None
    log_text = outcome.log_path.read_text()
    assert "could not finish" in log_text and PASSWORD not in log_text


def test_unexpected_exception_is_an_internal_error_with_log(tmp_path: Path) -> None:
    events, output = _run(tmp_path, Crash())
    outcome = _outcome(events).outcome
    assert outcome.status is Status.FAILED
    assert outcome.error is not None and "internal error (RuntimeError)" in outcome.error
    assert outcome.log_path is not None and "Traceback" in outcome.log_path.read_text()
    assert list(output.parent.iterdir()) == []


def test_tool_progress_and_failure(tmp_path: Path) -> None:
    events, _ = _run(
        tmp_path, RunTool("import time\nfor i in (10, 60): print(i, flush=True); time.sleep(0.15)")
    )
    fractions = [e.step_fraction for e in events if isinstance(e, Progress)]
    assert 0.6 in fractions
    events, _ = _run(tmp_path, RunTool("import sys; print('disk full'); sys.exit(5)"))
    outcome = _outcome(events).outcome
    assert outcome.error is not None
    assert "exit code 5" in outcome.error and "disk full" in outcome.error


def test_cancel_during_a_tool_cleans_up(tmp_path: Path) -> None:
    cancel = CancelToken()
    journal: list[str] = []
    threading.Timer(0.5, cancel.cancel).start()
    events, output = _run(
        tmp_path,
        WritePartial(),
        WithCleanup(journal),
        RunTool("import time; time.sleep(30)"),
        cancel=cancel,
    )
    outcome = _outcome(events).outcome
    assert outcome.status is Status.CANCELLED and outcome.exit_code == 130
    assert journal == ["detached"]
    assert list(output.parent.iterdir()) == []
    assert outcome.elapsed_s < 5


def test_existing_output_is_refused_without_force(tmp_path: Path) -> None:
    output = tmp_path / "out" / "nano.vhdx"
    output.parent.mkdir()
    output.write_bytes(b"precious")
    events, _ = _run(tmp_path, WritePartial())
    outcome = _outcome(events).outcome
    assert outcome.status is Status.FAILED and outcome.exit_code == 2
    assert outcome.error is not None and "already exists" in outcome.error
    assert output.read_bytes() == b"precious"
    events, _ = _run(tmp_path, WritePartial(), force=True)
    assert _outcome(events).outcome.was_successful()
    assert output.read_bytes() == b"disk"


def test_a_folder_as_output_is_named_as_such_with_or_without_force(tmp_path: Path) -> None:
    output = tmp_path / "out" / "nano.vhdx"
    output.mkdir(parents=True)
    for force in (False, True):
        events, _ = _run(tmp_path, WritePartial(), force=force)
        outcome = _outcome(events).outcome
        assert outcome.error is not None and "is a folder" in outcome.error
    assert output.is_dir()


def test_not_enough_space_is_refused_before_work(tmp_path: Path) -> None:
    output = tmp_path / "nano.vhdx"
    events: list[BuildEvent] = []
    plan = Plan("test", (WritePartial(),), output, required_bytes=2**62)
    outcome = BuildRunner(plan).run(events.append)
    assert outcome.error is not None and "not enough free space" in outcome.error
    assert not any(isinstance(e, StepStarted) for e in events)


@pytest.fixture
def read_only_folder(tmp_path: Path) -> Iterator[Path]:
    """A folder nobody can write to, root included (root ignores mode bits, so
    the immutable attribute is used when running as root)."""
    folder = tmp_path / "ro"
    folder.mkdir()
    as_root = hasattr(os, "geteuid") and os.geteuid() == 0
    if as_root:
        if subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode:
            pytest.skip("this file system has no immutable attribute")
    else:
        folder.chmod(0o500)
    yield folder
    if as_root:
        subprocess.run(["chattr", "-i", str(folder)], check=True)
    else:
        folder.chmod(0o700)


def test_unwritable_output_folder(read_only_folder: Path) -> None:
    plan = Plan("test", (WritePartial(),), read_only_folder / "nano.vhdx", required_bytes=0)
    outcome = BuildRunner(plan).run(lambda e: None)
    assert outcome.error is not None and "cannot write to" in outcome.error
    assert list(read_only_folder.iterdir()) == []


def test_read_only_file_system_is_the_users_error_and_clean_up_never_raises(
    read_only_dir: Path,
) -> None:
    """On a read-only mount even unlink(missing_ok=True) raises (EROFS): the clean-up
    in ``finally`` once turned "cannot write to" into an uncaught OSError."""
    events: list[BuildEvent] = []
    plan = Plan("test", (WritePartial(),), read_only_dir / "nano.vhdx", required_bytes=0)
    outcome = BuildRunner(plan).run(events.append)
    assert outcome.status is Status.FAILED and outcome.exit_code == 2
    assert outcome.error == f"cannot write to {read_only_dir}: choose a folder you can write to"
    assert isinstance(events[-1], Finished)


def test_missing_output_folder(tmp_path: Path) -> None:
    plan = Plan("test", (WritePartial(),), tmp_path / "nope" / "nano.vhdx", required_bytes=0)
    outcome = BuildRunner(plan).run(lambda e: None)
    assert outcome.error is not None and "does not exist" in outcome.error
    assert not (tmp_path / "nope").exists()


class ToolKilledByCtrlC(Step):
    """A tool that dies from the user's Ctrl+C, run without an exit-code check."""

    name = "unchecked"
    title = "Run a tool the step judges itself"

    def run(self, ctx: StepContext) -> None:
        ctx.cancel.cancel()  # what SIGINT does to both the tool and the build
        ctx.run_tool([sys.executable, "-c", "raise SystemExit(1)"], check=False)
        raise BuildError("the step judged the exit code: a failure")


def test_a_tool_dying_from_a_cancel_is_a_cancel_even_unchecked(tmp_path: Path) -> None:
    events, _ = _run(tmp_path, ToolKilledByCtrlC())
    assert _outcome(events).outcome.status is Status.CANCELLED


def test_an_unwritable_log_folder_does_not_stop_the_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the log folder should be")
    monkeypatch.setenv("NANOSTUDIO_HOME", str(blocker))
    events, output = _run(tmp_path, WritePartial())
    outcome = _outcome(events).outcome
    assert outcome.was_successful(), outcome
    assert outcome.log_path is None
    assert output.read_bytes() == b"disk"
