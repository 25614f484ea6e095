"""Which emulated devices each hypervisor presents, against the drivers the image got.

The image has drivers for its target's devices only (``engine/drivers/devices.py``):
a disk built for Hyper-V has no Intel NIC driver, one built for VMware no AHCI. A
device matches when it shares an ID with one of the target's devices (AHCI
controllers all report the class code ``PCI\\CC_010601``, which mshdc.inf matches).
"""

from __future__ import annotations

from nanostudio.engine.drivers.devices import (
    E1000,
    ICH8_AHCI,
    ICH9_AHCI,
    NETVSC,
    PIIX4_IDE,
    STORVSC,
    VMBUS,
    Device,
    devices_for,
)
from nanostudio.recipe.model import Target
from nanostudio.vm.model import Hypervisor, VmError


def presented_devices(hypervisor: Hypervisor, target: Target) -> tuple[Device, ...]:
    """What the VM NanoStudio creates shows Windows (QEMU q35: ICH9 AHCI + e1000)."""
    if hypervisor is Hypervisor.QEMU:
        return (ICH9_AHCI, E1000)
    if hypervisor is Hypervisor.VIRTUALBOX:
        return (ICH8_AHCI, E1000)
    if target is Target.HYPERV_GEN1:
        return (PIIX4_IDE, VMBUS, NETVSC)
    return (VMBUS, STORVSC, NETVSC)


def missing_drivers(hypervisor: Hypervisor, target: Target) -> list[Device]:
    """Presented devices the image has no driver for (empty: it boots and networks)."""
    if target is Target.PHYSICAL:
        return []  # unknown drivers: nothing to hold against it
    wanted = devices_for(target)
    return [
        device
        for device in presented_devices(hypervisor, target)
        if not any(set(device.ids) & set(other.ids) for other in wanted)
    ]


def check_devices(hypervisor: Hypervisor, target: Target) -> None:
    missing = missing_drivers(hypervisor, target)
    if missing:
        names = ", ".join(d.name for d in missing)
        raise VmError(
            f"This disk was built for {target.label}: it has no driver for {hypervisor.label}'s "
            f"{names}. Rebuild it for the hypervisor you want to run it on, or choose "
            f"--hypervisor to match."
        )
