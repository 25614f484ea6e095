"""Where the server will run, and what that choice implies for the image.

The presets encode what users of Image Builder had to learn the hard way:
Hyper-V wants the Guest package; everything else wants Host plus the OEM drivers
(VirtualBox's Intel adapter among them); VirtualBox cannot write a VHDX.
"""

from __future__ import annotations

from dataclasses import dataclass

from nanostudio.catalogue import Deployment
from nanostudio.recipe import Firmware, OutputFormat, Target
from nanostudio.wizard.i18n import QT_TRANSLATE_NOOP, Text


@dataclass(frozen=True)
class TargetPreset:
    target: Target
    deployment: Deployment
    output_format: OutputFormat
    firmware: Firmware
    note: Text  # translated by the GUI

    @property
    def label(self) -> str:
        return self.target.label

    @property
    def oem(self) -> bool:
        """Every machine that is not Hyper-V (Host deployment) needs the OEM drivers."""
        return self.deployment is Deployment.HOST

    @property
    def virtualbox(self) -> bool:
        return self.target is Target.VIRTUALBOX


PRESETS: dict[Target, TargetPreset] = {
    preset.target: preset
    for preset in (
        TargetPreset(
            Target.HYPERV_GEN2,
            Deployment.GUEST,
            output_format=OutputFormat.VHDX,
            firmware=Firmware.UEFI,
            note=QT_TRANSLATE_NOOP(
                "Targets",
                "A Generation 2 VM boots UEFI from a VHDX on a SCSI controller with a "
                "synthetic network adapter: the Guest package has the drivers for both.",
            ),
        ),
        TargetPreset(
            Target.HYPERV_GEN1,
            Deployment.GUEST,
            output_format=OutputFormat.VHD,
            firmware=Firmware.BIOS,
            note=QT_TRANSLATE_NOOP(
                "Targets",
                "A Generation 1 VM boots BIOS from a VHD. Prefer Generation 2 unless "
                "the host is older than Windows Server 2012 R2.",
            ),
        ),
        TargetPreset(
            Target.VIRTUALBOX,
            Deployment.HOST,
            output_format=OutputFormat.VHD,
            firmware=Firmware.UEFI,
            note=QT_TRANSLATE_NOOP(
                "Targets",
                "VirtualBox cannot write to a VHDX, so the disk is a VHD. Its Intel "
                "network adapter needs the OEM drivers. Enable EFI in the VM's System "
                "settings: the disk is a UEFI (GPT) disk.",
            ),
        ),
        TargetPreset(
            Target.VMWARE,
            Deployment.HOST,
            output_format=OutputFormat.VHDX,
            firmware=Firmware.UEFI,
            note=QT_TRANSLATE_NOOP(
                "Targets",
                "VMware is not Hyper-V: the image needs the Host package and the OEM "
                "drivers (for the e1000 adapter). Convert the disk to VMDK and use UEFI firmware.",
            ),
        ),
        TargetPreset(
            Target.KVM,
            Deployment.HOST,
            output_format=OutputFormat.VHDX,
            firmware=Firmware.UEFI,
            note=QT_TRANSLATE_NOOP(
                "Targets",
                "QEMU reads VHDX directly. Use OVMF (UEFI) firmware, a SATA (AHCI) disk "
                "and an e1000 adapter: Nano Server has no virtio drivers, the OEM drivers "
                "cover these.",
            ),
        ),
        TargetPreset(
            Target.PHYSICAL,
            Deployment.HOST,
            output_format=OutputFormat.VHDX,
            firmware=Firmware.UEFI,
            note=QT_TRANSLATE_NOOP(
                "Targets",
                "Real hardware needs the Host package and the OEM drivers; add the "
                "vendor's network and storage drivers on the Drivers page if they are newer.",
            ),
        ),
    )
}


def preset(target: Target) -> TargetPreset:
    return PRESETS[target]


def disk_firmware(target: Target, fmt: OutputFormat | None, *, portable: bool) -> Firmware:
    """The firmware the built disk boots with.

    The portable engine always writes a UEFI/GPT layout; the Windows engine writes
    BIOS/MBR into a VHD and UEFI/GPT into a VHDX.
    """
    if portable or fmt is OutputFormat.VHDX:
        return Firmware.UEFI
    if fmt is OutputFormat.VHD:
        return Firmware.BIOS
    return PRESETS[target].firmware
