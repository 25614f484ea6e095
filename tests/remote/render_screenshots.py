"""Render the console widget, its states and the connect dialog to PNG files.

    QT_QPA_PLATFORM=offscreen python -m tests.remote.render_screenshots docs/screenshots

Uses the loopback WinRM server, so the pictures show real output of a real session.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from nanostudio.gui.console.connect_dialog import ConnectDialog
from nanostudio.gui.console.console_widget import ConsoleState, ConsoleWidget
from nanostudio.gui.console.console_window import psrp_factory
from nanostudio.remote.history import CommandHistory
from nanostudio.remote.settings import ConnectionSettings
from tests.support.fixtures_winrm import ADMIN_PASSWORD, ADMIN_USER
from tests.support.winrm_server import LoopbackWinRM


def wait(done: Callable[[], bool], timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    loop = QEventLoop()
    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(loop.quit)
    timer.start()
    while not done():
        if time.monotonic() > deadline:
            raise TimeoutError("rendering timed out")
        loop.exec()
    timer.stop()


def save(widget: QWidget, path: Path) -> None:
    QApplication.processEvents()
    if not widget.grab().save(str(path)):
        raise OSError(f"could not write {path}")
    print(path)


def render(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with LoopbackWinRM() as server:
        settings = ConnectionSettings(host=server.host, port=server.port, user=ADMIN_USER)
        console = ConsoleWidget("NANO1", psrp_factory(settings, ADMIN_PASSWORD), CommandHistory())
        console.resize(900, 520)
        console.show()
        console.start()
        wait(lambda: console.state == ConsoleState.IDLE)
        finished: list[object] = []
        console.command_finished.connect(finished.append)
        for script in (
            "hostname",
            "$x = 5; $x",
            "cd C:\\Windows",
            "Get-Location",
            "Write-Warning 'Docker is not installed yet'; Write-Verbose 'checking' -Verbose",
            "Write-Error 'Access is denied'",
            "Nope-Command",
        ):
            finished.clear()
            console.submit(script)
            wait(lambda: bool(finished))
        console.submit(
            "Write-Progress -Activity 'Installing updates' -PercentComplete 40; "
            "Start-Sleep -Seconds 30"
        )
        wait(lambda: console.progress_box.isVisible())
        if console.state != ConsoleState.RUNNING:
            raise RuntimeError(f"the long command is not running ({console.state})")
        console.input.set_command("Get-ChildItem C:\\Windows\\System32")
        save(console, folder / "console.png")
        console.stop()
        wait(lambda: console.state == ConsoleState.IDLE)
        server.restart()
        console.submit("$x")
        wait(lambda: console.state == ConsoleState.DISCONNECTED)
        save(console, folder / "console-disconnected.png")
        console.shutdown().wait(20_000)

        dialog = ConnectDialog(
            ConnectionSettings(host="192.168.56.10", user="NANO1\\Administrator")
        )
        dialog.password_edit.setText("password")
        dialog.resize(560, dialog.sizeHint().height())
        dialog.show()
        dialog.host_edit.setText(server.host)
        dialog.port_spin.setValue(server.port)
        dialog.password_edit.setText(ADMIN_PASSWORD)
        dialog.user_combo.setEditText(ADMIN_USER)
        dialog.run_test()
        wait(lambda: dialog.last_report is not None)
        save(dialog, folder / "console-connect.png")

    with LoopbackWinRM(tls=True) as tls_server:
        dialog = ConnectDialog(
            ConnectionSettings(host=tls_server.host, port=tls_server.port, https=True)
        )
        dialog.resize(560, dialog.sizeHint().height())
        dialog.show()
        dialog.password_edit.setText(ADMIN_PASSWORD)
        dialog.run_test()
        wait(lambda: dialog.trust_button.isVisible())
        save(dialog, folder / "console-certificate.png")


if __name__ == "__main__":
    app = QApplication.instance() or QApplication(sys.argv)
    render(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots"))
