"""A set of radio buttons, one per key, of which one is checked at a time."""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QButtonGroup, QRadioButton

Key = TypeVar("Key")


def radio_choices(
    owner: QObject, captions: dict[Key, tuple[str, str]]
) -> tuple[QButtonGroup, dict[Key, QRadioButton]]:
    """A button per key of ``captions`` (its text, then its accessible name), in one
    exclusive group whose button ids are the keys' positions, for ``idToggled``."""
    group = QButtonGroup(owner)
    buttons: dict[Key, QRadioButton] = {}
    for number, (key, (caption, name)) in enumerate(captions.items()):
        button = QRadioButton(caption)
        button.setAccessibleName(name)
        group.addButton(button, number)
        buttons[key] = button
    return group, buttons
