"""VirtualBox through VBoxManage: EFI, the disk on SATA (Intel AHCI), an Intel PRO/1000 MT
(82540EM) on NAT with WinRM forwarded to a 127.0.0.1 port, started headless.

A disk whose build made the WinRM HTTPS certificate (its pin recorded, remote/disk_pins)
gets a second rule forwarding another 127.0.0.1 port to the guest's 5986, kept in the
record with the pin as for QEMU (vm/pins.py). Rule syntax from the VirtualBox manual
(VBoxManage modifyvm, networking settings): ``--natpf<N> name,tcp,hostip,hostport,
guestip,guestport``; one rule per modifyvm call, as Packer does. Unverified on
a real VirtualBox: tested through the fake VBoxManage (tests/support/vm_fakes).

A static address is reached by moving the NAT into its subnet (``--natnet1``) and naming
it as the forwarded port's guest side; a host-only network in the same subnet is the
other way, found among the existing ones or created only with the user's consent.
Deleting a VM detaches and forgets the disk first: ``unregistervm --delete`` would
otherwise delete the disk the user built.
"""

from __future__ import annotations

import re
import shutil
import sys
import time
from pathlib import Path

from nanostudio.errors import ToolMissingError
from nanostudio.recipe.model import OutputFormat
from nanostudio.vm import tools
from nanostudio.vm.devices import check_devices
from nanostudio.vm.model import (
    WINRM_GUEST_PORT,
    WINRM_HTTPS_GUEST_PORT,
    Hypervisor,
    StartResult,
    VmError,
    VmRecord,
    VmSpec,
    VmState,
    safe_folder_name,
)
from nanostudio.vm.network import (
    LOOPBACK,
    Consent,
    HostInterface,
    NatPlan,
    free_port,
    host_address_for,
    nat_plan,
    other_free_port,
)
from nanostudio.vm.store import vms_folder

VBOXMANAGE = "VBoxManage"
WINDOWS_PATH = Path(r"C:\Program Files\Oracle\VirtualBox\VBoxManage.exe")
CONTROLLER = "SATA"
WINRM_RULE = "winrm"
WINRM_HTTPS_RULE = "winrm-https"
# VirtualBox's NAT engine keeps .2 (gateway) and .3 (DNS) of its network for itself.
NAT_RESERVED = (2, 3)


def find_vboxmanage() -> str:
    found = shutil.which(VBOXMANAGE)
    if found is None and sys.platform == "win32" and WINDOWS_PATH.is_file():
        found = str(WINDOWS_PATH)
    if found is None:
        raise ToolMissingError(
            "VBoxManage was not found: install VirtualBox (virtualbox.org) or add its folder "
            "to PATH"
        )
    return found


def forward_rule(rule: str, host_port: int, nat: NatPlan, guest_port: int) -> str:
    """``name,tcp,hostip,hostport,guestip,guestport``; an empty guest IP: the DHCP guest."""
    return f"{rule},tcp,{LOOPBACK},{host_port},{nat.guest or ''},{guest_port}"


def nat_argv(vbox: str, name: str, port: int, nat: NatPlan) -> list[str]:
    argv = [vbox, "modifyvm", name, "--nic1", "nat", "--nictype1", "82540EM"]
    if nat.network is not None:
        argv += ["--natnet1", nat.network]
    argv += ["--natpf1", forward_rule(WINRM_RULE, port, nat, WINRM_GUEST_PORT)]
    return argv


def https_forward_argv(vbox: str, name: str, https_port: int, nat: NatPlan) -> list[str]:
    """The second NAT rule: a 127.0.0.1 port to the guest's WinRM HTTPS listener."""
    rule = forward_rule(WINRM_HTTPS_RULE, https_port, nat, WINRM_HTTPS_GUEST_PORT)
    return [vbox, "modifyvm", name, "--natpf1", rule]


def create_argvs(
    vbox: str,
    *,
    name: str,
    disk: Path,
    folder: Path,
    port: int,
    nat: NatPlan | None,
    hostonly: str | None = None,
    memory_mib: int = 1024,
    cpus: int = 2,
    https_port: int | None = None,
) -> list[list[str]]:
    """Every VBoxManage call that makes the VM, in order (pure: tested as is)."""
    argvs = [
        [
            vbox,
            "createvm",
            "--name",
            name,
            "--ostype",
            "Windows2016_64",
            "--basefolder",
            str(folder),
            "--register",
        ],
        [
            vbox,
            "modifyvm",
            name,
            "--memory",
            str(memory_mib),
            "--cpus",
            str(cpus),
            "--firmware",
            "efi",
            "--rtcuseutc",
            "off",
        ],
    ]
    if hostonly is not None:
        argvs.append(
            [
                vbox,
                "modifyvm",
                name,
                "--nic1",
                "hostonly",
                "--hostonlyadapter1",
                hostonly,
                "--nictype1",
                "82540EM",
            ]
        )
    else:
        assert nat is not None
        argvs.append(nat_argv(vbox, name, port, nat))
        if https_port is not None:
            argvs.append(https_forward_argv(vbox, name, https_port, nat))
    argvs += [
        [vbox, "storagectl", name, "--name", CONTROLLER, "--add", "sata", "--controller",
         "IntelAhci", "--portcount", "1", "--bootable", "on"],
        [vbox, "storageattach", name, "--storagectl", CONTROLLER, "--port", "0", "--device",
         "0", "--type", "hdd", "--medium", str(disk)],
    ]  # fmt: skip
    return argvs


def parse_machine_state(text: str) -> str | None:
    """``VMState="running"`` from ``showvminfo --machinereadable``."""
    match = re.search(r'^VMState="([^"]*)"', text, re.M)
    return match.group(1) if match else None


def parse_hostonlyifs(text: str) -> list[HostInterface]:
    """``VBoxManage list hostonlyifs``: blocks of ``Key:   value`` lines."""
    found = []
    for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n")):
        fields = dict(
            (key.strip(), value.strip())
            for key, _, value in (line.partition(":") for line in block.splitlines())
            if value
        )
        if "Name" in fields and "IPAddress" in fields and "NetworkMask" in fields:
            found.append(HostInterface(fields["Name"], fields["IPAddress"], fields["NetworkMask"]))
    return found


def _explain(output: tools.Output, name: str) -> str:
    text = output.stderr + output.stdout
    if "already exists" in text and "settings file" in text.lower():
        return (
            f"VirtualBox already has a VM named {name!r}: delete it in VirtualBox or choose "
            "another name."
        )
    if "could not find a registered machine" in text.lower():
        return f"VirtualBox has no VM named {name!r} (was it deleted in VirtualBox?)."
    if "nonexistent host networking interface" in text.lower():
        return (
            "The VirtualBox host-only network named for this VM does not exist: create it in "
            "VirtualBox (File > Tools > Network Manager) or let NanoStudio create one."
        )
    if "vt-x" in text.lower() or "amd-v" in text.lower():
        return (
            "VirtualBox cannot use hardware virtualisation: enable VT-x/AMD-V in the firmware "
            "and make sure no other hypervisor holds it. VBoxManage said: " + output.message
        )
    return f"VBoxManage {output.argv[1] if len(output.argv) > 1 else ''} failed: {output.message}"


class VirtualBoxBackend:
    hypervisor = Hypervisor.VIRTUALBOX

    def __init__(self, *, network: str = "nat", consent: Consent | None = None) -> None:
        self.network = network  # "nat" (forwarded port) or "hostonly" (the static address)
        self.consent = consent

    def _vbox(self) -> str:
        return find_vboxmanage()

    def _run(self, argv: list[str], name: str) -> tools.Output:
        output = tools.run(argv)
        if not output.ok:
            raise VmError(_explain(output, name))
        return output

    def create(self, spec: VmSpec) -> VmRecord:
        fmt = spec.check_disk()
        if fmt is OutputFormat.VHDX:
            raise VmError(
                "VirtualBox cannot write to a VHDX (its VHDX support is read-only): build a "
                "VHD for VirtualBox."
            )
        check_devices(Hypervisor.VIRTUALBOX, spec.target)
        vbox = self._vbox()
        folder = vms_folder() / safe_folder_name(spec.name)
        hostonly: str | None = None
        nat: NatPlan | None = None
        host, port = LOOPBACK, free_port()
        https_port: int | None = None  # host-only: the build's own pins name the address
        if self.network == "hostonly":
            if spec.network.address is None:
                raise VmError("A host-only network needs a static address in the image.")
            hostonly = self._hostonly_for(spec, vbox)
            host, port = spec.network.address, WINRM_GUEST_PORT
        else:
            nat = nat_plan(spec.network)
            net = spec.network.network
            address = spec.network.address
            if net is not None and address is not None:
                reserved = {str(net.network_address + n) for n in NAT_RESERVED}
                if address in reserved:
                    raise VmError(
                        f"VirtualBox's NAT keeps {address} for itself: give the image "
                        "another static address or use a host-only network."
                    )
            if spec.https_pin:
                https_port = other_free_port(port)
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        argvs = create_argvs(
            vbox,
            name=spec.name,
            disk=spec.disk.resolve(),
            folder=folder,
            port=port,
            nat=nat,
            hostonly=hostonly,
            memory_mib=spec.memory_mib,
            cpus=spec.cpus,
            https_port=https_port,
        )
        record = VmRecord.made_from(
            spec,
            Hypervisor.VIRTUALBOX,
            folder=folder,
            host=host,
            port=port,
            files=(folder / spec.name,),
            https_port=https_port,
        )
        for index, argv in enumerate(argvs):
            output = tools.run(argv)
            if not output.ok:
                if index > 0:  # the VM exists: take it away again, disk detached first
                    self._unregister(record, vbox, attached=index >= len(argvs) - 1)
                shutil.rmtree(folder, ignore_errors=True)
                raise VmError(_explain(output, spec.name))
        return record

    def _hostonly_for(self, spec: VmSpec, vbox: str) -> str:
        net = spec.network.network
        assert net is not None
        listing = self._run([vbox, "list", "hostonlyifs"], spec.name).stdout
        for interface in parse_hostonlyifs(listing):
            if interface.network == net:
                return interface.name
        question = (
            f"VirtualBox has no host-only network in {net}. Create one (the host gets "
            f"{host_address_for(spec.network)})?"
        )
        if self.consent is None or not self.consent(question):
            raise VmError(
                f"VirtualBox has no host-only network in {net}, which the image's static "
                "address needs: create one in VirtualBox (File > Tools > Network Manager), "
                "allow NanoStudio to create it, or use NAT with a forwarded port."
            )
        created = self._run([vbox, "hostonlyif", "create"], spec.name).stdout
        match = re.search(r"Interface '([^']+)' was successfully created", created)
        if match is None:
            raise VmError(f"VBoxManage did not say which host-only network it created: {created}")
        name = match.group(1)
        self._run(
            [vbox, "hostonlyif", "ipconfig", name, "--ip", host_address_for(spec.network),
             "--netmask", str(net.netmask)],
            spec.name,
        )  # fmt: skip
        return name

    def start(self, record: VmRecord) -> StartResult:
        if self.status(record) is not VmState.RUNNING:
            self._run([self._vbox(), "startvm", record.name, "--type", "headless"], record.name)
        return StartResult(record)

    def status(self, record: VmRecord) -> VmState:
        output = tools.run([self._vbox(), "showvminfo", record.name, "--machinereadable"])
        if not output.ok:
            if "could not find a registered machine" in (output.stderr + output.stdout).lower():
                return VmState.MISSING
            raise VmError(_explain(output, record.name))
        state = parse_machine_state(output.stdout)
        return VmState.RUNNING if state in ("running", "starting", "paused") else VmState.STOPPED

    def stop(self, record: VmRecord, *, graceful_s: float = 60.0) -> VmRecord:
        vbox = self._vbox()
        if self.status(record) is not VmState.RUNNING:
            return record
        if graceful_s > 0:
            tools.run([vbox, "controlvm", record.name, "acpipowerbutton"])
            deadline = time.monotonic() + graceful_s
            while time.monotonic() < deadline:
                if self.status(record) is not VmState.RUNNING:
                    return record
                time.sleep(1.0)
        self._run([vbox, "controlvm", record.name, "poweroff"], record.name)
        return record

    def delete(self, record: VmRecord) -> None:
        vbox = self._vbox()
        if self.status(record) is not VmState.MISSING:
            self.stop(record, graceful_s=0)
            self._unregister(record, vbox, attached=True)
        shutil.rmtree(record.folder, ignore_errors=True)

    def _unregister(self, record: VmRecord, vbox: str, *, attached: bool) -> None:
        """Detach and forget the disk (never delete it), then unregister and delete the VM."""
        if attached:
            tools.run(
                [vbox, "storageattach", record.name, "--storagectl", CONTROLLER, "--port", "0",
                 "--device", "0", "--medium", "none"]
            )  # fmt: skip
            tools.run([vbox, "closemedium", "disk", str(record.disk)])
        self._run([vbox, "unregistervm", record.name, "--delete"], record.name)
