"""Renders build events on a terminal: a line per step and an overall bar, or JSON lines.

The bar is redrawn in place only on a real terminal; into a pipe or a file the
plain renderer writes whole lines and no ``\\r``, so logs stay readable.
"""

from __future__ import annotations

import json
from typing import TextIO

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

_BAR_WIDTH = 30


class TerminalRenderer:
    def __init__(self, out: TextIO, *, verbose: bool = False) -> None:
        self._out = out
        self._interactive = out.isatty()
        self._verbose = verbose
        self._steps = 0
        self._bar_shown = False
        # The runner logs why a build failed, then says it again in its outcome: held
        # back, an error is printed once (a refusal before any step is one line).
        self._errors: list[str] = []

    def __call__(self, event: BuildEvent) -> None:
        if isinstance(event, PlanStarted):
            self._steps = len(event.steps)
            self._line(f"Building with the {event.engine} engine ({self._steps} steps)")
        elif isinstance(event, StepStarted):
            self._line(f"[{event.index + 1}/{self._steps}] {event.title}")
        elif isinstance(event, Progress):
            self._bar(event)
        elif isinstance(event, StepFinished):
            self._line(f"      done in {event.seconds:.1f} s")
        elif isinstance(event, LogLine):
            self._log(event)
        elif isinstance(event, Finished):
            for text in self._errors:
                if text != event.outcome.error:
                    self._line(f"error: {text}")
            self._errors.clear()
            outcome = event.outcome
            self._line(str(outcome))
            # Bad input (exit 2) is one sentence; a failed build names its log.
            failed = not outcome.was_successful() and outcome.exit_code != 2
            if failed and outcome.log_path is not None:
                self._line(f"Log: {outcome.log_path}")

    def _log(self, event: LogLine) -> None:
        if event.level == "debug" and not self._verbose:
            return
        if event.step is not None and event.level == "info":
            return  # the step's own title line already says it
        if event.level == "error":
            self._errors.append(event.text)
            return
        prefix = "warning: " if event.level == "warning" else ""
        self._line(f"{prefix}{event.text}")

    def _bar(self, event: Progress) -> None:
        if not self._interactive:
            return
        filled = int(_BAR_WIDTH * event.percent / 100)
        eta = f", {event.remaining_s:.0f} s left" if event.remaining_s is not None else ""
        text = f"\r  [{'#' * filled}{'.' * (_BAR_WIDTH - filled)}] {event.percent:5.1f}%{eta}"
        self._out.write(text.ljust(60))
        self._out.flush()
        self._bar_shown = True

    def _line(self, text: str) -> None:
        if self._bar_shown:
            self._out.write("\r" + " " * 60 + "\r")
            self._bar_shown = False
        self._out.write(text + "\n")
        self._out.flush()


class JsonRenderer:
    """One JSON object per line: ``{"step": ..., "percent": 0-100, "message": ...}``."""

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._percent = 0.0
        self._step = ""

    def __call__(self, event: BuildEvent) -> None:
        if isinstance(event, StepStarted):
            self._step = event.name
            self._emit(event.name, event.title)
        elif isinstance(event, Progress):
            self._step = event.name
            self._percent = event.percent
            self._emit(event.name, event.message)
        elif isinstance(event, LogLine) and event.level in ("warning", "error", "info"):
            if event.step is None or event.level != "info":
                self._emit(event.step or self._step, event.text)
        elif isinstance(event, Finished):
            outcome = event.outcome
            if outcome.status is Status.SUCCEEDED:
                self._percent = 100.0
            self._emit(outcome.status.value, str(outcome))

    def _emit(self, step: str, message: str) -> None:
        record = {"step": step, "percent": round(self._percent, 1), "message": message}
        self._out.write(json.dumps(record) + "\n")
        self._out.flush()
