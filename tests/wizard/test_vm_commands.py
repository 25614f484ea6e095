"""VM creation commands for each target."""

from __future__ import annotations

import shlex
from pathlib import Path

from nanostudio.recipe import Firmware
from nanostudio.recipe.model import Target
from nanostudio.wizard.targets import disk_firmware
from nanostudio.wizard.vm_commands import vm_commands


def test_virtualbox_uses_efi_sata_and_the_intel_nic() -> None:
    commands = vm_commands(
        Target.VIRTUALBOX,
        name="NANO1",
        disk=Path("/vms/nano.vhd"),
        firmware=Firmware.UEFI,
        static_ip=True,
    )
    lines = commands.text.splitlines()
    assert lines[0].startswith('VBoxManage createvm --name "NANO1"')
    modify = shlex.split(lines[1])
    assert modify[modify.index("--firmware") + 1] == "efi"
    assert modify[modify.index("--nictype1") + 1] == "82540EM"
    assert modify[modify.index("--nic1") + 1] == "hostonly"
    assert "--add sata" in lines[2]
    attach = shlex.split(lines[3])
    assert attach[attach.index("--medium") + 1] == "/vms/nano.vhd"
    dhcp = vm_commands(
        Target.VIRTUALBOX, name="N", disk=Path("a.vhd"), firmware=Firmware.BIOS, static_ip=False
    )
    assert "--nic1 nat" in dhcp.text and "--firmware bios" in dhcp.text


def test_hyperv_generation_two() -> None:
    commands = vm_commands(
        Target.HYPERV_GEN2,
        name="O'Brien",
        disk=Path("C:/vms/nano.vhdx"),
        firmware=Firmware.UEFI,
        static_ip=False,
    )
    assert commands.shell == "PowerShell"
    assert "New-VM -Name 'O''Brien' -Generation 2" in commands.text
    assert "-VHDPath 'C:\\vms\\nano.vhdx'" in commands.text
    assert "Set-VMFirmware" in commands.text
    assert "Connect-VMNetworkAdapter" in commands.text
    gen1 = vm_commands(
        Target.HYPERV_GEN1, name="N", disk=Path("n.vhd"), firmware=Firmware.BIOS, static_ip=False
    )
    assert "-Generation 1" in gen1.text and "Set-VMFirmware" not in gen1.text


def test_qemu_uses_ovmf_and_the_container_format() -> None:
    commands = vm_commands(
        Target.KVM, name="N", disk=Path("/d/nano.vhd"), firmware=Firmware.UEFI, static_ip=False
    )
    assert "OVMF_CODE_4M.fd" in commands.text
    assert "format=vpc" in commands.text
    assert "-device e1000" in commands.text
    argv = shlex.split(commands.text.replace("\\\n", " ").splitlines()[1])
    assert argv[0] == "qemu-system-x86_64"


def test_vmware_and_physical() -> None:
    vmware = vm_commands(
        Target.VMWARE, name="N", disk=Path("/d/nano.vhdx"), firmware=Firmware.UEFI, static_ip=False
    )
    assert "qemu-img convert -p -O vmdk" in vmware.text
    assert 'ethernet0.virtualDev = \\"e1000\\"' in vmware.text
    physical = vm_commands(
        Target.PHYSICAL,
        name="N",
        disk=Path("/d/nano.vhdx"),
        firmware=Firmware.UEFI,
        static_ip=False,
    )
    assert "vhd=[C:]\\nano.vhdx" in physical.text


def test_disk_firmware() -> None:
    from nanostudio.recipe import OutputFormat

    assert disk_firmware(Target.HYPERV_GEN1, OutputFormat.VHD, portable=False) is Firmware.BIOS
    assert disk_firmware(Target.VIRTUALBOX, OutputFormat.VHD, portable=True) is Firmware.UEFI
    assert disk_firmware(Target.HYPERV_GEN2, OutputFormat.VHDX, portable=False) is Firmware.UEFI
