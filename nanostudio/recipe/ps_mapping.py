"""Maps a New-/Edit-NanoServerImage call's parameters to recipe fields.

Kept apart from the PowerShell reader (``ps_parse``) because this is NanoStudio's
knowledge of the module: which parameter fills which recipe field, which ones are
ignored or not offered and why. Nothing is dropped silently: every parameter that
cannot be mapped becomes an ``Unmapped`` with its reason.
"""

from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nanostudio.catalogue import find_package, not_offered
from nanostudio.recipe.copies import destination_problem, normalize_destination
from nanostudio.recipe.model import NetworkSpec
from nanostudio.recipe.powershell import ROOT_DESTINATION, vlan_command
from nanostudio.recipe.ps_parse import _IsoMount, _Prompted, _Unresolved


@dataclass(frozen=True)
class Unmapped:
    """A parameter (or value) the recipe cannot hold, and why."""

    parameter: str
    reason: str

    def __str__(self) -> str:
        return f"{self.parameter}: {self.reason}"


_SWITCH_PACKAGES = {
    "compute": "Compute",
    "containers": "Containers",
    "defender": "Defender",
    "clustering": "FailoverCluster",
    "storage": "Storage",
}
_SWITCH_SETTINGS = {  # switches that set one recipe value to true or false
    "oemdrivers": ("drivers", "oem"),
    "enableremotemanagementport": ("network", "winrm"),
    "enableems": ("boot", "ems"),
}
_IGNORED = {
    "basepath": "NanoStudio copies what it needs into its own temporary folder",
    "administratorpassword": "the password is never stored in a recipe: it is asked for (or "
    "read from NANOSTUDIO_ADMIN_PASSWORD) when you build",
    "logpath": "NanoStudio keeps its own build log",
    **{
        common: "a PowerShell common parameter: nothing to build"
        for common in (
            "verbose",
            "debug",
            "erroraction",
            "errorvariable",
            "warningaction",
            "warningvariable",
            "informationaction",
            "informationvariable",
            "outvariable",
            "outbuffer",
            "pipelinevariable",
        )
    },
}
_NOT_SUPPORTED = {
    "domainname": (
        "an import does not harvest a blob: on a domain-joined Windows machine run "
        "nanostudio recipe djoin RECIPE --domain D (or djoin /provision) and set "
        "system.domain_blob"
    ),
    "reusedomainnode": "give nanostudio recipe djoin its --reuse option instead "
    "(-DomainName is not harvested on import)",
    "development": "development mode (test signing, debugger) is not offered",
    "offlinescriptpath": "offline scripts are not run by NanoStudio",
    "offlinescriptargument": "offline scripts are not run by NanoStudio",
    "internal": "an undocumented parameter of the module",
    "debugremoteip": "network (KDNET) debugging is not offered",
    "debugport": "network (KDNET) debugging is not offered",
    "debugkey": "network (KDNET) debugging is not offered",
    "debugbusparams": "network (KDNET) debugging is not offered",
    "debugchannel": "1394 debugging is not offered",
    "debugtargetname": "USB debugging is not offered",
    "guestdrivers": "a preview-build switch: use -DeploymentType Guest",
}


@dataclass
class RecipeDraft:
    """The recipe tables an import fills in, with what it refused and noted on the way."""

    command: str
    base: Path
    data: dict[str, dict[str, Any]] = field(default_factory=dict)
    unmapped: list[Unmapped] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    shorts: list[str] = field(default_factory=list)

    def set(self, table: str, key: str, value: Any) -> None:
        self.data.setdefault(table, {})[key] = value

    def refuse(self, parameter: str, reason: str) -> None:
        self.unmapped.append(Unmapped(parameter, reason))


def host_path(text: str) -> str:
    """A Windows path as this machine writes it (``C:\\x`` stays ``C:/x`` off Windows)."""
    return text if os.name == "nt" else text.replace("\\", "/")


def _texts(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _text(mapping: RecipeDraft, parameter: str, value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    mapping.refuse(parameter, _unresolved_reason(value))
    return None


def _unresolved_reason(value: Any) -> str:
    if isinstance(value, _Unresolved):
        return f"its value {value.text} is computed by the script: write the value itself"
    if isinstance(value, _Prompted):
        return "its value is asked for when the script runs: write the value itself"
    if isinstance(value, list):
        return "expected one value, got a list"
    return f"unexpected value {value!r}"


def _paths(mapping: RecipeDraft, parameter: str, value: Any) -> list[str]:
    paths = []
    for item in _texts(value):
        text = _text(mapping, parameter, item)
        if text is not None:
            paths.append(host_path(text))
    return paths


def map_parameter(mapping: RecipeDraft, name: str, value: Any) -> None:
    key = name.lower()
    parameter = "-" + name
    if key in _IGNORED:
        mapping.notes.append(f"{parameter} ignored: {_IGNORED[key]}")
    elif key in _NOT_SUPPORTED:
        mapping.refuse(parameter, _NOT_SUPPORTED[key])
    elif key == "reverseforwarders":
        entry = not_offered("ReverseForwarders")
        assert entry is not None
        mapping.refuse(parameter, f"not offered: {entry.reason}")
    elif key in _SWITCH_PACKAGES:
        if value is True:
            mapping.shorts.append(_SWITCH_PACKAGES[key])
        elif value is not False:
            mapping.refuse(parameter, _unresolved_reason(value))
    elif key in _SWITCH_SETTINGS:
        table, field_name = _SWITCH_SETTINGS[key]
        if isinstance(value, bool):
            mapping.set(table, field_name, value)
        else:
            mapping.refuse(parameter, _unresolved_reason(value))
    elif key in ("package", "setupui"):
        _map_packages(mapping, parameter, value, capability=key == "setupui")
    elif key in _SIMPLE:
        table, field_name = _SIMPLE[key]
        text = _text(mapping, parameter, value)
        if text is not None:
            mapping.set(table, field_name, text)
    elif key in _INTEGERS:
        table, field_name = _INTEGERS[key]
        if isinstance(value, int) and not isinstance(value, bool):
            mapping.set(table, field_name, value)
        elif isinstance(value, str) and value.strip().isdigit():
            mapping.set(table, field_name, int(value))
        else:
            mapping.refuse(parameter, f"expected a whole number, got {value!r}")
    else:
        _map_other(mapping, key, parameter, value)


_SIMPLE = {
    "computername": ("system", "computer_name"),
    "interfacenameorindex": ("network", "interface"),
    "ipv4gateway": ("network", "gateway"),
    "ipv6address": ("network", "ipv6"),
    "edition": ("source", "edition"),
    "deploymenttype": ("source", "deployment"),
}
_INTEGERS = {
    "emsport": ("boot", "ems_port"),
    "emsbaudrate": ("boot", "ems_baud"),
    "debugcomport": ("boot", "debug_port"),
    "debugbaudrate": ("boot", "debug_baud"),
}


def _map_other(mapping: RecipeDraft, key: str, parameter: str, value: Any) -> None:
    if key == "mediapath":
        if isinstance(value, _IsoMount):
            mapping.set("source", "media", host_path(value.iso))
        elif isinstance(value, _Prompted):
            mapping.notes.append(
                "-MediaPath is asked for when the script runs: the recipe names "
                "no media (choose it in the wizard or set source.media)"
            )
        else:
            text = _text(mapping, parameter, value)
            if text is not None:
                mapping.set("source", "media", host_path(text))
    elif key == "targetpath":
        paths = _paths(mapping, parameter, value)
        if paths and mapping.command == "Edit-NanoServerImage":
            # The image to edit; NanoStudio writes the result to a new file (output.path).
            mapping.set("edit", "image", paths[0])
        elif paths:
            mapping.set("output", "path", paths[0])
    elif key == "maxsize":
        if isinstance(value, int) and not isinstance(value, bool):
            mapping.set("output", "size", value)
        else:
            mapping.refuse(parameter, f"expected a size in bytes such as 8GB, got {value!r}")
    elif key == "driverpath":
        mapping.set("drivers", "folders", _paths(mapping, parameter, value))
    elif key == "domainblobpath":
        paths = _paths(mapping, parameter, value)
        if paths:
            mapping.set("system", "domain_blob", paths[0])
    elif key == "unattendpath":
        paths = _paths(mapping, parameter, value)
        if paths:
            mapping.set("system", "unattend", paths[0])
    elif key == "servicingpackagepath":
        mapping.set("packages", "servicing", _paths(mapping, parameter, value))
    elif key == "copypath":
        _map_copies(mapping, parameter, value)
    elif key == "ipv4address":
        text = _text(mapping, parameter, value)
        if text is not None:
            mapping.set("network", "_address", text)
    elif key == "ipv4subnetmask":
        text = _text(mapping, parameter, value)
        if text is not None:
            mapping.set("network", "_mask", text)
    elif key in ("ipv4dns", "ipv6dns"):
        servers = [_text(mapping, parameter, item) for item in _texts(value)]
        field_name = "dns" if key == "ipv4dns" else "ipv6_dns"
        mapping.set("network", field_name, [s for s in servers if s is not None])
    elif key == "setupcompletecommand":
        _map_commands(mapping, parameter, value)
    elif key == "debugmethod":
        text = _text(mapping, parameter, value)
        if text is not None and text.lower() == "serial":
            mapping.set("boot", "debug", "serial")
        elif text is not None:
            mapping.refuse(parameter, f"{text} debugging is not offered (only Serial)")
    else:
        mapping.refuse(parameter, "not a parameter NanoStudio knows")


def _map_packages(mapping: RecipeDraft, parameter: str, value: Any, *, capability: bool) -> None:
    for item in _texts(value):
        text = _text(mapping, parameter, item)
        if text is None:
            continue
        name = text.removeprefix("NanoServer.") if capability else text
        package = find_package(name)
        skipped = not_offered(name)
        if package is None:
            reason = f"not offered: {skipped.reason}" if skipped else "not a Nano Server package"
            mapping.refuse(f"{parameter} {text!r}", reason)
        elif package.short in ("Guest", "Host"):
            mapping.notes.append(f"{parameter} {text!r}: chosen by -DeploymentType")
            mapping.set("source", "deployment", package.short)
        elif package.short == "OEM-Drivers":
            mapping.set("drivers", "oem", True)
        else:
            mapping.shorts.append(package.short)


def _map_copies(mapping: RecipeDraft, parameter: str, value: Any) -> None:
    pairs: list[tuple[Any, Any]]
    if isinstance(value, dict):
        pairs = list(value.items())
    else:
        pairs = [(item, ROOT_DESTINATION) for item in _texts(value)]
    copies = []
    for source, destination in pairs:
        source_text = _text(mapping, parameter, source)
        destination_text = _text(mapping, parameter, destination)
        if source_text is None or destination_text is None:
            continue
        if destination_problem(destination_text) is None:
            destination_text = normalize_destination(destination_text)
        copies.append({"source": host_path(source_text), "destination": destination_text})
    mapping.set("files", "copy", copies)


_TZUTIL = re.compile(r'^tzutil(?:\.exe)?\s+/s\s+"([^"]*)"\s*$', re.IGNORECASE)


def _map_commands(mapping: RecipeDraft, parameter: str, value: Any) -> None:
    commands = []
    for item in _texts(value):
        text = _text(mapping, parameter, item)
        if text is None:
            continue
        zone = _TZUTIL.match(text)
        if zone and "timezone" not in mapping.data.get("system", {}):
            mapping.set("system", "timezone", zone.group(1))
        else:
            commands.append(text)
    mapping.set("firstboot", "commands", commands)


_VLAN_COMMAND = re.compile(r"Set-NetAdapter -VlanID (\d+) ", re.IGNORECASE)


def finish_vlan(mapping: RecipeDraft) -> None:
    """The first -SetupCompleteCommand that is exactly ``recipe powershell``'s VLAN
    command for this interface becomes network.vlan; any other stays a command."""
    commands = mapping.data.get("firstboot", {}).get("commands")
    if not commands:
        return
    interface = mapping.data.get("network", {}).get("interface", NetworkSpec().interface)
    for number, command in enumerate(commands):
        found = _VLAN_COMMAND.search(command)
        if found and command == vlan_command(interface, int(found.group(1))):
            mapping.set("network", "vlan", int(found.group(1)))
            del commands[number]
            return


def finish_network(mapping: RecipeDraft) -> None:
    network = mapping.data.get("network", {})
    address, mask = network.pop("_address", None), network.pop("_mask", None)
    if address is None and mask is None:
        return
    if address is None or mask is None:
        mapping.refuse(
            "-Ipv4Address" if address is not None else "-Ipv4SubnetMask",
            "a static address needs both -Ipv4Address and -Ipv4SubnetMask",
        )
        return
    try:
        prefix = ipaddress.IPv4Network(f"0.0.0.0/{mask}").prefixlen
    except ValueError:
        mapping.refuse("-Ipv4SubnetMask", f"{mask!r} is not a subnet mask like 255.255.255.0")
        return
    network["ipv4"] = f"{address}/{prefix}"
