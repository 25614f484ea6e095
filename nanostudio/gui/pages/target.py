"""Target: where the server will run; the choice sets deployment, drivers and format."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QGridLayout,
    QGroupBox,
    QRadioButton,
    QVBoxLayout,
)

from nanostudio.catalogue import Deployment
from nanostudio.gui.pages.base import PageBase, add_row, new_form
from nanostudio.gui.settings import LAST_TARGET, Settings
from nanostudio.gui.widgets.problems import NoteLabel
from nanostudio.wizard import PRESETS, Page, Target, WizardState


class TargetPage(PageBase):
    page = Page.TARGET

    def __init__(self, state: WizardState, settings: Settings) -> None:
        super().__init__(state, settings)
        self.setTitle(self.tr("Where will this server run?"))
        self.setSubTitle(
            self.tr("The choice sets the drivers and the disk format; you can adjust them below.")
        )
        self.group = QButtonGroup(self)
        self.buttons: dict[Target, QRadioButton] = {}
        choices = QGroupBox(self.tr("Target"))
        grid = QGridLayout(choices)
        for number, (target, preset) in enumerate(PRESETS.items()):
            button = QRadioButton(preset.label)
            button.setAccessibleName(preset.label)
            self.group.addButton(button, number)
            self.buttons[target] = button
            grid.addWidget(button, number // 2, number % 2)
        self.target_note = NoteLabel()
        grid.addWidget(self.target_note, 3, 0, 1, 2)

        details = QGroupBox(self.tr("Deployment and drivers"))
        form = new_form()
        details.setLayout(form)
        self.deployment_box = QComboBox()
        self.deployment_box.addItem(self.tr("Guest: a Hyper-V virtual machine"), Deployment.GUEST)
        self.deployment_box.addItem(
            self.tr("Host: hardware or another hypervisor"), Deployment.HOST
        )
        add_row(
            form,
            self.tr("&Deployment type:"),
            self.deployment_box,
            self.problem_label("source.deployment"),
        )
        self.oem_box = QCheckBox(self.tr("&OEM drivers"))
        add_row(
            form,
            self.tr("Drivers:"),
            self.oem_box,
            self.problem_label("drivers.oem"),
            self.tr(
                "Basic drivers for common storage controllers and network adapters, such as "
                "the Intel adapter VirtualBox, VMware and QEMU emulate. Not allowed in a "
                "Hyper-V (Guest) image."
            ),
        )
        self.virtualbox_box = QCheckBox(self.tr("&VirtualBox drivers and VHD disk"))
        add_row(
            form,
            "",
            self.virtualbox_box,
            self.problem_label("drivers.virtualbox"),
            self.tr(
                "Prepares the image for VirtualBox: a VHD disk (VirtualBox cannot write to "
                "VHDX) and the OEM drivers for its Intel adapter. Enable EFI in the VM settings."
            ),
        )
        self.oem_box.setAccessibleName(self.tr("OEM drivers"))
        self.virtualbox_box.setAccessibleName(self.tr("VirtualBox drivers"))
        layout = QVBoxLayout(self)
        layout.addWidget(choices)
        layout.addWidget(details)
        layout.addWidget(self.page_problems)
        layout.addStretch(1)
        self.group.idToggled.connect(self._target_toggled)
        self.deployment_box.currentIndexChanged.connect(self._deployment_changed)
        self.oem_box.toggled.connect(self._oem_toggled)
        self.virtualbox_box.toggled.connect(self._virtualbox_toggled)

    def load(self) -> None:
        self.buttons[self.state.target].setChecked(True)
        self._show_details()

    def _show_details(self) -> None:
        was = self._loading
        self._loading = True
        try:
            self.target_note.setText(PRESETS[self.state.target].note)
            self.deployment_box.setCurrentIndex(self.deployment_box.findData(self.state.deployment))
            self.oem_box.setChecked(self.state.oem)
            self.virtualbox_box.setChecked(self.state.virtualbox)
        finally:
            self._loading = was

    def choose(self, target: Target) -> None:
        self.buttons[target].setChecked(True)

    def _target_toggled(self, number: int, checked: bool) -> None:
        if not checked or self._loading:
            return
        target = list(PRESETS)[number]
        self.state.apply_target(target)
        self.settings.set(LAST_TARGET, target.value)
        self._show_details()
        self.changed()

    def _deployment_changed(self) -> None:
        if self._loading:
            return
        self.state.deployment = Deployment(self.deployment_box.currentData())
        self.changed()

    def _oem_toggled(self, checked: bool) -> None:
        if self._loading:
            return
        self.state.oem = checked
        self.changed()

    def _virtualbox_toggled(self, checked: bool) -> None:
        if self._loading:
            return
        self.state.virtualbox = checked
        self.changed()
