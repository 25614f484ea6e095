"""The Done page's "Start VM and connect", and the list of VMs NanoStudio remembers
(``VmList``: also on the Welcome page).

All hypervisor calls run off the GUI thread, as ``gui.tasks`` tasks (``VmLaunchJob``).
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
from nanostudio.gui.tasks import Task, start_blocking
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


class VmList(QWidget):
    """The remembered VMs with Start, Stop, Connect and Delete, and a status line.

    Their states are asked of the hypervisors on a worker thread. ``VmPanel`` (the
    Done page) embeds one and hooks in its launcher; the Welcome page shows one alone
    (``hide_when_empty``: a first-time user sees no empty list).
    """

    def __init__(self, parent: QWidget | None = None, *, hide_when_empty: bool = False) -> None:
        super().__init__(parent)
        self.backend_factory: BackendFactory = default_backend
        self.hide_when_empty = hide_when_empty
        # Hooks for the launcher around this list (VmPanel); alone, none of them apply.
        self.allow_network: Callable[[], bool] = lambda: False
        self.is_busy: Callable[[], bool] = lambda: False
        self.start_with_wait: Callable[[VmRecord, VmBackend], bool] = lambda record, b: False
        self.password_for: Callable[[VmRecord], str | None] = lambda record: None
        self.console: QWidget | None = None
        self._calls: list[Task] = []
        self.status = QLabel()
        self.status.setWordWrap(True)
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
        layout.addWidget(self.status)
        layout.addWidget(QLabel(self.tr("Your VMs:")))
        layout.addWidget(self.vm_list, 1)
        layout.addLayout(vm_buttons)
        self.vm_start.clicked.connect(lambda: self._act_on_selected("start"))
        self.vm_stop.clicked.connect(lambda: self._act_on_selected("stop"))
        self.vm_delete.clicked.connect(lambda: self._act_on_selected("delete"))
        self.vm_connect.clicked.connect(self._connect_selected)
        self.vm_list.itemSelectionChanged.connect(self.update_buttons)
        if hide_when_empty:
            self.hide()

    def refresh(self) -> None:
        """List the remembered VMs (a small local file), then ask for their states on a
        worker: a hypervisor's tool may take seconds to answer."""
        records = VmStore().all()
        self.vm_list.clear()
        for record in records:
            item = QTreeWidgetItem(
                [record.name, record.hypervisor.label, self.tr("…"), record.address]
            )
            self.vm_list.addTopLevelItem(item)
        if self.hide_when_empty:
            self.setVisible(bool(records))
        self.update_buttons()
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
        self.update_buttons()

    def _backend(self, record: VmRecord) -> VmBackend:
        allowed = self.allow_network()
        return self.backend_factory(record.hypervisor, lambda question: allowed)

    def selected_record(self) -> VmRecord | None:
        item = self.vm_list.currentItem()
        return VmStore().get(item.text(0)) if item is not None else None

    def update_buttons(self) -> None:
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
        if action == "start" and self.start_with_wait(record, backend):
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
        self.refresh()

    def _connect_selected(self) -> None:
        record = self.selected_record()
        if record is None:
            return
        settings = ConnectionSettings(host=record.host, port=record.port)
        self.console = console_link.open_console(self.window(), settings, self.password_for(record))

    def _background(self, call: Callable[[], object], done: Callable[[object], None]) -> None:
        self._calls.append(start_blocking(call, self, done, self.status.setText))

    def shutdown(self, ms: int = 10_000) -> None:
        """Join the workers (the page or window is closing)."""
        for call in self._calls:
            call.wait(ms)


class VmPanel(QWidget):
    """``connected(window)`` when the console opened after a successful wait."""

    connected = Signal(object)
    launched = Signal()  # a create/start/wait began (tests and screenshots wait for it)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec: VmSpec | None = None
        self.hypervisor: Hypervisor | None = None
        self._password: str = ""
        self.job: VmLaunchJob | None = None
        self.job_poll_s = 2.0  # how often the doctor walks the layers again
        self.console: QWidget | None = None
        self.start_button = QPushButton(self.tr("&Start VM and connect"))
        self.cancel_button = QPushButton(self.tr("Stop &waiting"))
        self.cancel_button.hide()
        self.allow_network = QCheckBox(
            self.tr("Allow NanoStudio to create a host network for the VM if none fits")
        )
        self.intro = NoteLabel()
        self.doctor = DoctorView()
        self.vms = VmList()
        self.vms.allow_network = self.allow_network.isChecked
        self.vms.is_busy = self.is_busy
        self.vms.start_with_wait = self._start_with_wait
        self.vms.password_for = self._password_for
        # The list's widgets, by the names the page and its tests use.
        self.status = self.vms.status
        self.vm_list = self.vms.vm_list
        self.vm_start, self.vm_stop = self.vms.vm_start, self.vms.vm_stop
        self.vm_connect, self.vm_delete = self.vms.vm_connect, self.vms.vm_delete
        buttons = QHBoxLayout()
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.intro)
        layout.addLayout(buttons)
        layout.addWidget(self.allow_network)
        layout.addWidget(self.doctor)
        layout.addWidget(self.vms, 1)
        self.start_button.clicked.connect(self.start_and_connect)
        self.cancel_button.clicked.connect(self.cancel)

    @property
    def backend_factory(self) -> BackendFactory:
        return self.vms.backend_factory

    @backend_factory.setter
    def backend_factory(self, factory: BackendFactory) -> None:
        self.vms.backend_factory = factory

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

    def refresh_vms(self) -> None:
        self.vms.refresh()

    # -- the one button -----------------------------------------------------------------

    def start_and_connect(self) -> None:
        if self.spec is None or self.hypervisor is None or self.is_busy():
            return
        allowed = self.allow_network.isChecked()
        backend = self.backend_factory(self.hypervisor, lambda question: allowed)
        self._launch(
            VmLaunchJob(backend, self._password, self.spec, poll_s=self.job_poll_s, parent=self)
        )

    def _mine(self, record: VmRecord) -> bool:
        """A VM of this build: its password is the one typed for the build."""
        return bool(self._password and self.spec and record.name.startswith(self.spec.name))

    def _start_with_wait(self, record: VmRecord, backend: VmBackend) -> bool:
        """Start this build's VM with the doctor and the console, as the button does."""
        if not self._mine(record):
            return False
        self._launch(VmLaunchJob(backend, self._password, record, parent=self))
        return True

    def _password_for(self, record: VmRecord) -> str | None:
        return self._password if self._mine(record) else None

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

    def selected_record(self) -> VmRecord | None:
        return self.vms.selected_record()

    def shutdown(self, ms: int = 10_000) -> None:
        """Cancel the wait and join the workers (the page or window is closing)."""
        if self.job is not None:
            self.job.cancel()
            self.job.wait(ms)
        self.vms.shutdown(ms)
