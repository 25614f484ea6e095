"""Which drivers the target's devices get, read from the real image and media.

Nobody has published which drivers the base NanoServer.wim carries
(NANO-FACTS.md §1: *unknown*), so nothing here assumes it: the image's own
SYSTEM hive is extracted and its ``DriverDatabase`` read, and the driver
packages the recipe chose (Guest, Host, OEM-Drivers) are unpacked and their
INFs read (the inventory, once per media); each choice of target, packages and
driver folders is then judged against it without more I/O. The same analysis
answers ``recipe check`` and the wizard before a build, and drives the portable
engine's injection during one.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from nanostudio.catalogue import PackageInfo, find_package
from nanostudio.engine.drivers.database import (
    InstalledDriver,
    current_control_set,
    has_driver_database,
    installed_driver,
)
from nanostudio.engine.drivers.devices import KNOWN_DEVICES, Device, devices_for
from nanostudio.engine.drivers.files import SYSTEM_HIVE
from nanostudio.engine.drivers.resolve import Injection, Match, best_injection, find_matches
from nanostudio.engine.drivers.sources import DriverSource, folder_sources, package_sources
from nanostudio.engine.process import ToolResult, require_tool
from nanostudio.engine.tools import cab, wimlib
from nanostudio.engine.tools.hivex import Hive
from nanostudio.errors import MediaError
from nanostudio.media.source import MediaSource
from nanostudio.recipe import Recipe, Target, resolved_packages

# The packages whose purpose is drivers (Microsoft, "Deploy Nano Server").
DRIVER_PACKAGES = ("Guest", "Host", "OEM-Drivers")
HIVE_FOLDER = "system-hive"
CABS_FOLDER = "driver-cabs"

RunTool = Callable[[Sequence[str]], ToolResult]


@dataclass(frozen=True)
class DeviceOutcome:
    """What the image will have for one device of the target."""

    device: Device
    installed: InstalledDriver | None  # the image's own driver, if it has one
    matches: tuple[Match, ...]  # drivers for it in the chosen packages and folders

    @property
    def injection(self) -> Injection | None:
        """The driver to inject, or None when the image has one or none can be."""
        return None if self.installed is not None else best_injection(list(self.matches))

    @property
    def needs_boot_start(self) -> bool:
        """The image's own driver for a boot device would not load at boot."""
        installed = self.installed
        return (
            installed is not None
            and self.device.boot_critical
            and installed.service is not None
            and installed.start != 0
        )


@dataclass(frozen=True)
class DriverAnalysis:
    target: Target
    hive: Path  # the image's SYSTEM hive, extracted
    control_set: str
    outcomes: tuple[DeviceOutcome, ...]
    searched: tuple[str, ...]  # the driver packages and folders looked in, for messages

    def problems(self) -> list[str]:
        """One sentence per device this build cannot give a working driver."""
        return [
            message
            for outcome in self.outcomes
            if (message := _problem(self.target, outcome, self.searched)) is not None
        ]

    def notes(self) -> list[str]:
        """What happens to each device's driver, for the plan and the log."""
        notes: list[str] = []
        for outcome in self.outcomes:
            device = outcome.device
            injection = outcome.injection
            if outcome.installed is not None:
                note = f"{device.name}: the image has {outcome.installed.inf_name}"
                if outcome.needs_boot_start:
                    note += f" ({outcome.installed.service} set to start at boot)"
                notes.append(note)
            elif injection is not None:
                notes.append(
                    f"{device.name}: {injection.source.inf_name} from {injection.source.origin} "
                    f"({injection.function_service.name}), put into the image before first boot"
                )
        return notes


@dataclass(frozen=True)
class DriverInventory:
    """What the media offers: the image's own drivers for every known device, and
    the INFs of its driver packages. Files stay in ``workdir`` while it is used."""

    workdir: Path
    hive: Path  # the image's SYSTEM hive, extracted
    control_set: str
    installed: dict[Device, InstalledDriver | None]
    package_sources: dict[str, tuple[DriverSource, ...]]  # by package short name
    # Driver folders read once each: the wizard judges a choice at every keystroke.
    _folders: dict[Path, tuple[DriverSource, ...]] = field(default_factory=dict)

    def analyse(self, recipe: Recipe) -> DriverAnalysis:
        """Where each device of the recipe's target gets its driver, given its choices."""
        sources: list[DriverSource] = []
        for folder in recipe.drivers.folders:
            if folder not in self._folders:
                self._folders[folder] = tuple(folder_sources(folder))
            sources += self._folders[folder]
        for package in driver_packages(recipe):
            sources += self.package_sources.get(package.short, ())
        outcomes = tuple(
            DeviceOutcome(device, self.installed[device], tuple(find_matches(device, sources)))
            for device in devices_for(recipe.target)
        )
        searched = [f"the {p.short} package" for p in driver_packages(recipe)]
        searched += [f"driver folder {folder}" for folder in recipe.drivers.folders]
        return DriverAnalysis(recipe.target, self.hive, self.control_set, outcomes, tuple(searched))


def take_inventory(
    media: MediaSource,
    hive: Path,
    workdir: Path,
    run: RunTool,
    *,
    packages: Sequence[str] = DRIVER_PACKAGES,
    should_cancel: Callable[[], bool] | None = None,
) -> DriverInventory:
    """The inventory of an image whose SYSTEM hive is ``hive`` (see ``extract_hive``),
    with ``media``'s ``packages`` unpacked into ``workdir``, which the inventory then owns."""
    with Hive.open(hive) as opened:
        if not has_driver_database(opened):
            raise MediaError(
                "the image's SYSTEM hive has no DriverDatabase: it is not a Windows Server "
                "2016 (Windows 10) image"
            )
        control_set = current_control_set(opened)
        installed = {
            device: installed_driver(opened, control_set, device) for device in KNOWN_DEVICES
        }
    unpacked: dict[str, tuple[DriverSource, ...]] = {}
    for short in packages:
        package = find_package(short)
        if package is not None and media.info.package(short) is not None:
            unpacked[short] = tuple(_unpack_package(package, media, workdir, run, should_cancel))
    return DriverInventory(workdir, hive, control_set, installed, unpacked)


def drivable_targets(hive: Hive) -> tuple[Target, ...]:
    """The VM targets whose disk controller, bus and network adapter the image's own
    drivers serve as it is (boot devices' drivers starting at boot): where an image
    that is not rebuilt can be started. Physical machines' devices are not known."""
    control_set = current_control_set(hive)

    def ready(device: Device) -> bool:
        outcome = DeviceOutcome(device, installed_driver(hive, control_set, device), ())
        return outcome.installed is not None and not outcome.needs_boot_start

    return tuple(
        target
        for target in Target
        if target is not Target.PHYSICAL and all(ready(d) for d in devices_for(target))
    )


def driver_packages(recipe: Recipe) -> list[PackageInfo]:
    return [p for p in resolved_packages(recipe) if p.short in DRIVER_PACKAGES]


def extract_hive(wim: Path, index: int, workdir: Path, run: RunTool) -> Path:
    """The SYSTEM hive of image ``index`` of ``wim``, extracted into ``workdir``."""
    folder = workdir / HIVE_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    tool = require_tool(wimlib.TOOL)
    inside = "/" + SYSTEM_HIVE.as_posix()
    result = run(wimlib.extract_argv(tool, wim, index, [inside], folder))
    hive = folder / SYSTEM_HIVE.name
    if not result.ok or not hive.is_file():
        detail = result.tail[-1].strip() if result.tail else f"exit code {result.returncode}"
        raise MediaError(
            f"{inside} cannot be read from image {index} of {wim.name}: it is not a Nano "
            f"Server image, or {wim.name} is damaged; copy the media again ({detail})"
        )
    return hive


def _unpack_package(
    package: PackageInfo,
    media: MediaSource,
    workdir: Path,
    run: RunTool,
    should_cancel: Callable[[], bool] | None,
) -> list[DriverSource]:
    found = media.info.package(package.short)
    assert found is not None  # take_inventory only unpacks what the media has
    folder = workdir / CABS_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    local = folder / f"{package.short}.cab"
    media.copy_file(found.location, local, should_cancel=should_cancel)
    tool = require_tool(cab.TOOL)
    unpacked = folder / package.short
    shutil.rmtree(unpacked, ignore_errors=True)
    unpacked.mkdir()
    if not run(cab.extract_argv(tool, local, unpacked)).ok:
        raise MediaError(f"{package.name}.cab cannot be unpacked: copy the media again")
    local.unlink()
    return package_sources(unpacked, package.name, f"the {package.short} package")


def _problem(target: Target, outcome: DeviceOutcome, searched: tuple[str, ...]) -> str | None:
    if outcome.installed is not None or outcome.injection is not None:
        return None
    device = outcome.device
    need = (
        "to reach its own disk at boot"
        if device.boot_critical
        else "so the network settings and WinRM work at first boot"
    )
    head = f"{target.label} needs a driver for its {device.name} {need}"
    if outcome.matches:
        reasons = "; ".join(
            f"{match.source.origin}: {match.problem}" for match in outcome.matches if match.problem
        )
        return (
            f"{head}, and the portable engine cannot put it into the image offline ({reasons}): "
            "build on Windows with the Windows engine, which installs it with DISM"
        )
    places = ["the image", *searched]
    if len(places) == 1:
        where = "the image has none"
    elif len(places) == 2:
        where = f"neither {places[0]} nor {places[1]} has one"
    else:
        where = f"none of {', '.join(places[:-1])} and {places[-1]} has one"
    return f"{head}, and {where}: add a driver folder that has it" + (
        "" if target is not Target.HYPERV_GEN1 else ", or choose Hyper-V Generation 2"
    )
