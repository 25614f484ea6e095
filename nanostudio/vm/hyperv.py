"""Hyper-V through Windows PowerShell: ``New-VM -Generation 2``, ``Set-VMFirmware``,
``Start-VM``, on a switch that matches the image's address choice.

- A static address: an Internal switch whose host adapter (``vEthernet (NAME)``) has an
  address in the same subnet; found, or created only with the user's consent
  (``New-VMSwitch -SwitchType Internal`` plus ``New-NetIPAddress`` on the host side).
  An Internal switch has no DHCP, which is why the static address makes it reachable.
- DHCP: the 'Default Switch' (NAT with DHCP, Windows 10 1709 and later); the address
  is read from the integration services (``Get-VMNetworkAdapter``).

Each action is one PowerShell script, one statement per line, with
``$ErrorActionPreference = 'Stop'``; errors come back on stderr as PowerShell writes
them and are turned into plain words here.
"""

from __future__ import annotations

import ipaddress
import json
import shutil
from pathlib import PureWindowsPath
from typing import Any

from nanostudio.errors import ToolMissingError
from nanostudio.recipe.model import OutputFormat, Target
from nanostudio.vm import tools
from nanostudio.vm.devices import check_devices
from nanostudio.vm.model import (
    WINRM_GUEST_PORT,
    Hypervisor,
    StartResult,
    VmError,
    VmRecord,
    VmSpec,
    VmState,
    safe_folder_name,
)
from nanostudio.vm.network import Consent, HostInterface, host_address_for
from nanostudio.vm.store import vms_folder

DEFAULT_SWITCH = "Default Switch"
NEW_SWITCH = "NanoStudio"
NO_HYPERV = "NANOSTUDIO:NO-HYPERV"
NOT_ELEVATED = "NANOSTUDIO:NOT-ELEVATED"
NAME_TAKEN = "NANOSTUDIO:NAME-TAKEN"
NO_SWITCH = "NANOSTUDIO:NO-SWITCH"
HYPERV_ADMINISTRATORS_SID = "S-1-5-32-578"


def switch_of(interface: HostInterface) -> str | None:
    """``vEthernet (NAME)`` is the host side of the switch NAME."""
    if interface.name.startswith("vEthernet (") and interface.name.endswith(")"):
        return interface.name[len("vEthernet (") : -1]
    return None


def ps(value: str) -> str:
    """A single-quoted PowerShell string."""
    return "'" + value.replace("'", "''") + "'"


def find_powershell() -> str:
    for name in ("powershell.exe", "powershell"):
        found = shutil.which(name)
        if found:
            return found
    raise ToolMissingError(
        "Windows PowerShell was not found: Hyper-V VMs can only be made on Windows with "
        "Hyper-V enabled"
    )


def powershell_argv(powershell: str) -> list[str]:
    """The script goes on stdin: nothing of it (paths, names) is on the command line."""
    return [powershell, "-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass",
            "-Command", "-"]  # fmt: skip


def script(*lines: str) -> str:
    return "\n".join(["$ErrorActionPreference = 'Stop'", *lines, ""])


def preflight_script() -> str:
    return script(
        f"if (-not (Get-Command New-VM -ErrorAction SilentlyContinue)) {{ '{NO_HYPERV}'; exit 3 }}",
        "$principal = [Security.Principal.WindowsPrincipal]"
        "[Security.Principal.WindowsIdentity]::GetCurrent()",
        "if (-not ($principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator) "
        f"-or $principal.IsInRole('{HYPERV_ADMINISTRATORS_SID}'))) {{ '{NOT_ELEVATED}'; exit 4 }}",
    )


def host_addresses_script() -> str:
    return script(
        "Get-NetIPAddress -AddressFamily IPv4 | Select-Object InterfaceAlias, IPAddress, "
        "PrefixLength | ConvertTo-Json -Compress",
    )


def switch_exists_script(name: str) -> str:
    return script(
        f"if (-not (Get-VMSwitch -Name {ps(name)} -ErrorAction SilentlyContinue)) "
        f"{{ '{NO_SWITCH}'; exit 6 }}",
    )


def new_switch_script(name: str, host_address: str, prefix: int) -> str:
    return script(
        f"New-VMSwitch -Name {ps(name)} -SwitchType Internal | Out-Null",
        f"New-NetIPAddress -InterfaceAlias {ps(f'vEthernet ({name})')} -IPAddress "
        f"{host_address} -PrefixLength {prefix} | Out-Null",
    )


def create_script(
    *, name: str, disk: str, folder: str, switch: str, generation: int, memory_mib: int, cpus: int
) -> str:
    lines = [
        f"if (Get-VM -Name {ps(name)} -ErrorAction SilentlyContinue) {{ '{NAME_TAKEN}'; exit 5 }}",
        f"New-VM -Name {ps(name)} -Generation {generation} -MemoryStartupBytes {memory_mib}MB "
        f"-VHDPath {ps(disk)} -SwitchName {ps(switch)} -Path {ps(folder)} | Out-Null",
        f"Set-VMProcessor -VMName {ps(name)} -Count {cpus}",
    ]
    if generation == 2:
        lines.append(
            f"Set-VMFirmware -VMName {ps(name)} -EnableSecureBoot On "
            "-SecureBootTemplate MicrosoftWindows"
        )
    return script(*lines)


def _json_items(text: str) -> list[Any]:
    """ConvertTo-Json's output as a list: it writes one item bare, not in an array, and
    nothing at all for none."""
    text = text.strip()
    if not text:
        return []
    data = json.loads(text)
    return data if isinstance(data, list) else [data]


def parse_host_addresses(text: str) -> list[HostInterface]:
    items = _json_items(text)
    return [
        HostInterface(str(i["InterfaceAlias"]), str(i["IPAddress"]), str(int(i["PrefixLength"])))
        for i in items
    ]


def parse_vm_addresses(text: str) -> list[str]:
    """IPv4 addresses among ``(Get-VMNetworkAdapter).IPAddresses`` as JSON."""
    found = []
    for item in _json_items(text):
        try:
            if ipaddress.ip_address(str(item)).version == 4:
                found.append(str(item))
        except ValueError:
            continue
    return found


def explain(output: tools.Output, name: str) -> str:
    text = output.stdout + output.stderr
    lower = text.lower()
    if NO_HYPERV in text or "the term 'new-vm' is not recognized" in lower:
        return (
            "Hyper-V is not enabled on this computer: enable it (Windows Features > Hyper-V, "
            "or Enable-WindowsOptionalFeature -Online -FeatureName Microsoft-Hyper-V -All), "
            "restart, and try again."
        )
    if NOT_ELEVATED in text or "required permission" in lower:
        return (
            "Hyper-V refused: run NanoStudio as administrator, or join the 'Hyper-V "
            "Administrators' group and sign in again."
        )
    if NAME_TAKEN in text:
        return f"Hyper-V already has a VM named {name!r}: remove it or choose another name."
    if "unable to find a virtual machine" in lower:
        return f"Hyper-V has no VM named {name!r} (was it removed in Hyper-V Manager?)."
    return f"PowerShell failed: {_powershell_error(output)}"


def _powershell_error(output: tools.Output) -> str:
    """The first line of a PowerShell error record: ``Cmdlet : message``."""
    for line in output.stderr.splitlines():
        if line.strip() and not line.startswith(("At line", "+", " ")):
            return line.strip()
    return output.message


class HyperVBackend:
    hypervisor = Hypervisor.HYPERV

    def __init__(self, *, consent: Consent | None = None) -> None:
        self.consent = consent

    def _run(self, text: str, name: str) -> tools.Output:
        output = tools.run(powershell_argv(find_powershell()), stdin=text)
        if not output.ok:
            raise VmError(explain(output, name))
        return output

    def create(self, spec: VmSpec) -> VmRecord:
        fmt = spec.check_disk()
        generation = 1 if spec.target is Target.HYPERV_GEN1 else 2
        if generation == 2 and fmt is not OutputFormat.VHDX:
            raise VmError("A Hyper-V Generation 2 VM boots from a VHDX only: build a VHDX.")
        check_devices(Hypervisor.HYPERV, spec.target)
        self._run(preflight_script(), spec.name)
        switch, host = self._switch_for(spec)
        folder = vms_folder() / safe_folder_name(spec.name)
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            self._run(
                create_script(
                    name=spec.name,
                    disk=str(PureWindowsPath(spec.disk.resolve())),
                    folder=str(PureWindowsPath(folder)),
                    switch=switch,
                    generation=generation,
                    memory_mib=spec.memory_mib,
                    cpus=spec.cpus,
                ),
                spec.name,
            )
        except VmError:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        return VmRecord.made_from(
            spec,
            Hypervisor.HYPERV,
            folder=folder,
            host=host,
            port=WINRM_GUEST_PORT,
            files=(folder,),
        )

    def _switch_for(self, spec: VmSpec) -> tuple[str, str]:
        """(switch name, address to reach WinRM at; empty until DHCP gives one)."""
        net, address = spec.network.network, spec.network.address
        if net is None or address is None:
            output = tools.run(
                powershell_argv(find_powershell()), stdin=switch_exists_script(DEFAULT_SWITCH)
            )
            if not output.ok:
                raise VmError(
                    "The image gets its address from DHCP, but this Hyper-V has no 'Default "
                    "Switch' (it exists on Windows 10 1709 and later): build the image with a "
                    "static address, which NanoStudio reaches over an Internal switch."
                )
            return DEFAULT_SWITCH, ""
        listing = self._run(host_addresses_script(), spec.name).stdout
        for found in parse_host_addresses(listing):
            switch = switch_of(found)
            if switch and found.network == net and found.address != address:
                return switch, address
        host_address = host_address_for(spec.network)
        question = (
            f"Hyper-V has no Internal switch in {net}. Create the Internal switch "
            f"{NEW_SWITCH!r} with the address {host_address} on this computer?"
        )
        if self.consent is None or not self.consent(question):
            raise VmError(
                f"No Hyper-V switch reaches {net}, the subnet of the image's static address: "
                f"allow NanoStudio to create the Internal switch {NEW_SWITCH!r}, or create "
                "one yourself and give its vEthernet adapter an address in that subnet."
            )
        self._run(new_switch_script(NEW_SWITCH, host_address, net.prefixlen), spec.name)
        return NEW_SWITCH, address

    def start(self, record: VmRecord) -> StartResult:
        if self.status(record) is not VmState.RUNNING:
            self._run(script(f"Start-VM -Name {ps(record.name)}"), record.name)
        return StartResult(record)

    def status(self, record: VmRecord) -> VmState:
        output = tools.run(
            powershell_argv(find_powershell()),
            stdin=script(f"(Get-VM -Name {ps(record.name)}).State.ToString()"),
        )
        if not output.ok:
            if "unable to find a virtual machine" in (output.stdout + output.stderr).lower():
                return VmState.MISSING
            raise VmError(explain(output, record.name))
        return VmState.RUNNING if output.stdout.strip() == "Running" else VmState.STOPPED

    def addresses(self, record: VmRecord) -> list[str]:
        """What the integration services report (DHCP); the static address otherwise."""
        if record.network.address:
            return [record.network.address]
        output = self._run(
            script(
                f"(Get-VMNetworkAdapter -VMName {ps(record.name)}).IPAddresses | "
                "ConvertTo-Json -Compress"
            ),
            record.name,
        )
        return parse_vm_addresses(output.stdout)

    def stop(self, record: VmRecord, *, graceful_s: float = 60.0) -> VmRecord:
        if self.status(record) is VmState.RUNNING:
            how = "-Force" if graceful_s > 0 else "-TurnOff -Force"
            self._run(script(f"Stop-VM -Name {ps(record.name)} {how}"), record.name)
        return record

    def delete(self, record: VmRecord) -> None:
        """Remove-VM keeps the virtual disk: the built file is never deleted."""
        if self.status(record) is not VmState.MISSING:
            self.stop(record, graceful_s=0)
            self._run(script(f"Remove-VM -Name {ps(record.name)} -Force"), record.name)
        shutil.rmtree(record.folder, ignore_errors=True)
