"""The optional-file field (Identity's answer file and domain blob): Choose… opens a
non-blocking dialog where the shown file is; the choice and Clear arrive as ``chosen``."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot

from nanostudio.gui.widgets.file_field import FileField


def test_choose_opens_where_the_shown_file_is_and_clear_says_none(
    qtbot: QtBot, tmp_path: Path
) -> None:
    field = FileField("optional", "C&hoose…", "Clea&r", "Choose a file", "Text (*.txt)")
    qtbot.addWidget(field)
    chosen: list[object] = []
    field.chosen.connect(chosen.append)
    shown = tmp_path / "answers" / "unattend.xml"
    shown.parent.mkdir()
    field.show_path(shown)
    assert field.clear_button.isEnabled()
    field.choose_button.click()
    [dialog] = field.findChildren(QFileDialog)
    assert dialog.isVisible()  # open(), not exec(): the click returned
    assert Path(dialog.directory().absolutePath()) == shown.parent
    assert dialog.windowTitle() == "Choose a file"
    picked = tmp_path / "other.xml"
    dialog.fileSelected.emit(str(picked))
    dialog.reject()
    field.clear_button.click()
    assert chosen == [picked, None]
    field.show_path(None)
    assert not field.clear_button.isEnabled()
