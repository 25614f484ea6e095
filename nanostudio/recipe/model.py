"""Frozen dataclasses describing a build. No I/O here; see ``toml_io`` for files."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from nanostudio.catalogue import Deployment, Edition

GIB = 1024**3
MIB = 1024**2
# Image Builder's default; 4 GiB leaves no room for a cumulative update.
DEFAULT_SIZE = 8 * GIB
DEFAULT_TIMEZONE = "UTC"


class Target(StrEnum):
    """The machine the disk is for: it decides which boot and network drivers it needs."""

    HYPERV_GEN2 = "hyperv-gen2"
    HYPERV_GEN1 = "hyperv-gen1"
    VIRTUALBOX = "virtualbox"
    VMWARE = "vmware"
    KVM = "kvm"
    PHYSICAL = "physical"

    @property
    def label(self) -> str:
        return _TARGET_LABELS[self]


_TARGET_LABELS = {
    Target.HYPERV_GEN2: "Hyper-V (Generation 2)",
    Target.HYPERV_GEN1: "Hyper-V (Generation 1)",
    Target.VIRTUALBOX: "VirtualBox",
    Target.VMWARE: "VMware",
    Target.KVM: "KVM / QEMU",
    Target.PHYSICAL: "Physical machine",
}


class Firmware(StrEnum):
    """How a disk boots: UEFI from a GPT disk's ESP, or BIOS from an MBR disk."""

    UEFI = "uefi"
    BIOS = "bios"


class OutputFormat(StrEnum):
    VHDX = "vhdx"
    VHD = "vhd"
    WIM = "wim"

    @classmethod
    def from_path(cls, path: Path) -> OutputFormat | None:
        suffix = path.suffix.lower().lstrip(".")
        return next((fmt for fmt in cls if fmt.value == suffix), None)


@dataclass(frozen=True)
class SourceSpec:
    media: Path | None = None
    edition: Edition = Edition.STANDARD
    deployment: Deployment = Deployment.GUEST
    language: str = "en-us"


@dataclass(frozen=True)
class PackagesSpec:
    names: tuple[str, ...] = ()
    # Docker's static Windows binaries (docker-<version>.zip from download.docker.com),
    # put into the image for the Containers package; None: Docker is not included.
    docker_zip: Path | None = None
    # Updates (New-NanoServerImage -ServicingPackagePath): .cab files, or .msu files that
    # hold them. Installed after the packages; servicing stack updates first.
    servicing: tuple[Path, ...] = ()


@dataclass(frozen=True)
class DriversSpec:
    oem: bool = False
    virtualbox: bool = False
    folders: tuple[Path, ...] = ()


@dataclass(frozen=True)
class SystemSpec:
    computer_name: str = "NANO1"
    timezone: str = DEFAULT_TIMEZONE
    # New-NanoServerImage -UnattendPath: the user's answer file, merged with NanoStudio's
    # (engine/content/unattend_merge.py); a setting both set is refused, never replaced.
    unattend: Path | None = None
    # New-NanoServerImage -DomainBlobPath: a `djoin /provision` blob file, applied by the
    # answer file's Microsoft-Windows-UnattendedJoin (recipe/domain_blob.py).
    domain_blob: Path | None = None


@dataclass(frozen=True)
class NetworkSpec:
    winrm: bool = True
    ipv4: str | None = None  # "192.168.56.10/24"; None = DHCP
    gateway: str | None = None
    dns: tuple[str, ...] = ()
    # The adapter's name ("Ethernet") or its interface index ("12"): netsh takes either.
    interface: str = "Ethernet"
    # New-NanoServerImage -Ipv6Address / -Ipv6Dns: an address without prefix length
    # (netsh's default applies), and DNS servers; both independent of IPv4.
    ipv6: str | None = None
    ipv6_dns: tuple[str, ...] = ()
    # Image Builder's VLAN ID (1-4094); New-NanoServerImage has no parameter for it.
    vlan: int | None = None
    # WinRM over HTTPS (5986) with a certificate NanoStudio makes at build time and pins
    # before the VM starts (engine/content/winrm_https.py); no module parameter for it.
    winrm_https: bool = False

    @property
    def uses_interface(self) -> bool:
        """Whether first boot configures the adapter (so its name or index matters)."""
        return bool(self.ipv4 or self.ipv6 or self.ipv6_dns or self.vlan is not None)


@dataclass(frozen=True)
class CopyPath:
    """One New-NanoServerImage -CopyPath entry: a file or folder on this machine, copied
    with its name into ``destination``, a folder of the image ("" is the root; written
    with backslashes, relative to the root, like ``Program Files\\Tools``)."""

    source: Path
    destination: str = ""


@dataclass(frozen=True)
class FilesSpec:
    copy: tuple[CopyPath, ...] = ()


@dataclass(frozen=True)
class FirstBootSpec:
    commands: tuple[str, ...] = ()


class DebugMethod(StrEnum):
    """Kernel debugging transport (New-NanoServerImage -DebugMethod). Network (KDNET)
    debugging is not offered: its key is a secret this tool would have to pass
    to bcdedit on a command line, and its BCD address encoding is undocumented."""

    NONE = "none"
    SERIAL = "serial"


@dataclass(frozen=True)
class BootSpec:
    """Boot-time options New-NanoServerImage offers: EMS (a serial console to watch
    the boot and use SAC) and kernel debugging. Defaults are the module's:
    -EMSPort 1, -EMSBaudRate 115200, -DebugCOMPort 2, -DebugBaudRate 115200."""

    ems: bool = False
    ems_port: int = 1
    ems_baud: int = 115200
    debug: DebugMethod = DebugMethod.NONE
    debug_port: int = 2  # COM port
    debug_baud: int = 115200


@dataclass(frozen=True)
class OutputSpec:
    path: Path = Path("nano.vhdx")
    size: int = DEFAULT_SIZE
    # None in recipes written before targets were recorded: see Recipe.target.
    target: Target | None = None

    @property
    def format(self) -> OutputFormat | None:
        return OutputFormat.from_path(self.path)


@dataclass(frozen=True)
class EditSpec:
    """Edit-NanoServerImage -TargetPath: the existing VHD, VHDX or WIM a new image is made
    from, with this recipe's packages, drivers, updates, files and settings added. The
    source is never written (engine/edit); None: a new image from the media."""

    image: Path | None = None
    index: int = 1  # the image of a WIM source (a disk holds one)


@dataclass(frozen=True)
class Recipe:
    """Everything about a build except the administrator password."""

    source: SourceSpec = field(default_factory=SourceSpec)
    packages: PackagesSpec = field(default_factory=PackagesSpec)
    drivers: DriversSpec = field(default_factory=DriversSpec)
    system: SystemSpec = field(default_factory=SystemSpec)
    network: NetworkSpec = field(default_factory=NetworkSpec)
    firstboot: FirstBootSpec = field(default_factory=FirstBootSpec)
    output: OutputSpec = field(default_factory=OutputSpec)
    boot: BootSpec = field(default_factory=BootSpec)
    files: FilesSpec = field(default_factory=FilesSpec)
    edit: EditSpec = field(default_factory=EditSpec)

    @property
    def is_edit(self) -> bool:
        return self.edit.image is not None

    @property
    def target(self) -> Target:
        """The recipe's target, or the one its deployment and driver choices imply.

        An edit names no deployment (its image has one already): without a target it
        keeps the drivers it has, as for a physical machine, whose devices are unknown."""
        if self.output.target is not None:
            return self.output.target
        if self.is_edit:
            return Target.PHYSICAL
        if self.source.deployment is Deployment.GUEST:
            vhd = self.output.format is OutputFormat.VHD
            return Target.HYPERV_GEN1 if vhd else Target.HYPERV_GEN2
        return Target.VIRTUALBOX if self.drivers.virtualbox else Target.PHYSICAL
