"""Recipe validation: a list of problems (field, message), never an exception.

The wizard shows each message next to its field; the CLI prints them as
``field: message``. Checks that need the media or the password run only when
those are given.
"""

from __future__ import annotations

import contextlib
import ipaddress
import re
import zipfile
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from pathlib import Path
from typing import TYPE_CHECKING

from nanostudio.catalogue import (
    Deployment,
    Edition,
    PackageInfo,
    find_package,
    not_offered,
    with_dependencies,
)
from nanostudio.files import NotRegularFileError, open_regular, output_folder_problem
from nanostudio.identity import computer_name_problem, password_problem
from nanostudio.media.drivers import scan_driver_folder
from nanostudio.recipe.copies import Scanner, copy_problems, scan_copy_source
from nanostudio.recipe.domain_blob import DomainBlobError, load_domain_blob, machine_name_problem
from nanostudio.recipe.edit_rules import edit_messages
from nanostudio.recipe.fields import RawKey, RecipeField
from nanostudio.recipe.model import GIB, MIB, DebugMethod, OutputFormat, Recipe
from nanostudio.recipe.unattend_file import (
    UnattendFileError,
    conflicts_with_nanostudio,
    read_user_unattend,
)
from nanostudio.text import control_character, control_character_problem, printable
from nanostudio.timezones import closest_time_zones, is_time_zone_id

if TYPE_CHECKING:
    from nanostudio.media.model import MediaInfo

# What a Docker static Windows zip holds (a top-level docker\ folder; Scoop's manifest
# extracts "docker", Microsoft's install expands it into Program Files).
DOCKER_ZIP_MEMBERS = ("docker/dockerd.exe", "docker/docker.exe")
DOCKER_RELEASE = "20.10.24"  # the last Docker Engine release that runs on build 14393
DOCKER_URL = f"https://download.docker.com/win/static/stable/x86_64/docker-{DOCKER_RELEASE}.zip"

# A language tag as the media's Packages folders name them ("en-us", "zh-tw", "sr-latn-rs").
_LANGUAGE = re.compile(r"[a-z]{2,3}(?:-[a-z0-9]{2,8}){0,2}", re.IGNORECASE)
# netsh and the SetupComplete.cmd lines put the adapter's name inside double quotes.
_INTERFACE_FORBIDDEN = '"'
MAX_INTERFACE_NAME = 256  # IF_MAX_STRING_SIZE
MAX_INTERFACE_INDEX = 2**31 - 1  # ifIndex: InterfaceIndex is a positive Int32 in NetAdapter

# What each container format can address (VHD: 2040 GiB, Microsoft's VHD spec;
# VHDX: 64 TiB, MS-VHDX).
MAX_DISK_SIZE = {OutputFormat.VHD: 2040 * GIB, OutputFormat.VHDX: 64 * 1024 * GIB}

# ESP 200 MiB + MSR 128 MiB + the smallest Windows partition a Nano image fits in.
MIN_DISK_SIZE = 1024 * MIB


@dataclass(frozen=True)
class Problem:
    """``message`` speaks the recipe's keys (the CLI); ``in_wizard``, where the two
    differ, the same advice in the names of the wizard's controls."""

    field: RecipeField | RawKey
    message: str
    in_wizard: str | None = dataclass_field(default=None, compare=False)

    def __str__(self) -> str:
        """One line, whatever the message quotes."""
        return printable(f"{self.field}: {self.message}")

    def for_wizard(self) -> Problem:
        return self if self.in_wizard is None else Problem(self.field, self.in_wizard)


def resolved_packages(recipe: Recipe) -> list[PackageInfo]:
    """Every package the build installs, dependencies first: the deployment's
    driver package, OEM drivers when asked (or implied by VirtualBox), the roles.
    An edit adds only what it names: its image has its deployment's package already."""
    shorts = [] if recipe.is_edit else [recipe.source.deployment.value]
    if recipe.drivers.oem or recipe.drivers.virtualbox:
        shorts.append("OEM-Drivers")
    for name in recipe.packages.names:
        package = find_package(name)
        if package is not None:
            shorts.append(package.short)
    return with_dependencies(shorts)


def validate(
    recipe: Recipe,
    *,
    media: MediaInfo | None = None,
    password: str | None = None,
    scan: Scanner = scan_copy_source,
) -> list[Problem]:
    """``scan`` reads a copy's source (the wizard passes the scans it already holds)."""
    problems: list[Problem] = []
    problems += text_problems(recipe)
    problems += _source_problems(recipe)
    problems += _package_problems(recipe)
    problems += _servicing_problems(recipe)
    problems += _files_problems(recipe, scan)
    problems += _system_problems(recipe)
    problems += unattend_problems(recipe)
    problems += domain_blob_problems(recipe)
    problems += _network_problems(recipe)
    problems += _output_problems(recipe)
    problems += _driver_problems(recipe)
    problems += _boot_problems(recipe)
    problems += [Problem(name, message) for name, message in edit_messages(recipe)]
    if media is not None:
        problems += _media_problems(recipe, media, scan)
    if password is not None:
        message = password_problem(password)
        if message:
            problems.append(Problem(RecipeField.PASSWORD, message))
    return problems


def recipe_texts(recipe: Recipe) -> list[tuple[RecipeField, str]]:
    """Every text of a recipe, with its field: what may reach cmd, PowerShell, XML or netsh."""
    texts: list[tuple[RecipeField, str]] = []
    if recipe.source.media is not None:
        texts.append((RecipeField.SOURCE_MEDIA, str(recipe.source.media)))
    texts.append((RecipeField.SOURCE_LANGUAGE, recipe.source.language))
    texts += [(RecipeField.PACKAGES_NAMES, name) for name in recipe.packages.names]
    texts += [(RecipeField.PACKAGES_SERVICING, str(path)) for path in recipe.packages.servicing]
    texts += [(RecipeField.DRIVERS_FOLDERS, str(folder)) for folder in recipe.drivers.folders]
    for copy in recipe.files.copy:
        texts += [
            (RecipeField.FILES_COPY, str(copy.source)),
            (RecipeField.FILES_COPY, copy.destination),
        ]
    texts.append((RecipeField.SYSTEM_COMPUTER_NAME, recipe.system.computer_name))
    texts.append((RecipeField.SYSTEM_TIMEZONE, recipe.system.timezone))
    if recipe.system.unattend is not None:
        texts.append((RecipeField.SYSTEM_UNATTEND, str(recipe.system.unattend)))
    if recipe.system.domain_blob is not None:
        texts.append((RecipeField.SYSTEM_DOMAIN_BLOB, str(recipe.system.domain_blob)))
    network = recipe.network
    for name, value in (
        (RecipeField.NETWORK_IPV4, network.ipv4),
        (RecipeField.NETWORK_GATEWAY, network.gateway),
    ):
        if value is not None:
            texts.append((name, value))
    texts += [(RecipeField.NETWORK_DNS, server) for server in network.dns]
    texts.append((RecipeField.NETWORK_INTERFACE, network.interface))
    if network.ipv6 is not None:
        texts.append((RecipeField.NETWORK_IPV6, network.ipv6))
    texts += [(RecipeField.NETWORK_IPV6_DNS, server) for server in network.ipv6_dns]
    texts += [(RecipeField.FIRSTBOOT_COMMANDS, command) for command in recipe.firstboot.commands]
    texts.append((RecipeField.OUTPUT_PATH, str(recipe.output.path)))
    if recipe.edit.image is not None:
        texts.append((RecipeField.EDIT_IMAGE, str(recipe.edit.image)))
    return texts


def text_problems(recipe: Recipe) -> list[Problem]:
    """No control character anywhere: a line break in any value is a new command."""
    problems = []
    for name, value in recipe_texts(recipe):
        message = control_character_problem(value)
        if message:
            problems.append(Problem(name, message))
    return problems


def _has_control(text: str) -> bool:
    return control_character(text) is not None


def _source_problems(recipe: Recipe) -> list[Problem]:
    problems = []
    language = recipe.source.language
    if not _has_control(language) and not _LANGUAGE.fullmatch(language):
        problems.append(
            Problem(RecipeField.SOURCE_LANGUAGE, f'{language!r} is not a language like "en-us"')
        )
    if recipe.source.media is None:
        problems.append(
            Problem(
                RecipeField.SOURCE_MEDIA,
                "choose the Windows Server 2016 ISO, media folder or WIM"
                + (": the edit takes its packages and drivers from it" if recipe.is_edit else ""),
            )
        )
    guest = recipe.source.deployment is Deployment.GUEST and not recipe.is_edit
    if guest and recipe.drivers.virtualbox:
        problems.append(
            Problem(
                RecipeField.DRIVERS_VIRTUALBOX,
                'VirtualBox is not Hyper-V: set source.deployment = "Host" (its Intel '
                "network adapter needs the OEM drivers, which Guest refuses)",
                "VirtualBox is not Hyper-V: choose the Host deployment type (its Intel "
                "network adapter needs the OEM drivers, which Guest refuses)",
            )
        )
    elif guest and recipe.drivers.oem:
        problems.append(
            Problem(
                RecipeField.DRIVERS_OEM,
                "OEM drivers cannot be added to a Guest (Hyper-V) image: set oem = false, "
                'or source.deployment = "Host" for VirtualBox, VMware, KVM or hardware',
                "OEM drivers cannot be added to a Guest (Hyper-V) image: clear OEM drivers, "
                "or choose the Host deployment type for VirtualBox, VMware, KVM or hardware",
            )
        )
    return problems


def _package_problems(recipe: Recipe) -> list[Problem]:
    problems = []
    for name in recipe.packages.names:
        package = find_package(name)
        skipped = not_offered(name) if package is None else None
        if skipped is not None:
            problems.append(
                Problem(
                    RecipeField.PACKAGES_NAMES,
                    f"{name!r} is not offered: {skipped.reason}; remove it",
                )
            )
        elif package is None:
            problems.append(
                Problem(RecipeField.PACKAGES_NAMES, f"{name!r} is not a Nano Server 2016 package")
            )
        elif package.implicit:
            via = "source.deployment" if package.short in ("Guest", "Host") else "drivers.oem"
            problems.append(
                Problem(
                    RecipeField.PACKAGES_NAMES,
                    f"{package.short} is chosen through {via}, not the package list: "
                    "remove it here",
                    f"{package.short} is chosen on the Target page, not among the roles",
                )
            )
    docker_zip = recipe.packages.docker_zip
    if docker_zip is not None:
        message = docker_zip_problem(docker_zip)
        if message:
            problems.append(Problem(RecipeField.PACKAGES_DOCKER_ZIP, message))
        if not any(p.short == "Containers" for p in resolved_packages(recipe)):
            problems.append(
                Problem(
                    RecipeField.PACKAGES_DOCKER_ZIP,
                    "Docker needs the Containers package: add Containers to packages.names "
                    "or remove docker_zip",
                    "Docker needs the Containers role: tick Containers",
                )
            )
    for package in resolved_packages(recipe):
        if recipe.source.edition not in package.editions:
            editions = " or ".join(e.value for e in package.editions)
            problems.append(
                Problem(
                    RecipeField.PACKAGES_NAMES,
                    f"{package.short} needs the {editions} edition: set source.edition = "
                    f'"{Edition.DATACENTER.value}" or remove {package.short}',
                    f"{package.short} needs the {editions} edition: choose it as the "
                    f"Edition, or clear {package.short} among the Roles",
                )
            )
    return problems


SERVICING_SUFFIXES = (".cab", ".msu")
_CAB_MAGIC = b"MSCF"  # MS-CAB: every cabinet starts with it; an .msu is a cabinet


def servicing_file_problem(path: Path) -> str | None:
    """None if ``path`` is a readable .cab or .msu cabinet."""
    hint = "download the update again from the Microsoft Update Catalog"
    if path.suffix.lower() not in SERVICING_SUFFIXES:
        return f"{path.name!r} is not a .cab or .msu update"
    try:
        with path.open("rb") as update:
            magic = update.read(len(_CAB_MAGIC))
    except FileNotFoundError:
        return f"{path} does not exist: check the path"
    except IsADirectoryError:
        return f"{path} is a folder: choose the update's .cab or .msu file"
    except OSError as error:
        return f"cannot read {path}: {error.strerror or error}"
    if magic != _CAB_MAGIC:
        return f"{path} is not a cabinet file (updates are): {hint}"
    return None


def _servicing_problems(recipe: Recipe) -> list[Problem]:
    problems = []
    seen: set[Path] = set()
    for path in recipe.packages.servicing:
        if _has_control(str(path)):
            continue  # said by text_problems; never opened
        if path in seen:
            problems.append(Problem(RecipeField.PACKAGES_SERVICING, f"{path} is listed twice"))
            continue
        seen.add(path)
        message = servicing_file_problem(path)
        if message:
            problems.append(Problem(RecipeField.PACKAGES_SERVICING, message))
    return problems


def servicing_bytes(recipe: Recipe) -> int:
    """The updates' own size (what is staged or unpacked; installing needs more)."""
    total = 0
    for path in recipe.packages.servicing:
        with contextlib.suppress(OSError, ValueError):
            total += path.stat().st_size
    return total


def _files_problems(recipe: Recipe, scan: Scanner) -> list[Problem]:
    copies = [
        copy
        for copy in recipe.files.copy
        if not _has_control(str(copy.source)) and not _has_control(copy.destination)
    ]
    problems = [Problem(RecipeField.FILES_COPY, message) for message in copy_problems(copies, scan)]
    if recipe.output.format is not OutputFormat.WIM and copies:
        total = sum(scan(copy.source).total_bytes for copy in copies)
        if total >= recipe.output.size:
            problems.append(
                Problem(
                    RecipeField.FILES_COPY,
                    f"the files to copy ({total // MIB} MiB) do not fit on a disk of "
                    f"{recipe.output.size // MIB} MiB: copy less or make output.size larger",
                    f"the files to copy ({total // MIB} MiB) do not fit on a disk of "
                    f"{recipe.output.size // MIB} MiB: copy less or make the disk larger "
                    "on the Output page",
                )
            )
    return problems


def docker_zip_problem(path: Path) -> str | None:
    """None if ``path`` is a zip with docker/dockerd.exe and docker/docker.exe."""
    hint = f"use Docker's static Windows zip, e.g. {DOCKER_URL}"
    try:
        with open_regular(path) as file, zipfile.ZipFile(file) as archive:
            names = {name.replace("\\", "/").lower() for name in archive.namelist()}
    except FileNotFoundError:
        return f"{path} does not exist: {hint}"
    except NotRegularFileError as error:
        return f"{path} is {error.kind}, not a zip file: {hint}"
    except (OSError, zipfile.BadZipFile) as error:
        return f"{path} is not a readable zip ({error.__class__.__name__}): {hint}"
    missing = [member for member in DOCKER_ZIP_MEMBERS if member not in names]
    if missing:
        return f"{path} has no {' or '.join(missing)}: {hint}"
    return None


def _system_problems(recipe: Recipe) -> list[Problem]:
    problems = []
    name = recipe.system.computer_name
    message = None if _has_control(name) else computer_name_problem(name)
    if message:
        problems.append(Problem(RecipeField.SYSTEM_COMPUTER_NAME, message))
    zone = recipe.system.timezone
    if not zone.strip():
        problems.append(
            Problem(
                RecipeField.SYSTEM_TIMEZONE,
                'name a Windows time zone, e.g. "UTC"',
                "choose a time zone",
            )
        )
    elif not _has_control(zone) and not is_time_zone_id(zone):
        close = closest_time_zones(zone)
        hint = (
            "did you mean " + " or ".join(f'"{c}"' for c in close)
            if close
            else 'use a Windows time zone ID such as "UTC" or "W. Europe Standard Time"'
        )
        problems.append(
            Problem(
                RecipeField.SYSTEM_TIMEZONE,
                f"{zone!r} is not a Windows time zone (tzutil /l lists them): {hint}",
            )
        )
    return problems


_ORDINALS = ("first", "second", "third", "fourth")


def ipv4_address_problem(text: str, example: str = "192.168.56.10") -> str | None:
    """Why ``text`` is not an IPv4 address, naming the part that is wrong, or None."""
    parts = text.strip().split(".")
    if len(parts) != 4:
        return f"{text!r} is not an IPv4 address: write four numbers with dots, e.g. {example}"
    for ordinal, part in zip(_ORDINALS, parts, strict=True):
        if not part.isdigit():
            shown = f"{part!r} is not a number" if part else "is missing"
            return f"in {text!r} the {ordinal} number {shown}: write it like {example}"
        if int(part) > 255:
            return (
                f"in {text} the {ordinal} number, {int(part)}, is more than 255: "
                "each of the four numbers is 0 to 255"
            )
        if len(part) > 1 and part.startswith("0"):
            return f"in {text} the {ordinal} number, {part}, starts with 0: write {int(part)}"
    return None


def _interface_problem(text: str) -> tuple[ipaddress.IPv4Interface | None, str | None]:
    """The server's address and prefix, or why they cannot be one."""
    address, slash, prefix = text.partition("/")
    problem = ipv4_address_problem(address)
    if problem is not None:
        return None, problem
    if not slash:
        return None, f"add the prefix length, e.g. {address.strip()}/24"
    if not prefix.strip().isdigit() or not 1 <= int(prefix) <= 32:
        return None, f"the prefix length {prefix!r} is not a number from 1 to 32, e.g. /24"
    interface = ipaddress.IPv4Interface(f"{address.strip()}/{int(prefix)}")
    ip, network = interface.ip, interface.network
    special = unusable_address(ip)
    if special is not None:
        return interface, (
            f"{ip} is {special} and cannot be a server's address: use the one the server "
            "will have on its network, e.g. 192.168.56.10"
        )
    hosts = f"use one from {network.network_address + 1} to {network.broadcast_address - 1}"
    if network.prefixlen == 32:
        return interface, f"{ip}/32 is not a host address in a network: use a prefix like /24"
    if network.prefixlen <= 30 and ip == network.network_address:
        return interface, (f"{ip} is the network address of {network}, not a host address: {hosts}")
    if network.prefixlen <= 30 and ip == network.broadcast_address:
        return interface, (
            f"{ip} is the broadcast address of {network}, not a host address: {hosts}"
        )
    return interface, None


def unusable_address(address: ipaddress.IPv4Address) -> str | None:
    """Why ``address`` can be no machine's address on a network (in words), or None.

    Loopback never leaves the machine, multicast and the limited broadcast address
    name groups, 0.0.0.0/8 means "this network" and 240.0.0.0/4 is reserved.
    """
    if address.is_loopback:
        return "a loopback address (127.0.0.0/8, this machine only)"
    if address.is_multicast:
        return "a multicast address (224.0.0.0/4)"
    if address == ipaddress.IPv4Address("255.255.255.255"):
        return "the broadcast address"
    if address in ipaddress.IPv4Network("0.0.0.0/8"):
        return 'a "this network" address (0.0.0.0/8)'
    if address.is_reserved:
        return "a reserved address (240.0.0.0/4)"
    return None


def _network_problems(recipe: Recipe) -> list[Problem]:
    network = recipe.network
    problems = []
    interface: ipaddress.IPv4Interface | None = None
    if network.ipv4 is not None:
        interface, message = _interface_problem(network.ipv4)
        if message is not None:
            problems.append(Problem(RecipeField.NETWORK_IPV4, message))
    elif network.gateway or network.dns:
        problems.append(
            Problem(
                RecipeField.NETWORK_IPV4,
                "a gateway or DNS server needs a static address: set ipv4",
                "a gateway or DNS server needs a static address: choose static",
            )
        )
    if network.gateway is not None:
        message = ipv4_address_problem(network.gateway, "192.168.56.1")
        if message is not None:
            problems.append(Problem(RecipeField.NETWORK_GATEWAY, message))
        else:
            problems += _gateway_problems(ipaddress.IPv4Address(network.gateway.strip()), interface)
    for server in network.dns:
        message = ipv4_address_problem(server, "192.168.56.1")
        special = None if message else unusable_address(ipaddress.IPv4Address(server.strip()))
        if message is not None:
            problems.append(Problem(RecipeField.NETWORK_DNS, message))
        elif special is not None:
            problems.append(Problem(RecipeField.NETWORK_DNS, f"{server.strip()} is {special}"))
    problems += _interface_problems(network.interface)
    problems += _ipv6_problems(recipe)
    if network.vlan is not None and not MIN_VLAN <= network.vlan <= MAX_VLAN:
        problems.append(
            Problem(
                RecipeField.NETWORK_VLAN,
                f"VLAN ID {network.vlan} is not from {MIN_VLAN} to {MAX_VLAN} "
                "(0 means no tag and 4095 is reserved): leave it empty for no VLAN",
            )
        )
    return problems


MIN_VLAN, MAX_VLAN = 1, 4094  # IEEE 802.1Q: 0 is "no VLAN", 4095 is reserved


def ipv6_address_problem(text: str, example: str = "2001:db8::10") -> str | None:
    """Why ``text`` is not an IPv6 address a server can be given (or use as a DNS
    server), or None. No prefix length and no zone (``%12``): netsh is given the address
    alone, as New-NanoServerImage -Ipv6Address does."""
    stripped = text.strip()
    if "/" in stripped:
        return (
            f"write {stripped.partition('/')[0]!r} without the prefix length: Windows "
            "uses /64 for a static IPv6 address"
        )
    if "%" in stripped:
        return f"{stripped!r} names a zone (%...): write the address alone, e.g. {example}"
    try:
        address = ipaddress.IPv6Address(stripped)
    except ValueError:
        if ipv4_address_problem(stripped) is None:
            return f"{stripped} is an IPv4 address: write an IPv6 address, e.g. {example}"
        return f"{stripped!r} is not an IPv6 address: write it like {example}"
    if address.is_unspecified:
        return f"{address} is the unspecified address (::)"
    if address.is_loopback:
        return f"{address} is the loopback address (this machine only)"
    if address.is_multicast:
        return f"{address} is a multicast address (ff00::/8)"
    if address.is_link_local:
        return (
            f"{address} is a link-local address (fe80::/10), which Windows makes itself: "
            f"use a global or unique-local address, e.g. {example}"
        )
    return None


def _ipv6_problems(recipe: Recipe) -> list[Problem]:
    network = recipe.network
    problems = []
    if network.ipv6 is not None:
        message = ipv6_address_problem(network.ipv6)
        if message is not None:
            problems.append(Problem(RecipeField.NETWORK_IPV6, message))
    for server in network.ipv6_dns:
        message = ipv6_address_problem(server, "2001:db8::1")
        if message is not None:
            problems.append(Problem(RecipeField.NETWORK_IPV6_DNS, message))
    if network.ipv6 is not None and network.ipv6.strip() in (s.strip() for s in network.ipv6_dns):
        problems.append(
            Problem(
                RecipeField.NETWORK_IPV6_DNS,
                f"{network.ipv6.strip()} is the server's own address: name another DNS server",
            )
        )
    return problems


def _gateway_problems(
    gateway: ipaddress.IPv4Address, interface: ipaddress.IPv4Interface | None
) -> list[Problem]:
    special = unusable_address(gateway)
    if special:
        return [Problem(RecipeField.NETWORK_GATEWAY, f"{gateway} is {special}")]
    if interface is None:
        return []
    if gateway == interface.ip:
        return [
            Problem(
                RecipeField.NETWORK_GATEWAY,
                f"{gateway} is the server's own address: the gateway is another "
                "machine (often the host), or leave it empty",
            )
        ]
    if gateway not in interface.network:
        return [Problem(RecipeField.NETWORK_GATEWAY, f"{gateway} is outside {interface.network}")]
    if gateway in (interface.network.network_address, interface.network.broadcast_address):
        return [
            Problem(
                RecipeField.NETWORK_GATEWAY,
                f"{gateway} is not a host address in {interface.network}",
            )
        ]
    return []


def is_interface_index(name: str) -> bool:
    """Whether -InterfaceNameOrIndex's value is an index (ASCII digits only)."""
    return name.isascii() and name.isdigit()


def _interface_problems(name: str) -> list[Problem]:
    """The adapter's name goes inside double quotes on netsh lines: no quote may close them."""
    if not name.strip():
        return [Problem(RecipeField.NETWORK_INTERFACE, 'name the adapter, e.g. "Ethernet"')]
    if _has_control(name):
        return []  # said by text_problems
    if any(c in _INTERFACE_FORBIDDEN for c in name):
        return [
            Problem(
                RecipeField.NETWORK_INTERFACE,
                f"{name!r} holds a double quote: Windows adapter names cannot, remove it",
            )
        ]
    if name != name.strip():
        return [
            Problem(
                RecipeField.NETWORK_INTERFACE, f"{name!r} starts or ends with a space: remove it"
            )
        ]
    if is_interface_index(name) and int(name) == 0:
        return [
            Problem(
                RecipeField.NETWORK_INTERFACE,
                "interface index 0 is no adapter: indexes start at 1 (Get-NetAdapter shows "
                "ifIndex), or name the adapter, e.g. Ethernet",
            )
        ]
    if is_interface_index(name) and int(name) > MAX_INTERFACE_INDEX:
        return [
            Problem(
                RecipeField.NETWORK_INTERFACE,
                f"interface index {name} is more than {MAX_INTERFACE_INDEX}: "
                "Get-NetAdapter shows the adapter's ifIndex",
            )
        ]
    if len(name) > MAX_INTERFACE_NAME:
        return [
            Problem(
                RecipeField.NETWORK_INTERFACE,
                f"the adapter name has {len(name)} characters; Windows allows at most "
                f"{MAX_INTERFACE_NAME}",
            )
        ]
    return []


def _output_problems(recipe: Recipe) -> list[Problem]:
    output = recipe.output
    fmt = output.format
    problems = []
    if fmt is None:
        problems.append(
            Problem(
                RecipeField.OUTPUT_PATH,
                f"{output.path.name!r} must end in .vhdx (Hyper-V Gen2, UEFI), "
                ".vhd (VirtualBox, Hyper-V Gen1) or .wim",
            )
        )
    folder_problem = output_folder_problem(output.path.parent)
    if folder_problem is not None:
        problems.append(Problem(RecipeField.OUTPUT_PATH, folder_problem))
    if fmt is not OutputFormat.WIM and output.size < MIN_DISK_SIZE:
        problems.append(
            Problem(
                RecipeField.OUTPUT_SIZE,
                "the disk must be at least 1GiB; 8GiB leaves room for updates",
            )
        )
    limit = MAX_DISK_SIZE.get(fmt) if fmt is not None else None
    if limit is not None and output.size > limit:
        problems.append(
            Problem(
                RecipeField.OUTPUT_SIZE,
                f"a .{fmt} disk can be at most {limit // GIB}GiB"
                + ("; use .vhdx for a larger disk" if fmt is OutputFormat.VHD else ""),
            )
        )
    media = recipe.source.media
    if media is not None and _inside(output.path, media):
        problems.append(
            Problem(
                RecipeField.OUTPUT_PATH,
                f"{output.path} is the source media or inside it: write the output elsewhere "
                "(the media is only ever read)",
            )
        )
    if fmt is OutputFormat.VHDX and recipe.drivers.virtualbox:
        problems.append(
            Problem(
                RecipeField.OUTPUT_PATH,
                "VirtualBox cannot write to a VHDX disk: use a .vhd output "
                "(and enable EFI in the VM settings)",
            )
        )
    return problems


# bcdedit /emssettings and /dbgsettings accept these rates (Microsoft's bcdedit docs).
BAUD_RATES = (9600, 19200, 38400, 57600, 115200)


def _boot_problems(recipe: Recipe) -> list[Problem]:
    """EMS and serial debugging: COM ports 1-255 (the module takes a byte), known
    rates, and never both on one port (New-NanoServerImage refuses that too)."""
    boot = recipe.boot
    problems = []
    used: list[tuple[RecipeField, int, RecipeField, int]] = []
    if boot.ems:
        used.append(
            (RecipeField.BOOT_EMS_PORT, boot.ems_port, RecipeField.BOOT_EMS_BAUD, boot.ems_baud)
        )
    if boot.debug is DebugMethod.SERIAL:
        used.append(
            (
                RecipeField.BOOT_DEBUG_PORT,
                boot.debug_port,
                RecipeField.BOOT_DEBUG_BAUD,
                boot.debug_baud,
            )
        )
    for port_field, port, baud_field, baud in used:
        if not 1 <= port <= 255:
            problems.append(Problem(port_field, f"COM{port} is not a port: use 1 to 255"))
        if baud not in BAUD_RATES:
            rates = ", ".join(str(rate) for rate in BAUD_RATES)
            problems.append(Problem(baud_field, f"{baud} is not a rate: use {rates}"))
    if boot.ems and boot.debug is DebugMethod.SERIAL and boot.ems_port == boot.debug_port:
        problems.append(
            Problem(
                RecipeField.BOOT_DEBUG_PORT,
                f"COM{boot.debug_port} is already the EMS console's port: debug on another port",
            )
        )
    return problems


def _inside(path: Path, media: Path) -> bool:
    """``path`` is ``media`` itself, or inside the folder the media is (or is in: a
    NanoServer.wim's own folder holds the Packages the build reads)."""
    try:
        target = path.resolve()
        source = media.resolve()
    except (OSError, RuntimeError, ValueError):  # a loop of links, a NUL
        return False
    if target == source:
        return True
    folders = [source] if not source.is_file() else []
    if source.suffix.lower() == ".wim":
        folders.append(source.parent)
    return any(target.is_relative_to(folder) for folder in folders)


def _driver_problems(recipe: Recipe) -> list[Problem]:
    """Each driver folder must hold at least one INF usable on 64-bit Nano Server."""
    problems = []
    for folder in recipe.drivers.folders:
        if _has_control(str(folder)):
            continue  # said by text_problems; never opened
        scanned = scan_driver_folder(folder)
        if scanned.problem:
            problems.append(Problem(RecipeField.DRIVERS_FOLDERS, scanned.problem))
    return problems


def _media_problems(recipe: Recipe, media: MediaInfo, scan: Scanner) -> list[Problem]:
    problems = []
    # An edit's image comes from its own file (engine/edit judges it), not the media.
    image = None if recipe.is_edit else media.image_for(recipe.source.edition)
    if image is None and not recipe.is_edit:
        found = ", ".join(i.edition.value for i in media.images if i.edition) or "none"
        problems.append(
            Problem(
                RecipeField.SOURCE_EDITION,
                f"the media has no {recipe.source.edition.value} Nano Server image "
                f"(it has: {found})",
            )
        )
    language = recipe.source.language.lower()
    if media.languages and language not in media.languages:
        problems.append(
            Problem(
                RecipeField.SOURCE_LANGUAGE,
                f"the media has no {language} language packages "
                f"(it has: {', '.join(media.languages)})",
            )
        )
    for package in resolved_packages(recipe):
        cab = media.package(package.short)
        if cab is None:
            problems.append(
                Problem(
                    RecipeField.PACKAGES_NAMES,
                    f"{package.name}.cab is not in the media's Packages folder",
                )
            )
        elif language not in cab.languages:
            problems.append(
                Problem(
                    RecipeField.SOURCE_LANGUAGE,
                    f"{package.name}_{language}.cab is missing from Packages\\{language}: "
                    "choose another language or copy the media again",
                )
            )
    if image is not None and recipe.output.format is not OutputFormat.WIM:
        needed = image.total_bytes + 328 * MIB + 256 * MIB
        extra = sum(scan(copy.source).total_bytes for copy in recipe.files.copy)
        extra += servicing_bytes(recipe)
        if recipe.output.size < needed + extra:
            what = " with the files and updates you add" if extra else ""
            problems.append(
                Problem(
                    RecipeField.OUTPUT_SIZE,
                    f"the image{what} needs at least {(needed + extra) // MIB} MiB of disk; "
                    "use 8GiB or more to leave room for updates",
                )
            )
    return problems


def unattend_problems(recipe: Recipe) -> list[Problem]:
    """system.unattend: a readable, safe answer file that sets nothing NanoStudio sets.
    Messages name files, passes and settings, never a value (answer files hold
    passwords)."""
    path = recipe.system.unattend
    if path is None or control_character(str(path)) is not None:
        return []
    try:
        theirs = read_user_unattend(path)
    except UnattendFileError as error:
        return [Problem(RecipeField.SYSTEM_UNATTEND, str(error))]
    conflicts = conflicts_with_nanostudio(
        theirs, joins_domain=recipe.system.domain_blob is not None
    )
    if not conflicts:
        return []
    named = ", ".join(str(c) for c in conflicts)
    return [
        Problem(
            RecipeField.SYSTEM_UNATTEND,
            f"{path.name} sets what NanoStudio sets from the recipe ({named}): remove "
            "those settings from the file; NanoStudio never overwrites one side silently",
        )
    ]


def domain_blob_problems(recipe: Recipe) -> list[Problem]:
    """system.domain_blob: a djoin blob NanoStudio can read, made for this computer name
    (compared as NetBIOS names); messages never hold the blob or its password."""
    path = recipe.system.domain_blob
    if path is None or control_character(str(path)) is not None:
        return []
    try:
        blob = load_domain_blob(path)
    except DomainBlobError as error:
        return [Problem(RecipeField.SYSTEM_DOMAIN_BLOB, str(error))]
    message = machine_name_problem(blob.join, recipe.system.computer_name, path.name)
    return [] if message is None else [Problem(RecipeField.SYSTEM_DOMAIN_BLOB, message)]
