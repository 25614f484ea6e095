"""Target: where the server will run; the choice sets deployment, drivers and format.

Once the media is known, the page reads which drivers it offers (on a worker
thread) and shows every target the chosen engine cannot make bootable from it
disabled, with the reason beside it: a choice that cannot work is refused here,
not in the build log.
"""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QComboBox, QGridLayout, QGroupBox

from nanostudio.catalogue import Deployment
from nanostudio.gui.i18n import translated
from nanostudio.gui.pages.base import PageBase, new_form
from nanostudio.gui.settings import LAST_TARGET
from nanostudio.gui.tasks import Task, start_blocking
from nanostudio.gui.widgets.busy import BusyIndicator
from nanostudio.gui.widgets.choices import radio_choices
from nanostudio.gui.widgets.problems import NoteLabel
from nanostudio.recipe import RecipeField
from nanostudio.wizard import PRESETS, Page, Target


class TargetPage(PageBase):
    page = Page.TARGET

    def _build(self) -> None:
        captions = self._captions()
        self.group, self.buttons = radio_choices(
            self,
            {
                target: (captions.get(target, preset.label), preset.label)
                for target, preset in PRESETS.items()
            },
        )
        choices = QGroupBox(self.tr("Target"))
        grid = QGridLayout(choices)
        for number, button in enumerate(self.buttons.values()):
            grid.addWidget(button, number // 2, number % 2)
        self.target_note = NoteLabel()
        grid.addWidget(self.target_note, 3, 0, 1, 2)
        grid.addWidget(self.problem_label(RecipeField.OUTPUT_TARGET), 4, 0, 1, 2)
        self.busy = BusyIndicator()
        grid.addWidget(self.busy, 5, 0, 1, 2)
        self.unavailable_note = NoteLabel()
        self.unavailable_note.setAccessibleName(self.tr("Targets not available"))
        grid.addWidget(self.unavailable_note, 6, 0, 1, 2)
        self._job: Task | None = None

        details = QGroupBox(self.tr("Deployment and drivers"))
        form = new_form()
        details.setLayout(form)
        self.deployment_box = QComboBox()
        self.deployment_box.addItem(self.tr("Guest: a Hyper-V virtual machine"), Deployment.GUEST)
        self.deployment_box.addItem(
            self.tr("Host: hardware or another hypervisor"), Deployment.HOST
        )
        self.add_field(
            form, self.tr("&Deployment type:"), self.deployment_box, RecipeField.SOURCE_DEPLOYMENT
        )
        self.oem_box = QCheckBox(self.tr("&OEM drivers"))
        self.add_field(
            form,
            self.tr("Drivers:"),
            self.oem_box,
            RecipeField.DRIVERS_OEM,
            self.tr(
                "Basic drivers for common storage controllers and network adapters, such as "
                "the Intel adapter VirtualBox, VMware and QEMU emulate. Not allowed in a "
                "Hyper-V (Guest) image."
            ),
        )
        self.virtualbox_box = QCheckBox(self.tr("&VirtualBox drivers and VHD disk"))
        self.add_field(
            form,
            "",
            self.virtualbox_box,
            RecipeField.DRIVERS_VIRTUALBOX,
            self.tr(
                "Prepares the image for VirtualBox: a VHD disk (VirtualBox cannot write to "
                "VHDX) and the OEM drivers for its Intel adapter. Enable EFI in the VM settings."
            ),
        )
        self.oem_box.setAccessibleName(self.tr("OEM drivers"))
        self.virtualbox_box.setAccessibleName(self.tr("VirtualBox drivers"))
        self.add_sections(choices, details)
        self.group.idToggled.connect(self._target_toggled)
        self.deployment_box.currentIndexChanged.connect(self._deployment_changed)
        self.store_on(self.oem_box.toggled, "oem")
        self.store_on(self.virtualbox_box.toggled, "virtualbox")

    def _captions(self) -> dict[Target, str]:
        """The targets' names with their Alt+letters (unique on this page)."""
        return {
            Target.HYPERV_GEN2: self.tr("Hyper-V (Generation &2)"),
            Target.HYPERV_GEN1: self.tr("Hyper-V (Generation &1)"),
            Target.VIRTUALBOX: self.tr("V&irtualBox"),
            Target.VMWARE: self.tr("VM&ware"),
            Target.KVM: self.tr("&KVM / QEMU"),
            Target.PHYSICAL: self.tr("&Physical machine"),
        }

    def load(self) -> None:
        self.buttons[self.state.target].setChecked(True)
        self._show_details()
        self._read_media_drivers()

    def _read_media_drivers(self) -> None:
        """Take the media's driver inventory for the chosen edition, once, off the GUI thread."""
        state = self.state
        image = state.media.image_for(state.edition) if state.media is not None else None
        if state.current_inventory() is not None or state.taking_inventory:
            self._show_availability()
            return
        if image is None or state.media_path is None:
            return
        media_path, index = state.media_path, image.index

        def take() -> object:
            from nanostudio.engine.checks import hold_inventory

            return hold_inventory(media_path, index)

        state.taking_inventory = True
        state.inventory_error = None
        self.busy.start(self.tr("Reading which drivers the media offers…"))
        self._job = start_blocking(take, self, self._inventory_taken, self._inventory_failed)
        self.completeChanged.emit()

    def _inventory_taken(self, held: object) -> None:
        from nanostudio.engine.checks import HeldInventory

        assert isinstance(held, HeldInventory)
        if self.state.driver_inventory is not None:
            self.state.driver_inventory.close()
        self.state.driver_inventory = held
        self._inventory_done()

    def _inventory_failed(self, message: str) -> None:
        self.state.inventory_error = message
        self._inventory_done()

    def _inventory_done(self) -> None:
        self.state.taking_inventory = False
        self.busy.stop()
        self._show_availability()
        self.refresh()

    def _show_availability(self) -> None:
        from nanostudio.wizard.validation import unavailable_targets

        unavailable = unavailable_targets(self.state)
        for target, button in self.buttons.items():
            reason = unavailable.get(target)
            button.setEnabled(reason is None or target is self.state.target)
            button.setToolTip(translated(reason) if reason else "")
        lines = [self.tr("Not available with the {0} engine:").format(self._engine_name())] + [
            f"• {translated(reason)}" for reason in unavailable.values()
        ]
        self.unavailable_note.setText("\n".join(lines) if unavailable else "")
        if self.state.inventory_error:
            self.unavailable_note.setText(
                self.tr("The media's drivers could not be read: {0}").format(
                    self.state.inventory_error
                )
            )

    def _engine_name(self) -> str:
        from nanostudio.engine.engines import resolve_engine

        return resolve_engine(self.state.engine).value

    def wait_idle(self, ms: int = 30_000) -> None:
        if self._job is not None:
            self._job.wait(ms)

    def _show_details(self) -> None:
        was = self._loading
        self._loading = True
        try:
            self.target_note.setText(translated(PRESETS[self.state.target].note))
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
        if self.state.current_inventory() is not None:
            self._show_availability()
        self.changed()

    def _deployment_changed(self) -> None:
        if self._loading:
            return
        self.state.deployment = Deployment(self.deployment_box.currentData())
        self.changed()
