"""Rules on what the build starts from: the media's language and edition, the
deployment and its drivers, the packages (and Docker's zip), the servicing updates
and, when the media has been read, whether it holds all of them.
"""

from __future__ import annotations

import contextlib
import re
import zipfile
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
from nanostudio.files import NotRegularFileError, open_regular
from nanostudio.media.drivers import scan_driver_folder
from nanostudio.recipe.copies import Scanner
from nanostudio.recipe.fields import RecipeField
from nanostudio.recipe.model import MIB, OutputFormat, Recipe
from nanostudio.recipe.problem import Problem, has_control

if TYPE_CHECKING:
    from nanostudio.media.model import MediaInfo


# What a Docker static Windows zip holds (a top-level docker\ folder; Scoop's manifest
# extracts "docker", Microsoft's install expands it into Program Files).
DOCKER_ZIP_MEMBERS = ("docker/dockerd.exe", "docker/docker.exe")
DOCKER_RELEASE = "20.10.24"  # the last Docker Engine release that runs on build 14393
DOCKER_URL = f"https://download.docker.com/win/static/stable/x86_64/docker-{DOCKER_RELEASE}.zip"

# A language tag as the media's Packages folders name them ("en-us", "zh-tw", "sr-latn-rs").
_LANGUAGE = re.compile(r"[a-z]{2,3}(?:-[a-z0-9]{2,8}){0,2}", re.IGNORECASE)


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


def source_problems(recipe: Recipe) -> list[Problem]:
    problems = []
    language = recipe.source.language
    if not has_control(language) and not _LANGUAGE.fullmatch(language):
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


def package_problems(recipe: Recipe) -> list[Problem]:
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
            if recipe.is_edit:  # the image's edition: an edit cannot change it
                kept = (
                    f"{package.short} needs the {editions} edition, and an edit keeps the "
                    f"image's ({recipe.source.edition.value}): "
                )
                problems.append(
                    Problem(
                        RecipeField.PACKAGES_NAMES,
                        f"{kept}remove {package.short}",
                        f"{kept}clear {package.short} among the Roles",
                    )
                )
                continue
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


def servicing_problems(recipe: Recipe) -> list[Problem]:
    problems = []
    seen: set[Path] = set()
    for path in recipe.packages.servicing:
        if has_control(str(path)):
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


def driver_problems(recipe: Recipe) -> list[Problem]:
    """Each driver folder must hold at least one INF usable on 64-bit Nano Server."""
    problems = []
    for folder in recipe.drivers.folders:
        if has_control(str(folder)):
            continue  # said by text_problems; never opened
        scanned = scan_driver_folder(folder)
        if scanned.problem:
            problems.append(Problem(RecipeField.DRIVERS_FOLDERS, scanned.problem))
    return problems


def media_problems(recipe: Recipe, media: MediaInfo, scan: Scanner) -> list[Problem]:
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
