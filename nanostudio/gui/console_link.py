"""The wizard's door to the remote console (``nanostudio.gui.console``).

The console is a separate part of the GUI; the Welcome and Done pages reach it
only through these two functions.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QWidget

if TYPE_CHECKING:
    from nanostudio.remote.settings import ConnectionSettings

log = logging.getLogger(__name__)
_MODULE = "nanostudio.gui.console"


def console_available() -> bool:
    try:
        return importlib.util.find_spec(_MODULE) is not None
    except ImportError:
        return False


def open_console(
    parent: QWidget | None, settings: ConnectionSettings | None, password: str | None = None
) -> QWidget | None:
    """Open the console window, pre-filled with ``settings`` when given; connected at once
    when ``password`` is given (held in memory, never written)."""
    module = importlib.import_module(_MODULE)
    window: QWidget = module.open_console_window(parent, settings, password)
    log.info("console opened for %s", settings.host if settings else "a new connection")
    return window
