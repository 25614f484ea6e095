"""What NanoStudio knows about a VM it made: a plain record, kept between runs.

No Qt here and no hypervisor calls: the backends (``qemu``, ``virtualbox``,
``hyperv``) act on these records, the GUI and CLI show them.
"""

from __future__ import annotations

import enum
import ipaddress
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from nanostudio.errors import UserFacingError
from nanostudio.recipe.model import OutputFormat, Target

WINRM_GUEST_PORT = 5985
WINRM_HTTPS_GUEST_PORT = 5986
DEFAULT_MEMORY_MIB = 1024
DEFAULT_CPUS = 2


class VmError(UserFacingError):
    """Creating, starting or stopping a VM failed; the message says why and what to do."""

    exit_code = 1


class Hypervisor(enum.StrEnum):
    QEMU = "qemu"
    VIRTUALBOX = "virtualbox"
    HYPERV = "hyperv"

    @property
    def label(self) -> str:
        return {"qemu": "QEMU", "virtualbox": "VirtualBox", "hyperv": "Hyper-V"}[self.value]


class VmState(enum.StrEnum):
    RUNNING = "running"
    STOPPED = "stopped"
    MISSING = "missing"  # the hypervisor no longer knows it (deleted outside NanoStudio)


def hypervisor_for(target: Target) -> Hypervisor:
    """The hypervisor that runs a disk built for ``target`` on this kind of machine."""
    if target is Target.VIRTUALBOX:
        return Hypervisor.VIRTUALBOX
    if target in (Target.HYPERV_GEN2, Target.HYPERV_GEN1):
        return Hypervisor.HYPERV
    return Hypervisor.QEMU


@dataclass(frozen=True)
class GuestNetwork:
    """The address the image sets itself (static), or None for DHCP."""

    ipv4: str | None = None  # "192.168.56.10/24"
    gateway: str | None = None

    @property
    def address(self) -> str | None:
        return str(ipaddress.ip_interface(self.ipv4).ip) if self.ipv4 else None

    @property
    def network(self) -> ipaddress.IPv4Network | None:
        if not self.ipv4:
            return None
        net = ipaddress.ip_interface(self.ipv4).network
        assert isinstance(net, ipaddress.IPv4Network)
        return net


@dataclass(frozen=True)
class VmSpec:
    """What to create: the disk, what it was built for and how the image sets its address."""

    name: str
    disk: Path
    target: Target
    network: GuestNetwork = field(default_factory=GuestNetwork)
    memory_mib: int = DEFAULT_MEMORY_MIB
    cpus: int = DEFAULT_CPUS
    # A throw-away overlay: the disk file is left as built (``nanostudio verify``).
    snapshot: bool = False
    # The SHA-256 of the WinRM HTTPS certificate built into the disk (remote/disk_pins),
    # or None: the VM's forwarded HTTPS port is then verified against it.
    https_pin: str | None = None

    def check_disk(self) -> OutputFormat:
        """The disk's format, or a VmError saying why it cannot be started."""
        fmt = OutputFormat.from_path(self.disk)
        if fmt is None or fmt is OutputFormat.WIM:
            raise VmError(
                f"{self.disk.name} is not a virtual disk (.vhdx or .vhd): a WIM image cannot "
                "be started as a VM."
            )
        if not self.disk.is_file():
            raise VmError(f"{self.disk} does not exist: build the disk first.")
        return fmt


@dataclass(frozen=True)
class VmRecord:
    """A VM NanoStudio created: enough to start, stop, connect to and delete it later."""

    name: str
    hypervisor: Hypervisor
    disk: Path
    target: Target
    folder: Path  # NanoStudio's own files for this VM (firmware variables, logs)
    host: str  # where WinRM is reached from here
    port: int  # the forwarded (or direct) WinRM port
    created: str  # ISO 8601, UTC
    network: GuestNetwork = field(default_factory=GuestNetwork)
    memory_mib: int = DEFAULT_MEMORY_MIB
    cpus: int = DEFAULT_CPUS
    snapshot: bool = False
    files: tuple[Path, ...] = ()  # files NanoStudio made for it (never the disk)
    pid: int | None = None  # QEMU: the running process, and its start time to recognise it
    pid_started: float | None = None
    # WinRM over HTTPS: the built certificate's SHA-256 (VmSpec.https_pin) and, for
    # QEMU and VirtualBox NAT, the 127.0.0.1 port forwarded to the guest's 5986.
    https_pin: str | None = None
    https_port: int | None = None

    @classmethod
    def made_from(
        cls,
        spec: VmSpec,
        hypervisor: Hypervisor,
        *,
        folder: Path,
        host: str,
        port: int,
        files: tuple[Path, ...],
        snapshot: bool = False,
        https_port: int | None = None,
    ) -> VmRecord:
        """The record of a VM a backend has just made from ``spec``: what the spec
        says, and where the backend put it and how WinRM is reached."""
        return cls(
            name=spec.name,
            hypervisor=hypervisor,
            disk=spec.disk.resolve(),
            target=spec.target,
            folder=folder,
            host=host,
            port=port,
            created=now_iso(),
            network=spec.network,
            memory_mib=spec.memory_mib,
            cpus=spec.cpus,
            snapshot=snapshot,
            files=files,
            https_pin=spec.https_pin if https_port else None,
            https_port=https_port,
        )

    @property
    def serial_log(self) -> Path:
        return self.folder / "serial.log"

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def with_changes(self, **changes: object) -> VmRecord:
        return replace(self, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True)
class StartResult:
    """The record as started (a QEMU port may have moved) and what the user should know."""

    record: VmRecord
    warnings: tuple[str, ...] = ()


def now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def safe_folder_name(name: str) -> str:
    """A VM name as a folder name on every OS."""
    cleaned = "".join(c if c.isalnum() or c in "-_." else "_" for c in name).strip("._")
    return cleaned or "vm"
