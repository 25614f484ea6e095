"""The Identity page's "Harvest from this domain…": djoin /provision run by NanoStudio.

Shown only where it can work: on a Windows host that is a domain member (found off
the GUI thread); on a Windows host in a workgroup it is disabled with the reason; on
other systems it is absent. The harvest itself (djoin_harvest.harvest_blob) runs on a
worker thread; the result is the stored blob's path, or one line saying why not.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from nanostudio.gui.tasks import Task, start_blocking
from nanostudio.recipe import djoin_harvest


class HarvestButton(QPushButton):
    """Harvests a blob for the current computer name; ``harvested(Path)`` or ``failed(str)``."""

    harvested = Signal(object)
    failed = Signal(str)

    def __init__(self, computer_name: Callable[[], str], parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Har&vest from this domain…"), parent)
        self.setAutoDefault(False)
        self._computer_name = computer_name
        self.domain: str | None = None
        self._job: Task | None = None
        self.setVisible(False)  # until the host is known to be a domain member
        self.clicked.connect(self._ask_and_harvest)

    def refresh(self) -> None:
        """Ask (off the GUI thread) whether this host is a domain member."""
        if self._job is not None:
            return
        self._job = start_blocking(
            djoin_harvest.joined_domain,
            self,
            self._membership_known,
            lambda _message: self._membership_known(None),
        )

    def _membership_known(self, domain: object) -> None:
        self._job = None
        self.domain = domain if isinstance(domain, str) else None
        on_windows = sys.platform == "win32"
        self.setVisible(self.domain is not None or on_windows)
        self.setEnabled(self.domain is not None)
        self.setToolTip(
            self.tr("Runs djoin /provision for this computer name in {0}").format(self.domain)
            if self.domain
            else self.tr("This computer is not a member of a domain: djoin needs one.")
        )

    def _ask_and_harvest(self) -> None:
        dialog = HarvestDialog(self.domain or "", self.window())
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        name = self._computer_name()
        chosen, _ = QFileDialog.getSaveFileName(
            self,
            self.tr("Store the domain-join blob"),
            str(Path.home() / f"{name}.djoin"),
            self.tr("djoin blobs (*.djoin *.txt)"),
        )
        if chosen:
            self.harvest(
                dialog.domain_edit.text().strip(), dialog.reuse_box.isChecked(), Path(chosen)
            )

    def harvest(self, domain: str, reuse: bool, dest: Path) -> None:
        """Run djoin on a worker thread for the current computer name."""
        name = self._computer_name()
        self.setEnabled(False)
        self.setText(self.tr("Harvesting…"))
        self._job = start_blocking(
            lambda: djoin_harvest.harvest_blob(domain, name, dest, reuse=reuse).path,
            self,
            lambda path: self._done(path, None),
            lambda message: self._done(None, message),
        )

    def wait(self, ms: int = 30_000) -> None:
        if self._job is not None:
            self._job.wait(ms)

    def _done(self, path: object, message: str | None) -> None:
        self._job = None
        self.setText(self.tr("Har&vest from this domain…"))
        self.setEnabled(self.domain is not None)
        if isinstance(path, Path):
            self.harvested.emit(path)
        else:
            self.failed.emit(message or self.tr("djoin failed"))


class HarvestDialog(QDialog):
    """The domain (this host's by default) and whether to reuse an existing account."""

    def __init__(self, domain: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Harvest a domain-join blob"))
        form = QFormLayout(self)
        self.domain_edit = QLineEdit(domain)
        form.addRow(self.tr("&Domain:"), self.domain_edit)
        self.reuse_box = QCheckBox(
            self.tr("&Reuse an existing computer account (resets its password)")
        )
        form.addRow("", self.reuse_box)
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        form.addRow("", self.problem)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.domain_edit.textChanged.connect(self._check)
        self._check(domain)

    def _check(self, text: str) -> None:
        problem = djoin_harvest.domain_problem(text.strip())
        self.problem.setText(problem or "")
        self.ok.setEnabled(problem is None)
