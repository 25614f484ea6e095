"""FAKE Windows PowerShell with a FAKE Hyper-V, for tests: reads the script on stdin
(``-Command -``), runs the statements NanoStudio's Hyper-V scripts are made of, and
answers as PowerShell 5.1 on Windows 10 does, error records included.

The simulated host is ``$NANOSTUDIO_FAKE_STATE/hyperv.json``: ``enabled`` (the Hyper-V
module exists), ``elevated``, ``vms``, ``switches``, ``host_addresses``.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any

from tests.support.windows_fakes import fakecore

TOOL = "powershell"


class Failed(Exception):
    pass


def error_record(command: str, message: str, category: str, error_id: str, line: str) -> str:
    return (
        f"{command} : {message}\r\n"
        "At line:1 char:1\r\n"
        f"+ {line}\r\n"
        f"+ {'~' * min(len(line), 60)}\r\n"
        f"    + CategoryInfo          : {category}\r\n"
        f"    + FullyQualifiedErrorId : {error_id}\r\n"
        " \r\n"
    )


def not_recognized(cmdlet: str, line: str) -> str:
    return error_record(
        cmdlet,
        f"The term '{cmdlet}' is not recognized as the name of a cmdlet, function, script "
        "file, or operable program. Check the spelling of the name, or if a path was "
        "included, verify that the path is correct and try again.",
        f"ObjectNotFound: ({cmdlet}:String) [], CommandNotFoundException",
        "CommandNotFoundException",
        line,
    )


def quoted(name: str, line: str) -> str:
    match = re.search(rf"-{name} '((?:[^']|'')*)'", line)
    if match is None:
        raise ValueError(f"no -{name} in {line}")
    return match.group(1).replace("''", "'")


def main() -> int:
    text = sys.stdin.read()
    fakecore.journal({"tool": TOOL, "argv": sys.argv[1:], "script": text})
    state: dict[str, Any] = fakecore.load_state("hyperv")
    state.setdefault("enabled", True)
    state.setdefault("elevated", True)
    state.setdefault("vms", {})
    state.setdefault("switches", {})
    state.setdefault("host_addresses", [])
    try:
        for line in text.splitlines():
            code = run_line(line.strip(), state)
            if code is not None:
                return code
        return 0
    except Failed as failure:
        sys.stderr.write(str(failure))
        return 1
    finally:
        fakecore.save_state("hyperv", state)


def no_vm(cmdlet: str, name: str, line: str) -> Failed:
    return Failed(
        error_record(
            cmdlet,
            f'Hyper-V was unable to find a virtual machine with name "{name}".',
            f"InvalidArgument: ({name}:String) [{cmdlet}], VirtualizationException",
            f"InvalidParameter,Microsoft.HyperV.PowerShell.Commands.{cmdlet.replace('-', '')}",
            line,
        )
    )


def run_line(line: str, state: dict[str, Any]) -> int | None:
    vms: dict[str, Any] = state["vms"]
    if not line or line.startswith("$ErrorActionPreference") or line.startswith("$principal ="):
        return None
    cmdlet = line.split()[0]
    hyperv_cmdlet = re.match(r"\(?(New-VM|Get-VM|Set-VM|Start-VM|Stop-VM|Remove-VM)\b", line)
    if "Get-Command New-VM" in line:
        if not state["enabled"]:
            print("NANOSTUDIO:NO-HYPERV")
            return 3
        return None
    if "IsInRole" in line:
        if not state["elevated"]:
            print("NANOSTUDIO:NOT-ELEVATED")
            return 4
        return None
    if not state["enabled"] and (hyperv_cmdlet or "VMSwitch" in line):
        word = hyperv_cmdlet.group(1) if hyperv_cmdlet else "New-VMSwitch"
        raise Failed(not_recognized(word, line))
    if line.startswith("Get-NetIPAddress"):
        print(json.dumps(state["host_addresses"], separators=(",", ":")))
        return None
    if line.startswith("if (-not (Get-VMSwitch"):
        if quoted("Name", line) not in state["switches"]:
            print("NANOSTUDIO:NO-SWITCH")
            return 6
        return None
    if line.startswith("New-VMSwitch"):
        state["switches"][quoted("Name", line)] = "Internal"
        return None
    if line.startswith("New-NetIPAddress"):
        alias = quoted("InterfaceAlias", line)
        address = re.search(r"-IPAddress (\S+)", line).group(1)  # type: ignore[union-attr]
        prefix = int(re.search(r"-PrefixLength (\d+)", line).group(1))  # type: ignore[union-attr]
        state["host_addresses"].append(
            {"InterfaceAlias": alias, "IPAddress": address, "PrefixLength": prefix}
        )
        return None
    if line.startswith("if (Get-VM"):
        if quoted("Name", line) in vms:
            print("NANOSTUDIO:NAME-TAKEN")
            return 5
        return None
    if cmdlet == "New-VM":
        if not state["elevated"]:
            raise Failed(
                error_record(
                    "New-VM",
                    "You do not have the required permission to complete this task. Contact "
                    "the administrator of the authorization policy for the computer 'HOST'.",
                    "PermissionDenied: (:) [New-VM], VirtualizationException",
                    "AccessDenied,Microsoft.HyperV.PowerShell.Commands.NewVM",
                    line,
                )
            )
        switch = quoted("SwitchName", line)
        if switch not in state["switches"]:
            raise Failed(
                error_record(
                    "New-VM",
                    f'Hyper-V was unable to find a virtual switch with name "{switch}".',
                    f"InvalidArgument: ({switch}:String) [New-VM], VirtualizationException",
                    "InvalidParameter,Microsoft.HyperV.PowerShell.Commands.NewVM",
                    line,
                )
            )
        generation = int(re.search(r"-Generation (\d)", line).group(1))  # type: ignore[union-attr]
        vms[quoted("Name", line)] = {
            "state": "Off",
            "generation": generation,
            "disk": quoted("VHDPath", line),
            "switch": switch,
            "addresses": [],
        }
        return None
    name_match = re.search(r"-(?:VM)?Name '((?:[^']|'')*)'", line)
    name = name_match.group(1).replace("''", "'") if name_match else ""
    if name not in vms:
        raise no_vm(cmdlet.strip("("), name, line)
    vm = vms[name]
    if cmdlet in ("Set-VMProcessor", "Set-VMFirmware"):
        vm[cmdlet] = line
    elif cmdlet == "Start-VM":
        vm["state"] = "Running"
        vm["addresses"] = state.get("dhcp_addresses", [])
    elif cmdlet == "Stop-VM":
        vm["state"] = "Off"
    elif cmdlet == "Remove-VM":
        if vm["state"] == "Running":
            raise Failed(error_record("Remove-VM", "The VM is running.", "", "", line))
        del vms[name]
    elif line.startswith("(Get-VM "):
        print(vm["state"])
    elif line.startswith("(Get-VMNetworkAdapter"):
        print(json.dumps(vm["addresses"] + ["fe80::1234:5678:9abc:def0"]))
    else:
        raise Failed(not_recognized(cmdlet, line))
    return None


if __name__ == "__main__":
    sys.exit(main())
