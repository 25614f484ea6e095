"""Every control on every page can be named by a screen reader and reached by keyboard."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)

from nanostudio.gui.wizard_window import NanoWizard
from nanostudio.wizard.pages import Page

CONTROLS = (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
)


def spoken_name(widget: QWidget) -> str:
    if widget.accessibleName():
        return widget.accessibleName()
    if isinstance(widget, QAbstractButton):
        return widget.text().replace("&", "")
    return ""


def is_internal(widget: QWidget) -> bool:
    """Parts of composite Qt widgets (a combo's list, a spin box's line edit, a line
    edit's clear button, which Qt exposes as the edit's "Clear text" action)."""
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QComboBox | QAbstractSpinBox | QAbstractItemView | QLineEdit):
            return True
        parent = parent.parentWidget()
    return widget.objectName().startswith("qt_")


@pytest.mark.parametrize("page", list(Page), ids=lambda page: page.name)
def test_every_control_has_a_name_and_takes_focus(wizard: NanoWizard, page: Page) -> None:
    widget = wizard.pages[page]
    if page is not Page.BUILD:  # entering Build would start a build
        widget.initializePage()
    unnamed = [
        f"{type(control).__name__}"
        for control in widget.findChildren(QWidget)
        if isinstance(control, CONTROLS) and not is_internal(control) and not spoken_name(control)
    ]
    assert unnamed == []
    unreachable = [
        spoken_name(control)
        for control in widget.findChildren(QWidget)
        if isinstance(control, CONTROLS)
        and not is_internal(control)
        and control.focusPolicy() == Qt.FocusPolicy.NoFocus
    ]
    assert unreachable == []
