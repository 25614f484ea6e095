"""Updates and files: servicing packages (.msu/.cab) and files copied into the image.

A copy's source is read on a worker thread (a folder can hold many files); its size
counts against the disk size on the Output page.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton, QTreeWidget, QTreeWidgetItem

from nanostudio.gui.pages.base import PageBase
from nanostudio.gui.pages.path_reads import PathReads
from nanostudio.gui.settings import LAST_DRIVER_DIR
from nanostudio.gui.widgets.busy import BusyIndicator
from nanostudio.gui.widgets.file_dialogs import choose_files, choose_folder
from nanostudio.gui.widgets.item_tree import item_tree, selected_row, stretch_path_column
from nanostudio.gui.widgets.problems import NoteLabel
from nanostudio.gui.widgets.rows import button_row, labelled_row, section_box
from nanostudio.recipe import CopyPath, RecipeField
from nanostudio.recipe.copies import (
    CopyScan,
    destination_problem,
    normalize_destination,
    scan_copy_source,
)
from nanostudio.sizes import size_text
from nanostudio.wizard import Page


class UpdatesPage(PageBase):
    page = Page.UPDATES

    def _build(self) -> None:
        updates, update_layout = section_box(self.tr("Updates (servicing packages)"))
        self.update_list = item_tree([self.tr("File"), self.tr("Size")], self.tr("Updates"))
        stretch_path_column(self.update_list)
        self.update_list.setMaximumHeight(110)
        self.add_update_button = QPushButton(self.tr("Add &update…"))
        self.remove_update_button = QPushButton(self.tr("Re&move update"))
        update_layout.addLayout(button_row(self.add_update_button, self.remove_update_button))
        update_layout.addWidget(self.update_list)
        update_layout.addWidget(self.problem_label(RecipeField.PACKAGES_SERVICING))
        self.update_note = NoteLabel(
            self.tr(
                "Servicing stack updates are installed first, whatever their order here. "
                "The Windows engine adds the updates to the image offline with DISM. The "
                "portable engine cannot: it puts them in the image and installs them at "
                "FIRST BOOT (dism /online), after the role packages, so the first start "
                "takes longer."
            )
        )
        update_layout.addWidget(self.update_note)

        files, copy_layout = section_box(self.tr("Files and folders to copy into the image"))
        self.copy_list = item_tree(
            [self.tr("Source on this computer"), self.tr("Folder in the image"), self.tr("Size")],
            self.tr("Files to copy"),
        )
        stretch_path_column(self.copy_list)
        self.copy_list.setMaximumHeight(150)
        self.add_file_button = QPushButton(self.tr("Add &file…"))
        self.add_folder_button = QPushButton(self.tr("Add f&older…"))
        self.remove_copy_button = QPushButton(self.tr("&Remove"))
        self.destination_edit = QLineEdit()
        self.destination_edit.setPlaceholderText(self.tr("C:\\ (the root), or e.g. Tools"))
        self.destination_edit.setAccessibleName(self.tr("Folder in the image"))
        copy_buttons = button_row(
            self.add_file_button, self.add_folder_button, self.remove_copy_button
        )
        destination_row = labelled_row(
            self.tr("Folder in the &image for the selected item: C:\\"), self.destination_edit
        )
        self.busy = BusyIndicator()
        self._reads = PathReads(
            self,
            self.busy,
            self.state.scanning_copies,
            self.state.copy_scans,
            scan_copy_source,
            lambda source, message: CopyScan(source, problem=message),
            lambda _source: self._show_changes(),
        )
        self.total_label = QLabel()
        self.total_label.setAccessibleName(self.tr("Total size"))
        copy_layout.addLayout(copy_buttons)
        copy_layout.addWidget(self.copy_list)
        copy_layout.addLayout(destination_row)
        copy_layout.addWidget(self.busy)
        copy_layout.addWidget(self.total_label)
        copy_layout.addWidget(self.problem_label(RecipeField.FILES_COPY))

        self.add_sections(updates, files)
        self.add_update_button.clicked.connect(self._choose_updates)
        self.remove_update_button.clicked.connect(
            lambda: self._remove_selected(self.update_list, self.state.servicing)
        )
        self.add_file_button.clicked.connect(lambda: self._choose_source(folder=False))
        self.add_folder_button.clicked.connect(lambda: self._choose_source(folder=True))
        self.remove_copy_button.clicked.connect(
            lambda: self._remove_selected(self.copy_list, self.state.copies)
        )
        self.copy_list.itemSelectionChanged.connect(self._selection_changed)
        self.destination_edit.textEdited.connect(self._destination_edited)

    def load(self) -> None:
        for copy in self.state.copies:
            if copy.source not in self.state.copy_scans:
                self._reads.start(copy.source)
        self._show()

    # -- updates ------------------------------------------------------------------------

    def _choose_updates(self) -> None:
        choose_files(
            self,
            self.tr("Choose updates"),
            self.settings.get(LAST_DRIVER_DIR),
            self.add_updates,
            self.tr("Updates (*.msu *.cab);;All files (*)"),
        )

    def add_updates(self, paths: list[Path]) -> None:
        for path in paths:
            if path not in self.state.servicing:
                self.state.servicing.append(path)
        self._show()
        self.changed()

    def _remove_selected(self, tree: QTreeWidget, items: list[Path] | list[CopyPath]) -> None:
        """Forget the item selected in ``tree``, which shows ``items``."""
        row = selected_row(tree)
        if 0 <= row < len(items):
            del items[row]
            self._show()
            self.changed()

    # -- copies -------------------------------------------------------------------------

    def _choose_source(self, *, folder: bool) -> None:
        start = self.settings.get(LAST_DRIVER_DIR)
        if folder:
            title = self.tr("Choose a folder to copy")
            choose_folder(self, title, start, lambda chosen: self.add_sources([chosen]))
        else:
            choose_files(self, self.tr("Choose files to copy"), start, self.add_sources)

    def add_sources(self, sources: list[Path], destination: str = "") -> None:
        """Add copies of ``sources`` into ``destination`` (the root by default); each is
        read on a worker thread, Next waits for it."""
        for source in sources:
            if all(copy.source != source for copy in self.state.copies):
                self.state.copies.append(CopyPath(source, destination))
            self._reads.start(source)
        self._show()
        self.changed()

    def _show_changes(self) -> None:
        self._show()
        self.changed()

    def wait_idle(self, ms: int = 30_000) -> None:
        self._reads.wait(ms)

    def _selection_changed(self) -> None:
        row = selected_row(self.copy_list)
        selected = 0 <= row < len(self.state.copies)
        self.destination_edit.setEnabled(selected)
        self.remove_copy_button.setEnabled(selected)
        self.destination_edit.setText(self.state.copies[row].destination if selected else "")

    def set_destination(self, row: int, text: str) -> None:
        """The folder in the image for copy ``row``, normalised when it is valid."""
        cleaned = normalize_destination(text) if destination_problem(text) is None else text
        copy = self.state.copies[row]
        self.state.copies[row] = CopyPath(copy.source, cleaned)
        item = self.copy_list.topLevelItem(row)
        if item is not None:
            item.setText(1, "C:\\" + cleaned)
        self._show_total()
        self.changed()

    def _destination_edited(self, text: str) -> None:
        row = selected_row(self.copy_list)
        if 0 <= row < len(self.state.copies):
            self.set_destination(row, text)

    # -- showing ------------------------------------------------------------------------

    def _show(self) -> None:
        self.update_list.clear()
        for path in self.state.servicing:
            try:
                size = size_text(path.stat().st_size)
            except OSError:
                size = self.tr("missing")
            item = QTreeWidgetItem(self.update_list, [str(path), size])
            item.setToolTip(0, str(path))
        self.copy_list.clear()
        for copy in self.state.copies:
            if copy.source in self.state.scanning_copies:
                size = self.tr("reading…")
            else:
                scanned = self.state.copy_scan(copy.source)
                if scanned.problem:
                    size = self.tr("not usable")
                else:
                    count = len(scanned.files)
                    size = self.tr("{0} in {1} file(s)").format(
                        size_text(scanned.total_bytes), count
                    )
            item = QTreeWidgetItem(
                self.copy_list, [str(copy.source), "C:\\" + copy.destination, size]
            )
            item.setToolTip(0, str(copy.source))
        self._selection_changed()
        self._show_total()

    def _show_total(self) -> None:
        if not self.state.copies:
            self.total_label.setText(self.tr("Nothing is copied into the image."))
            return
        total = self.state.copy_bytes
        shown = self.tr("{0} to copy").format(size_text(total))
        if self.state.size_bytes:
            shown += self.tr(", on a disk of at most {0} (Output page)").format(
                self.state.size_shown
            )
        self.total_label.setText(shown)
