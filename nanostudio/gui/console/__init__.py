"""The remote PowerShell console: widget, connect dialog, window of its own.

The wizard calls ``open_console_window(parent, settings)``.
"""

from nanostudio.gui.console.connect_dialog import ConnectDialog
from nanostudio.gui.console.console_widget import ConsoleState, ConsoleWidget
from nanostudio.gui.console.console_window import ConsoleWindow, open_console_window

__all__ = [
    "ConnectDialog",
    "ConsoleState",
    "ConsoleWidget",
    "ConsoleWindow",
    "open_console_window",
]
