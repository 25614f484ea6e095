"""The console widget and connect dialog over the loopback WinRM server (real sockets)."""

from __future__ import annotations

# mypy: disable-error-code="no-untyped-call"
# (pytest-qt's key and mouse helpers carry no annotations)
import itertools
import sys
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from pytestqt.qtbot import QtBot

from nanostudio.gui.console.connect_dialog import ConnectDialog
from nanostudio.gui.console.console_widget import ConsoleState, ConsoleWidget
from nanostudio.gui.console.console_window import ConsoleWindow, open_console_window, psrp_factory
from nanostudio.gui.console.prompt_dialog import PromptDialog
from nanostudio.remote.history import CommandHistory
from nanostudio.remote.pinning import PinStore
from nanostudio.remote.saved import PasswordVault, SavedConnections
from nanostudio.remote.settings import ConnectionSettings
from tests.remote.console_helpers import disconnected, idle, run_script
from tests.remote.server_process import ServerProcess
from tests.support.fixtures_winrm import ADMIN_PASSWORD, ADMIN_USER
from tests.support.winrm_server import LoopbackWinRM

TIMEOUT_MS = 20_000


def settings_for(server: LoopbackWinRM) -> ConnectionSettings:
    return ConnectionSettings(host=server.host, port=server.port, user=ADMIN_USER, timeout_s=10)


@pytest.fixture
def console(qtbot: QtBot, winrm_server: LoopbackWinRM, tmp_path: Path) -> Iterator[ConsoleWidget]:
    factory = psrp_factory(settings_for(winrm_server), ADMIN_PASSWORD)
    widget = ConsoleWidget("NANO1", factory, CommandHistory(tmp_path / "history.json"))
    qtbot.addWidget(widget)
    widget.resize(800, 500)
    widget.show()
    with qtbot.waitSignal(widget.state_changed, timeout=TIMEOUT_MS, check_params_cb=idle):
        widget.start()
    yield widget
    assert widget.shutdown().wait(TIMEOUT_MS)


run = partial(run_script, timeout_ms=TIMEOUT_MS)


def test_commands_stream_and_state_over_psrp(qtbot: QtBot, console: ConsoleWidget) -> None:
    run(qtbot, console, "$x = 5")
    run(qtbot, console, "cd C:\\Windows")
    run(qtbot, console, "$x; Write-Warning careful; Write-Error broken")
    text = console.output.toPlainText()
    tail = text.splitlines()[-5:]
    assert tail[:3] == ["5", "WARNING: careful", "broken"]
    assert console.prompt_label.text() == "[NANO1]: PS C:\\Windows>"


def test_ctrl_c_stops_remote_sleep_and_session_survives(
    qtbot: QtBot, console: ConsoleWidget
) -> None:
    run(qtbot, console, "$kept = 'yes'")
    started = time.monotonic()
    with qtbot.waitSignal(console.command_finished, timeout=TIMEOUT_MS) as blocker:
        console.submit("Start-Sleep -Seconds 60")
        qtbot.wait(300)
        qtbot.keyClick(console.input, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert blocker.args[0].stopped
    assert time.monotonic() - started < 10
    run(qtbot, console, "$kept")
    assert console.output.toPlainText().rstrip().endswith("yes")


def test_read_host_dialog_round_trip(qtbot: QtBot, console: ConsoleWidget) -> None:
    console.submit("$n = Read-Host 'Your name'; \"Hi $n\"")
    qtbot.waitUntil(lambda: console.findChild(PromptDialog) is not None, timeout=TIMEOUT_MS)
    dialog = console.findChild(PromptDialog)
    assert dialog is not None and dialog.isVisible()
    assert not dialog.isModal() or dialog.windowModality() != Qt.WindowModality.ApplicationModal
    next(iter(dialog.inputs.values())).setText("Ada")
    with qtbot.waitSignal(console.command_finished, timeout=TIMEOUT_MS):
        dialog.accept()
    console.flush_output(budget_s=None)
    assert "Hi Ada" in console.output.toPlainText()


@pytest.mark.slow
def test_twenty_megabytes_without_a_gui_stall(qtbot: QtBot, tmp_path: Path) -> None:
    """A 10 ms timer keeps ticking while 20 MB stream in and paint.

    The server runs in its own (low-priority) process, as a VM would be another machine;
    the console uses its production session (PowerShell Remoting in a child process).
    Wall-clock targets belong to benchmarks: the 50 ms one is measured by
    bench/bench_console.py (a CI run with other jobs on both cores showed 1.6 s
    scheduler gaps here, so no timing is asserted). What is asserted is the design
    that keeps the GUI thread free: the event loop kept running throughout (hundreds
    of timer ticks) and the output was painted by the periodic flush in many small
    batches, not in one go.
    """
    with ServerProcess() as (host, port):
        settings = ConnectionSettings(host=host, port=port, user=ADMIN_USER, timeout_s=20)
        widget = ConsoleWidget(
            "NANO1", psrp_factory(settings, ADMIN_PASSWORD), CommandHistory(tmp_path / "h.json")
        )
        qtbot.addWidget(widget)
        widget.resize(800, 500)
        widget.show()
        try:
            with qtbot.waitSignal(widget.state_changed, timeout=60_000, check_params_cb=idle):
                widget.start()
            ticks: list[float] = []
            timer = QTimer()
            timer.setInterval(10)
            timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
            flushes: list[int] = []
            widget._flush_timer.timeout.connect(lambda: flushes.append(1))
            true_refs = sys.getrefcount(True)
            timer.start()
            with qtbot.waitSignal(widget.command_finished, timeout=300_000) as blocker:
                widget.submit("Get-BigOutput -MB 20")
            qtbot.waitUntil(lambda: not widget._flush_timer.isActive(), timeout=TIMEOUT_MS)
            timer.stop()
        finally:
            assert widget.shutdown().wait(TIMEOUT_MS)
    assert not blocker.args[0].had_errors
    gaps = [b - a for a, b in itertools.pairwise(ticks)]
    assert len(ticks) > 100
    ordered = sorted(gaps)
    p99 = ordered[int(len(ordered) * 0.99)]
    summary = f"longest GUI gap {ordered[-1] * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms"
    stalled = sum(gap for gap in gaps if gap > 0.050)
    summary += f", {stalled * 1000:.0f} ms of {(ticks[-1] - ticks[0]) * 1000:.0f} ms in stalls"
    print(summary)  # figures for the log; the target is the benchmark's
    assert len(flushes) >= 20, f"output painted in only {len(flushes)} batches"
    document = widget.output.document()
    assert document.blockCount() <= 10_000
    assert document.lastBlock().text().startswith("line 00171898 ")  # the final line arrived
    assert sys.getrefcount(True) >= true_refs - 5  # no reference leak per emitted signal


def test_server_restart_shows_disconnected_then_reconnect(
    qtbot: QtBot, console: ConsoleWidget, winrm_server: LoopbackWinRM
) -> None:
    run(qtbot, console, "$x = 1")
    winrm_server.restart()
    with qtbot.waitSignal(
        console.state_changed,
        timeout=TIMEOUT_MS,
        check_params_cb=disconnected,
    ):
        console.submit("$x")
    assert console.banner.isVisible()
    with qtbot.waitSignal(console.state_changed, timeout=TIMEOUT_MS, check_params_cb=idle):
        qtbot.mouseClick(console.reconnect_button, Qt.MouseButton.LeftButton)
    run(qtbot, console, "hostname")
    assert console.output.toPlainText().rstrip().endswith("NANO1")


def test_connect_dialog_test_connection_and_wrong_password(
    qtbot: QtBot, winrm_server: LoopbackWinRM
) -> None:
    dialog = ConnectDialog(settings_for(winrm_server))
    qtbot.addWidget(dialog)
    dialog.open()
    assert dialog.user_combo.currentText() == "Administrator"
    dialog.password_edit.setText("wrong")
    dialog.test_button.click()
    qtbot.waitUntil(lambda: "rejected" in dialog.result_label.text(), timeout=TIMEOUT_MS)
    dialog.password_edit.setText(ADMIN_PASSWORD)
    dialog.test_button.click()
    qtbot.waitUntil(lambda: "NANO1" in dialog.result_label.text(), timeout=TIMEOUT_MS)
    assert dialog.last_report is not None and dialog.last_report.os_build


def test_connect_dialog_trusts_a_certificate_and_remembers(
    qtbot: QtBot, winrm_server_tls: LoopbackWinRM
) -> None:
    server = winrm_server_tls
    dialog = ConnectDialog(
        ConnectionSettings(host=server.host, port=server.port, https=True, auth="basic")
    )
    qtbot.addWidget(dialog)
    dialog.open()
    assert dialog.auth_combo.currentData() == "basic"
    dialog.password_edit.setText(ADMIN_PASSWORD)
    dialog.remember_check.setChecked(True)
    dialog.connect_button.click()
    qtbot.waitUntil(lambda: dialog.trust_button.isVisible(), timeout=TIMEOUT_MS)
    sha = (server.thumbprint_sha256 or "").upper()
    assert sha[:2] + ":" + sha[2:4] in dialog.result_label.text()
    assert not dialog.result()  # not accepted yet
    with qtbot.waitSignal(dialog.accepted, timeout=TIMEOUT_MS, raising=False):
        dialog.trust_button.click()
    qtbot.waitUntil(lambda: "NANO1" in dialog.result_label.text(), timeout=TIMEOUT_MS)
    assert PinStore().get(server.host, server.port) == sha.lower()
    settings = dialog.settings()
    assert PasswordVault().get(settings) is None  # trust then test: Connect not pressed again
    dialog.connect_button.click()
    qtbot.waitUntil(lambda: dialog.result() == 1, timeout=TIMEOUT_MS)
    assert PasswordVault().get(settings) == ADMIN_PASSWORD
    assert SavedConnections().find(server.host) == settings


def test_connect_dialog_basic_only_with_https(qtbot: QtBot) -> None:
    dialog = ConnectDialog(ConnectionSettings(host="nano1"))
    qtbot.addWidget(dialog)
    dialog.scheme_combo.setCurrentIndex(1)
    assert dialog.port_spin.value() == 5986
    dialog.auth_combo.setCurrentIndex(dialog.auth_combo.findData("basic"))
    dialog.scheme_combo.setCurrentIndex(0)
    assert dialog.port_spin.value() == 5985
    assert dialog.auth_combo.currentData() == "ntlm"
    dialog.host_edit.setText("nano7")
    items = [dialog.user_combo.itemText(i) for i in range(dialog.user_combo.count())]
    assert items == ["Administrator", "NANO7\\Administrator"]


def test_console_window_connects_and_closes(qtbot: QtBot, winrm_server: LoopbackWinRM) -> None:
    window = ConsoleWindow()
    qtbot.addWidget(window)
    window.show()
    console = window.connect_to(settings_for(winrm_server), ADMIN_PASSWORD)
    qtbot.waitUntil(lambda: console.state == ConsoleState.IDLE, timeout=TIMEOUT_MS)
    assert "127.0.0.1" in window.windowTitle()
    window.close()
    assert all(session.wait(TIMEOUT_MS) for session in window.ended_sessions())


def test_open_console_window_uses_a_remembered_password_or_asks(
    qtbot: QtBot, winrm_server: LoopbackWinRM
) -> None:
    settings = settings_for(winrm_server)
    asking = open_console_window(None, settings)
    qtbot.addWidget(asking)
    assert asking.connect_dialog is not None and asking.connect_dialog.isVisible()
    assert asking.connect_dialog.host_edit.text() == winrm_server.host
    assert asking.console is None
    asking.close()

    PasswordVault().store(settings, ADMIN_PASSWORD)
    window = open_console_window(None, settings)
    qtbot.addWidget(window)
    assert window.console is not None
    qtbot.waitUntil(
        lambda: window.console is not None and window.console.state == ConsoleState.IDLE,
        timeout=TIMEOUT_MS,
    )
    window.close()
    assert all(session.wait(TIMEOUT_MS) for session in window.ended_sessions())


def test_the_view_follows_big_output_and_the_commands_after_it(
    qtbot: QtBot, console: ConsoleWidget
) -> None:
    """After more output than the scrollback holds the view stayed near the old end."""
    with qtbot.waitSignal(console.command_finished, timeout=120_000):
        console.submit("Get-BigOutput -MB 3")
    qtbot.waitUntil(lambda: not console._flush_timer.isActive(), timeout=TIMEOUT_MS)
    bar = console.output.verticalScrollBar()
    assert bar.value() == bar.maximum()
    run(qtbot, console, "hostname")
    qtbot.wait(200)
    assert bar.value() == bar.maximum()
    assert console.output.toPlainText().rstrip().endswith("NANO1")
