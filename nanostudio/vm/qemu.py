"""QEMU: q35 + OVMF, the disk on an ICH9 AHCI controller, an e1000 on user networking
with WinRM forwarded to a free 127.0.0.1 port. KVM when ``/dev/kvm`` is usable, else TCG.

``qemu_argv`` is pure and tested on its own; ``QemuBackend`` runs it. QEMU runs in a
session of its own (it outlives the app, as a VM should) and is recognised later by
its pid *and* start time, so a recycled pid is never mistaken for it. Stopping asks
Windows to shut down over QMP, then terminates, then kills: nothing is left behind.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import psutil

from nanostudio.engine.process import quote_argv
from nanostudio.errors import ToolMissingError
from nanostudio.recipe.model import OutputFormat
from nanostudio.vm.devices import check_devices
from nanostudio.vm.model import (
    WINRM_GUEST_PORT,
    WINRM_HTTPS_GUEST_PORT,
    Hypervisor,
    StartResult,
    VmError,
    VmRecord,
    VmSpec,
    VmState,
    safe_folder_name,
)
from nanostudio.vm.network import (
    LOOPBACK,
    NatPlan,
    free_port,
    nat_plan,
    other_free_port,
    port_is_free,
)
from nanostudio.vm.store import vms_folder

log = logging.getLogger(__name__)

QEMU = "qemu-system-x86_64"
QEMU_HINT = (
    "install QEMU (Debian/Ubuntu: apt-get install qemu-system-x86 ovmf; macOS: brew install "
    "qemu; Windows: the installer from qemu.org)"
)
# (code, vars) pairs, most common first: Debian/Ubuntu, Fedora, Arch, QEMU's own copies.
OVMF_CANDIDATES: tuple[tuple[str, str], ...] = (
    ("/usr/share/OVMF/OVMF_CODE_4M.fd", "/usr/share/OVMF/OVMF_VARS_4M.fd"),
    ("/usr/share/OVMF/OVMF_CODE.fd", "/usr/share/OVMF/OVMF_VARS.fd"),
    ("/usr/share/edk2/ovmf/OVMF_CODE.fd", "/usr/share/edk2/ovmf/OVMF_VARS.fd"),
    ("/usr/share/edk2/x64/OVMF_CODE.4m.fd", "/usr/share/edk2/x64/OVMF_VARS.4m.fd"),
    ("/usr/share/qemu/edk2-x86_64-code.fd", "/usr/share/qemu/edk2-i386-vars.fd"),
    ("/opt/homebrew/share/qemu/edk2-x86_64-code.fd", "/opt/homebrew/share/qemu/edk2-i386-vars.fd"),
    ("/usr/local/share/qemu/edk2-x86_64-code.fd", "/usr/local/share/qemu/edk2-i386-vars.fd"),
)
TCG_WARNING = (
    "KVM is not usable here (/dev/kvm is missing or not writable by you): QEMU emulates the "
    "processor in software, 10 to 50 times slower. Windows' first boot can take an hour "
    "or more; on Linux add yourself to the 'kvm' group (or enable virtualisation in the "
    "firmware) for minutes instead."
)
START_CHECK_S = 1.5  # QEMU refuses bad options, busy ports and locked disks at once
TERMINATE_WAIT_S = 5.0
QMP_FILE = "qmp.sock"


@dataclass(frozen=True)
class Firmware:
    code: Path
    vars_template: Path


def find_qemu() -> str:
    found = shutil.which(QEMU)
    if found is None:
        raise ToolMissingError(f"{QEMU} was not found on PATH: {QEMU_HINT}")
    return found


def find_ovmf(candidates: Sequence[tuple[str, str]] = OVMF_CANDIDATES) -> Firmware:
    for code, variables in candidates:
        if Path(code).is_file() and Path(variables).is_file():
            return Firmware(Path(code), Path(variables))
    raise ToolMissingError(
        "UEFI firmware for QEMU (OVMF) was not found: install it (Debian/Ubuntu: apt-get "
        "install ovmf; Fedora: dnf install edk2-ovmf)"
    )


def kvm_usable(device: Path = Path("/dev/kvm")) -> bool:
    """KVM needs the device and read/write access to it (the 'kvm' group on most distros)."""
    return sys.platform.startswith("linux") and os.access(device, os.R_OK | os.W_OK)


def qemu_format(disk: Path) -> str:
    return "vhdx" if OutputFormat.from_path(disk) is OutputFormat.VHDX else "vpc"


def qemu_argv(
    *,
    qemu: str,
    name: str,
    disk: Path,
    firmware_code: Path,
    firmware_vars: Path,
    host_port: int,
    nat: NatPlan,
    serial_log: Path,
    kvm: bool,
    memory_mib: int = 1024,
    cpus: int = 2,
    snapshot: bool = False,
    qmp_socket: Path | None = None,
    pidfile: Path | None = None,
    https_port: int | None = None,
) -> list[str]:
    """The whole command line; every device matches the KVM target's drivers."""
    drive = f"file={disk},format={qemu_format(disk)},if=none,id=disk0"
    if snapshot:
        drive += ",snapshot=on"
    netdev = "user,id=net0"
    if nat.network is not None:
        netdev += f",net={nat.network},host={nat.host},dns={nat.dns}"
    guest = nat.guest or ""
    netdev += f",hostfwd=tcp:{LOOPBACK}:{host_port}-{guest}:{WINRM_GUEST_PORT}"
    if https_port is not None:
        netdev += f",hostfwd=tcp:{LOOPBACK}:{https_port}-{guest}:{WINRM_HTTPS_GUEST_PORT}"
    argv = [
        qemu,
        "-name",
        name,
        "-machine",
        f"q35,accel={'kvm' if kvm else 'tcg'}",
        "-cpu",
        "host" if kvm else "max",
        "-m",
        str(memory_mib),
        "-smp",
        str(cpus),
        "-rtc",
        "base=localtime",  # Windows keeps the hardware clock in local time
        "-drive",
        f"if=pflash,format=raw,readonly=on,file={firmware_code}",
        "-drive",
        f"if=pflash,format=raw,file={firmware_vars}",
        "-drive",
        drive,
        "-device",
        "ich9-ahci,id=ahci",  # Intel ICH9 AHCI: the class code mshdc.inf matches
        "-device",
        "ide-hd,drive=disk0,bus=ahci.0,bootindex=0",
        "-netdev",
        netdev,
        "-device",
        "e1000,netdev=net0",  # Intel PRO/1000 MT (82540EM), in the OEM drivers
        "-display",
        "none",
        "-monitor",
        "none",
        "-serial",
        f"file:{serial_log}",
    ]
    if qmp_socket is not None:
        argv += ["-qmp", f"unix:{qmp_socket},server=on,wait=off"]
    if pidfile is not None:
        argv += ["-pidfile", str(pidfile)]
    return argv


def explain_failure(output: str, port: int, disk: Path) -> str:
    """QEMU's complaint at start-up, in plain words."""
    text = output.strip()
    lower = text.lower()
    if "host forwarding rule" in lower or "address already in use" in lower:
        return f"port {port} on 127.0.0.1 is already in use: another program took it"
    if 'write" lock' in lower or ("lock" in lower and "another process" in lower):
        return (
            f"{disk.name} is in use by another VM or program: stop that one first "
            "(QEMU will not open a disk twice)"
        )
    if "kvm" in lower and ("permission" in lower or "could not access" in lower):
        return "KVM cannot be used: " + text.splitlines()[-1]
    last = text.splitlines()[-1] if text else "it exited without a message"
    return f"QEMU did not start: {last}"


class QemuBackend:
    hypervisor = Hypervisor.QEMU

    def __init__(self, *, accel: str = "auto", start_check_s: float = START_CHECK_S) -> None:
        self.accel = accel  # "auto", "kvm" or "tcg"
        self.start_check_s = start_check_s
        self._children: dict[int, subprocess.Popen[bytes]] = {}

    # -- lifecycle --------------------------------------------------------------------

    def create(self, spec: VmSpec) -> VmRecord:
        """Checks, folder and firmware variables; QEMU keeps no other state."""
        spec.check_disk()
        check_devices(Hypervisor.QEMU, spec.target)
        find_qemu()
        firmware = find_ovmf()
        folder = vms_folder() / safe_folder_name(spec.name)
        if folder.exists():
            raise VmError(
                f"A VM folder named {spec.name!r} already exists ({folder}): delete that VM "
                "first or choose another name."
            )
        nat_plan(spec.network)  # refuses what cannot be reached before anything is made
        folder.mkdir(parents=True, mode=0o700)
        vars_copy = folder / "OVMF_VARS.fd"
        shutil.copyfile(firmware.vars_template, vars_copy)
        vars_copy.chmod(0o600)
        port = free_port()
        return VmRecord.made_from(
            spec,
            Hypervisor.QEMU,
            folder=folder,
            host=LOOPBACK,
            port=port,
            files=(vars_copy, folder / "serial.log", folder / "qemu.log"),
            snapshot=spec.snapshot,
            https_port=other_free_port(port) if spec.https_pin else None,
        )

    def use_kvm(self) -> bool:
        if self.accel == "kvm":
            return True
        if self.accel == "tcg":
            return False
        return kvm_usable()

    def argv(self, record: VmRecord, kvm: bool) -> list[str]:
        firmware = find_ovmf()
        qmp = record.folder / QMP_FILE if sys.platform != "win32" else None
        return qemu_argv(
            qemu=find_qemu(),
            name=record.name,
            disk=record.disk,
            firmware_code=firmware.code,
            firmware_vars=record.folder / "OVMF_VARS.fd",
            host_port=record.port,
            nat=nat_plan(record.network),
            serial_log=record.serial_log,
            kvm=kvm,
            memory_mib=record.memory_mib,
            cpus=record.cpus,
            snapshot=record.snapshot,
            qmp_socket=qmp,
            https_port=record.https_port,
        )

    def start(self, record: VmRecord) -> StartResult:
        if self.status(record) is VmState.RUNNING:
            return StartResult(record)
        if not record.disk.is_file():
            raise VmError(f"The VM's disk {record.disk} is gone: delete the VM and build again.")
        warnings: list[str] = []
        kvm = self.use_kvm()
        if not kvm:
            warnings.append(TCG_WARNING)
        record = _free_ports(record)
        for attempt in range(2):
            try:
                record = self._launch(record, kvm)
                break
            except _PortTaken:
                if attempt:
                    raise VmError(
                        explain_failure("address already in use", record.port, record.disk)
                    ) from None
                record = _free_ports(record, moved=True)
        return StartResult(record, tuple(warnings))

    def _launch(self, record: VmRecord, kvm: bool) -> VmRecord:
        argv = self.argv(record, kvm)
        with contextlib.suppress(FileNotFoundError):
            (record.folder / QMP_FILE).unlink()
        record.serial_log.write_bytes(b"")
        qemu_log = record.folder / "qemu.log"
        log.info("running: %s", quote_argv(argv))
        with qemu_log.open("wb") as output:
            process = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                cwd=record.folder,
                start_new_session=sys.platform != "win32",
            )
        self._children[process.pid] = process
        deadline = time.monotonic() + self.start_check_s
        while time.monotonic() < deadline:
            if process.poll() is not None:
                break
            time.sleep(0.05)
        if process.poll() is not None:
            self._children.pop(process.pid, None)
            text = qemu_log.read_text(errors="replace")
            if "host forwarding rule" in text.lower():
                raise _PortTaken()
            raise VmError(explain_failure(text, record.port, record.disk))
        try:
            started = psutil.Process(process.pid).create_time()
        except psutil.NoSuchProcess:
            started = None
        return record.with_changes(pid=process.pid, pid_started=started)

    def _process(self, record: VmRecord) -> psutil.Process | None:
        """The running QEMU of this record, if it is still that very process."""
        if record.pid is None:
            return None
        child = self._children.get(record.pid)
        if child is not None and child.poll() is not None:
            self._children.pop(record.pid, None)  # reaped: no zombie left
            return None
        try:
            process = psutil.Process(record.pid)
            if (
                record.pid_started is not None
                and abs(process.create_time() - record.pid_started) > 0.01
            ):
                return None
            if process.status() == psutil.STATUS_ZOMBIE:
                return None
        except psutil.Error:
            return None
        return process

    def status(self, record: VmRecord) -> VmState:
        return VmState.RUNNING if self._process(record) is not None else VmState.STOPPED

    def stop(self, record: VmRecord, *, graceful_s: float = 60.0) -> VmRecord:
        """Shut Windows down (ACPI power button over QMP), then terminate, then kill."""
        process = self._process(record)
        if process is not None:
            if graceful_s > 0 and self._powerdown(record):
                self._wait_gone(process, graceful_s)
            if process.is_running():
                with contextlib.suppress(psutil.Error):
                    process.terminate()
                self._wait_gone(process, TERMINATE_WAIT_S)
            if process.is_running():
                with contextlib.suppress(psutil.Error):
                    process.kill()
                self._wait_gone(process, TERMINATE_WAIT_S)
        child = self._children.pop(record.pid, None) if record.pid is not None else None
        if child is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(TERMINATE_WAIT_S)
        with contextlib.suppress(FileNotFoundError):
            (record.folder / QMP_FILE).unlink()
        return record.with_changes(pid=None, pid_started=None)

    def _wait_gone(self, process: psutil.Process, seconds: float) -> None:
        child = self._children.get(process.pid)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if child is not None and child.poll() is not None:
                return
            try:
                if process.status() == psutil.STATUS_ZOMBIE:
                    return
            except psutil.NoSuchProcess:
                return
            time.sleep(0.05)

    def _powerdown(self, record: VmRecord) -> bool:
        path = record.folder / QMP_FILE
        if sys.platform == "win32" or not path.exists():
            return False
        try:
            qmp_command(path, "system_powerdown")
        except (OSError, ValueError) as error:
            log.info("QMP power-down of %s failed: %s", record.name, error)
            return False
        return True

    def delete(self, record: VmRecord) -> None:
        """Stop it and remove NanoStudio's files for it; the disk is never touched."""
        self.stop(record, graceful_s=0)
        if record.folder.is_dir() and record.folder.parent == vms_folder():
            shutil.rmtree(record.folder, ignore_errors=True)


class _PortTaken(Exception):
    pass


def qmp_command(path: Path, command: str, timeout_s: float = 3.0) -> dict[str, object]:
    """One QMP command over QEMU's unix socket: greeting, capabilities, the command."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout_s)
        sock.connect(str(path))
        reader = sock.makefile("rb")
        json.loads(reader.readline())  # the greeting
        for execute in ("qmp_capabilities", command):
            sock.sendall(json.dumps({"execute": execute}).encode() + b"\r\n")
            while True:
                answer = json.loads(reader.readline())
                if "return" in answer or "error" in answer:
                    break  # events ("event": ...) may come first
            if "error" in answer:
                raise ValueError(str(answer["error"]))
        result: dict[str, object] = answer
        return result


def _free_ports(record: VmRecord, *, moved: bool = False) -> VmRecord:
    """The record with its forwarded ports free now (taken ones, or all when ``moved``)."""
    if moved or not port_is_free(record.port):
        record = record.with_changes(port=free_port())
    https = record.https_port
    if https is not None and (moved or not port_is_free(https) or https == record.port):
        record = record.with_changes(https_port=other_free_port(record.port))
    return record
