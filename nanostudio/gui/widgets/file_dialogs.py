"""File dialogs opened the one way the pages open them: window-modal, never blocking.

``open()`` instead of ``exec()`` keeps the GUI thread (and tests) running; the choice
arrives as paths through ``chosen`` (whatever it returns is ignored). Each returns the
dialog it opened.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QWidget


def choose_file(
    parent: QWidget, title: str, start: str, name_filter: str, chosen: Callable[[Path], object]
) -> QFileDialog:
    """One existing file."""
    dialog = QFileDialog(parent, title, start)
    dialog.setNameFilter(name_filter)
    dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
    return _opened(dialog, chosen)


def choose_files(
    parent: QWidget,
    title: str,
    start: str,
    chosen: Callable[[list[Path]], object],
    name_filter: str | None = None,
) -> QFileDialog:
    """One or more existing files."""
    dialog = QFileDialog(parent, title, start)
    dialog.setFileMode(QFileDialog.FileMode.ExistingFiles)
    if name_filter is not None:
        dialog.setNameFilter(name_filter)
    dialog.filesSelected.connect(lambda names: chosen([Path(n) for n in names]))
    dialog.open()
    return dialog


def choose_folder(
    parent: QWidget, title: str, start: str, chosen: Callable[[Path], object]
) -> QFileDialog:
    """One folder; files are not shown."""
    dialog = QFileDialog(parent, title, start)
    dialog.setFileMode(QFileDialog.FileMode.Directory)
    dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
    return _opened(dialog, chosen)


def choose_save_path(
    parent: QWidget,
    title: str,
    start: str,
    name_filter: str,
    chosen: Callable[[Path], object],
    default_suffix: str = "",
) -> QFileDialog:
    """A file to write (new or replaced)."""
    dialog = QFileDialog(parent, title, start)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setNameFilter(name_filter)
    if default_suffix:
        dialog.setDefaultSuffix(default_suffix)
    return _opened(dialog, chosen)


def _opened(dialog: QFileDialog, chosen: Callable[[Path], object]) -> QFileDialog:
    """``dialog`` shown, its one chosen path handed to ``chosen``."""
    dialog.fileSelected.connect(lambda name: chosen(Path(name)))
    dialog.open()
    return dialog
