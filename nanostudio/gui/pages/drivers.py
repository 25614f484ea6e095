"""Drivers: extra driver folders, each INF listed with what it is and whether it fits.

A folder is read on a worker thread: a vendor's driver pack can hold hundreds of INFs.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QStyle,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
)

from nanostudio.gui.pages.base import PageBase
from nanostudio.gui.settings import LAST_DRIVER_DIR, Settings
from nanostudio.gui.tasks import Task, blocking_task
from nanostudio.gui.widgets.busy import BusyIndicator
from nanostudio.gui.widgets.problems import NoteLabel, ProblemLabel
from nanostudio.media.drivers import DriverFolder, scan_driver_folder
from nanostudio.recipe import RecipeField
from nanostudio.wizard import Page, WizardState


class DriversPage(PageBase):
    page = Page.DRIVERS

    def __init__(self, state: WizardState, settings: Settings) -> None:
        super().__init__(state, settings)
        self.setTitle(self.tr("Drivers"))
        self._jobs: dict[Path, Task] = {}
        # Folders the user just added: kept only if they hold a usable driver.
        self._on_trial: set[Path] = set()
        self.refused_label = ProblemLabel()
        self.refused_label.setAccessibleName(self.tr("Folder not added"))
        self.busy = BusyIndicator()
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(
            [
                self.tr("Folder / INF"),
                self.tr("Class"),
                self.tr("Provider"),
                self.tr("Version"),
                self.tr("Architectures"),
            ]
        )
        self.tree.setAccessibleName(self.tr("Driver folders"))
        header = self.tree.header()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.add_button = QPushButton(self.tr("&Add folder…"))
        self.remove_button = QPushButton(self.tr("&Remove"))
        self.remove_button.setEnabled(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self.body)
        layout.addLayout(buttons)
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
        self.setSubTitle(
            self.tr(
                "Optional: add folders of unpacked drivers (.inf files); the drivers the "
                "image has are kept."
            )
            if self.state.edit_image is not None
            else self.tr(
                "Optional: add folders of unpacked drivers (.inf files) for hardware the "
                "OEM drivers do not cover."
            )
        )
        self.read_new_folders()
        self._show()

    def read_new_folders(self) -> None:
        """Start reading the folders not read yet (those of a recipe just opened)."""
        for folder in self.state.driver_folders:
            if folder not in self.state.driver_scans:
                self._scan(folder)

    def _choose_folder(self) -> None:
        dialog = QFileDialog(
            self, self.tr("Choose a driver folder"), self.settings.get(LAST_DRIVER_DIR)
        )
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
        dialog.fileSelected.connect(lambda name: self.add_folder(Path(name)))
        dialog.open()

    def add_folder(self, folder: Path) -> None:
        """Add ``folder`` once it is read and holds a usable driver; otherwise it is
        refused with the reason (it would only block Next and need removing by hand)."""
        self.refused_label.show_problems([])
        if folder not in self.state.driver_folders:
            self.state.driver_folders.append(folder)
            self._on_trial.add(folder)
        self.settings.set(LAST_DRIVER_DIR, str(folder.parent))
        self.state.driver_scans.pop(folder, None)  # added again: read it again
        self._scan(folder)
        self._show()
        self.changed()

    def _scan(self, folder: Path) -> None:
        """Read ``folder`` on a worker thread; Next waits for it."""
        if folder in self.state.scanning_drivers:
            return
        self.state.scanning_drivers.add(folder)
        job = blocking_task(lambda: scan_driver_folder(folder), self)
        job.succeeded.connect(lambda scanned: self._scanned(folder, scanned))
        job.failed.connect(
            lambda message: self._scanned(folder, DriverFolder(folder, problem=message))
        )
        self._jobs[folder] = job
        self.busy.start(self.tr("Reading {0}…").format(folder.name))
        job.start()

    def _scanned(self, folder: Path, scanned: object) -> None:
        assert isinstance(scanned, DriverFolder)
        self.state.scanning_drivers.discard(folder)
        self.state.driver_scans[folder] = scanned
        if folder in self._on_trial:
            self._on_trial.discard(folder)
            if scanned.problem:
                self.state.driver_folders = [f for f in self.state.driver_folders if f != folder]
                self.refused_label.show_problems(
                    [self.tr("Not added: {0}").format(scanned.problem)]
                )
        if not self.state.scanning_drivers:
            self.busy.stop()
        self._show()
        self.changed()

    def wait_idle(self, ms: int = 30_000) -> None:
        """For shutdown: let the folders being read be read."""
        for job in self._jobs.values():
            job.wait(ms)

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
