"""The devices each target presents to Windows, and so the drivers its image needs.

A device is named by the IDs Windows matches INF models and the SYSTEM hive's
``DriverDatabase\\DeviceIds`` against: hardware ID first, then compatible IDs.

Sources (facts, not code):
- Hyper-V: a Generation 2 VM has only synthetic VMBus devices; storvsc is the
  SCSI (boot disk) driver, netvsc the network driver, both children of vmbus
  (Microsoft, "Deploy Nano Server": the Guest package holds the Hyper-V guest
  drivers; ``VMBUS\\{ba6163d9-…}`` for storvsc and ``ACPI\\VMBus`` for vmbus are
  read from a real Windows 10 SYSTEM hive's DriverDatabase; netvsc's class
  ``{f8615163-…}`` is the synthetic network adapter's VMBus class, *reported*).
  A Generation 1 VM boots from its emulated Intel PIIX4 IDE controller.
- VirtualBox (ICH AHCI, Intel PRO/1000 MT Desktop 82540EM), QEMU q35 (ICH9
  AHCI; NanoStudio starts it with an e1000, the 82540EM), VMware's defaults for a
  Windows Server 2016 guest (LSI Logic SAS, E1000E 82574L): the PCI IDs are the
  emulated chips' public vendor/device IDs. ``PCI\\CC_010601`` is the AHCI class
  code every AHCI controller reports as a compatible ID; mshdc.inf matches it
  (read from the real hive: ``DeviceIds\\PCI\\CC_010601`` holds mshdc.inf).
- A physical machine's devices are unknown here: nothing is required, and the
  Drivers page says so.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from nanostudio.recipe.model import Target


class Role(enum.StrEnum):
    """What a device is for: the bus and disk controller decide whether Windows finds
    its own disk at boot, the network adapter whether WinRM answers."""

    BUS = "bus"
    BOOT_DISK = "boot disk controller"
    NETWORK = "network adapter"


@dataclass(frozen=True)
class Device:
    """One device of a target that needs a driver in the image before first boot."""

    name: str
    role: Role
    ids: tuple[str, ...]  # hardware ID, then compatible IDs, upper-case

    @property
    def boot_critical(self) -> bool:
        """Windows must load its driver at boot (Start 0) to reach its own disk."""
        return self.role is not Role.NETWORK


def _pci(*ids: str) -> tuple[str, ...]:
    return tuple(f"PCI\\{device_id}" for device_id in ids)


VMBUS = Device("Hyper-V VMBus", Role.BUS, ("ACPI\\VMBUS",))
STORVSC = Device(
    "Hyper-V synthetic SCSI controller",
    Role.BOOT_DISK,
    ("VMBUS\\{BA6163D9-04A1-4D29-B605-72E2FFB1DC7F}",),
)
NETVSC = Device(
    "Hyper-V synthetic network adapter",
    Role.NETWORK,
    ("VMBUS\\{F8615163-DF3E-46C5-913F-F2D2F965ED0E}",),
)
PIIX4_IDE = Device(
    "Intel PIIX4 IDE controller", Role.BOOT_DISK, _pci("VEN_8086&DEV_7111", "CC_0101")
)
ICH8_AHCI = Device(
    "Intel ICH8 SATA AHCI controller", Role.BOOT_DISK, _pci("VEN_8086&DEV_2829", "CC_010601")
)
ICH9_AHCI = Device(
    "Intel ICH9 SATA AHCI controller", Role.BOOT_DISK, _pci("VEN_8086&DEV_2922", "CC_010601")
)
LSI_SAS = Device("LSI Logic SAS controller", Role.BOOT_DISK, _pci("VEN_1000&DEV_0054", "CC_010700"))
E1000 = Device(
    "Intel PRO/1000 MT (82540EM) network adapter", Role.NETWORK, _pci("VEN_8086&DEV_100E")
)
E1000E = Device("Intel 82574L (E1000E) network adapter", Role.NETWORK, _pci("VEN_8086&DEV_10D3"))

TARGET_DEVICES: dict[Target, tuple[Device, ...]] = {
    Target.HYPERV_GEN2: (VMBUS, STORVSC, NETVSC),
    Target.HYPERV_GEN1: (PIIX4_IDE, VMBUS, NETVSC),
    Target.VIRTUALBOX: (ICH8_AHCI, E1000),
    Target.KVM: (ICH9_AHCI, E1000),
    Target.VMWARE: (LSI_SAS, E1000E),
    Target.PHYSICAL: (),
}


KNOWN_DEVICES: tuple[Device, ...] = tuple(
    dict.fromkeys(device for devices in TARGET_DEVICES.values() for device in devices)
)


def devices_for(target: Target) -> tuple[Device, ...]:
    return TARGET_DEVICES[target]


def split_device_id(device_id: str) -> tuple[str, str]:
    """``PCI\\VEN_8086&DEV_100E`` -> (``PCI``, ``VEN_8086&DEV_100E``): how
    ``DriverDatabase\\DeviceIds`` and ``Descriptors`` nest an ID (enumerator, rest)."""
    enumerator, _, rest = device_id.partition("\\")
    return enumerator, rest
