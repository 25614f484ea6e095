"""FAKE VBoxManage for tests: replays what VirtualBox 7.0's VBoxManage prints, errors included.

A tiny simulated VirtualBox (registered VMs, host-only interfaces, the media registry)
lives in ``$NANOSTUDIO_FAKE_STATE/vbox.json``; every call goes to the journal
(``fakecore``). ``NANOSTUDIO_FAKE_FAIL=vboxmanage|startvm|vt-x`` makes startvm fail the
way a host without VT-x does.
"""

from __future__ import annotations

import sys
import uuid
from pathlib import Path
from typing import Any

from tests.support.windows_fakes import fakecore

TOOL = "vboxmanage"


def err(*lines: str) -> int:
    for line in lines:
        sys.stderr.write(f"VBoxManage: error: {line}\n")
    return 1


def not_found(name: str) -> int:
    return err(
        f"Could not find a registered machine named '{name}'",
        "Details: code VBOX_E_OBJECT_NOT_FOUND (0x80bb0001), component VirtualBoxWrap, "
        "interface IVirtualBox, callee nsISupports",
        'Context: "FindMachine(Bstr(VMNameOrUuid).raw(), machine.asOutParam())" at line 2883 '
        "of file VBoxManageInfo.cpp",
    )


def add_forwarding(vm: dict[str, Any], rule: str) -> int:
    """``modifyvm --natpf1 name,tcp,hostip,hostport,guestip,guestport`` (VirtualBox manual,
    VBoxManage modifyvm networking settings); refused as VirtualBox's NAT engine refuses
    a second rule of one name or host port (the wording Vagrant users recorded)."""
    fields = rule.split(",")
    if len(fields) != 6 or fields[1] not in ("tcp", "udp") or not fields[3].isdigit():
        return err(f"FAKE VBoxManage: not a NAT rule the fake understands: {rule!r}")
    rules: list[str] = vm.setdefault("forwarding", [])
    for existing in (r.split(",") for r in rules):
        if existing[0] == fields[0]:
            problem = "A NAT rule of this name already exists"
        elif existing[1:4] == fields[1:4]:
            problem = "A NAT rule for this host port and this host IP already exists"
        else:
            continue
        return err(
            problem,
            "Details: code NS_ERROR_INVALID_ARG (0x80070057), component NATEngineWrap, "
            "interface INATEngine, callee nsISupports",
            'Context: "AddRedirect(Bstr(strName).raw(), proto, Bstr(strHostIp).raw(), '
            "RTStrToUInt16(strHostPort), Bstr(strGuestIp).raw(), "
            'RTStrToUInt16(strGuestPort))" at line 1923 of file VBoxManageModifyVM.cpp',
        )
    rules.append(rule)
    return 0


def options(words: list[str]) -> dict[str, str]:
    found = {}
    for index, word in enumerate(words):
        if word.startswith("--"):
            nxt = words[index + 1] if index + 1 < len(words) else ""
            found[word] = "" if nxt.startswith("--") else nxt
    return found


def main(argv: list[str]) -> int:
    fakecore.journal({"tool": TOOL, "argv": argv})
    state: dict[str, Any] = fakecore.load_state("vbox") or {"vms": {}, "hostonlyifs": []}
    try:
        return dispatch(argv, state)
    finally:
        fakecore.save_state("vbox", state)


def dispatch(argv: list[str], state: dict[str, Any]) -> int:
    verb, rest = argv[0], argv[1:]
    vms: dict[str, Any] = state["vms"]
    opts = options(rest)
    injected = fakecore.failure(TOOL, " ".join(argv))
    if verb == "createvm":
        name = opts["--name"]
        settings = Path(opts.get("--basefolder", "/root/VirtualBox VMs")) / name / f"{name}.vbox"
        if name in vms:
            return err(
                f"Machine settings file '{settings}' already exists",
                "Details: code VBOX_E_FILE_ERROR (0x80bb0004), component MachineWrap, "
                "interface IMachine, callee nsISupports",
                'Context: "CreateMachine(bstrSettingsFile.raw(), bstrName.raw(), '
                "ComSafeArrayAsInParam(groups), bstrOsTypeId.raw(), createFlags.raw(), "
                'machine.asOutParam())" at line 325 of file VBoxManageMisc.cpp',
            )
        vms[name] = {"state": "poweroff", "settings": str(settings), "modify": {}, "disk": None}
        print(f"Virtual machine '{name}' is created and registered.")
        print(f"UUID: {uuid.uuid4()}")
        print(f"Settings file: '{settings}'")
        return 0
    if verb == "list" and rest == ["hostonlyifs"]:
        for interface in state["hostonlyifs"]:
            print(f"Name:            {interface['name']}")
            print(f"GUID:            {uuid.uuid4()}")
            print("DHCP:            Disabled")
            print(f"IPAddress:       {interface['ip']}")
            print(f"NetworkMask:     {interface['netmask']}")
            print("IPV6Address:     ")
            print("IPV6NetworkMaskPrefixLength: 0")
            print("HardwareAddress: 0a:00:27:00:00:00")
            print("MediumType:      Ethernet")
            print("Wireless:        No")
            print("Status:          Up")
            print(f"VBoxNetworkName: HostInterfaceNetworking-{interface['name']}")
            print()
        return 0
    if verb == "hostonlyif" and rest[:1] == ["create"]:
        name = f"vboxnet{len(state['hostonlyifs'])}"
        state["hostonlyifs"].append({"name": name, "ip": "", "netmask": ""})
        sys.stdout.write("0%...10%...20%...30%...40%...50%...60%...70%...80%...90%...100%\n")
        print(f"Interface '{name}' was successfully created")
        return 0
    if verb == "hostonlyif" and rest[:1] == ["ipconfig"]:
        for interface in state["hostonlyifs"]:
            if interface["name"] == rest[1]:
                interface["ip"], interface["netmask"] = opts["--ip"], opts["--netmask"]
        return 0
    if verb == "closemedium":
        return 0
    name = rest[0] if rest else ""
    vm = vms.get(name)
    if vm is None:
        return not_found(name)
    if verb == "modifyvm":
        rule = opts.pop("--natpf1", None)
        vm["modify"].update(opts)
        return add_forwarding(vm, rule) if rule is not None else 0
    if verb == "storagectl":
        vm["controller"] = opts
        return 0
    if verb == "storageattach":
        medium = opts.get("--medium")
        vm["disk"] = None if medium == "none" else medium
        return 0
    if verb == "showvminfo":
        print(f'name="{name}"')
        print('ostype="Windows Server 2016 (64-bit)"')
        print(f'CfgFile="{vm["settings"]}"')
        print(f'VMState="{vm["state"]}"')
        print('VMStateChangeTime="2026-12-06T10:00:00.000000000"')
        for index, rule in enumerate(vm.get("forwarding", [])):
            print(f'Forwarding({index})="{rule}"')
        return 0
    if verb == "startvm":
        if injected is not None:
            print(f'Waiting for VM "{name}" to power on...')
            return err(
                "VT-x is not available (VERR_VMX_NO_VMX)",
                "Details: code NS_ERROR_FAILURE (0x80004005), component ConsoleWrap, "
                "interface IConsole",
            )
        adapter = vm["modify"].get("--hostonlyadapter1")
        if adapter and adapter not in [i["name"] for i in state["hostonlyifs"]]:
            print(f'Waiting for VM "{name}" to power on...')
            return err(
                f"Failed to open a session for the virtual machine {name}.",
                f"Nonexistent host networking interface, name '{adapter}' (VERR_INTERNAL_ERROR).",
            )
        vm["state"] = "running"
        print(f'Waiting for VM "{name}" to power on...')
        print(f'VM "{name}" has been successfully started.')
        return 0
    if verb == "controlvm":
        action = rest[1]
        if vm["state"] != "running":
            return err(f"Machine '{name}' is not currently running")
        if action == "poweroff":
            sys.stdout.write("0%...10%...20%...30%...40%...50%...60%...70%...80%...90%...100%\n")
            vm["state"] = "poweroff"
        return 0  # acpipowerbutton: the guest takes its time (this one never reacts)
    if verb == "unregistervm":
        if vm["state"] == "running":
            return err(f"Cannot unregister the machine '{name}' while it is locked")
        if vm["disk"] is not None and "--delete" in rest:
            state.setdefault("deleted_media", []).append(vm["disk"])
        del vms[name]
        return 0
    return err(f"Unknown fake command {verb}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
