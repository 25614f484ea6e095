"""Create → start → connection doctor, as one coroutine; every step arrives as a signal.

Starting the VM and the doctor's walk are blocking calls on worker threads; the doctor's
layer events are posted to the GUI thread as they happen. The password is the build's,
held by this object for the run only (never written). Cancel sets the task's token: the
doctor stops within its poll and reports a cancelled diagnosis; the VM keeps running.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from nanostudio.engine.cancel import CancelToken
from nanostudio.gui.tasks import Task, blocking, post
from nanostudio.remote.doctor import ConnectionDoctor, Diagnosis, LayerEvent, expectations
from nanostudio.remote.settings import ConnectionSettings
from nanostudio.vm.backends import VmBackend, create_and_start, vm_check
from nanostudio.vm.model import StartResult, VmRecord, VmSpec
from nanostudio.vm.qemu import TCG_WARNING


class VmLaunchJob(QObject):
    """``vm_started(StartResult)``, ``layer_changed(LayerEvent)``, then ``diagnosed(Diagnosis)``
    or ``failed(message)``; all on the GUI thread."""

    vm_started = Signal(object)
    layer_changed = Signal(object)
    diagnosed = Signal(object)
    failed = Signal(str)

    def __init__(
        self,
        backend: VmBackend,
        password: str,
        vm: VmSpec | VmRecord,
        *,
        timeout_s: float = 20 * 60.0,
        poll_s: float = 2.0,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.backend = backend
        self.password = password
        self.vm = vm  # a spec: create it and start it; a record: start it again
        self.timeout_s = timeout_s
        self.poll_s = poll_s
        self.result: StartResult | None = None
        self._task = Task(self._launch, self, what="starting the VM")
        self._task.succeeded.connect(self.diagnosed)
        self._task.failed.connect(self.failed)

    @property
    def cancel_token(self) -> CancelToken:
        return self._task.token

    async def _launch(self, token: CancelToken) -> Diagnosis:
        if isinstance(self.vm, VmRecord):
            result = await blocking(self.backend.start, self.vm)
        else:
            result = await blocking(create_and_start, self.backend, self.vm)
        post(self._on_started, result)
        record = result.record
        doctor = ConnectionDoctor(
            ConnectionSettings(host=record.host, port=record.port),
            self.password,
            sink=lambda event: post(self.layer_changed.emit, event),
            vm_running=lambda: vm_check(self.backend, record),
            timeout_s=self.timeout_s,
            poll_s=self.poll_s,
            expected=expectations(kvm=TCG_WARNING not in result.warnings),
            cancel=token,
        )
        return await blocking(doctor.run)

    def _on_started(self, result: StartResult) -> None:
        self.result = result
        self.vm_started.emit(result)

    def start(self) -> None:
        self._task.start()

    def cancel(self) -> None:
        """Only the token: the doctor's own cancelled diagnosis says how far it got."""
        self._task.token.cancel()

    def is_running(self) -> bool:
        return self._task.is_running()

    def wait(self, ms: int = 30_000) -> bool:
        return self._task.wait(ms)


__all__ = ["Diagnosis", "LayerEvent", "VmLaunchJob"]
