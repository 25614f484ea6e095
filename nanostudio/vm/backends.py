"""One interface over the three hypervisors, and the steps every caller takes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Protocol

from nanostudio.vm.hyperv import HyperVBackend
from nanostudio.vm.model import Hypervisor, StartResult, VmRecord, VmSpec, VmState
from nanostudio.vm.pins import with_disk_pin
from nanostudio.vm.qemu import QemuBackend
from nanostudio.vm.store import VmStore
from nanostudio.vm.virtualbox import VirtualBoxBackend

if TYPE_CHECKING:
    from nanostudio.remote.doctor import Check  # the doctor loads WinRM: only when used


class VmBackend(Protocol):
    hypervisor: Hypervisor

    def create(self, spec: VmSpec) -> VmRecord: ...
    def start(self, record: VmRecord) -> StartResult: ...
    def status(self, record: VmRecord) -> VmState: ...
    def stop(self, record: VmRecord, *, graceful_s: float = 60.0) -> VmRecord: ...
    def delete(self, record: VmRecord) -> None: ...


def backend_for(
    hypervisor: Hypervisor,
    *,
    consent: Callable[[str], bool] | None = None,
    accel: str = "auto",
) -> VmBackend:
    if hypervisor is Hypervisor.QEMU:
        return QemuBackend(accel=accel)
    if hypervisor is Hypervisor.VIRTUALBOX:
        return VirtualBoxBackend(consent=consent)
    return HyperVBackend(consent=consent)


def create_and_start(backend: VmBackend, spec: VmSpec, store: VmStore | None = None) -> StartResult:
    """Create, remember, start, remember again (the port may move); undone on failure."""
    store = store or VmStore()
    spec = with_disk_pin(spec)  # the built HTTPS certificate follows the disk into the VM
    spec_name = store.free_name(spec.name)
    if spec_name != spec.name:
        spec = replace(spec, name=spec_name)
    record = backend.create(spec)
    store.put(record)
    try:
        result = backend.start(record)
    except BaseException:
        backend.delete(record)
        store.remove(record.name)
        raise
    store.put(result.record)
    return result


def vm_check(backend: VmBackend, record: VmRecord) -> Check:
    """The connection doctor's first layer: does the hypervisor still run this VM? A VM
    that stopped or vanished ends the wait at once (``final``)."""
    from nanostudio.remote.doctor import Check

    state = backend.status(record)
    if state is VmState.RUNNING:
        return Check(True, f"{record.name} runs ({backend.hypervisor.label})")
    if state is VmState.MISSING:
        return Check(False, f"{backend.hypervisor.label} no longer knows {record.name}", final=True)
    return Check(False, f"{record.name} stopped (serial log: {record.serial_log})", final=True)
