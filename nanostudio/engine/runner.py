"""Runs a Plan on the calling thread: events out, cancel in, nothing left behind.

The runner owns everything engines must not get wrong twice: the private temp
folder (0700, removed on every exit), the ``*.partial`` output renamed only on
success, cleanups run in reverse order, free-space and overwrite checks, overall
progress from step weights, and a per-build log file with the password masked.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import psutil

from nanostudio.engine import events
from nanostudio.engine.cancel import CancelToken
from nanostudio.engine.disk_full import disk_full_errno, disk_full_message
from nanostudio.engine.output_lock import (
    WORKDIR_PREFIX,
    OutputLock,
    move_into_place,
    record_owner,
    remove_leftovers,
)
from nanostudio.engine.steps import BuildPaths, Cleanup, Plan, Step, StepContext, partial_path
from nanostudio.errors import BuildCancelled, DiskFullError, OutputError, UserFacingError
from nanostudio.files import cannot_write_message, output_folder_problem, remove_quietly
from nanostudio.logfiles import PrivateFileHandler, private_folder
from nanostudio.paths import log_dir
from nanostudio.secret import RedactingFilter, Secret, redact
from nanostudio.sizes import human_size

log = logging.getLogger(__name__)

EventSink = Callable[[events.BuildEvent], None]
_PROGRESS_INTERVAL_S = 0.1  # at most ten progress events a second


def check_output_location(output: Path, required_bytes: int, *, force: bool) -> None:
    """Refuse early, before any work: existing output, missing or full folder."""
    folder = output.parent
    if output.is_dir():  # --force would not help: say so first
        raise OutputError(f"{output} is a folder: name a file such as nano.vhdx")
    if output.exists() and not force:
        raise OutputError(f"{output} already exists: choose another name or pass --force")
    problem = output_folder_problem(folder)
    if problem is not None:
        raise OutputError(problem)
    probe = folder / f".nanostudio-write-test-{time.monotonic_ns()}"
    try:
        probe.touch()
    except OSError:
        raise OutputError(cannot_write_message(folder)) from None
    remove_quietly(probe)
    free = psutil.disk_usage(str(folder)).free
    if free < required_bytes:
        raise OutputError(
            f"not enough free space in {folder}: the build needs {human_size(required_bytes)}, "
            f"{human_size(free)} is free"
        )


class BuildRunner:
    """Runs one plan: ``run(sink)`` reports every event to ``sink`` (on the calling
    thread) and returns the outcome; ``cancel`` stops it from any thread."""

    def __init__(
        self,
        plan: Plan,
        *,
        cancel: CancelToken | None = None,
        password: Secret | None = None,
        force: bool = False,
    ) -> None:
        self.plan = plan
        self.cancel = cancel or CancelToken()
        self._sink: EventSink | None = None  # run() names it
        self._password = password
        self._force = force
        self._weights = [max(step.weight, 0.001) for step in plan.steps]
        self._started = 0.0
        self._last_progress = 0.0

    def run(self, sink: EventSink) -> events.BuildOutcome:
        self._sink = sink
        self._started = time.monotonic()
        logs = log_dir()
        log_file = logs / f"build-{datetime.now():%Y%m%d-%H%M%S-%f}.log"
        log_path: Path | None = log_file
        try:
            private_folder(logs)
            handler, previous_level = self._attach_log_file(log_file)
        except OSError as error:  # an unwritable log folder must not stop the build
            log.warning("no build log file in %s: %s", logs, error.strerror)
            log_path = None
            handler, previous_level = logging.NullHandler(), logging.getLogger("nanostudio").level
        workdir: Path | None = None
        cleanups: list[Cleanup] = []  # shared by every step's context, undone at the end
        index, step_name = -1, None
        lock = OutputLock(self.plan.output)
        full: int | None = None  # the errno when the output disk filled up
        try:
            check_output_location(self.plan.output, self.plan.required_bytes, force=self._force)
            # Held to the end: a second build for this output is refused, naming our PID.
            lock.acquire()
            if self.plan.output.exists() and not self._force:  # finished while we checked
                raise OutputError(
                    f"{self.plan.output} already exists: choose another name or pass --force"
                )
            remove_leftovers(
                self.plan.output,
                partial_path(self.plan.output),
                lambda text: self._log("info", text, None),
            )
            workdir = Path(tempfile.mkdtemp(prefix=WORKDIR_PREFIX, dir=self.plan.output.parent))
            record_owner(workdir)
            paths = BuildPaths.for_output(self.plan.output, workdir, logs)
            self._emit(
                events.PlanStarted(
                    self.plan.engine,
                    tuple(events.StepInfo(s.name, s.title, s.weight) for s in self.plan.steps),
                )
            )
            for note in self.plan.notes:
                self._log("info", note, None)
            for index, step in enumerate(self.plan.steps):
                step_name = step.name
                self.cancel.raise_if_cancelled()
                self._run_step(index, step, self._context(paths, index, step, cleanups))
            step_name = None
            move_into_place(paths.partial, self.plan.output, force=self._force)
            outcome = events.BuildOutcome(
                events.Status.SUCCEEDED,
                self.plan.output,
                self._elapsed(),
                log_path=log_path,
                work=self.plan.work,
            )
        except BuildCancelled:
            self._log("warning", "cancelled by the user", step_name)
            outcome = events.BuildOutcome(
                events.Status.CANCELLED,
                None,
                self._elapsed(),
                failed_step=step_name,
                log_path=log_path,
                exit_code=130,
                work=self.plan.work,
            )
        except Exception as error:
            full = disk_full_errno(error)
            if full is not None:
                # Worded once the clean-up has given the space back (below).
                self._log("debug", f"out of space: {error!r}", step_name)
                outcome = self._failed(
                    "the output disk is full", index, step_name, log_path, DiskFullError.exit_code
                )
            elif isinstance(error, UserFacingError):
                message = redact(str(error), self._password)
                self._log("error", message, step_name)
                outcome = self._failed(message, index, step_name, log_path, error.exit_code)
            else:  # a bug: keep the traceback in the log file
                details = redact("".join(traceback.format_exception(error)), self._password)
                log.error("internal error\n%s", details)
                self._log("error", f"internal error: {error!r}", step_name)
                message = (
                    f"internal error ({error.__class__.__name__}): see {log_path or 'the log'}"
                )
                outcome = self._failed(message, index, step_name, log_path, 1)
        finally:
            self._clean_up(cleanups, workdir, owns_output=lock.held)
            if full is not None:
                message = redact(
                    disk_full_message(self.plan.output.parent, self.plan.required_bytes, full),
                    self._password,
                )
                self._log("error", message, step_name)
                outcome = replace(outcome, error=message)
            lock.release()
            root = logging.getLogger("nanostudio")
            root.removeHandler(handler)
            root.setLevel(previous_level)
            handler.close()
        self._emit(events.Finished(outcome))
        return outcome

    def _context(
        self, paths: BuildPaths, index: int, step: Step, cleanups: list[Cleanup]
    ) -> StepContext:
        return StepContext(
            paths=paths,
            cancel=self.cancel,
            password=self._password,
            report_progress=lambda fraction, message: self._progress(
                index, step, fraction, message
            ),
            emit_log=lambda level, text: self._log(level, text, step.name),
            cleanups=cleanups,
        )

    def _run_step(self, index: int, step: Step, ctx: StepContext) -> None:
        began = time.monotonic()
        self._emit(events.StepStarted(index, step.name, step.title))
        self._log("info", step.title, step.name)
        self._progress(index, step, 0.0, "", force=True)
        step.run(ctx)
        self._progress(index, step, 1.0, "", force=True)
        self._emit(events.StepFinished(index, step.name, time.monotonic() - began))

    def _progress(
        self, index: int, step: Step, fraction: float, message: str, force: bool = False
    ) -> None:
        now = time.monotonic()
        if not force and now - self._last_progress < _PROGRESS_INTERVAL_S:
            return
        self._last_progress = now
        total = sum(self._weights)
        done = sum(self._weights[:index]) + self._weights[index] * fraction
        percent = 100.0 * done / total
        elapsed = self._elapsed()
        remaining = elapsed * (100.0 - percent) / percent if percent >= 2.0 else None
        self._emit(
            events.Progress(
                index,
                step.name,
                fraction,
                percent,
                redact(message, self._password),
                elapsed,
                remaining,
            )
        )

    def _log(self, level: str, text: str, step: str | None) -> None:
        text = redact(text, self._password)
        log.log(logging.getLevelName(level.upper()), "%s", text)
        self._emit(events.LogLine(level, text, step))

    def _emit(self, event: events.BuildEvent) -> None:
        assert self._sink is not None, "events are sent only while run() runs"
        self._sink(event)

    def _failed(
        self, error: str, index: int, step_name: str | None, log_path: Path | None, code: int
    ) -> events.BuildOutcome:
        return events.BuildOutcome(
            events.Status.FAILED,
            None,
            self._elapsed(),
            error,
            self._title(index, step_name),
            log_path,
            code,
            work=self.plan.work,
        )

    def _elapsed(self) -> float:
        return time.monotonic() - self._started

    def _title(self, index: int, step_name: str | None) -> str | None:
        if step_name is None or index < 0:
            return None
        return self.plan.steps[index].title

    def _attach_log_file(self, path: Path) -> tuple[logging.Handler, int]:
        """A DEBUG file handler on the package logger; returns it and the level to restore."""
        handler = PrivateFileHandler(path, encoding="utf-8")
        handler.setLevel(logging.DEBUG)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handler.addFilter(RedactingFilter(self._password))
        root = logging.getLogger("nanostudio")
        previous_level = root.level
        root.addHandler(handler)
        root.setLevel(logging.DEBUG)
        return handler, previous_level

    def _clean_up(
        self, cleanups: list[Cleanup], workdir: Path | None, *, owns_output: bool
    ) -> None:
        """Undo in reverse order, delete the partial output and the temp folder.

        The partial is ours to delete only while we hold the output's lock: a build
        refused because another one holds it must not delete that one's partial.
        Runs in ``finally``: it never raises, or its error would replace the build's.
        """
        for cleanup in reversed(cleanups):
            if cleanup.released:
                continue
            try:
                self._log("info", f"cleaning up: {cleanup.label}", None)
                cleanup.action()
            except Exception as error:  # keep cleaning the rest
                self._log("warning", f"cleanup '{cleanup.label}' failed: {error}", None)
        partial = partial_path(self.plan.output)
        if owns_output and not remove_quietly(partial):
            self._log("warning", f"cannot delete {partial}: delete it by hand", None)
        if workdir is not None:
            shutil.rmtree(workdir, ignore_errors=True)
