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

from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from nanostudio.catalogue import PackageInfo
from nanostudio.errors import MediaError, RecipeError
from nanostudio.media.drivers import scan_driver_folder
from nanostudio.media.model import MediaInfo
from nanostudio.recipe import Recipe, resolved_packages

# Image folder (from the volume root) that holds everything staged for first boot.
STAGING_ROOT = PurePosixPath("NanoStudio")
PACKAGES_FOLDER = STAGING_ROOT / "Packages"
DRIVERS_FOLDER = STAGING_ROOT / "Drivers"
DOCKER_SCRIPT = STAGING_ROOT / "install-docker.ps1"
UNATTEND_PATH = PurePosixPath("Windows/Panther/unattend.xml")
SETUPCOMPLETE_PATH = PurePosixPath("Windows/Setup/Scripts/SetupComplete.cmd")


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
class StagedDriverFile:
    source: Path
    target: PurePosixPath


@dataclass(frozen=True)
class StagedDriver:
    """A driver folder: its usable INFs and every other file they may reference."""

    folder: Path
    target: PurePosixPath
    infs: tuple[str, ...]  # usable INF names, relative to ``target``
    files: tuple[StagedDriverFile, ...]

    @property
    def total_bytes(self) -> int:
        return sum(item.source.stat().st_size for item in self.files)


@dataclass(frozen=True)
class StagedContent:
    packages: tuple[StagedPackage, ...] = ()
    drivers: tuple[StagedDriver, ...] = ()
    docker: bool = False

    @property
    def reboot_possible(self) -> bool:
        return bool(self.packages or self.drivers)


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
    return StagedContent(tuple(packages), drivers, docker)


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
    files = tuple(
        StagedDriverFile(path, target / PurePosixPath(*path.relative_to(folder).parts))
        for path in sorted(folder.rglob("*"))
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
    for driver in staged.drivers:
        notes.append(
            f"drivers from {driver.folder} ({', '.join(driver.infs)}) installed at first boot "
            "with pnputil"
        )
    if staged.docker:
        notes.append(
            "Containers: Docker is installed at first boot from the PowerShell Gallery "
            "(DockerMsftProvider); the VM needs internet access then"
        )
    return notes
