"""A window of its own hosting one console, and the entry point the wizard calls."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QPushButton, QVBoxLayout, QWidget

from nanostudio import APP_NAME
from nanostudio.gui.console.connect_dialog import ConnectDialog
from nanostudio.gui.console.console_widget import ConsoleState, ConsoleWidget
from nanostudio.gui.console.session_driver import SessionDriver, SessionFactory
from nanostudio.remote.history import CommandHistory, history_path
from nanostudio.remote.saved import PasswordVault
from nanostudio.remote.session_api import ConsoleSession
from nanostudio.remote.session_process import ProcessSession
from nanostudio.remote.settings import ConnectionSettings


def psrp_factory(settings: ConnectionSettings, password: str) -> SessionFactory:
    """Sessions for the real thing: PowerShell Remoting in a child process, so the PSRP
    parsing never competes with the GUI thread for the GIL."""

    def make() -> ConsoleSession:
        return ProcessSession(settings, password)

    return make


class ConsoleWindow(QMainWindow):
    """Shows a "not connected" page until ``connect_to()``; closing ends the session."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("consoleWindow")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
        self.setWindowTitle(self.tr("%1 remote console").replace("%1", APP_NAME))
        self.resize(900, 560)
        self.console: ConsoleWidget | None = None
        self.settings: ConnectionSettings | None = None
        self._ended: list[SessionDriver] = []
        self.connect_dialog: ConnectDialog | None = None
        self._build_placeholder()
        self._build_actions()

    def _build_placeholder(self) -> None:
        page = QWidget()
        layout = QVBoxLayout(page)
        label = QLabel(self.tr("Not connected."))
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        button = QPushButton(self.tr("Connect…"))
        button.clicked.connect(lambda: self.show_connect_dialog(self.settings))
        layout.addStretch(1)
        layout.addWidget(label)
        layout.addWidget(button, 0, Qt.AlignmentFlag.AlignCenter)
        layout.addStretch(1)
        self.setCentralWidget(page)

    def _build_actions(self) -> None:
        menu = self.menuBar().addMenu(self.tr("&Console"))
        self.connect_action = QAction(self.tr("&Connect…"), self)
        self.connect_action.triggered.connect(lambda: self.show_connect_dialog(self.settings))
        self.save_action = self._console_action(
            self.tr("&Save transcript…"), ConsoleWidget.ask_transcript_path
        )
        self.save_action.setShortcut(QKeySequence.StandardKey.Save)
        self.clear_action = self._console_action(self.tr("C&lear"), ConsoleWidget.clear)
        self.stop_action = self._console_action(self.tr("S&top command"), ConsoleWidget.stop)
        self.reconnect_action = self._console_action(self.tr("&Reconnect"), ConsoleWidget.reconnect)
        close_action = QAction(self.tr("Close"), self)
        close_action.setShortcut(QKeySequence.StandardKey.Close)
        close_action.triggered.connect(self.close)
        for action in (
            self.connect_action,
            self.save_action,
            self.clear_action,
            self.stop_action,
            self.reconnect_action,
            close_action,
        ):
            menu.addAction(action)
        self._update_actions()

    def _console_action(self, text: str, act: Callable[[ConsoleWidget], object]) -> QAction:
        """A menu action done to the open console (with none open, it does nothing)."""
        action = QAction(text, self)
        action.triggered.connect(lambda: act(self.console) if self.console is not None else None)
        return action

    def _update_actions(self, state: object = None) -> None:
        console = self.console
        self.save_action.setEnabled(console is not None)
        self.clear_action.setEnabled(console is not None)
        self.stop_action.setEnabled(console is not None and console.state == ConsoleState.RUNNING)
        self.reconnect_action.setEnabled(
            console is not None and console.state == ConsoleState.DISCONNECTED
        )

    def show_connect_dialog(self, settings: ConnectionSettings | None) -> ConnectDialog:
        dialog = ConnectDialog(settings, self)
        dialog.accepted.connect(lambda: self.connect_to(dialog.settings(), dialog.password()))
        self.connect_dialog = dialog
        dialog.open()
        return dialog

    def connect_to(
        self,
        settings: ConnectionSettings,
        password: str,
        factory: SessionFactory | None = None,
    ) -> ConsoleWidget:
        """Replace any current console with one connected to ``settings``."""
        self._end_console()
        self.settings = settings
        history = CommandHistory(history_path(settings.host_key))
        console = ConsoleWidget(
            settings.host, factory or psrp_factory(settings, password), history, parent=self
        )
        console.state_changed.connect(self._update_actions)
        self.console = console
        self.setCentralWidget(console)
        self.setWindowTitle(
            self.tr("%1 — %2 remote console").replace("%1", settings.host).replace("%2", APP_NAME)
        )
        console.start()
        self._update_actions()
        return console

    def _end_console(self) -> None:
        if self.console is not None:
            self._ended.append(self.console.shutdown())
            self.console = None

    def ended_sessions(self) -> list[SessionDriver]:
        """Sessions of consoles this window ended (tests and app exit wait on them)."""
        return list(self._ended)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        self._end_console()
        super().closeEvent(event)


def open_console_window(
    parent: QWidget | None, settings: ConnectionSettings | None, password: str | None = None
) -> ConsoleWindow:
    """The wizard's entry: a console window, connected at once when the password is known
    (given: the build's, held in memory only; or the keyring), otherwise with the connect
    dialog open, pre-filled with ``settings``."""
    window = ConsoleWindow(parent)
    window.settings = settings
    window.show()
    if password is None and settings is not None:
        password = PasswordVault().get(settings)
    if settings is not None and password:
        window.connect_to(settings, password)
    else:
        window.show_connect_dialog(settings)
    return window
