"""Rows and columns of controls, as the pages build them again and again.

Controls are laid out (and so reached with Tab) in the order given.
"""

from __future__ import annotations

from PySide6.QtWidgets import QBoxLayout, QGroupBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget


def button_row(*buttons: QWidget) -> QHBoxLayout:
    """Buttons from the left; the room left over stays empty on the right."""
    row = QHBoxLayout()
    for button in buttons:
        row.addWidget(button)
    row.addStretch(1)
    return row


def labelled_row(caption: str, editor: QWidget, *after: QWidget) -> QHBoxLayout:
    """``caption`` (its Alt+letter goes to ``editor``), ``editor`` taking the width
    left, then ``after`` (buttons that act on it)."""
    label = QLabel(caption)
    label.setBuddy(editor)
    row = QHBoxLayout()
    row.addWidget(label)
    row.addWidget(editor, 1)
    for widget in after:
        row.addWidget(widget)
    return row


def section_box(title: str) -> tuple[QGroupBox, QVBoxLayout]:
    """A titled frame (one of a page's sections) and the column its contents go in."""
    box = QGroupBox(title)
    return box, QVBoxLayout(box)


def row_widget(*widgets: QWidget, stretch: QWidget) -> QWidget:
    """``widgets`` side by side as one widget (a form row's editor); ``stretch`` takes
    the width left."""
    return _unmargined(QHBoxLayout(), widgets, stretch)


def column_widget(
    *widgets: QWidget, stretch: QWidget | None = None, spacing: int | None = None
) -> QWidget:
    """``widgets`` one under the other as one widget; ``stretch`` takes the height
    left; ``spacing`` between them, the style's when None."""
    column = QVBoxLayout()
    if spacing is not None:
        column.setSpacing(spacing)
    return _unmargined(column, widgets, stretch)


def _unmargined(
    layout: QBoxLayout, widgets: tuple[QWidget, ...], stretch: QWidget | None
) -> QWidget:
    holder = QWidget()
    holder.setLayout(layout)
    layout.setContentsMargins(0, 0, 0, 0)
    for widget in widgets:
        layout.addWidget(widget, 1 if widget is stretch else 0)
    return holder
