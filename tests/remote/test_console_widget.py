"""The console widget against an in-process fake session (no network)."""

# mypy: disable-error-code="no-untyped-call"
# (pytest-qt's key and mouse helpers carry no annotations)

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QTextCursor
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from nanostudio.gui.console.colours import ConsoleColour, host_colour, stream_colour
from nanostudio.gui.console.console_widget import ConsoleState, ConsoleWidget
from nanostudio.gui.console.prompt_dialog import PromptDialog
from nanostudio.remote.events import Stream, StreamText
from nanostudio.remote.history import CommandHistory
from tests.remote.console_helpers import disconnected, idle, run_script
from tests.remote.fakes import FakeSession

TIMEOUT_MS = 5000
FLUSH_WAIT_MS = 150  # a few of the console's paint ticks


@dataclass(frozen=True)
class HostText(StreamText):
    """A Write-Host line with its console colours, as the session reports it."""

    foreground: int | None = None
    background: int | None = None


@pytest.fixture
def fake() -> FakeSession:
    return FakeSession()


@pytest.fixture
def console(qtbot: QtBot, fake: FakeSession, tmp_path: Path) -> Iterator[ConsoleWidget]:
    widget = make_console(qtbot, fake, tmp_path / "history.json")
    yield widget
    thread = widget.shutdown()
    assert thread.wait(TIMEOUT_MS)


def make_console(qtbot: QtBot, fake: FakeSession, history: Path, **kwargs: float) -> ConsoleWidget:
    widget = ConsoleWidget("NANO1", lambda: fake, CommandHistory(history), **kwargs)  # type: ignore[arg-type]
    qtbot.addWidget(widget)
    widget.resize(700, 400)
    widget.show()
    with qtbot.waitSignal(widget.state_changed, timeout=TIMEOUT_MS, check_params_cb=idle):
        widget.start()
    return widget


run = partial(run_script, timeout_ms=TIMEOUT_MS)


def output_text(console: ConsoleWidget) -> str:
    return console.output.toPlainText()


def test_prompt_shows_remote_location_and_state_persists(
    qtbot: QtBot, console: ConsoleWidget
) -> None:
    assert "PS C:\\Users\\Administrator\\Documents>" in console.prompt_label.text()
    run(qtbot, console, "$x = 5")
    run(qtbot, console, "$x")
    run(qtbot, console, "cd C:\\Windows")
    lines = output_text(console).splitlines()
    assert lines[lines.index("[NANO1]: PS C:\\Users\\Administrator\\Documents> $x") + 1] == "5"
    assert console.prompt_label.text() == "[NANO1]: PS C:\\Windows>"


def test_every_stream_rendered_in_its_colour(qtbot: QtBot, console: ConsoleWidget) -> None:
    result = run(qtbot, console, "streams")
    assert result.had_errors
    text = output_text(console)
    for expected in (
        "output text",
        "error text",
        "WARNING: warning text",
        "VERBOSE: verbose text",
        "DEBUG: debug text",
        "information text",
        "host text",
    ):
        assert expected in text
    document = console.output.document()
    dark = console.output.palette().base().color().lightness() < 128
    for stream in (Stream.ERROR, Stream.WARNING, Stream.VERBOSE, Stream.DEBUG):
        block = document.find(f"{stream.value} text")
        assert not block.isNull()
        colour = block.charFormat().foreground().color().name()
        assert colour == stream_colour(stream, dark)
    colours = {stream_colour(s, dark) for s in Stream} - {None}
    assert len(colours) == 5  # error, warning, verbose, debug, information all differ


def test_progress_shown_as_a_bar(qtbot: QtBot, console: ConsoleWidget) -> None:
    console.submit("progress\nsleep")
    qtbot.waitUntil(lambda: console.progress_box.isVisible(), timeout=TIMEOUT_MS)
    assert console.progress_bar.value() == 50
    assert "Copying" in console.progress_label.text()
    with qtbot.waitSignal(console.command_finished, timeout=TIMEOUT_MS):
        console.copy_or_stop()
    assert not console.progress_box.isVisible()


def test_ctrl_c_stops_running_command_and_session_survives(
    qtbot: QtBot, console: ConsoleWidget, fake: FakeSession
) -> None:
    run(qtbot, console, "$x = 7")
    with qtbot.waitSignal(console.command_finished, timeout=TIMEOUT_MS) as blocker:
        console.submit("sleep")
        assert console.state == ConsoleState.RUNNING
        qtbot.keyClick(console.input, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert blocker.args[0].stopped
    assert "^C" in output_text(console)
    run(qtbot, console, "$x")
    assert output_text(console).rstrip().endswith("7")


def test_ctrl_c_with_a_selection_copies_and_does_not_stop(
    qtbot: QtBot, console: ConsoleWidget, fake: FakeSession
) -> None:
    run(qtbot, console, "hello-world")
    cursor = console.output.document().find("hello-world", 0)  # in the echoed command line
    console.output.setTextCursor(cursor)
    console.submit("sleep")
    console.output.setFocus()
    qtbot.keyClick(console.output, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().text() == "hello-world"
    assert not fake.stopped.is_set() and not fake.stop_requests_seen
    assert console.state == ConsoleState.RUNNING
    console.output.moveCursor(QTextCursor.MoveOperation.End)  # no selection any more
    with qtbot.waitSignal(console.command_finished, timeout=TIMEOUT_MS):
        qtbot.keyClick(console.output, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert fake.stop_requests_seen


def test_ctrl_l_clears(qtbot: QtBot, console: ConsoleWidget) -> None:
    run(qtbot, console, "something")
    qtbot.keyClick(console.input, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert output_text(console) == ""
    run(qtbot, console, "after")
    assert output_text(console).startswith("[NANO1]")


def test_read_host_prompt_round_trip_through_a_dialog(qtbot: QtBot, console: ConsoleWidget) -> None:
    console.submit("ask")
    qtbot.waitUntil(lambda: console.findChild(PromptDialog) is not None, timeout=TIMEOUT_MS)
    dialog = console.findChild(PromptDialog)
    assert dialog is not None and dialog.isVisible()
    dialog.inputs["Name"].setText("Ada")
    with qtbot.waitSignal(console.command_finished, timeout=TIMEOUT_MS):
        dialog.accept()
    console.flush_output(budget_s=None)
    assert "Hello Ada" in output_text(console)


def test_cancelled_prompt_answers_none(qtbot: QtBot, console: ConsoleWidget) -> None:
    console.submit("ask")
    qtbot.waitUntil(lambda: console.findChild(PromptDialog) is not None, timeout=TIMEOUT_MS)
    dialog = console.findChild(PromptDialog)
    assert dialog is not None
    with qtbot.waitSignal(console.command_finished, timeout=TIMEOUT_MS):
        dialog.reject()
    console.flush_output(budget_s=None)
    assert "Hello <cancelled>" in output_text(console)


def test_history_up_down_and_persisted_per_host(
    qtbot: QtBot, console: ConsoleWidget, fake: FakeSession, tmp_path: Path
) -> None:
    run(qtbot, console, "first")
    run(qtbot, console, "second")
    console.input.set_command("draft")
    qtbot.keyClick(console.input, Qt.Key.Key_Up)
    assert console.input.toPlainText() == "second"
    qtbot.keyClick(console.input, Qt.Key.Key_Up)
    assert console.input.toPlainText() == "first"
    qtbot.keyClick(console.input, Qt.Key.Key_Down)
    qtbot.keyClick(console.input, Qt.Key.Key_Down)
    assert console.input.toPlainText() == "draft"
    again = make_console(qtbot, FakeSession(), tmp_path / "history.json")
    try:
        qtbot.keyClick(again.input, Qt.Key.Key_Up)
        assert again.input.toPlainText() == "second"
    finally:
        assert again.shutdown().wait(TIMEOUT_MS)


def test_enter_runs_and_shift_enter_continues(
    qtbot: QtBot, console: ConsoleWidget, fake: FakeSession
) -> None:
    console.input.setFocus()
    qtbot.keyClicks(console.input, "$a = 1")
    qtbot.keyClick(console.input, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClicks(console.input, "$a")
    with qtbot.waitSignal(console.command_finished, timeout=TIMEOUT_MS):
        qtbot.keyClick(console.input, Qt.Key.Key_Return)
    assert fake.scripts[-1] == "$a = 1\n$a"


def test_multi_line_paste_runs_as_one_script(
    qtbot: QtBot, console: ConsoleWidget, fake: FakeSession
) -> None:
    QGuiApplication.clipboard().setText("$p = 3\n$p\n")
    with qtbot.waitSignal(console.command_finished, timeout=TIMEOUT_MS):
        console.input.paste()
    assert fake.scripts[-1] == "$p = 3\n$p\n"
    console.flush_output(budget_s=None)
    assert output_text(console).rstrip().endswith("3")


def test_single_line_paste_only_inserts(
    qtbot: QtBot, console: ConsoleWidget, fake: FakeSession
) -> None:
    QGuiApplication.clipboard().setText("Get-Date\n")
    console.input.paste()
    assert console.input.toPlainText() == "Get-Date"
    assert fake.scripts == []


def test_tab_completion_cycles_matches(qtbot: QtBot, console: ConsoleWidget) -> None:
    console.input.set_command("Get-C")
    qtbot.keyClick(console.input, Qt.Key.Key_Tab)
    qtbot.waitUntil(lambda: console.input.toPlainText() == "Get-ChildItem", timeout=TIMEOUT_MS)
    qtbot.keyClick(console.input, Qt.Key.Key_Tab)
    assert console.input.toPlainText() == "Get-Content"
    qtbot.keyClick(console.input, Qt.Key.Key_Tab)
    assert console.input.toPlainText() == "Get-ChildItem"


def test_lost_session_shows_disconnected_and_reconnects(
    qtbot: QtBot, console: ConsoleWidget, fake: FakeSession
) -> None:
    run(qtbot, console, "$x = 1")
    with qtbot.waitSignal(console.state_changed, timeout=TIMEOUT_MS, check_params_cb=disconnected):
        console.submit("lose")
    assert console.state == ConsoleState.DISCONNECTED
    assert console.banner.isVisible()
    assert "no longer knows this session" in console.banner_label.text()
    assert console.reconnect_button.isEnabled()
    assert console.prompt_label.text() == "Disconnected"
    assert not console.submit("$x")
    with qtbot.waitSignal(console.state_changed, timeout=TIMEOUT_MS, check_params_cb=idle):
        qtbot.mouseClick(console.reconnect_button, Qt.MouseButton.LeftButton)
    assert not console.banner.isVisible()
    assert "variables were reset" in output_text(console)
    run(qtbot, console, "$x")
    assert fake.opened == 2


def test_keep_alive_while_idle_notices_a_lost_session(
    qtbot: QtBot, fake: FakeSession, tmp_path: Path
) -> None:
    widget = make_console(qtbot, fake, tmp_path / "h.json", keep_alive_s=0.05)
    try:
        qtbot.waitUntil(lambda: fake.keep_alives >= 2, timeout=TIMEOUT_MS)
        fake.lost = True
        qtbot.waitUntil(lambda: widget.state == ConsoleState.DISCONNECTED, timeout=TIMEOUT_MS)
        assert widget.banner.isVisible()
    finally:
        assert widget.shutdown().wait(TIMEOUT_MS)


def test_scrollback_is_capped(qtbot: QtBot, fake: FakeSession, tmp_path: Path) -> None:
    widget = make_console(qtbot, fake, tmp_path / "h.json", scrollback=500)
    try:
        run(qtbot, widget, "lines 3000")
        assert widget.output.document().blockCount() <= 500
        assert output_text(widget).rstrip().endswith("line 0002999 " + "x" * 80)
    finally:
        assert widget.shutdown().wait(TIMEOUT_MS)


def test_save_transcript(qtbot: QtBot, console: ConsoleWidget, tmp_path: Path) -> None:
    run(qtbot, console, "saved-line")
    target = tmp_path / "transcript.txt"
    console.save_transcript(target)
    text = target.read_text(encoding="utf-8")
    assert "[NANO1]: PS C:\\Users\\Administrator\\Documents> saved-line" in text
    assert text.rstrip().endswith("saved-line")


def test_save_transcript_where_it_cannot_be_written_is_an_error_line(
    console: ConsoleWidget, tmp_path: Path
) -> None:
    dialog = console.ask_transcript_path()
    dialog.fileSelected.emit(str(tmp_path / "no-such-folder" / "transcript.txt"))
    dialog.reject()
    assert output_text(console).splitlines()[-1].startswith("Cannot save the transcript to ")


def test_output_flush_is_batched_not_per_line(qtbot: QtBot, console: ConsoleWidget) -> None:
    app = QApplication.instance()
    assert app is not None
    painted: list[int] = []
    console.output.document().contentsChange.connect(lambda *_: painted.append(1))
    run(qtbot, console, "lines 2000")
    # 2000 lines (plus the echo) arrive in a handful of inserts, not thousands
    assert 1 <= len(painted) < 50


def at_end(console: ConsoleWidget) -> bool:
    bar = console.output.verticalScrollBar()
    return bar.value() == bar.maximum()


def test_the_view_follows_the_end_beyond_the_scrollback(
    qtbot: QtBot, fake: FakeSession, tmp_path: Path
) -> None:
    """More output than the scrollback holds (Get-BigOutput) left the view stuck."""
    widget = make_console(qtbot, fake, tmp_path / "h.json", scrollback=3000)
    try:
        widget.submit("sleep")
        qtbot.waitUntil(lambda: widget.state == ConsoleState.RUNNING, timeout=TIMEOUT_MS)
        for chunk in range(12):  # arriving while it is painted, as from a server
            for number in range(1000):
                widget._buffer.put(
                    StreamText(Stream.OUTPUT, f"big {chunk:02d} {number:04d} " + "y" * 200)
                )
            qtbot.wait(FLUSH_WAIT_MS)
            assert at_end(widget), chunk
        with qtbot.waitSignal(widget.command_finished, timeout=TIMEOUT_MS):
            widget.copy_or_stop()
        assert at_end(widget)
        run(qtbot, widget, "after-the-flood")
        qtbot.wait(FLUSH_WAIT_MS)
        assert at_end(widget)
        assert output_text(widget).rstrip().endswith("after-the-flood")
    finally:
        assert widget.shutdown().wait(TIMEOUT_MS)


def test_the_view_stays_where_the_user_scrolled(qtbot: QtBot, console: ConsoleWidget) -> None:
    console.submit("lines 500\nsleep")
    qtbot.waitUntil(lambda: "line 0000499" in output_text(console), timeout=TIMEOUT_MS)
    qtbot.wait(FLUSH_WAIT_MS)  # the first output painted and laid out, as a user would see it
    bar = console.output.verticalScrollBar()
    bar.triggerAction(bar.SliderAction.SliderPageStepSub)  # the user scrolls up
    where = bar.value()
    assert where < bar.maximum()
    for number in range(200):  # more output while the user reads
        console._buffer.put(StreamText(Stream.OUTPUT, f"more {number}"))
    qtbot.waitUntil(lambda: "more 199" in output_text(console), timeout=TIMEOUT_MS)
    qtbot.wait(FLUSH_WAIT_MS)
    assert bar.value() == where
    bar.triggerAction(bar.SliderAction.SliderToMaximum)  # back to the end: follows again
    console._buffer.put(StreamText(Stream.OUTPUT, "and more"))
    qtbot.waitUntil(lambda: "and more" in output_text(console), timeout=TIMEOUT_MS)
    qtbot.wait(FLUSH_WAIT_MS)
    assert at_end(console)
    with qtbot.waitSignal(console.command_finished, timeout=TIMEOUT_MS):
        console.copy_or_stop()


def test_a_running_command_is_shown_as_running(qtbot: QtBot, console: ConsoleWidget) -> None:
    assert not console.running_indicator.isVisible()
    console.submit("sleep")
    assert not console.running_indicator.isVisible()  # not for a command that ends at once
    qtbot.waitUntil(lambda: console.running_indicator.isVisible(), timeout=TIMEOUT_MS)
    assert "Running" in console.running_indicator.text
    with qtbot.waitSignal(console.command_finished, timeout=TIMEOUT_MS):
        console.copy_or_stop()
    assert not console.running_indicator.isVisible()


def test_the_progress_bar_does_not_hide_the_last_lines(
    qtbot: QtBot, console: ConsoleWidget
) -> None:
    console.submit("lines 300\nprogress\nlast-line-before-waiting\nsleep")
    qtbot.waitUntil(lambda: console.progress_box.isVisible(), timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: "last-line-before-waiting" in output_text(console), timeout=TIMEOUT_MS)
    qtbot.wait(FLUSH_WAIT_MS)
    assert at_end(console)
    last = console.output.document().lastBlock()
    view = console.output
    rect = view.blockBoundingGeometry(last).translated(view.contentOffset())
    assert rect.bottom() <= view.viewport().height() + 1
    with qtbot.waitSignal(console.command_finished, timeout=TIMEOUT_MS):
        console.copy_or_stop()


def test_host_colours_all_sixteen(qtbot: QtBot, console: ConsoleWidget) -> None:
    """Write-Host -ForegroundColor: each of the console's 16 colours is shown."""
    names = [colour.name for colour in ConsoleColour]
    assert len(names) == 16
    console.submit("sleep")
    qtbot.waitUntil(lambda: console.state == ConsoleState.RUNNING, timeout=TIMEOUT_MS)
    for colour in ConsoleColour:
        console._buffer.put(HostText(Stream.HOST, f"in {colour.name}", foreground=colour.value))
    console._buffer.put(HostText(Stream.HOST, "on red", foreground=15, background=4))
    with qtbot.waitSignal(console.command_finished, timeout=TIMEOUT_MS):
        console.copy_or_stop()
    console.flush_output(budget_s=None)
    document = console.output.document()
    dark = console.output.palette().base().color().lightness() < 128
    shown = set()
    for colour in ConsoleColour:
        cursor = document.find(f"in {colour.name}")
        assert not cursor.isNull()
        painted = cursor.charFormat().foreground().color().name()
        assert painted == host_colour(colour, dark)
        shown.add(painted)
    assert len(shown) == 16
    cursor = document.find("on red")
    assert cursor.charFormat().background().color().name() == host_colour(
        ConsoleColour.DARK_RED, dark
    )
