"""Inline problem labels: problems appear next to the field, never in a message box."""

from __future__ import annotations

from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QLabel, QWidget


def sentence(message: str) -> str:
    """Validation messages are lower-case clauses; show them as sentences."""
    return message[:1].upper() + message[1:] if message else message


def is_dark(widget: QWidget) -> bool:
    return widget.palette().color(QPalette.ColorRole.Window).lightness() < 128


def set_color(label: QLabel, color: str) -> None:
    """Text colour by style sheet, set only when it changes (style sheets are costly)."""
    sheet = f"color: {color};"
    if label.styleSheet() != sheet:
        label.setStyleSheet(sheet)


def _selectable(label: QLabel) -> None:
    """Text selectable by mouse. Set by property name: touching PySide's ``Qt`` namespace
    costs 15-40 ms of start-up (all of its enums are made at once), before the first paint."""
    label.setProperty("textInteractionFlags", "TextSelectableByMouse")


class ProblemLabel(QLabel):
    """Red, word-wrapped, hidden while there is nothing to say."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        _selectable(self)
        self.setAccessibleName(self.tr("Problem"))
        self.hide()

    def show_problems(self, messages: list[str]) -> None:
        set_color(self, "#ff8a8a" if is_dark(self) else "#b3261e")
        text = "\n".join(sentence(message) for message in messages)
        self.setText(text)
        self.setAccessibleDescription(text)
        self.setVisible(bool(messages))


class NoteLabel(QLabel):
    """Secondary explanatory text under a field."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setWordWrap(True)
        self.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        _selectable(self)
