"""The GUI's side of the model's translation markers (``nanostudio.wizard.i18n``)."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from nanostudio.wizard.i18n import Text


def translated(text: str) -> str:
    """``text`` in the user's language: a model :class:`Text` is looked up in the
    catalogue under its context, then filled with its (translated) arguments; any
    other string (a path, a tool's message) is shown as it is."""
    if not isinstance(text, Text):
        return text
    source = QCoreApplication.translate(text.context, text.source) if text.context else text.source
    if not text.args:
        return source
    return source.format(*(translated(arg) if isinstance(arg, str) else arg for arg in text.args))
