"""Driver payloads and a SYSTEM hive for the sample media, shaped like the real ones.

What is known and what is guessed (NANO-FACTS.md, and the research behind
``engine/drivers``):
- A CBS package cab keeps ``update.mum`` and one ``<stem>.manifest`` per
  component at its root, each component's files in a folder named by the same
  stem, and the package catalog ``update.cat`` (*confirmed* for Windows 10
  packages; the 14393 names follow the same scheme, *reported*). A driver
  component's stem is ``amd64_dual_<inf>_31bf3856ad364e35_<version>_none_<16 hex>``.
- Which INFs each Nano Server package carries is *unknown* (no public listing).
  The sample puts the Hyper-V drivers (wvmbus, wstorvsc, wnetvsc: the INF
  names a real Windows 10 hive records for vmbus, storvsc and netvsc) in the
  Guest package, and the storage and Intel network drivers a VirtualBox, KVM or
  VMware VM needs (mshdc for AHCI and PIIX IDE, lsi_sas, net1ic64 for the
  PRO/1000 family) in OEM-Drivers, which Microsoft describes as the basic
  network and storage drivers of Server Core. The Host package carries none of
  these.
- The INF texts are NanoStudio's own, written in the structure Microsoft
  documents for driver INFs; the service values (Start, Group) are those a real
  Windows 10 SYSTEM hive shows for these services (vmbus 0 "System Bus
  Extender", storvsc 0 "Base", netvsc 3 "Extended Base", storahci "SCSI
  Miniport", the Intel NIC 3 "NDIS"). The ``.sys`` files are stand-ins.
- The base image's SYSTEM hive has a DriverDatabase with no driver for any
  target's boot or network device, so a build must bring them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from nanostudio.engine.portable.hive import (
    Key,
    RegValue,
    build_hive,
)

_VERSION = "10.0.14393.0"
_TOKEN = "31bf3856ad364e35"
_CLASSES = {
    "System": "{4D36E97D-E325-11CE-BFC1-08002BE10318}",
    "SCSIAdapter": "{4D36E97B-E325-11CE-BFC1-08002BE10318}",
    "hdc": "{4D36E96A-E325-11CE-BFC1-08002BE10318}",
    "Net": "{4D36E972-E325-11CE-BFC1-08002BE10318}",
}


@dataclass(frozen=True)
class SampleService:
    name: str
    start: int
    group: str
    description: str
    ids: tuple[str, ...]  # hardware ID, then compatible IDs


@dataclass(frozen=True)
class SampleDriver:
    inf: str
    driver_class: str
    services: tuple[SampleService, ...]


PACKAGE_DRIVERS: dict[str, tuple[SampleDriver, ...]] = {
    "Guest": (
        SampleDriver(
            "wvmbus.inf",
            "System",
            (
                SampleService(
                    "vmbus",
                    0,
                    "System Bus Extender",
                    "Hyper-V Virtual Machine Bus",
                    ("ACPI\\VMBus",),
                ),
            ),
        ),
        SampleDriver(
            "wstorvsc.inf",
            "SCSIAdapter",
            (
                SampleService(
                    "storvsc",
                    0,
                    "Base",
                    "Hyper-V SCSI Controller",
                    ("VMBUS\\{ba6163d9-04a1-4d29-b605-72e2ffb1dc7f}",),
                ),
            ),
        ),
        SampleDriver(
            "wnetvsc.inf",
            "Net",
            (
                SampleService(
                    "netvsc",
                    3,
                    "Extended Base",
                    "Hyper-V Network Adapter",
                    ("VMBUS\\{f8615163-df3e-46c5-913f-f2d2f965ed0e}",),
                ),
            ),
        ),
    ),
    "OEM-Drivers": (
        SampleDriver(
            "mshdc.inf",
            "hdc",
            (
                SampleService(
                    "storahci",
                    3,
                    "SCSI Miniport",
                    "Standard SATA AHCI Controller",
                    ("PCI\\CC_010601",),
                ),
                SampleService(
                    "intelide",
                    0,
                    "System Bus Extender",
                    "Intel PIIX4 IDE Controller",
                    ("PCI\\VEN_8086&DEV_7111", "PCI\\CC_0101"),
                ),
            ),
        ),
        SampleDriver(
            "lsi_sas.inf",
            "SCSIAdapter",
            (
                SampleService(
                    "LSI_SAS",
                    0,
                    "SCSI miniport",
                    "LSI Adapter, SAS 3000 series",
                    ("PCI\\VEN_1000&DEV_0054",),
                ),
            ),
        ),
        SampleDriver(
            "net1ic64.inf",
            "Net",
            (
                SampleService(
                    "e1i63x64",
                    3,
                    "NDIS",
                    "Intel(R) PRO/1000 MT Network Connection",
                    ("PCI\\VEN_8086&DEV_100E", "PCI\\VEN_8086&DEV_100F", "PCI\\VEN_8086&DEV_10D3"),
                ),
            ),
        ),
    ),
}


def inf_text(driver: SampleDriver) -> str:
    """A driver INF in the documented structure: Version, Manufacturer, Models,
    DDInstall(.NTamd64) with its .Services, service-install sections, files, Strings."""
    lines = [
        "; NanoStudio sample driver INF: not a real Windows driver.",
        "[Version]",
        'Signature="$WINDOWS NT$"',
        f"Class={driver.driver_class}",
        f"ClassGuid={_CLASSES[driver.driver_class]}",
        "Provider=%MSFT%",
        f"DriverVer=06/21/2006,{_VERSION}",
        "",
        "[Manufacturer]",
        "%MSFT%=MSFT,NTamd64",
        "",
        "[MSFT.NTamd64]",
    ]
    for service in driver.services:
        ids = ", ".join(service.ids)
        lines.append(f"%{service.name}.DeviceDesc%={service.name}_Inst, {ids}")
    lines += ["", "[DestinationDirs]", "DefaultDestDir=12", ""]
    for service in driver.services:
        lines += [
            f"[{service.name}_Inst.NTamd64]",
            f"CopyFiles={service.name}_Files",
            "",
            f"[{service.name}_Inst.NTamd64.Services]",
            f"AddService={service.name},0x00000002,{service.name}_Service_Inst",
            "",
            f"[{service.name}_Service_Inst]",
            f"DisplayName=%{service.name}.DeviceDesc%",
            "ServiceType=1 ; SERVICE_KERNEL_DRIVER",
            f"StartType={service.start}",
            "ErrorControl=1",
            f"ServiceBinary=%12%\\{service.name}.sys",
            f"LoadOrderGroup={service.group}",
            "",
            f"[{service.name}_Files]",
            f"{service.name}.sys",
            "",
        ]
    lines += ["[SourceDisksNames]", '3426=%DiskName%,,,""', "", "[SourceDisksFiles]"]
    lines += [f"{service.name}.sys=3426" for service in driver.services]
    lines += ["", "[Strings]", 'MSFT="Microsoft"', 'DiskName="Windows Server 2016 media"']
    lines += [f'{s.name}.DeviceDesc="{s.description}"' for s in driver.services]
    return "\r\n".join(lines) + "\r\n"


def component_stem(inf: str) -> str:
    digest = hashlib.sha256(inf.encode("ascii")).hexdigest()[:16]
    return f"amd64_dual_{inf}_{_TOKEN}_{_VERSION}_none_{digest}"


def write_package_drivers(folder: Path, package_short: str) -> list[str]:
    """Write the package's driver components into ``folder``; their relative paths."""
    written: list[str] = []
    for driver in PACKAGE_DRIVERS.get(package_short, ()):
        stem = component_stem(driver.inf)
        component = folder / stem
        component.mkdir(parents=True, exist_ok=True)
        (component / driver.inf).write_text(inf_text(driver), encoding="ascii", newline="")
        written.append(f"{stem}/{driver.inf}")
        for service in driver.services:
            sys_name = f"{service.name}.sys"
            (component / sys_name).write_bytes(_stand_in_driver(sys_name))
            written.append(f"{stem}/{sys_name}")
        manifest = folder / f"{stem}.manifest"
        manifest.write_text(_manifest(driver), encoding="utf-8")
        written.append(manifest.name)
    if written:
        (folder / "update.cat").write_bytes(b"0\x82" + b"NanoStudio sample catalog stand-in" * 4)
        written.append("update.cat")
    return written


def _manifest(driver: SampleDriver) -> str:
    name = f"dual_{driver.inf}"
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<assembly xmlns="urn:schemas-microsoft-com:asm.v3" manifestVersion="1.0">\n'
        f'  <assemblyIdentity name="{name}" version="{_VERSION}" processorArchitecture="amd64" '
        f'language="neutral" buildType="release" publicKeyToken="{_TOKEN}" '
        'versionScope="nonSxS" />\n'
        f'  <driver><inf name="{driver.inf}" /></driver>\n'
        "</assembly>\n"
    )


def _stand_in_driver(name: str) -> bytes:
    return b"MZ" + f"NanoStudio sample stand-in for {name}; not a driver.\r\n".encode() * 8


def system_hive() -> bytes:
    """The base image's SYSTEM hive: control set, core services, a DriverDatabase."""
    root = Key("ROOT")
    select = root.key("Select")
    for name, number in (("Current", 1), ("Default", 1), ("Failed", 0), ("LastKnownGood", 1)):
        select.set(RegValue.dword(name, number))
    services = root.key("ControlSet001").key("Services")
    for name, start, group in (
        ("pci", 0, "Boot Bus Extender"),
        ("partmgr", 0, "Boot Bus Extender"),
        ("volmgr", 0, "System Bus Extender"),
        ("disk", 0, "SCSI Class"),
        ("Ntfs", 3, "Boot File System"),
    ):
        key = services.key(name)
        key.set(RegValue.dword("Type", 2 if name == "Ntfs" else 1))
        key.set(RegValue.dword("Start", start))
        key.set(RegValue.dword("ErrorControl", 3))
        key.set(RegValue.sz("Group", group))
        key.set(RegValue.expand_sz("ImagePath", f"System32\\drivers\\{name.lower()}.sys"))
    root.key("ControlSet001").key("Control").key("CriticalDeviceDatabase")
    database = root.key("DriverDatabase")
    database.set(RegValue.dword("Version", 0x0A000000))
    database.set(RegValue.dword("SchemaVersion", 0x00010000))
    database.set(RegValue.dword("Architecture", 9))
    for inf, service, section, enumerator, device in (
        ("machine.inf", "pci", "PCI_DRV", "ACPI", "PNP0A03"),
        ("disk.inf", "disk", "disk_install.NT", "GenDisk", ""),
    ):
        package = f"{inf}_amd64_{hashlib.sha256(inf.encode()).hexdigest()[:16]}"
        ids = database.key("DeviceIds").key(enumerator)
        if device:
            ids = ids.key(device)
        ids.set(RegValue.binary(inf, bytes([1, 0xFF, 0, 0])))
        files = database.key("DriverInfFiles").key(inf)
        files.set(RegValue.multi_sz("", [package]))
        files.set(RegValue.sz("Active", package))
        files.set(RegValue.multi_sz("Configurations", [section]))
        entry = database.key("DriverPackages").key(package)
        entry.set(RegValue.sz("", inf))
        entry.set(RegValue.sz("Provider", "Microsoft"))
        config = entry.key("Configurations").key(section)
        config.set(RegValue.dword("ConfigFlags", 0))
        config.set(RegValue.sz("Service", service))
        descriptor = entry.key("Descriptors").key(enumerator)
        if device:
            descriptor = descriptor.key(device)
        descriptor.set(RegValue.sz("Configuration", section))
    return build_hive(root, file_name="SYSTEM")
