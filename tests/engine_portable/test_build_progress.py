"""The CLI's renderers: whole lines into a pipe, the bar only on a terminal, JSON lines."""

from __future__ import annotations

import io
import json
from pathlib import Path

from nanostudio.cli.build_progress import JsonRenderer, TerminalRenderer
from nanostudio.engine.events import (
    BuildEvent,
    BuildOutcome,
    Finished,
    LogLine,
    PlanStarted,
    Progress,
    Status,
    StepFinished,
    StepInfo,
    StepStarted,
)

EVENTS: list[BuildEvent] = [
    PlanStarted(
        "portable", (StepInfo("media", "Open the media", 1.0), StepInfo("apply", "Apply", 3.0))
    ),
    LogLine("info", "packages installed at first boot: DSC", None),
    StepStarted(0, "media", "Open the media"),
    Progress(0, "media", 0.5, 12.5, "copying", 1.0, 7.0),
    StepFinished(0, "media", 1.0),
    StepStarted(1, "apply", "Apply"),
    LogLine("debug", "wimlib-imagex: details", "apply"),
    LogLine("warning", "slow disk", "apply"),
    Progress(1, "apply", 1.0, 100.0, "", 4.0, 0.0),
    Finished(BuildOutcome(Status.SUCCEEDED, Path("/o/nano.vhdx"), 4.0)),
]


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_failure_is_said_once_and_a_refusal_in_one_line() -> None:
    refusal = BuildOutcome(
        Status.FAILED,
        None,
        0.0,
        "/o/nano.vhdx already exists",
        log_path=Path("/l.log"),
        exit_code=2,
    )
    out = io.StringIO()
    render = TerminalRenderer(out)
    render(LogLine("error", "/o/nano.vhdx already exists", None))
    render(LogLine("info", "cleaning up: the work folder", None))
    render(Finished(refusal))
    assert out.getvalue().splitlines() == [
        "cleaning up: the work folder",
        "The build failed: /o/nano.vhdx already exists",
    ]
    crash = BuildOutcome(
        Status.FAILED,
        None,
        0.0,
        "internal error (KeyError): see /l.log",
        failed_step="apply",
        log_path=Path("/l.log"),
        exit_code=1,
    )
    out = io.StringIO()
    render = TerminalRenderer(out)
    render(LogLine("error", "internal error: KeyError('x')", "apply"))
    render(Finished(crash))
    assert out.getvalue().splitlines() == [
        "error: internal error: KeyError('x')",
        "The build failed in step 'apply': internal error (KeyError): see /l.log",
        "Log: /l.log",
    ]


def test_pipe_gets_whole_lines_only() -> None:
    out = io.StringIO()
    render = TerminalRenderer(out)
    for event in EVENTS:
        render(event)
    text = out.getvalue()
    assert "\r" not in text
    assert text.splitlines() == [
        "Building with the portable engine (2 steps)",
        "packages installed at first boot: DSC",
        "[1/2] Open the media",
        "      done in 1.0 s",
        "[2/2] Apply",
        "warning: slow disk",
        "Built /o/nano.vhdx in 4 s.",
    ]


def test_terminal_gets_a_bar_cleared_before_each_line() -> None:
    out = Tty()
    render = TerminalRenderer(out, verbose=True)
    for event in EVENTS:
        render(event)
    text = out.getvalue()
    assert " 12.5%, 7 s left" in text
    assert "wimlib-imagex: details" in text  # verbose shows debug lines
    assert text.endswith("Built /o/nano.vhdx in 4 s.\n")


def test_json_lines() -> None:
    out = io.StringIO()
    render = JsonRenderer(out)
    for event in EVENTS:
        render(event)
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    assert all(set(r) == {"step", "percent", "message"} for r in records)
    assert records[0] == {
        "step": "",
        "percent": 0.0,
        "message": "packages installed at first boot: DSC",
    }
    assert {"step": "media", "percent": 12.5, "message": "copying"} in records
    assert records[-1] == {
        "step": "succeeded",
        "percent": 100.0,
        "message": "Built /o/nano.vhdx in 4 s.",
    }
    assert not any("details" in r["message"] for r in records)
