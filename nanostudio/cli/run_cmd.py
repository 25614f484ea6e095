"""``nanostudio run DISK|RECIPE``: create and start a VM for a built disk, then wait with the
connection doctor until a shell answers (or say which layer is missing)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from nanostudio.cli.build_cmd import cancel_on_signals
from nanostudio.cli.vm_support import ask_consent, print_event, vm_password
from nanostudio.errors import RemoteError, UserFacingError
from nanostudio.remote.doctor import ConnectionDoctor, Diagnosis, expectations
from nanostudio.remote.settings import ConnectionSettings
from nanostudio.secret import ADMIN_PASSWORD_ENV
from nanostudio.vm.backends import VmBackend, backend_for, create_and_start, vm_check
from nanostudio.vm.hyperv import HyperVBackend
from nanostudio.vm.inputs import resolve_input
from nanostudio.vm.model import Hypervisor, VmRecord
from nanostudio.vm.qemu import TCG_WARNING

KVM_TIMEOUT_S = 20 * 60.0
TCG_TIMEOUT_S = 5 * 3600.0


def add_vm_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "input", metavar="DISK|RECIPE", type=Path, help="a built disk or its recipe"
    )
    parser.add_argument(
        "--hypervisor",
        choices=[h.value for h in Hypervisor],
        help="default: the one the disk was built for (KVM: qemu)",
    )
    parser.add_argument(
        "--ipv4", metavar="ADDRESS/PREFIX", help="the image's static address (for a bare disk)"
    )
    parser.add_argument(
        "--timeout", type=float, help="seconds to wait for WinRM (default: 20 min, 5 h without KVM)"
    )


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "run",
        help="create and start a VM for a built disk and wait until WinRM answers",
        description=f"Password (to wait for WinRM): {ADMIN_PASSWORD_ENV} or a prompt.",
    )
    add_vm_arguments(parser)
    parser.add_argument("--name", help="the VM's name (default: the computer name)")
    parser.add_argument("--no-wait", action="store_true", help="start it and return at once")
    parser.set_defaults(func=run)


def wait_for(
    backend: VmBackend, record: VmRecord, password: str, *, kvm: bool, timeout_s: float | None
) -> tuple[ConnectionDoctor, Diagnosis]:
    address = None
    if isinstance(backend, HyperVBackend) and not record.host:
        hyperv = backend

        def address() -> tuple[str, int] | None:
            found = hyperv.addresses(record)
            return (found[0], record.port) if found else None

    doctor = ConnectionDoctor(
        ConnectionSettings(host=record.host or "0.0.0.0", port=record.port),
        password,
        sink=print_event,
        vm_running=lambda: vm_check(backend, record),
        address=address,
        timeout_s=timeout_s or (KVM_TIMEOUT_S if kvm else TCG_TIMEOUT_S),
        expected=expectations(kvm=kvm),
    )
    with cancel_on_signals(doctor.cancel):
        return doctor, doctor.run()


def run(args: argparse.Namespace) -> int:
    if args.timeout is not None and args.timeout <= 0:
        raise UserFacingError("--timeout must be more than 0 seconds")
    vm_input = resolve_input(
        args.input,
        hypervisor=Hypervisor(args.hypervisor) if args.hypervisor else None,
        name=args.name,
        ipv4=args.ipv4,
    )
    password = None if args.no_wait else vm_password()
    for note in vm_input.notes:
        print(note, file=sys.stderr)
    backend = backend_for(vm_input.hypervisor, consent=ask_consent)
    result = create_and_start(backend, vm_input.spec)
    record = result.record
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    where = f"{record.host}:{record.port}" if record.host else "(its DHCP address)"
    print(f"{record.name} started with {vm_input.hypervisor.label}; WinRM at {where}", flush=True)
    if vm_input.hypervisor is Hypervisor.QEMU:
        print(f"Serial log: {record.serial_log}", flush=True)
    connect = f"nanostudio console {record.host or record.name} --port {record.port}"
    if record.https_pin and record.https_port:
        connect += (
            f" (or over HTTPS, verified against the certificate built into the disk: "
            f"nanostudio console {record.host} --port {record.https_port} --https)"
        )
    if password is None:
        print(f"Connect once it has booted: {connect}")
        return 0
    kvm = TCG_WARNING not in result.warnings
    _doctor, diagnosis = wait_for(backend, record, password, kvm=kvm, timeout_s=args.timeout)
    if diagnosis.cancelled:
        print("Stopped waiting; the VM keeps running.", file=sys.stderr)
        return 130
    if not diagnosis.ok:
        raise RemoteError(str(diagnosis))
    print(f"{diagnosis} Connect: {connect}")
    return 0
