"""Create → start → connection doctor on a worker thread; every step arrives as a signal.

The password is the build's, held by this object for the run only (never written). The
doctor's cancel token stops the wait within its poll; the VM itself keeps running.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, QThread, Signal

from nanostudio.engine.cancel import CancelToken
from nanostudio.errors import UserFacingError
from nanostudio.remote.doctor import Check, ConnectionDoctor, Diagnosis, LayerEvent, expectations
from nanostudio.remote.settings import ConnectionSettings
from nanostudio.vm.backends import VmBackend, create_and_start
from nanostudio.vm.model import StartResult, VmRecord, VmSpec, VmState
from nanostudio.vm.qemu import TCG_WARNING

log = logging.getLogger(__name__)


def vm_running_check(backend: VmBackend, record: VmRecord) -> Callable[[], Check]:
    def check() -> Check:
        state = backend.status(record)
        if state is VmState.RUNNING:
            return Check(True, f"{record.name} runs ({backend.hypervisor.label})")
        if state is VmState.MISSING:
            return Check(False, f"{backend.hypervisor.label} no longer knows it", final=True)
        return Check(False, f"{record.name} stopped", final=True)

    return check


class _LaunchThread(QThread):
    vm_started = Signal(object)  # StartResult
    layer_changed = Signal(object)  # LayerEvent
    diagnosed = Signal(object)  # Diagnosis
    error_raised = Signal(str)

    def __init__(self, job: VmLaunchJob) -> None:
        super().__init__(job)
        self._job = job

    def run(self) -> None:
        job = self._job
        try:
            if job.record is None:
                assert job.spec is not None
                result = create_and_start(job.backend, job.spec)
            else:
                result = job.backend.start(job.record)
            self.vm_started.emit(result)
            record = result.record
            doctor = ConnectionDoctor(
                ConnectionSettings(host=record.host, port=record.port),
                job.password,
                sink=self.layer_changed.emit,
                vm_running=vm_running_check(job.backend, record),
                timeout_s=job.timeout_s,
                poll_s=job.poll_s,
                expected=expectations(kvm=TCG_WARNING not in result.warnings),
                cancel=job.cancel_token,
            )
            self.diagnosed.emit(doctor.run())
        except UserFacingError as error:
            self.error_raised.emit(str(error))
        except Exception as error:  # a bug: the log keeps the traceback
            log.exception("starting the VM failed")
            self.error_raised.emit(f"internal error ({error.__class__.__name__}): {error}")


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
        *,
        spec: VmSpec | None = None,
        record: VmRecord | None = None,
        timeout_s: float = 20 * 60.0,
        poll_s: float = 2.0,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.backend = backend
        self.password = password
        self.spec = spec
        self.record = record
        self.timeout_s = timeout_s
        self.poll_s = poll_s
        self.cancel_token = CancelToken()
        self.result: StartResult | None = None
        self._thread = _LaunchThread(self)
        self._thread.vm_started.connect(self._on_started)
        self._thread.layer_changed.connect(self.layer_changed)
        self._thread.diagnosed.connect(self.diagnosed)
        self._thread.error_raised.connect(self.failed)

    def _on_started(self, result: StartResult) -> None:
        self.result = result
        self.vm_started.emit(result)

    def start(self) -> None:
        self._thread.start()

    def cancel(self) -> None:
        self.cancel_token.cancel()

    def is_running(self) -> bool:
        return self._thread.isRunning()

    def wait(self, ms: int = 30_000) -> bool:
        return self._thread.wait(ms)


__all__ = ["Diagnosis", "LayerEvent", "VmLaunchJob"]
