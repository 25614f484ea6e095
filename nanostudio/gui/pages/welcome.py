"""Welcome: a new image, a saved recipe, straight to a running server, or one of the
VMs NanoStudio started before (the Done page's list, ``VmList``).

This page is shown before the rest of the wizard exists (see ``NanoWizard``), so it
imports nothing heavy at module level and is complete only once the wizard is ready.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QCommandLinkButton, QMessageBox

from nanostudio.gui import console_link
from nanostudio.gui.pages.base import PageBase
from nanostudio.gui.settings import LAST_RECIPE_DIR
from nanostudio.gui.widgets.file_dialogs import choose_file
from nanostudio.gui.widgets.problems import NoteLabel
from nanostudio.wizard.pages import Page

if TYPE_CHECKING:
    from nanostudio.gui.vm_panel import VmList
    from nanostudio.wizard.state import WizardState


class WelcomePage(PageBase):
    page = Page.WELCOME
    recipe_loaded = Signal(Path)

    def _build(self) -> None:
        self.unmapped_box: QMessageBox | None = None
        self.vms: VmList | None = None  # once the wizard is ready (its imports are heavy)
        self.new_button = QCommandLinkButton(
            self.tr("Ne&w image"),
            self.tr("Choose the media, where the server will run, roles, name and network."),
        )
        self.open_button = QCommandLinkButton(
            self.tr("&Open a saved recipe…"),
            self.tr("Start from a recipe saved earlier; you type the password again."),
        )
        self.edit_button = QCommandLinkButton(
            self.tr("&Edit an existing image…"),
            self.tr(
                "Add packages, drivers, updates, files, a domain blob or network settings to "
                "a VHD, VHDX or WIM; the result is a new file, the original is only read."
            ),
        )
        self.import_button = QCommandLinkButton(
            self.tr("&Import a New-NanoServerImage script…"),
            self.tr(
                "Start from a PowerShell script, such as the one Image Builder saves; "
                "parameters NanoStudio cannot use are listed."
            ),
        )
        self.connect_button = QCommandLinkButton(
            self.tr("&Connect to a running Nano Server…"),
            self.tr("Open a remote PowerShell console on a server that is already running."),
        )
        self.connect_button.setEnabled(console_link.console_available())
        if not console_link.console_available():
            self.connect_button.setToolTip(self.tr("The remote console is not part of this build."))
        buttons = (
            self.new_button,
            self.edit_button,
            self.open_button,
            self.import_button,
            self.connect_button,
        )
        for button in buttons:
            button.setAccessibleName(button.text().replace("&", ""))
        layout = self.body_layout
        layout.addWidget(self.new_button)
        layout.addWidget(self.edit_button)
        layout.addWidget(self.open_button)
        layout.addWidget(self.import_button)
        layout.addWidget(self.page_problems)
        layout.addWidget(self.connect_button)
        layout.addStretch(1)
        layout.addWidget(
            NoteLabel(
                self.tr(
                    "NanoStudio needs only the Windows Server 2016 ISO (or its NanoServer "
                    "folder). Nothing on your computer is changed outside the output file."
                )
            )
        )
        self.new_button.clicked.connect(self._new_image)
        self._opens_file(
            self.edit_button,
            self.tr("Choose the image to edit"),
            self.tr("Nano Server images (*.vhdx *.vhd *.wim);;All files (*)"),
            self.edit_image,
        )
        self._opens_file(
            self.open_button,
            self.tr("Open a recipe"),
            self.tr("NanoStudio recipes (*.toml);;All files (*)"),
            self.open_recipe,
        )
        self._opens_file(
            self.import_button,
            self.tr("Import a New-NanoServerImage script"),
            self.tr("PowerShell scripts (*.ps1 *.txt);;All files (*)"),
            self.import_script,
        )
        self.connect_button.clicked.connect(lambda: console_link.open_console(self.window(), None))

    @property
    def ready(self) -> bool:
        """The rest of the wizard (and the state) exists."""
        return self._state is not None

    def attach(self, state: WizardState) -> None:
        self._state = state
        self._add_vm_list()
        self.completeChanged.emit()

    def _add_vm_list(self) -> None:
        """The remembered VMs under the choices, hidden while there are none."""
        from nanostudio.gui.vm_panel import VmList
        from nanostudio.gui.widgets.focus_ring import prepare_for_keyboard

        self.vms = VmList(hide_when_empty=True)
        self.body_layout.insertWidget(
            self.body_layout.indexOf(self.connect_button) + 1, self.vms, 1
        )
        prepare_for_keyboard(self.vms)
        self.vms.refresh()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        """Back on Welcome: the Done page may have started or deleted a VM meanwhile."""
        super().showEvent(event)
        if self.vms is not None and not event.spontaneous():
            self.vms.refresh()

    def wait_idle(self, ms: int = 30_000) -> None:
        if self.vms is not None:
            self.vms.shutdown(ms)
        super().wait_idle(ms)

    def isComplete(self) -> bool:  # noqa: N802 - Qt override
        return self.ready

    def nextId(self) -> int:  # noqa: N802 - Qt override
        """Always the Source page: with -1 QWizard would treat Welcome as the last page
        (a Finish button) until the other pages exist."""
        return int(Page.SOURCE)

    def refresh(self) -> None:
        self.completeChanged.emit()

    def _new_image(self) -> None:
        if self.ready:
            self.state.start_edit(None)
            self.wizard().next()

    def _opens_file(
        self,
        button: QCommandLinkButton,
        title: str,
        name_filter: str,
        chosen: Callable[[Path], bool],
    ) -> None:
        """``button`` asks for a file, in the folder of the last one opened here (a
        recipe, an image or a script), and hands it to ``chosen``."""
        button.clicked.connect(
            lambda: choose_file(
                self, title, self.settings.get(LAST_RECIPE_DIR), name_filter, chosen
            )
        )

    def edit_image(self, path: Path) -> bool:
        """Edit ``path``: the Source page reads it and asks for the media; then the pages
        where additions are made, and the Output page with the new file's name."""
        if not self.ready:
            return False
        self.state.start_edit(path)
        self.wizard().next()
        return True

    def import_script(self, path: Path) -> bool:
        """Read ``path``'s New-/Edit-NanoServerImage call (never run) into the state and
        move on; what cannot be mapped is listed in a message box, nothing is dropped
        silently. A script that cannot be read is shown here."""
        from nanostudio.errors import UserFacingError
        from nanostudio.recipe.ps_import import import_script, read_script
        from nanostudio.wizard.state import apply_recipe

        if not self.ready:
            return False
        try:
            imported = import_script(read_script(path), base=path.absolute().parent)
        except UserFacingError as error:
            self.page_problems.show_problems([str(error)])
            return False
        self.page_problems.show_problems([])
        apply_recipe(self.state, imported.recipe)
        self.settings.set(LAST_RECIPE_DIR, str(path.parent))
        self.recipe_loaded.emit(path)
        self.wizard().next()
        if imported.unmapped:
            self.unmapped_box = QMessageBox(
                QMessageBox.Icon.Warning,
                self.tr("Not everything could be imported"),
                self.tr("{0} parameter(s) of {1} in {2} have no place in NanoStudio:").format(
                    len(imported.unmapped), imported.command, path.name
                ),
                QMessageBox.StandardButton.Ok,
                self.window(),
            )
            self.unmapped_box.setInformativeText("\n".join(str(item) for item in imported.unmapped))
            self.unmapped_box.open()
        return True

    def open_recipe(self, path: Path) -> bool:
        """Load ``path`` into the state and move on; a bad recipe is shown here."""
        from nanostudio.errors import UserFacingError
        from nanostudio.recipe.toml_io import load_recipe
        from nanostudio.wizard.state import apply_recipe

        if not self.ready:
            return False
        try:
            recipe = load_recipe(path)
        except UserFacingError as error:
            self.page_problems.show_problems([str(error)])
            return False
        self.page_problems.show_problems([])
        apply_recipe(self.state, recipe)
        self.settings.set(LAST_RECIPE_DIR, str(path.parent))
        self.recipe_loaded.emit(path)
        self.wizard().next()
        return True
