"""Drivers: extra driver folders, each INF listed with what it is and whether it fits.

A folder is read on a worker thread: a vendor's driver pack can hold hundreds of INFs.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QPushButton, QStyle, QTreeWidgetItem

from nanostudio.gui.pages.base import PageBase
from nanostudio.gui.pages.path_reads import PathReads
from nanostudio.gui.settings import LAST_DRIVER_DIR
from nanostudio.gui.widgets.busy import BusyIndicator
from nanostudio.gui.widgets.file_dialogs import choose_folder
from nanostudio.gui.widgets.item_tree import fit_columns_to_text, item_tree
from nanostudio.gui.widgets.problems import NoteLabel, ProblemLabel
from nanostudio.gui.widgets.rows import button_row
from nanostudio.media.drivers import DriverFolder, scan_driver_folder
from nanostudio.recipe import RecipeField
from nanostudio.wizard import Page


class DriversPage(PageBase):
    page = Page.DRIVERS

    def _build(self) -> None:
        # Folders the user just added: kept only if they hold a usable driver.
        self._on_trial: set[Path] = set()
        self.refused_label = ProblemLabel()
        self.refused_label.setAccessibleName(self.tr("Folder not added"))
        self.busy = BusyIndicator()
        self._reads = PathReads(
            self,
            self.busy,
            self.state.scanning_drivers,
            self.state.driver_scans,
            scan_driver_folder,
            lambda folder, message: DriverFolder(folder, problem=message),
            self._scanned,
        )
        self.tree = item_tree(
            [
                self.tr("Folder / INF"),
                self.tr("Class"),
                self.tr("Provider"),
                self.tr("Version"),
                self.tr("Architectures"),
            ],
            self.tr("Driver folders"),
            flat=False,
        )
        fit_columns_to_text(self.tree)
        self.add_button = QPushButton(self.tr("&Add folder…"))
        self.remove_button = QPushButton(self.tr("&Remove"))
        self.remove_button.setEnabled(False)
        layout = self.body_layout
        layout.addLayout(button_row(self.add_button, self.remove_button))
        layout.addWidget(self.refused_label)
        layout.addWidget(self.busy)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.problem_label(RecipeField.DRIVERS_FOLDERS))
        layout.addWidget(self.page_problems)
        layout.addWidget(
            NoteLabel(
                self.tr(
                    "Only 64-bit (NTamd64) drivers can be used. The portable engine stages "
                    "them and installs them with pnputil at first boot."
                )
            )
        )
        self.add_button.clicked.connect(self._choose_folder)
        self.remove_button.clicked.connect(self._remove_selected)
        self.tree.itemSelectionChanged.connect(
            lambda: self.remove_button.setEnabled(self._selected_folder() is not None)
        )

    def load(self) -> None:
        self.read_new_folders()
        self._show()

    def read_new_folders(self) -> None:
        """Start reading the folders not read yet (those of a recipe just opened)."""
        for folder in self.state.driver_folders:
            if folder not in self.state.driver_scans:
                self._reads.start(folder)

    def _choose_folder(self) -> None:
        choose_folder(
            self,
            self.tr("Choose a driver folder"),
            self.settings.get(LAST_DRIVER_DIR),
            self.add_folder,
        )

    def add_folder(self, folder: Path) -> None:
        """Add ``folder`` once it is read and holds a usable driver; otherwise it is
        refused with the reason (it would only block Next and need removing by hand)."""
        self.refused_label.show_problems([])
        if folder not in self.state.driver_folders:
            self.state.driver_folders.append(folder)
            self._on_trial.add(folder)
        self.settings.set(LAST_DRIVER_DIR, str(folder.parent))
        self._reads.start(folder)  # added again: read it again; Next waits for it
        self._show()
        self.changed()

    def _scanned(self, folder: Path) -> None:
        if folder in self._on_trial:
            self._on_trial.discard(folder)
            scanned = self.state.driver_scans[folder]
            if scanned.problem:
                self.state.driver_folders = [f for f in self.state.driver_folders if f != folder]
                self.refused_label.show_problems(
                    [self.tr("Not added: {0}").format(scanned.problem)]
                )
        self._show()
        self.changed()

    def wait_idle(self, ms: int = 30_000) -> None:
        """For shutdown: let the folders being read be read."""
        self._reads.wait(ms)

    def remove_folder(self, folder: Path) -> None:
        self.state.driver_folders = [f for f in self.state.driver_folders if f != folder]
        self._show()
        self.changed()

    def _selected_folder(self) -> Path | None:
        items = self.tree.selectedItems()
        if not items:
            return None
        item = items[0]
        while (parent := item.parent()) is not None:
            item = parent
        index = self.tree.indexOfTopLevelItem(item)
        return self.state.driver_folders[index] if index >= 0 else None

    def _remove_selected(self) -> None:
        folder = self._selected_folder()
        if folder is not None:
            self.remove_folder(folder)

    def _show(self) -> None:
        self.tree.clear()
        warning = self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        for folder in self.state.driver_folders:
            if folder in self.state.scanning_drivers:
                reading = QTreeWidgetItem(self.tree, [self.tr("{0} — reading…").format(folder)])
                reading.setFirstColumnSpanned(True)
                continue
            scanned = self.state.driver_scan(folder)
            title = str(folder)
            if scanned.problem:  # the problem often names the folder already: not twice
                problem = scanned.problem
                if problem.startswith(str(folder)):
                    problem = problem[len(str(folder)) :].lstrip()
                title = f"{folder} — {problem}"
            top = QTreeWidgetItem(self.tree, [title])
            top.setToolTip(0, title)
            top.setFirstColumnSpanned(True)
            if scanned.problem:
                top.setIcon(0, warning)
            for driver in scanned.drivers:
                child = QTreeWidgetItem(
                    top,
                    [
                        driver.path.relative_to(folder).as_posix(),
                        driver.driver_class,
                        driver.provider,
                        " ".join(filter(None, (driver.version, driver.date))),
                        ", ".join(driver.architectures),
                    ],
                )
                if driver.problem:
                    child.setIcon(0, warning)
                    reason = QTreeWidgetItem(
                        child, [self.tr("Not usable: {0}").format(driver.problem)]
                    )
                    reason.setFirstColumnSpanned(True)
                    reason.setToolTip(0, driver.problem)
                    child.setExpanded(True)
                    for column in range(5):
                        child.setToolTip(column, driver.problem)
            top.setExpanded(True)
        self.remove_button.setEnabled(False)
