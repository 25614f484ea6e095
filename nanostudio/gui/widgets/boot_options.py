"""EMS console and serial kernel debugging, as New-NanoServerImage offers them."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QGridLayout, QGroupBox, QLabel, QWidget

from nanostudio.gui.widgets.problems import NoteLabel
from nanostudio.recipe import BootSpec, DebugMethod
from nanostudio.recipe.output_rules import BAUD_RATES

_PORTS = range(1, 5)  # COM1-COM4: what a VM or a server's EMS offers; the recipe takes more


class BootOptions(QGroupBox):
    """Emits ``changed(BootSpec)`` whenever a control changes; ``show_spec`` fills it."""

    changed = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Boot options"), parent)
        self._spec = BootSpec()
        self._filling = False
        grid = QGridLayout(self)
        self.ems_box = QCheckBox(self.tr("&EMS serial console"))
        self.ems_port = _combo([f"COM{port}" for port in _PORTS], list(_PORTS))
        self.ems_baud = _combo([str(rate) for rate in BAUD_RATES], list(BAUD_RATES))
        self.debug_box = QCheckBox(self.tr("&Kernel debugging over a serial port"))
        self.debug_port = _combo([f"COM{port}" for port in _PORTS], list(_PORTS))
        self.debug_baud = _combo([str(rate) for rate in BAUD_RATES], list(BAUD_RATES))
        for row, (box, port, baud) in enumerate(
            ((self.ems_box, self.ems_port, self.ems_baud),
             (self.debug_box, self.debug_port, self.debug_baud))
        ):  # fmt: skip
            grid.addWidget(box, row, 0)
            grid.addWidget(port, row, 1)
            grid.addWidget(QLabel(self.tr("at")), row, 2)
            grid.addWidget(baud, row, 3)
            port.setAccessibleName(box.text().replace("&", "") + self.tr(" port"))
            baud.setAccessibleName(box.text().replace("&", "") + self.tr(" speed"))
        grid.addWidget(
            NoteLabel(
                self.tr(
                    "EMS lets you watch the boot and use the Special Administration Console "
                    "on the VM's serial port (QEMU: -serial; Hyper-V: a named pipe). Kernel "
                    "debugging waits for WinDbg on its port. Both off by default."
                )
            ),
            2,
            0,
            1,
            5,
        )
        grid.setColumnStretch(4, 1)
        for box in (self.ems_box, self.debug_box):
            box.toggled.connect(self._emit)
        for combo in (self.ems_port, self.ems_baud, self.debug_port, self.debug_baud):
            combo.currentIndexChanged.connect(self._emit)

    def show_spec(self, spec: BootSpec) -> None:
        self._filling = True
        try:
            self._spec = spec
            self.ems_box.setChecked(spec.ems)
            self.debug_box.setChecked(spec.debug is DebugMethod.SERIAL)
            for combo, value in (
                (self.ems_port, spec.ems_port),
                (self.ems_baud, spec.ems_baud),
                (self.debug_port, spec.debug_port),
                (self.debug_baud, spec.debug_baud),
            ):
                index = combo.findData(value)
                if index < 0:  # a recipe's value outside the list: show it as it is
                    combo.addItem(str(value), value)
                    index = combo.count() - 1
                combo.setCurrentIndex(index)
            self._enable()
        finally:
            self._filling = False

    def _enable(self) -> None:
        for widget in (self.ems_port, self.ems_baud):
            widget.setEnabled(self.ems_box.isChecked())
        for widget in (self.debug_port, self.debug_baud):
            widget.setEnabled(self.debug_box.isChecked())

    def _emit(self) -> None:
        self._enable()
        if self._filling:
            return
        self._spec = replace(
            self._spec,
            ems=self.ems_box.isChecked(),
            ems_port=int(self.ems_port.currentData()),
            ems_baud=int(self.ems_baud.currentData()),
            debug=DebugMethod.SERIAL if self.debug_box.isChecked() else DebugMethod.NONE,
            debug_port=int(self.debug_port.currentData()),
            debug_baud=int(self.debug_baud.currentData()),
        )
        self.changed.emit(self._spec)


def _combo(labels: list[str], values: list[int]) -> QComboBox:
    combo = QComboBox()
    for label, value in zip(labels, values, strict=True):
        combo.addItem(label, value)
    return combo
