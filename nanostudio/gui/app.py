"""Start the GUI: application object, logging, crash handler, the wizard window.

``run(smoke_test=True)`` builds the wizard and every page, paints them, opens and
closes the remote console, and quits on a timer: exit 0, or 1 if Qt printed a
warning or anything raised (used to check frozen builds).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from PySide6.QtCore import (
    QCoreApplication,
    QEvent,
    QLibraryInfo,
    QLocale,
    QMessageLogContext,
    QTimer,
    QtMsgType,
    QTranslator,
    qInstallMessageHandler,
)
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QWidget

from nanostudio import APP_NAME, __version__
from nanostudio.frozen import resource_path
from nanostudio.gui.crash import CrashHandler
from nanostudio.gui.icons import app_icon
from nanostudio.gui.settings import Settings
from nanostudio.gui.wizard_window import NanoWizard
from nanostudio.logfiles import PrivateRotatingFileHandler, private_folder
from nanostudio.paths import log_dir
from nanostudio.wizard import Page

log = logging.getLogger(__name__)
SMOKE_TEST_MS = 500
LOG_FILE = "nanostudio.log"


def configure_logging() -> Path:
    """A rotating log file in the user's log folder (1 MiB × 3)."""
    folder = private_folder(log_dir())
    path = folder / LOG_FILE
    root = logging.getLogger("nanostudio")
    if not any(getattr(h, "baseFilename", None) == str(path) for h in root.handlers):
        handler = PrivateRotatingFileHandler(
            path, maxBytes=1024 * 1024, backupCount=3, encoding="utf-8"
        )
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
    quiet_console_handlers()
    if root.level == logging.NOTSET or root.level > logging.INFO:
        root.setLevel(logging.INFO)
    return path


def create_application(argv: Sequence[str] = ()) -> QApplication:
    """The QApplication, or the existing one (tests); system palette and scale factors."""
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    # High-DPI scale factors pass through unrounded: Qt 6's default, so not set here
    # (setting it would touch PySide's ``Qt`` namespace, 15-40 ms of start-up).
    app = QApplication([sys.argv[0] if sys.argv else APP_NAME, *argv])
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setOrganizationName(APP_NAME)
    app.setWindowIcon(app_icon())
    install_translations(app)
    # Qt 6 follows the system's light/dark scheme on Windows, macOS and recent
    # desktops; nothing is forced here so that it keeps doing so.
    return app


def install_translations(app: QApplication) -> None:
    """Qt's own strings and NanoStudio's for the user's language, when shipped."""
    locale = QLocale()
    for name, folder in (
        ("qtbase", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)),
        ("nanostudio", str(resource_path("translations"))),
    ):
        translator = QTranslator(app)
        if translator.load(locale, name, "_", folder):
            app.installTranslator(translator)


class QtMessages:
    """Collects Qt warnings (the smoke test fails on any) and logs every message."""

    def __init__(self) -> None:
        self.warnings: list[str] = []

    def __call__(self, kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
        if kind in (QtMsgType.QtWarningMsg, QtMsgType.QtCriticalMsg, QtMsgType.QtFatalMsg):
            self.warnings.append(message)
            log.warning("Qt: %s", message)
        else:
            log.debug("Qt: %s", message)


def show_every_page(wizard: NanoWizard) -> None:
    """Lay out and paint each page once (the build page is painted, never started)."""
    for page, widget in wizard.pages.items():
        if page is not Page.BUILD:
            widget.initializePage()
        widget.resize(wizard.size())
        widget.grab()


def open_and_close_console(parent: QWidget) -> None:
    """Build, paint and close the console window, its connect dialog and a console widget
    (never connected), so a frozen build missing the console fails the smoke test. They
    are shown on a real screen; offscreen Qt warns about any shown layout, so not there."""
    from nanostudio.gui.console import ConnectDialog, ConsoleWidget, ConsoleWindow

    def no_session() -> NoReturn:
        raise RuntimeError("the smoke test never connects")

    window = ConsoleWindow(parent)
    console = ConsoleWidget("smoke-test", no_session)
    widgets: list[QWidget] = [window, ConnectDialog(None, window), console]
    for widget in widgets:
        if QGuiApplication.platformName() != "offscreen":
            widget.show()
        widget.grab()
        widget.close()
    if not console.shutdown().wait(5000):
        raise RuntimeError("the console session did not close")
    for widget in reversed(widgets):
        dispose(widget)


def dispose(widget: QWidget) -> None:
    """Delete a top-level window now, so nothing Qt outlives the interpreter's objects."""
    widget.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def quiet_console_handlers() -> None:
    """Console log handlers keep the level the CLI chose (engines raise their loggers'
    levels for their own log files; that must not flood the terminal)."""
    top = logging.getLogger()
    for console in top.handlers:
        if console.level == logging.NOTSET:
            console.setLevel(top.level)


def run(smoke_test: bool = False, recipe: Path | None = None) -> int:
    log_path = configure_logging()
    messages = QtMessages()
    previous = qInstallMessageHandler(messages)
    crashes = CrashHandler()
    crashes.install()
    try:
        app = create_application()
        log.info("%s %s starting (log: %s)", APP_NAME, __version__, log_path)
        wizard = NanoWizard(Settings(), deferred=not smoke_test)
        wizard.show()
        if recipe is not None:
            wizard.open_recipe_when_ready(recipe)
        if smoke_test:
            show_every_page(wizard)
            open_and_close_console(wizard)
            QTimer.singleShot(SMOKE_TEST_MS, wizard.close)
            QTimer.singleShot(SMOKE_TEST_MS + 50, app.quit)
        code = app.exec()
        dispose(wizard)
        if smoke_test:
            for warning in messages.warnings:
                print(f"Qt warning: {warning}", file=sys.stderr)
            if messages.warnings or crashes.count:
                return 1
            print(f"{APP_NAME} smoke test passed: {len(Page)} pages built")
        return code
    finally:
        crashes.uninstall()
        qInstallMessageHandler(previous)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the windowed ``nanostudio-gui`` executable."""
    parser = argparse.ArgumentParser(prog="nanostudio-gui")
    parser.add_argument("--smoke-test", action="store_true")
    parser.add_argument("recipe", nargs="?", type=Path, help="a recipe to open")
    args = parser.parse_args(argv)
    return run(smoke_test=args.smoke_test, recipe=args.recipe)


if __name__ == "__main__":
    sys.exit(main())
