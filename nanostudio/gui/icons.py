"""The application icon, from ``resources/icons`` (in the checkout or the frozen bundle)."""

from __future__ import annotations

from PySide6.QtGui import QIcon

from nanostudio.frozen import resource_path


def app_icon() -> QIcon:
    path = resource_path("icons/nanostudio.svg")
    return QIcon(str(path)) if path.is_file() else QIcon()
