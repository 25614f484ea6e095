"""What NanoStudio knows about the Windows Server 2016 Nano Server packages.

Media carries only cab files; descriptions, dependencies and restrictions come
from here. Names are matched case-insensitively, by short name ("DSC") or full
name ("Microsoft-NanoServer-DSC-Package").
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Edition(StrEnum):
    STANDARD = "Standard"
    DATACENTER = "Datacenter"


class Deployment(StrEnum):
    GUEST = "Guest"
    HOST = "Host"


@dataclass(frozen=True)
class PackageInfo:
    """One Nano Server package as the 2016 media ships it."""

    short: str
    description: str
    requires: tuple[str, ...] = ()
    editions: frozenset[Edition] = frozenset(Edition)
    # Installable by the portable engine at first boot (dism online); the drivers a
    # target needs to boot come out of the package offline before that (engine/drivers).
    # False for packages that must be serviced offline by the Windows engine.
    first_boot_ok: bool = True
    # Chosen through the deployment type or driver toggles, not the role list.
    implicit: bool = False

    @property
    def name(self) -> str:
        return f"Microsoft-NanoServer-{self.short}-Package"


PACKAGES: tuple[PackageInfo, ...] = (
    PackageInfo("Compute", "Hyper-V role: run virtual machines on this server."),
    PackageInfo("Containers", "Windows Server containers (install Docker at first boot)."),
    PackageInfo("DCB", "Data Center Bridging for converged networking."),
    PackageInfo("Defender", "Windows Defender antimalware."),
    PackageInfo("DNS", "DNS Server role."),
    PackageInfo("DSC", "PowerShell Desired State Configuration."),
    PackageInfo("FailoverCluster", "Failover Clustering."),
    PackageInfo(
        "Guest",
        "Drivers for running as a Hyper-V virtual machine (synthetic disk and network).",
        implicit=True,
    ),
    PackageInfo(
        "Host",
        "Drivers for running on hardware or a non-Hyper-V hypervisor.",
        implicit=True,
    ),
    PackageInfo(
        "IIS",
        "Internet Information Services web server.",
        first_boot_ok=False,
    ),
    PackageInfo(
        "NPDS",
        "Network Performance Diagnostics Service.",
        requires=("Defender",),
    ),
    PackageInfo(
        "OEM-Drivers",
        "Basic drivers for common hardware: storage controllers and network adapters "
        "such as the Intel adapter VirtualBox emulates.",
        implicit=True,
    ),
    PackageInfo("SCVMM", "System Center Virtual Machine Manager agent."),
    PackageInfo(
        "SCVMM-Compute",
        "SCVMM agent for Hyper-V hosts.",
        requires=("SCVMM", "Compute"),
    ),
    PackageInfo("SecureStartup", "BitLocker and TPM support (Secure Startup)."),
    PackageInfo(
        "ShieldedVM",
        "Run shielded virtual machines (Host Guardian support).",
        editions=frozenset({Edition.DATACENTER}),
    ),
    PackageInfo("Storage", "File Server role and storage components."),
)

_BY_KEY: dict[str, PackageInfo] = {}
for _package in PACKAGES:
    _BY_KEY[_package.short.lower()] = _package
    _BY_KEY[_package.name.lower()] = _package


@dataclass(frozen=True)
class NotOffered:
    """A package cab the media may carry that NanoStudio knows but does not offer."""

    name: str  # the full package name, as the cab is called
    reason: str


# Cabs New-NanoServerImage knows of (firstboot-facts.md sections 1.2 and 1.3) that are
# deliberately not roles here; ``inspect`` shows the reason instead of "unknown".
NOT_OFFERED: tuple[NotOffered, ...] = (
    NotOffered(
        "Microsoft-OneCore-ReverseForwarders-Package",
        "already in the image: Windows Server 2016 (GA) includes the reverse forwarders by "
        'default (Microsoft\'s Deploy-Nano-Server.md: "Now included by default"), and the GA '
        "New-NanoServerImage has no -ReverseForwarders switch (it existed in preview builds "
        "only)",
    ),
    NotOffered(
        "Microsoft-NanoServer-BootFromWim-Package",
        "for booting Nano Server from a RAM disk, which the GA New-NanoServerImage has "
        "switched off ($False #$RamdiskBoot): NanoStudio builds disks that boot from their "
        "own volume",
    ),
)


def not_offered(cab_name: str) -> NotOffered | None:
    """Why a cab (``X.cab`` or a path ending in it) is not offered, if it is one of those."""
    stem = cab_name.replace("\\", "/").rsplit("/", 1)[-1].strip().lower().removesuffix(".cab")
    for entry in NOT_OFFERED:
        full = entry.name.lower()
        short = full.split("-", 2)[2].removesuffix("-package")  # "reverseforwarders"
        if stem in (full, short):
            return entry
    return None


def find_package(name: str) -> PackageInfo | None:
    """The catalogue entry for a short or full package name, any case."""
    return _BY_KEY.get(name.strip().lower())


def with_dependencies(shorts: list[str]) -> list[PackageInfo]:
    """The packages named plus everything they need, dependencies first, no repeats."""
    ordered: list[PackageInfo] = []

    def visit(short: str) -> None:
        package = find_package(short)
        if package is None or package in ordered:
            return
        for needed in package.requires:
            visit(needed)
        ordered.append(package)

    for short in shorts:
        visit(short)
    return ordered
