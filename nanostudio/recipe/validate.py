"""Recipe validation: a list of problems (field, message), never an exception.

The wizard shows each message next to its field; the CLI prints them as
``field: message``. Checks that need the media or the password run only when
those are given.
"""

from __future__ import annotations

import ipaddress
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from nanostudio.catalogue import (
    Deployment,
    Edition,
    PackageInfo,
    find_package,
    with_dependencies,
)
from nanostudio.files import output_folder_problem
from nanostudio.identity import computer_name_problem, password_problem
from nanostudio.media.drivers import scan_driver_folder
from nanostudio.recipe.model import MIB, OutputFormat, Recipe

if TYPE_CHECKING:
    from nanostudio.media.model import MediaInfo

# What a Docker static Windows zip holds (a top-level docker\ folder; Scoop's manifest
# extracts "docker", Microsoft's install expands it into Program Files).
DOCKER_ZIP_MEMBERS = ("docker/dockerd.exe", "docker/docker.exe")
DOCKER_RELEASE = "20.10.24"  # the last Docker Engine release that runs on build 14393
DOCKER_URL = f"https://download.docker.com/win/static/stable/x86_64/docker-{DOCKER_RELEASE}.zip"

# ESP 200 MiB + MSR 128 MiB + the smallest Windows partition a Nano image fits in.
MIN_DISK_SIZE = 1024 * MIB


@dataclass(frozen=True)
class Problem:
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


def resolved_packages(recipe: Recipe) -> list[PackageInfo]:
    """Every package the build installs, dependencies first: the deployment's
    driver package, OEM drivers when asked (or implied by VirtualBox), the roles."""
    shorts = [recipe.source.deployment.value]
    if recipe.drivers.oem or recipe.drivers.virtualbox:
        shorts.append("OEM-Drivers")
    for name in recipe.packages.names:
        package = find_package(name)
        if package is not None:
            shorts.append(package.short)
    return with_dependencies(shorts)


def validate(
    recipe: Recipe, *, media: MediaInfo | None = None, password: str | None = None
) -> list[Problem]:
    problems: list[Problem] = []
    problems += _source_problems(recipe)
    problems += _package_problems(recipe)
    problems += _system_problems(recipe)
    problems += _network_problems(recipe)
    problems += _output_problems(recipe)
    problems += _driver_problems(recipe)
    if media is not None:
        problems += _media_problems(recipe, media)
    if password is not None:
        message = password_problem(password)
        if message:
            problems.append(Problem("password", message))
    return problems


def _source_problems(recipe: Recipe) -> list[Problem]:
    problems = []
    if recipe.source.media is None:
        problems.append(
            Problem("source.media", "choose the Windows Server 2016 ISO, media folder or WIM")
        )
    guest = recipe.source.deployment is Deployment.GUEST
    if guest and recipe.drivers.virtualbox:
        problems.append(
            Problem(
                "drivers.virtualbox",
                'VirtualBox is not Hyper-V: set source.deployment = "Host" (its Intel '
                "network adapter needs the OEM drivers, which Guest refuses)",
            )
        )
    elif guest and recipe.drivers.oem:
        problems.append(
            Problem(
                "drivers.oem",
                "OEM drivers cannot be added to a Guest (Hyper-V) image: set oem = false, "
                'or source.deployment = "Host" for VirtualBox, VMware, KVM or hardware',
            )
        )
    return problems


def _package_problems(recipe: Recipe) -> list[Problem]:
    problems = []
    for name in recipe.packages.names:
        package = find_package(name)
        if package is None:
            problems.append(
                Problem("packages.names", f"{name!r} is not a Nano Server 2016 package")
            )
        elif package.implicit:
            via = "source.deployment" if package.short in ("Guest", "Host") else "drivers.oem"
            problems.append(
                Problem(
                    "packages.names",
                    f"{package.short} is chosen through {via}, not the package list: "
                    "remove it here",
                )
            )
    docker_zip = recipe.packages.docker_zip
    if docker_zip is not None:
        message = docker_zip_problem(docker_zip)
        if message:
            problems.append(Problem("packages.docker_zip", message))
        if not any(p.short == "Containers" for p in resolved_packages(recipe)):
            problems.append(
                Problem(
                    "packages.docker_zip",
                    "Docker needs the Containers package: add Containers to packages.names "
                    "or remove docker_zip",
                )
            )
    for package in resolved_packages(recipe):
        if recipe.source.edition not in package.editions:
            editions = " or ".join(e.value for e in package.editions)
            problems.append(
                Problem(
                    "packages.names",
                    f"{package.short} needs the {editions} edition: set source.edition = "
                    f'"{Edition.DATACENTER.value}" or remove {package.short}',
                )
            )
    return problems


def docker_zip_problem(path: Path) -> str | None:
    """None if ``path`` is a zip with docker/dockerd.exe and docker/docker.exe."""
    hint = f"use Docker's static Windows zip, e.g. {DOCKER_URL}"
    try:
        with zipfile.ZipFile(path) as archive:
            names = {name.replace("\\", "/").lower() for name in archive.namelist()}
    except FileNotFoundError:
        return f"{path} does not exist: {hint}"
    except (OSError, zipfile.BadZipFile) as error:
        return f"{path} is not a readable zip ({error.__class__.__name__}): {hint}"
    missing = [member for member in DOCKER_ZIP_MEMBERS if member not in names]
    if missing:
        return f"{path} has no {' or '.join(missing)}: {hint}"
    return None


def _system_problems(recipe: Recipe) -> list[Problem]:
    message = computer_name_problem(recipe.system.computer_name)
    problems = [Problem("system.computer_name", message)] if message else []
    if not recipe.system.timezone.strip():
        problems.append(Problem("system.timezone", 'name a Windows time zone, e.g. "UTC"'))
    return problems


def _network_problems(recipe: Recipe) -> list[Problem]:
    network = recipe.network
    problems = []
    interface: ipaddress.IPv4Interface | None = None
    if network.ipv4 is not None:
        try:
            interface = ipaddress.IPv4Interface(network.ipv4)
        except ValueError:
            problems.append(
                Problem("network.ipv4", f"{network.ipv4!r} is not like 192.168.56.10/24")
            )
        else:
            if "/" not in network.ipv4:
                problems.append(
                    Problem("network.ipv4", "add the prefix length, e.g. 192.168.56.10/24")
                )
            elif interface.ip in (
                interface.network.network_address,
                interface.network.broadcast_address,
            ):
                problems.append(
                    Problem(
                        "network.ipv4",
                        f"{interface.ip} is not a host address in {interface.network}",
                    )
                )
    elif network.gateway or network.dns:
        problems.append(
            Problem("network.ipv4", "a gateway or DNS server needs a static address: set ipv4")
        )
    if network.gateway is not None:
        try:
            gateway = ipaddress.IPv4Address(network.gateway)
        except ValueError:
            problems.append(
                Problem("network.gateway", f"{network.gateway!r} is not an IPv4 address")
            )
        else:
            if interface is not None and gateway not in interface.network:
                problems.append(
                    Problem("network.gateway", f"{gateway} is outside {interface.network}")
                )
    for server in network.dns:
        try:
            ipaddress.IPv4Address(server)
        except ValueError:
            problems.append(Problem("network.dns", f"{server!r} is not an IPv4 address"))
    if not network.interface.strip():
        problems.append(Problem("network.interface", 'name the adapter, e.g. "Ethernet"'))
    return problems


def _output_problems(recipe: Recipe) -> list[Problem]:
    output = recipe.output
    fmt = output.format
    problems = []
    if fmt is None:
        problems.append(
            Problem(
                "output.path",
                f"{output.path.name!r} must end in .vhdx (Hyper-V Gen2, UEFI), "
                ".vhd (VirtualBox, Hyper-V Gen1) or .wim",
            )
        )
    folder_problem = output_folder_problem(output.path.parent)
    if folder_problem is not None:
        problems.append(Problem("output.path", folder_problem))
    if fmt is not OutputFormat.WIM and output.size < MIN_DISK_SIZE:
        problems.append(
            Problem("output.size", "the disk must be at least 1GiB; 8GiB leaves room for updates")
        )
    if fmt is OutputFormat.VHDX and recipe.drivers.virtualbox:
        problems.append(
            Problem(
                "output.path",
                "VirtualBox cannot write to a VHDX disk: use a .vhd output "
                "(and enable EFI in the VM settings)",
            )
        )
    return problems


def _driver_problems(recipe: Recipe) -> list[Problem]:
    """Each driver folder must hold at least one INF usable on 64-bit Nano Server."""
    problems = []
    for folder in recipe.drivers.folders:
        scanned = scan_driver_folder(folder)
        if scanned.problem:
            problems.append(Problem("drivers.folders", scanned.problem))
    return problems


def _media_problems(recipe: Recipe, media: MediaInfo) -> list[Problem]:
    problems = []
    image = media.image_for(recipe.source.edition)
    if image is None:
        found = ", ".join(i.edition.value for i in media.images if i.edition) or "none"
        problems.append(
            Problem(
                "source.edition",
                f"the media has no {recipe.source.edition.value} Nano Server image "
                f"(it has: {found})",
            )
        )
    language = recipe.source.language.lower()
    if media.languages and language not in media.languages:
        problems.append(
            Problem(
                "source.language",
                f"the media has no {language} language packages "
                f"(it has: {', '.join(media.languages)})",
            )
        )
    for package in resolved_packages(recipe):
        cab = media.package(package.short)
        if cab is None:
            problems.append(
                Problem(
                    "packages.names", f"{package.name}.cab is not in the media's Packages folder"
                )
            )
        elif language not in cab.languages:
            problems.append(
                Problem(
                    "source.language",
                    f"{package.name}_{language}.cab is missing from Packages\\{language}: "
                    "choose another language or copy the media again",
                )
            )
    if image is not None and recipe.output.format is not OutputFormat.WIM:
        needed = image.total_bytes + 328 * MIB + 256 * MIB
        if recipe.output.size < needed:
            problems.append(
                Problem(
                    "output.size",
                    f"the image needs at least {needed // MIB} MiB of disk; "
                    "use 8GiB to leave room for updates",
                )
            )
    return problems
