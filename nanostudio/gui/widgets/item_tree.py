"""Lists of items with columns (QTreeWidget), made and read the same way on every page."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHeaderView, QTreeWidget


def item_tree(headers: list[str], name: str, *, flat: bool = True) -> QTreeWidget:
    """A list with column ``headers``, named ``name`` for screen readers; ``flat``: no
    branch decoration in the first column (the items have no children)."""
    tree = QTreeWidget()
    tree.setHeaderLabels(headers)
    if flat:
        tree.setRootIsDecorated(False)
    tree.setAccessibleName(name)
    return tree


def fit_columns_to_text(tree: QTreeWidget) -> None:
    """Every column as wide as its text; the last one also takes the width left."""
    header = tree.header()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(True)


def stretch_path_column(tree: QTreeWidget) -> None:
    """The first column (a path) takes what is left, elided in the middle where the
    file name stays visible; the other columns are as wide as their text."""
    header = tree.header()
    header.setStretchLastSection(False)
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    for column in range(1, tree.columnCount()):
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
    tree.setTextElideMode(Qt.TextElideMode.ElideMiddle)


def selected_row(tree: QTreeWidget) -> int:
    """The current top-level row, or -1."""
    item = tree.currentItem()
    return tree.indexOfTopLevelItem(item) if item is not None else -1
