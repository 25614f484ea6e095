"""Updates and files: servicing packages (.msu/.cab) and files copied into the image.

A copy's source is read on a worker thread (a folder can hold many files); its size
counts against the disk size on the Output page.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
)

from nanostudio.gui.pages.base import PageBase
from nanostudio.gui.settings import LAST_DRIVER_DIR, Settings
from nanostudio.gui.tasks import Task, blocking_task
from nanostudio.gui.widgets.busy import BusyIndicator
from nanostudio.gui.widgets.problems import NoteLabel
from nanostudio.recipe import CopyPath, RecipeField
from nanostudio.recipe.copies import (
    CopyScan,
    destination_problem,
    normalize_destination,
    scan_copy_source,
)
from nanostudio.sizes import size_text
from nanostudio.wizard import Page, WizardState


class UpdatesPage(PageBase):
    page = Page.UPDATES

    def __init__(self, state: WizardState, settings: Settings) -> None:
        super().__init__(state, settings)
        self.setTitle(self.tr("Updates and files"))
        self.setSubTitle(
            self.tr(
                "Optional: cumulative and servicing stack updates (.msu or .cab from the "
                "Microsoft Update Catalog), and files or folders to put into the image."
            )
        )
        self._jobs: dict[Path, Task] = {}
        updates = QGroupBox(self.tr("Updates (servicing packages)"))
        self.update_list = QTreeWidget()
        self.update_list.setHeaderLabels([self.tr("File"), self.tr("Size")])
        self.update_list.setRootIsDecorated(False)
        self.update_list.setAccessibleName(self.tr("Updates"))
        _columns(self.update_list)
        self.update_list.setMaximumHeight(110)
        self.add_update_button = QPushButton(self.tr("Add &update…"))
        self.remove_update_button = QPushButton(self.tr("Re&move update"))
        update_buttons = QHBoxLayout()
        update_buttons.addWidget(self.add_update_button)
        update_buttons.addWidget(self.remove_update_button)
        update_buttons.addStretch(1)
        update_layout = QVBoxLayout(updates)
        update_layout.addLayout(update_buttons)
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

        files = QGroupBox(self.tr("Files and folders to copy into the image"))
        self.copy_list = QTreeWidget()
        self.copy_list.setHeaderLabels(
            [self.tr("Source on this computer"), self.tr("Folder in the image"), self.tr("Size")]
        )
        self.copy_list.setRootIsDecorated(False)
        self.copy_list.setAccessibleName(self.tr("Files to copy"))
        _columns(self.copy_list)
        self.copy_list.setMaximumHeight(150)
        self.add_file_button = QPushButton(self.tr("Add &file…"))
        self.add_folder_button = QPushButton(self.tr("Add f&older…"))
        self.remove_copy_button = QPushButton(self.tr("&Remove"))
        self.destination_edit = QLineEdit()
        self.destination_edit.setPlaceholderText(self.tr("C:\\ (the root), or e.g. Tools"))
        self.destination_edit.setAccessibleName(self.tr("Folder in the image"))
        copy_buttons = QHBoxLayout()
        for button in (self.add_file_button, self.add_folder_button, self.remove_copy_button):
            copy_buttons.addWidget(button)
        copy_buttons.addStretch(1)
        destination_row = QHBoxLayout()
        destination_label = QLabel(self.tr("Folder in the &image for the selected item: C:\\"))
        destination_label.setBuddy(self.destination_edit)
        destination_row.addWidget(destination_label)
        destination_row.addWidget(self.destination_edit, 1)
        self.busy = BusyIndicator()
        self.total_label = QLabel()
        self.total_label.setAccessibleName(self.tr("Total size"))
        copy_layout = QVBoxLayout(files)
        copy_layout.addLayout(copy_buttons)
        copy_layout.addWidget(self.copy_list)
        copy_layout.addLayout(destination_row)
        copy_layout.addWidget(self.busy)
        copy_layout.addWidget(self.total_label)
        copy_layout.addWidget(self.problem_label(RecipeField.FILES_COPY))

        layout = QVBoxLayout(self.body)
        layout.addWidget(updates)
        layout.addWidget(files)
        layout.addWidget(self.page_problems)
        layout.addStretch(1)
        self.add_update_button.clicked.connect(self._choose_updates)
        self.remove_update_button.clicked.connect(self._remove_update)
        self.add_file_button.clicked.connect(lambda: self._choose_source(folder=False))
        self.add_folder_button.clicked.connect(lambda: self._choose_source(folder=True))
        self.remove_copy_button.clicked.connect(self._remove_copy)
        self.copy_list.itemSelectionChanged.connect(self._selection_changed)
        self.destination_edit.textEdited.connect(self._destination_edited)

    def load(self) -> None:
        for copy in self.state.copies:
            if copy.source not in self.state.copy_scans:
                self._scan(copy.source)
        self._show()

    # -- updates ------------------------------------------------------------------------

    def _choose_updates(self) -> None:
        dialog = QFileDialog(self, self.tr("Choose updates"), self.settings.get(LAST_DRIVER_DIR))
        dialog.setFileMode(QFileDialog.FileMode.ExistingFiles)
        dialog.setNameFilter(self.tr("Updates (*.msu *.cab);;All files (*)"))
        dialog.filesSelected.connect(lambda names: self.add_updates([Path(n) for n in names]))
        dialog.open()

    def add_updates(self, paths: list[Path]) -> None:
        for path in paths:
            if path not in self.state.servicing:
                self.state.servicing.append(path)
        self._show()
        self.changed()

    def _remove_update(self) -> None:
        row = _row(self.update_list)
        if 0 <= row < len(self.state.servicing):
            del self.state.servicing[row]
            self._show()
            self.changed()

    # -- copies -------------------------------------------------------------------------

    def _choose_source(self, *, folder: bool) -> None:
        title = self.tr("Choose a folder to copy") if folder else self.tr("Choose files to copy")
        dialog = QFileDialog(self, title, self.settings.get(LAST_DRIVER_DIR))
        if folder:
            dialog.setFileMode(QFileDialog.FileMode.Directory)
            dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
        else:
            dialog.setFileMode(QFileDialog.FileMode.ExistingFiles)
        dialog.filesSelected.connect(lambda names: self.add_sources([Path(n) for n in names]))
        dialog.open()

    def add_sources(self, sources: list[Path], destination: str = "") -> None:
        """Add copies of ``sources`` into ``destination`` (the root by default); each is
        read on a worker thread, Next waits for it."""
        for source in sources:
            if all(copy.source != source for copy in self.state.copies):
                self.state.copies.append(CopyPath(source, destination))
            self.state.copy_scans.pop(source, None)
            self._scan(source)
        self._show()
        self.changed()

    def _scan(self, source: Path) -> None:
        if source in self.state.scanning_copies:
            return
        self.state.scanning_copies.add(source)
        job = blocking_task(lambda: scan_copy_source(source), self)
        job.succeeded.connect(lambda scanned: self._scanned(source, scanned))
        job.failed.connect(lambda message: self._scanned(source, CopyScan(source, problem=message)))
        self._jobs[source] = job
        self.busy.start(self.tr("Reading {0}…").format(source.name))
        job.start()

    def _scanned(self, source: Path, scanned: object) -> None:
        assert isinstance(scanned, CopyScan)
        self.state.scanning_copies.discard(source)
        self.state.copy_scans[source] = scanned
        if not self.state.scanning_copies:
            self.busy.stop()
        self._show()
        self.changed()

    def wait_idle(self, ms: int = 30_000) -> None:
        for job in self._jobs.values():
            job.wait(ms)

    def _remove_copy(self) -> None:
        row = _row(self.copy_list)
        if 0 <= row < len(self.state.copies):
            del self.state.copies[row]
            self._show()
            self.changed()

    def _selection_changed(self) -> None:
        row = _row(self.copy_list)
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
        row = _row(self.copy_list)
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


def _row(tree: QTreeWidget) -> int:
    """The selected row, or -1."""
    item = tree.currentItem()
    return tree.indexOfTopLevelItem(item) if item is not None else -1


def _columns(tree: QTreeWidget) -> None:
    """The path takes what is left; the other columns are as wide as their text."""
    header = tree.header()
    header.setStretchLastSection(False)
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    for column in range(1, tree.columnCount()):
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
    tree.setTextElideMode(Qt.TextElideMode.ElideMiddle)
