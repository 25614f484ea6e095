"""Commands that create a VM for the built disk, one set per target.

Shown on the Done page so that the user does not have to know that VirtualBox
needs EFI plus the Intel adapter on SATA, or that Hyper-V Gen2 takes VHDX only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PureWindowsPath

from nanostudio.recipe import Firmware
from nanostudio.recipe.model import Target
from nanostudio.wizard.i18n import QT_TRANSLATE_NOOP, Text

DEFAULT_MEMORY_MIB = 1024
DEFAULT_CPUS = 2
HOST_ONLY_ADAPTER = "VirtualBox Host-Only Ethernet Adapter"
HYPERV_SWITCH = "Default Switch"


@dataclass(frozen=True)
class VmCommands:
    title: str
    shell: str  # where to paste them: "PowerShell", "Command Prompt or shell", "shell"
    text: str
    notes: tuple[Text, ...] = ()  # translated by the GUI


def vm_commands(
    target: Target,
    *,
    name: str,
    disk: Path,
    firmware: Firmware,
    static_ip: bool,
    memory_mib: int = DEFAULT_MEMORY_MIB,
    cpus: int = DEFAULT_CPUS,
) -> VmCommands:
    """The commands for ``target``; ``disk`` is the built file as seen from here."""
    if target is Target.VIRTUALBOX:
        return _virtualbox(name, disk, firmware, static_ip, memory_mib, cpus)
    if target in (Target.HYPERV_GEN2, Target.HYPERV_GEN1):
        generation = 2 if target is Target.HYPERV_GEN2 else 1
        return _hyperv(name, disk, generation, memory_mib, cpus)
    if target is Target.KVM:
        return _qemu(name, disk, firmware, memory_mib, cpus)
    if target is Target.VMWARE:
        return _vmware(name, disk, firmware, memory_mib, cpus)
    return _physical(name, disk)


def _forwarded(address: str) -> Text:
    return QT_TRANSLATE_NOOP(
        "VmCommands", "WinRM is forwarded from {0} on this computer to the VM."
    ).format(address)


def _sh(value: str) -> str:
    """Double quotes: understood alike by cmd.exe and POSIX shells for plain paths."""
    return '"' + value.replace('"', '\\"') + '"'


def _ps(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _virtualbox(
    name: str, disk: Path, firmware: Firmware, static_ip: bool, memory: int, cpus: int
) -> VmCommands:
    vm = _sh(name)
    nic = (
        f"--nic1 hostonly --hostonlyadapter1 {_sh(HOST_ONLY_ADAPTER)}"
        if static_ip
        else "--nic1 nat --natpf1 winrm,tcp,127.0.0.1,55985,,5985"
    )
    lines = [
        f"VBoxManage createvm --name {vm} --ostype Windows2016_64 --register",
        f"VBoxManage modifyvm {vm} --memory {memory} --cpus {cpus} "
        f"--firmware {'efi' if firmware is Firmware.UEFI else 'bios'} "
        f"{nic} --nictype1 82540EM",
        f"VBoxManage storagectl {vm} --name SATA --add sata --controller IntelAhci --portcount 1",
        f"VBoxManage storageattach {vm} --storagectl SATA --port 0 --device 0 --type hdd "
        f"--medium {_sh(str(disk))}",
        f"VBoxManage startvm {vm} --type headless",
    ]
    notes = [
        QT_TRANSLATE_NOOP(
            "VmCommands",
            "The Intel PRO/1000 MT adapter (82540EM) is the one the OEM drivers support.",
        ),
    ]
    if firmware is Firmware.UEFI:
        notes.append(
            QT_TRANSLATE_NOOP(
                "VmCommands", "EFI is switched on because the disk is a UEFI (GPT) disk."
            )
        )
    if static_ip:
        notes.append(
            QT_TRANSLATE_NOOP(
                "VmCommands",
                "The host-only network must be in the same subnet as the static address "
                "(VirtualBox's default host-only network is {0}).",
            ).format("192.168.56.0/24")
        )
    else:
        notes.append(_forwarded("127.0.0.1:55985"))
    return VmCommands("VirtualBox", "Command Prompt or shell", "\n".join(lines), tuple(notes))


def _hyperv(name: str, disk: Path, generation: int, memory: int, cpus: int) -> VmCommands:
    vm = _ps(name)
    windows_disk = _ps(str(PureWindowsPath(str(disk))))
    lines = [
        f"New-VM -Name {vm} -Generation {generation} -MemoryStartupBytes {memory}MB "
        f"-VHDPath {windows_disk}",
        f"Set-VMProcessor -VMName {vm} -Count {cpus}",
    ]
    if generation == 2:
        lines.append(
            f"Set-VMFirmware -VMName {vm} -EnableSecureBoot On -SecureBootTemplate MicrosoftWindows"
        )
    lines += [
        f"Connect-VMNetworkAdapter -VMName {vm} -SwitchName {_ps(HYPERV_SWITCH)}",
        f"Start-VM -Name {vm}",
    ]
    notes = (
        QT_TRANSLATE_NOOP(
            "VmCommands",
            "Run in an elevated PowerShell on the Hyper-V host, with the disk copied there "
            "(change the path if it differs).",
        ),
        QT_TRANSLATE_NOOP(
            "VmCommands",
            "An Internal switch has no DHCP: use a static address, or a switch with DHCP "
            "such as {0}.",
        ).format(repr(HYPERV_SWITCH)),
    )
    return VmCommands(f"Hyper-V (Generation {generation})", "PowerShell", "\n".join(lines), notes)


def _qemu(name: str, disk: Path, firmware: Firmware, memory: int, cpus: int) -> VmCommands:
    fmt = "vhdx" if disk.suffix.lower() == ".vhdx" else "vpc"
    vars_file = disk.with_name(f"{disk.stem}-OVMF_VARS.fd")
    lines = []
    firmware_args = []
    if firmware is Firmware.UEFI:
        lines.append(f"cp /usr/share/OVMF/OVMF_VARS_4M.fd {_sh(str(vars_file))}")
        firmware_args = [
            "  -drive if=pflash,format=raw,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd \\",
            f"  -drive if=pflash,format=raw,file={_sh(str(vars_file))} \\",
        ]
    lines += [
        f"qemu-system-x86_64 -name {_sh(name)} -machine q35,accel=kvm -cpu host "
        f"-m {memory} -smp {cpus} \\",
        *firmware_args,
        f"  -drive file={_sh(str(disk))},format={fmt},if=none,id=disk0 \\",
        "  -device ahci,id=ahci -device ide-hd,drive=disk0,bus=ahci.0 \\",
        "  -netdev user,id=net0,hostfwd=tcp:127.0.0.1:55985-:5985 -device e1000,netdev=net0",
    ]
    notes = (
        QT_TRANSLATE_NOOP(
            "VmCommands",
            "Nano Server has no virtio drivers: the disk is on SATA (AHCI) and the adapter is "
            "an e1000, both covered by the OEM drivers.",
        ),
        _forwarded("127.0.0.1:55985"),
    )
    return VmCommands("KVM / QEMU", "shell", "\n".join(lines), notes)


def _vmware(name: str, disk: Path, firmware: Firmware, memory: int, cpus: int) -> VmCommands:
    vmdk = disk.with_suffix(".vmdk")
    vmx = disk.with_suffix(".vmx")
    settings = [
        '.encoding = "UTF-8"',
        'config.version = "8"',
        'virtualHW.version = "14"',
        f'displayName = "{name}"',
        'guestOS = "windows9srv-64"',
        f'firmware = "{"efi" if firmware is Firmware.UEFI else "bios"}"',
        f'memsize = "{memory}"',
        f'numvcpus = "{cpus}"',
        'sata0.present = "TRUE"',
        'sata0:0.present = "TRUE"',
        f'sata0:0.fileName = "{vmdk.name}"',
        'ethernet0.present = "TRUE"',
        'ethernet0.virtualDev = "e1000"',
        'ethernet0.connectionType = "nat"',
    ]
    lines = [f"qemu-img convert -p -O vmdk {_sh(str(disk))} {_sh(str(vmdk))}"]
    lines += [f"echo {_sh(setting)} >> {_sh(str(vmx))}" for setting in settings]
    notes = (
        QT_TRANSLATE_NOOP(
            "VmCommands",
            "VMware does not open VHD/VHDX files: the first command converts the disk to VMDK.",
        ),
        QT_TRANSLATE_NOOP("VmCommands", "Then open the .vmx file in VMware Workstation or Player."),
    )
    return VmCommands("VMware", "shell", "\n".join(lines), notes)


def _physical(name: str, disk: Path) -> VmCommands:
    target = PureWindowsPath("C:\\") / disk.name
    vhd = f"vhd=[C:]\\{disk.name}"
    lines = [
        f"rem Copy {disk.name} to {target}, then in an elevated Command Prompt:",
        f'bcdedit /copy {{current}} /d "{name} (Nano Server)"',
        "rem bcdedit prints the new entry's {GUID}; use it below.",
        f"bcdedit /set {{GUID}} device {vhd}",
        f"bcdedit /set {{GUID}} osdevice {vhd}",
        "bcdedit /set {GUID} detecthal on",
    ]
    notes = (
        QT_TRANSLATE_NOOP(
            "VmCommands",
            "This boots the machine from the disk file (native VHD boot): the machine must "
            "already run Windows and boot in UEFI mode for a UEFI disk.",
        ),
    )
    return VmCommands("Physical machine (boot from VHD)", "Command Prompt", "\n".join(lines), notes)
