"""The console's session driver on ``gui.tasks``: requests in order, one session call at
a time, and an application that quits mid-command or mid-prompt closes the session."""

from __future__ import annotations

import logging

import pytest
from pytestqt.qtbot import QtBot

from nanostudio.gui import tasks
from nanostudio.gui.console.output_buffer import OutputBuffer
from nanostudio.gui.console.session_driver import SessionDriver
from nanostudio.remote.events import Completion
from nanostudio.remote.session_api import ConsoleSession
from tests.remote.fakes import FakeSession

TIMEOUT_MS = 10_000


class Heard:
    """The driver's signals, in the order they arrived."""

    def __init__(self, driver: SessionDriver) -> None:
        self.signals: list[tuple[str, object]] = []
        driver.opened.connect(lambda location: self.signals.append(("opened", location)))
        driver.finished.connect(lambda result: self.signals.append(("finished", result)))
        driver.completed.connect(
            lambda completion, _line, _cursor: self.signals.append(("completed", completion))
        )
        driver.failed.connect(
            lambda message, lost: self.signals.append(("failed", (message, lost)))
        )
        driver.prompt_requested.connect(lambda request: self.signals.append(("prompt", request)))
        driver.closed.connect(lambda: self.signals.append(("closed", None)))

    def kinds(self) -> list[str]:
        return [kind for kind, _value in self.signals]


def driving(session: FakeSession) -> tuple[SessionDriver, OutputBuffer, Heard]:
    buffer = OutputBuffer(1000)

    def factory() -> ConsoleSession:
        return session

    driver = SessionDriver(factory, buffer)
    return driver, buffer, Heard(driver)


def output(buffer: OutputBuffer) -> list[str]:
    return [line.text for line in buffer.take(10_000).lines]


def test_requests_are_served_in_order_and_answered_on_the_gui_thread(qtbot: QtBot) -> None:
    session = FakeSession()
    driver, buffer, heard = driving(session)
    driver.open()
    driver.run("$x = 5")
    driver.run("$x")
    driver.complete("Get-Ch", 6)
    qtbot.waitUntil(lambda: len(heard.signals) == 4, timeout=TIMEOUT_MS)
    assert heard.kinds() == ["opened", "finished", "finished", "completed"]
    assert session.scripts == ["$x = 5", "$x"]
    assert output(buffer) == ["5"]
    completion = heard.signals[3][1]
    assert isinstance(completion, Completion) and completion.matches == ("Get-ChildItem",)
    driver.shutdown()
    assert driver.wait(TIMEOUT_MS)
    assert heard.kinds()[-1] == "closed" and session.closed


def test_quitting_mid_command_stops_it_and_closes_the_session(qtbot: QtBot) -> None:
    session = FakeSession()
    driver, _buffer, _heard = driving(session)
    driver.open()
    driver.run("sleep")
    qtbot.waitUntil(lambda: session.scripts == ["sleep"], timeout=TIMEOUT_MS)
    tasks.shutdown()  # what the application's aboutToQuit does
    assert session.stop_requests_seen  # the command ended because it was stopped
    assert session.closed


def test_quitting_while_a_prompt_waits_answers_it_and_closes_the_session(
    qtbot: QtBot,
) -> None:
    session = FakeSession()
    driver, buffer, heard = driving(session)
    driver.open()
    driver.run("ask")
    qtbot.waitUntil(lambda: "prompt" in heard.kinds(), timeout=TIMEOUT_MS)
    tasks.shutdown()
    assert output(buffer) == ["Hello <cancelled>"]
    assert session.closed


def test_a_bug_in_a_request_is_reported_as_a_lost_session_and_logged(
    qtbot: QtBot, caplog: pytest.LogCaptureFixture
) -> None:
    def broken() -> ConsoleSession:
        raise RuntimeError("no session for you")

    driver = SessionDriver(broken, OutputBuffer(1000))
    heard = Heard(driver)
    with caplog.at_level(logging.ERROR, logger="nanostudio.gui.tasks"):
        driver.open()
        qtbot.waitUntil(lambda: bool(heard.signals), timeout=TIMEOUT_MS)
    assert heard.signals == [
        ("failed", ("internal error (RuntimeError): no session for you", True))
    ]
    assert any(r.exc_info is not None for r in caplog.records)
    driver.run("$x")  # still served: the driver outlives a bug in one request
    qtbot.waitUntil(lambda: len(heard.signals) == 2, timeout=TIMEOUT_MS)
    assert heard.signals[1] == ("failed", ("Not connected.", True))
