"""The Done page's "Start VM and connect", and the list of VMs NanoStudio remembers.

All hypervisor calls run off the GUI thread (``VmLaunchJob``, ``BackgroundCall``).
The build's password is handed over by the page, kept in memory only, and given to
the console when the doctor has seen ``hostname`` come back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from nanostudio.gui import console_link
from nanostudio.gui.background import BackgroundCall
from nanostudio.gui.vm_job import VmLaunchJob
from nanostudio.gui.widgets.doctor_view import DoctorView
from nanostudio.gui.widgets.problems import NoteLabel
from nanostudio.remote.doctor import Diagnosis, LayerEvent
from nanostudio.remote.settings import ConnectionSettings
from nanostudio.vm.backends import VmBackend, backend_for
from nanostudio.vm.model import Hypervisor, StartResult, VmRecord, VmSpec, VmState
from nanostudio.vm.store import VmStore

log = logging.getLogger(__name__)

BackendFactory = Callable[[Hypervisor, Callable[[str], bool] | None], VmBackend]


def default_backend(hypervisor: Hypervisor, consent: Callable[[str], bool] | None) -> VmBackend:
    return backend_for(hypervisor, consent=consent)


class VmPanel(QWidget):
    """``connected(window)`` when the console opened after a successful wait."""

    connected = Signal(object)
    launched = Signal()  # a create/start/wait began (tests and screenshots wait for it)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.backend_factory: BackendFactory = default_backend
        self.spec: VmSpec | None = None
        self.hypervisor: Hypervisor | None = None
        self._password: str = ""
        self.job: VmLaunchJob | None = None
        self.job_poll_s = 2.0  # how often the doctor walks the layers again
        self.console: QWidget | None = None
        self._calls: list[BackgroundCall] = []
        self.start_button = QPushButton(self.tr("&Start VM and connect"))
        self.cancel_button = QPushButton(self.tr("Stop &waiting"))
        self.cancel_button.hide()
        self.allow_network = QCheckBox(
            self.tr("Allow NanoStudio to create a host network for the VM if none fits")
        )
        self.intro = NoteLabel()
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.doctor = DoctorView()
        buttons = QHBoxLayout()
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        self.vm_list = QTreeWidget()
        self.vm_list.setHeaderLabels(
            [self.tr("VM"), self.tr("Hypervisor"), self.tr("State"), self.tr("WinRM at")]
        )
        self.vm_list.setRootIsDecorated(False)
        self.vm_list.setAccessibleName(self.tr("Remembered VMs"))
        self.vm_list.setMinimumHeight(70)
        self.vm_start = QPushButton(self.tr("Start"))
        self.vm_stop = QPushButton(self.tr("Stop"))
        self.vm_connect = QPushButton(self.tr("Connect"))
        self.vm_delete = QPushButton(self.tr("Delete"))
        vm_buttons = QHBoxLayout()
        for button in (self.vm_start, self.vm_stop, self.vm_connect, self.vm_delete):
            vm_buttons.addWidget(button)
        vm_buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.intro)
        layout.addLayout(buttons)
        layout.addWidget(self.allow_network)
        layout.addWidget(self.doctor)
        layout.addWidget(self.status)
        layout.addWidget(QLabel(self.tr("Your VMs:")))
        layout.addWidget(self.vm_list, 1)
        layout.addLayout(vm_buttons)
        self.start_button.clicked.connect(self.start_and_connect)
        self.cancel_button.clicked.connect(self.cancel)
        self.vm_start.clicked.connect(lambda: self._act_on_selected("start"))
        self.vm_stop.clicked.connect(lambda: self._act_on_selected("stop"))
        self.vm_delete.clicked.connect(lambda: self._act_on_selected("delete"))
        self.vm_connect.clicked.connect(self._connect_selected)
        self.vm_list.itemSelectionChanged.connect(self._update_buttons)

    # -- set-up from the page ---------------------------------------------------------

    def configure(
        self, spec: VmSpec | None, hypervisor: Hypervisor | None, password: str, why_not: str
    ) -> None:
        """What the button would start; ``why_not`` explains a disabled button."""
        self.spec, self.hypervisor, self._password = spec, hypervisor, password
        self.start_button.setEnabled(spec is not None and hypervisor is not None)
        if spec is not None and hypervisor is not None:
            self.intro.setText(
                self.tr(
                    "Creates the VM {0} with {1}, starts it and waits until it answers, then "
                    "opens the console. First boot takes minutes and restarts once."
                ).format(spec.name, hypervisor.label)
            )
        else:
            self.intro.setText(why_not)
        self.allow_network.setVisible(hypervisor in (Hypervisor.HYPERV, Hypervisor.VIRTUALBOX))
        self.refresh_vms()

    # -- the one button -----------------------------------------------------------------

    def start_and_connect(self) -> None:
        if self.spec is None or self.hypervisor is None or self.is_busy():
            return
        allowed = self.allow_network.isChecked()
        backend = self.backend_factory(self.hypervisor, lambda question: allowed)
        self._launch(
            VmLaunchJob(
                backend, self._password, spec=self.spec, poll_s=self.job_poll_s, parent=self
            )
        )

    def _launch(self, job: VmLaunchJob) -> None:
        self.job = job
        self.doctor.reset()
        self.status.setText(self.tr("Creating and starting the VM…"))
        self.start_button.setEnabled(False)
        self.cancel_button.show()
        job.vm_started.connect(self._on_started)
        job.layer_changed.connect(self._on_layer)
        job.diagnosed.connect(self._on_diagnosis)
        job.failed.connect(self._on_failed)
        job.start()
        self.launched.emit()

    def is_busy(self) -> bool:
        return self.job is not None and self.job.is_running()

    def cancel(self) -> None:
        if self.job is not None:
            self.job.cancel()

    def _on_started(self, result: StartResult) -> None:
        record = result.record
        text = self.tr("{0} runs; WinRM at {1}. Waiting for it to answer…").format(
            record.name, record.address
        )
        for warning in result.warnings:
            text += "\n" + warning
        self.status.setText(text)
        self.refresh_vms()

    def _on_layer(self, event: LayerEvent) -> None:
        self.doctor.show_event(event)

    def _finish(self) -> None:
        self.cancel_button.hide()
        self.start_button.setEnabled(self.spec is not None)
        self.doctor.stop_clock()
        self.refresh_vms()

    def _on_failed(self, message: str) -> None:
        self._finish()
        self.status.setText(self.tr("The VM could not be started: {0}").format(message))

    def _on_diagnosis(self, diagnosis: Diagnosis) -> None:
        self._finish()
        job = self.job
        if diagnosis.cancelled:
            self.status.setText(self.tr("Stopped waiting. The VM keeps running."))
            return
        if not diagnosis.ok or job is None or job.result is None:
            self.status.setText(str(diagnosis))
            return
        record = job.result.record
        self.status.setText(self.tr("{0} Opening the console…").format(str(diagnosis)))
        settings = ConnectionSettings(host=record.host, port=record.port)
        self.console = console_link.open_console(self.window(), settings, job.password)
        self.connected.emit(self.console)

    # -- remembered VMs -------------------------------------------------------------------

    def refresh_vms(self) -> None:
        records = VmStore().all()
        self.vm_list.clear()
        for record in records:
            item = QTreeWidgetItem(
                [record.name, record.hypervisor.label, self.tr("…"), record.address]
            )
            self.vm_list.addTopLevelItem(item)
        self._update_buttons()
        if records:
            self._background(lambda: self._states(records), self._show_states)

    def _states(self, records: list[VmRecord]) -> list[str]:
        states = []
        for record in records:
            try:
                states.append(self._backend(record).status(record).value)
            except Exception as error:  # a missing tool: show it, not a crash
                states.append(f"unknown ({error.__class__.__name__})")
        return states

    def _show_states(self, result: object) -> None:
        assert isinstance(result, list)
        for index, state in enumerate(result):
            item = self.vm_list.topLevelItem(index)
            if item is not None:
                item.setText(2, self.tr(str(state)))
        self._update_buttons()

    def _backend(self, record: VmRecord) -> VmBackend:
        allowed = self.allow_network.isChecked()
        return self.backend_factory(record.hypervisor, lambda question: allowed)

    def selected_record(self) -> VmRecord | None:
        item = self.vm_list.currentItem()
        return VmStore().get(item.text(0)) if item is not None else None

    def _update_buttons(self) -> None:
        item = self.vm_list.currentItem()
        state = item.text(2) if item is not None else ""
        busy = self.is_busy()
        self.vm_start.setEnabled(item is not None and state != VmState.RUNNING.value and not busy)
        self.vm_stop.setEnabled(item is not None and state == VmState.RUNNING.value)
        self.vm_connect.setEnabled(item is not None and state == VmState.RUNNING.value)
        self.vm_delete.setEnabled(item is not None and not busy)

    def _act_on_selected(self, action: str) -> None:
        record = self.selected_record()
        if record is None:
            return
        backend = self._backend(record)
        if (
            action == "start"
            and self._password
            and self.spec
            and record.name.startswith(self.spec.name)
        ):
            self._launch(VmLaunchJob(backend, self._password, record=record, parent=self))
            return

        def work() -> None:
            store = VmStore()
            if action == "start":
                store.put(backend.start(record).record)
            elif action == "stop":
                store.put(backend.stop(record))
            else:
                backend.delete(record)
                store.remove(record.name)

        self.status.setText(self.tr("{0}: {1}…").format(record.name, action))
        self._background(work, lambda result: self._after_action(record, action))

    def _after_action(self, record: VmRecord, action: str) -> None:
        done = {"start": "started", "stop": "stopped", "delete": "deleted"}[action]
        self.status.setText(self.tr("{0} {1}.").format(record.name, self.tr(done)))
        self.refresh_vms()

    def _connect_selected(self) -> None:
        record = self.selected_record()
        if record is None:
            return
        mine = self.spec is not None and record.name.startswith(self.spec.name)
        password = self._password if mine and self._password else None
        settings = ConnectionSettings(host=record.host, port=record.port)
        self.console = console_link.open_console(self.window(), settings, password)

    def _background(self, call: Callable[[], object], done: Callable[[object], None]) -> None:
        job = BackgroundCall(call, self)
        self._calls.append(job)
        job.succeeded.connect(done)
        job.failed.connect(lambda message: self.status.setText(message))
        job.start()

    def shutdown(self, ms: int = 10_000) -> None:
        """Cancel the wait and join the workers (the page or window is closing)."""
        if self.job is not None:
            self.job.cancel()
            self.job.wait(ms)
        for call in self._calls:
            call.wait(ms)
