"""What the build puts into the image for first boot, and where.

Without CBS (Windows' servicing stack) packages cannot be installed offline on
Linux or macOS: the portable engine copies the package cabs and driver folders
into the image under ``\\NanoStudio`` and ``SetupComplete.cmd`` installs them at
first boot. The drivers a target needs before Windows first starts (the Hyper-V
Guest drivers a Gen2 VM needs to see its own disk) are put into the image
offline first (``engine/drivers``). Packages that need offline servicing (IIS)
cannot be staged: the portable engine refuses them (``offline_only_problem``),
before any work and again if a plan is asked for, never dropping one silently.
The Windows engine uses the same description for drivers it cannot add offline.
"""

from __future__ import annotations

import shutil
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from nanostudio.catalogue import PackageInfo
from nanostudio.engine.servicing import UpdateCab
from nanostudio.errors import MediaError, RecipeError
from nanostudio.files import open_regular, regular_file_problem
from nanostudio.media.drivers import scan_driver_folder
from nanostudio.media.model import MediaInfo
from nanostudio.recipe import CopyPath, Recipe, resolved_packages
from nanostudio.recipe.copies import (
    CopyScan,
    copy_problems,
    destination_parts,
    image_path,
    scan_copy_source,
)
from nanostudio.recipe.source_rules import DOCKER_URL, docker_zip_problem

ORDER_NOTE = (
    "servicing stack updates go in first, whatever their order in the recipe (a "
    "cumulative update installed before its servicing stack update fails); NanoStudio "
    "tells them apart by the files each cab lists and logs the order it used"
)

# Image folder (from the volume root) that holds everything staged for first boot.
STAGING_ROOT = PurePosixPath("NanoStudio")
PACKAGES_FOLDER = STAGING_ROOT / "Packages"
DRIVERS_FOLDER = STAGING_ROOT / "Drivers"
UPDATES_FOLDER = STAGING_ROOT / "Updates"
# Docker's static binaries, where Microsoft's install puts them (Expand-Archive into
# $Env:ProgramFiles gives Program Files\docker; AWS's SSM agent does the same on Nano).
DOCKER_FOLDER = PurePosixPath("Program Files/docker")
UNATTEND_PATH = PurePosixPath("Windows/Panther/unattend.xml")
SETUPCOMPLETE_PATH = PurePosixPath("Windows/Setup/Scripts/SetupComplete.cmd")
BEFORE_EDIT_PATH = PurePosixPath("Windows/Setup/Scripts/SetupComplete-before-edit.cmd")


def windows_path(image_path: PurePosixPath) -> str:
    """``NanoStudio/Packages/x.cab`` as the running system sees it."""
    return "%SystemDrive%\\" + "\\".join(image_path.parts)


@dataclass(frozen=True)
class StagedPackage:
    """A package cab (and its language cab) copied from the media into the image."""

    info: PackageInfo
    source: str  # location on the media (relative to the WIM's folder)
    target: PurePosixPath
    language_source: str | None
    language_target: PurePosixPath | None


@dataclass(frozen=True)
class StagedDriver:
    """A driver folder: its usable INFs and every other file they may reference."""

    folder: Path
    target: PurePosixPath
    infs: tuple[str, ...]  # usable INF names, relative to ``target``
    files: tuple[tuple[Path, PurePosixPath], ...]  # (file here, path in the image)

    @property
    def total_bytes(self) -> int:
        return sum(source.stat().st_size for source, _ in self.files)


# Roles whose package installs the bits but leaves a Windows optional feature off, and
# that feature's name (firstboot-facts.md section 3). DNS: Deploy-Nano-Server.md, "Using
# DNS Server on Nano Server", enables DNS-Server-Full-Role after the package, online.
# Enabling it offline is not documented, so both engines do it at first boot.
# IIS: the package enables its default features itself (IIS-on-Nano-Server.md): nothing.
# Storage: "File Services is not actually enabled" (Deploy-Nano-Server.md), to be enabled
# remotely with Server Manager; the local feature name is not documented, so it is a note.
# Containers: the package is enough for the feature (no documented step).
ROLE_FEATURES: dict[str, str] = {"DNS": "DNS-Server-Full-Role"}


def first_boot_features(packages: Iterable[PackageInfo]) -> tuple[str, ...]:
    """Optional features to switch on at first boot for these packages, in package order."""
    return tuple(ROLE_FEATURES[p.short] for p in packages if p.short in ROLE_FEATURES)


def role_notes(packages: Iterable[PackageInfo]) -> list[str]:
    """What the user must know about roles that their package alone does not finish."""
    notes = []
    for package in packages:
        if package.short in ROLE_FEATURES:
            notes.append(
                f"{package.short}: SetupComplete.cmd enables the {ROLE_FEATURES[package.short]} "
                "feature at first boot, after the package (dism /online /enable-feature)"
            )
        elif package.short == "Storage":
            notes.append(
                "Storage: Microsoft's Nano guide says File Services is not enabled by the "
                "package; enable it from another computer with Server Manager"
            )
    return notes


@dataclass(frozen=True)
class StagedContent:
    packages: tuple[StagedPackage, ...] = ()
    drivers: tuple[StagedDriver, ...] = ()
    docker: bool = False  # the Containers package is installed
    docker_zip: Path | None = None  # Docker's static zip, extracted into DOCKER_FOLDER
    # Optional features SetupComplete.cmd enables after the packages (ROLE_FEATURES).
    features: tuple[str, ...] = ()
    # True when Windows\Panther\unattend.xml sets the time zone (portable engine);
    # else SetupComplete.cmd sets it (the Windows engine's offlineServicing has none).
    timezone_in_unattend: bool = False
    # Updates the recipe names (.cab/.msu), staged at run time as ``update_cabs``:
    # (path in the image, label), servicing stack updates first (engine/servicing.py).
    servicing: tuple[Path, ...] = ()
    update_cabs: tuple[tuple[PurePosixPath, str], ...] = ()
    # An edit of an image that has a first-boot script of its own: the script, kept
    # under this name, is called first (engine/edit); None for a new image.
    run_first: PurePosixPath | None = None

    @property
    def reboot_possible(self) -> bool:
        return bool(self.packages or self.drivers or self.servicing or self.update_cabs)


def plan_staging(recipe: Recipe, media: MediaInfo) -> StagedContent:
    """Which cabs and driver files go where; reads the driver folders, nothing else."""
    language = recipe.source.language.lower()
    packages: list[StagedPackage] = []
    for package in resolved_packages(recipe):
        if not package.first_boot_ok:
            raise RecipeError(f"packages.names: {offline_only_problem(package)}")
        cab = media.package(package.short)
        if cab is None:
            raise MediaError(f"{package.name}.cab is not in the media's Packages folder")
        language_source = cab.languages.get(language)
        packages.append(
            StagedPackage(
                info=package,
                source=cab.location,
                target=PACKAGES_FOLDER / _file_name(cab.location),
                language_source=language_source,
                language_target=(
                    PACKAGES_FOLDER / language / _file_name(language_source)
                    if language_source
                    else None
                ),
            )
        )
    drivers = tuple(
        _stage_driver(folder, number) for number, folder in enumerate(recipe.drivers.folders, 1)
    )
    docker = any(package.info.short == "Containers" for package in packages)
    features = first_boot_features(package.info for package in packages)
    return StagedContent(
        tuple(packages),
        drivers,
        docker,
        recipe.packages.docker_zip if docker else None,
        features=features,
        timezone_in_unattend=True,
        servicing=recipe.packages.servicing,
    )


def offline_only_problem(package: PackageInfo) -> str:
    """Why the portable engine refuses a package only DISM can service offline."""
    return (
        f"{package.short} must be installed offline by DISM: build on Windows with the "
        "Windows engine, or remove it"
    )


def _file_name(location: str) -> str:
    return PurePosixPath(location.replace("\\", "/")).name


def _stage_driver(folder: Path, number: int) -> StagedDriver:
    """Every file below ``folder`` except INFs that cannot be used on 64-bit Nano Server."""
    scanned = scan_driver_folder(folder)
    if scanned.problem:
        raise MediaError(f"drivers.folders: {scanned.problem}")
    unusable = {driver.path for driver in scanned.drivers if not driver.usable}
    target = DRIVERS_FOLDER / f"{number:02d}-{_safe_name(folder.name)}"
    entries = sorted(folder.rglob("*"))
    for path in entries:
        if path not in unusable and not path.is_symlink() and not path.is_dir():
            problem = regular_file_problem(path)
            if problem:
                raise MediaError(f"drivers.folders: {problem}; remove it from {folder}")
    files = tuple(
        (path, target / PurePosixPath(*path.relative_to(folder).parts))
        for path in entries
        if path.is_file() and not path.is_symlink() and path not in unusable
    )
    infs = tuple(
        PurePosixPath(*driver.path.relative_to(folder).parts).as_posix()
        for driver in scanned.usable_drivers
    )
    return StagedDriver(folder, target, infs, files)


def _safe_name(name: str) -> str:
    """A folder name cmd.exe and pnputil take without quoting trouble."""
    cleaned = "".join(c if c.isalnum() or c in "-_." else "_" for c in name).strip("._")
    return cleaned[:40] or "driver"


def describe_staging(staged: StagedContent) -> list[str]:
    """Plain sentences for the plan notes, the CLI and the wizard."""
    notes: list[str] = []
    if staged.packages:
        names = ", ".join(package.info.short for package in staged.packages)
        notes.append(
            f"packages installed at first boot by SetupComplete.cmd (no offline servicing "
            f"outside Windows): {names}"
        )
    notes += role_notes(package.info for package in staged.packages)
    if staged.servicing:
        names = ", ".join(path.name for path in staged.servicing)
        notes.append(
            f"updates installed at FIRST BOOT, not in the image, by SetupComplete.cmd with "
            f"dism /online /add-package, after the packages and before drivers and role "
            f"features (no offline servicing outside Windows): {names}; .msu files are "
            f"unpacked with gcab into their update cabs; {ORDER_NOTE}"
        )
    for driver in staged.drivers:
        notes.append(
            f"drivers from {driver.folder} ({', '.join(driver.infs)}) installed at first boot "
            "with pnputil"
        )
    notes += docker_notes(staged)
    return notes


def docker_notes(staged: StagedContent) -> list[str]:
    """Whether Docker comes with the Containers package, in plain words (both engines)."""
    if not staged.docker:
        return []
    if staged.docker_zip is None:
        return [
            "Containers: Docker is NOT included (no packages.docker_zip): the Containers "
            "feature is installed but nothing runs containers; give Docker's static zip "
            f"({DOCKER_URL}, the last release for Windows Server 2016) to include it"
        ]
    return [
        f"Containers: Docker from {staged.docker_zip.name} is put in "
        f"{windows_path(DOCKER_FOLDER)} and registered as the docker service at first boot "
        "(Windows Server 2016 needs its cumulative updates for containers)"
    ]


def docker_files(zip_path: Path) -> list[tuple[str, PurePosixPath]]:
    """(member, path in the image) of every file under the zip's ``docker/`` folder."""
    problem = docker_zip_problem(zip_path)
    if problem:
        raise MediaError(f"packages.docker_zip: {problem}")
    files = []
    with _open_zip(zip_path) as archive:
        for info in archive.infolist():
            parts = PurePosixPath(info.filename.replace("\\", "/")).parts
            if info.is_dir() or len(parts) < 2 or parts[0].lower() != "docker":
                continue
            if any(part in ("", ".", "..") or ":" in part for part in parts):
                raise MediaError(
                    f"packages.docker_zip: {zip_path} has an unsafe name {info.filename!r}"
                )
            files.append((info.filename, DOCKER_FOLDER.joinpath(*parts[1:])))
    return files


def extract_docker(zip_path: Path, root: Path) -> int:
    """Write Docker's files below ``root`` (the image's volume root); returns the count."""
    files = docker_files(zip_path)
    with _open_zip(zip_path) as archive:
        for member, target in files:
            dest = root.joinpath(*target.parts)
            dest.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(member) as source, dest.open("wb") as out:
                shutil.copyfileobj(source, out, 1 << 20)
    return len(files)


@contextmanager
def _open_zip(zip_path: Path) -> Iterator[zipfile.ZipFile]:
    """The zip, opened only if it is a regular file (a pipe would block the build)."""
    try:
        file = open_regular(zip_path)
    except OSError as error:
        raise MediaError(
            f"packages.docker_zip: {zip_path} cannot be read ({error.strerror or error})"
        ) from None
    with file:
        try:
            archive = zipfile.ZipFile(file)
        except zipfile.BadZipFile as error:
            raise MediaError(f"packages.docker_zip: {zip_path} is not a zip ({error})") from None
        with archive:
            yield archive


def _update_target(number: int, cab: Path) -> PurePosixPath:
    return UPDATES_FOLDER / f"{number:02d}-{_safe_name(cab.stem)}.cab"


def staged_updates(cabs: Iterable[UpdateCab]) -> tuple[tuple[PurePosixPath, str], ...]:
    """Where each update cab goes in the image, numbered in install order."""
    return tuple((_update_target(n, cab.path), cab.label) for n, cab in enumerate(cabs, 1))


def copy_sources(recipe: Recipe) -> list[tuple[CopyPath, CopyScan]]:
    """Each copy with what its source holds; refuses (RecipeError) what validate refuses,
    read again now, so a source changed since the check is caught before any copying."""
    problems = copy_problems(recipe.files.copy)
    if problems:
        raise RecipeError(f"files.copy: {problems[0]}")
    return [(copy, scan_copy_source(copy.source)) for copy in recipe.files.copy]


def copy_into(root: Path, copies: Iterable[tuple[CopyPath, CopyScan]]) -> int:
    """Copy the files below ``root`` (the image's volume root); returns the count."""
    count = 0
    for copy, scan in copies:
        for folder in scan.folders:
            root.joinpath(*image_path(copy, folder).parts).mkdir(parents=True, exist_ok=True)
        for source, inside in scan.files:
            dest = root.joinpath(*image_path(copy, inside).parts)
            dest.parent.mkdir(parents=True, exist_ok=True)
            try:
                shutil.copyfile(source, dest)
            except OSError as error:
                raise MediaError(
                    f"files.copy: cannot copy {source}: {error.strerror or error}"
                ) from None
            count += 1
    return count


def copy_notes(recipe: Recipe, text: Callable[[Path], str] = str) -> list[str]:
    """Where each copy lands, as the running system sees it (``text`` spells the source)."""
    notes = []
    for copy in recipe.files.copy:
        folder = "\\".join(("C:", *destination_parts(copy.destination)))
        notes.append(f"copy {text(copy.source)} into {folder}\\ (under its own name)")
    return notes
