"""Put the target's boot and network drivers into the image offline.

Windows must load the driver of its boot disk controller before it can read
anything from that disk, so such a driver cannot wait for first boot
(Microsoft's generator adds the Guest, Host and OEM-Drivers packages offline
with DISM for that reason). Without DISM, the portable engine does what
virt-v2v does to make a converted guest boot from a new controller: the
driver's files go into the image and the SYSTEM hive gets its service and
DriverDatabase entries (see ``engine/drivers``). The edited hive and the files
go into the overlay, so the delta WIM carries them.
"""

from __future__ import annotations

import shutil
from collections import defaultdict
from functools import partial
from pathlib import Path, PurePosixPath

from nanostudio.engine.drivers.analysis import (
    DriverAnalysis,
    driver_packages,
    extract_hive,
    take_inventory,
)
from nanostudio.engine.drivers.database import (
    make_boot_start,
    package_name,
    write_driver_database,
    write_services,
)
from nanostudio.engine.drivers.devices import devices_for
from nanostudio.engine.drivers.files import SYSTEM_HIVE, placements
from nanostudio.engine.drivers.resolve import Injection
from nanostudio.engine.portable.state import OVERLAY, PortableStep
from nanostudio.engine.steps import BuildPaths, StepContext
from nanostudio.engine.tools.hivex import Hive
from nanostudio.errors import BuildError, MediaError

DRIVERS_WORK = "drivers"


class InjectDriversStep(PortableStep):
    name = "drivers"
    title = "Put the boot and network drivers into the image"
    weight = 0.3

    def describe(self, paths: BuildPaths) -> list[str]:
        target = self.state.recipe.target
        devices = ", ".join(device.name for device in devices_for(target))
        overlay = paths.workdir / OVERLAY
        return [
            f"extract {SYSTEM_HIVE} of image {self.state.image.index} to "
            f"{paths.workdir / DRIVERS_WORK}",
            f"unpack the chosen driver packages and read their INFs: {target.label} needs "
            f"drivers for {devices}",
            "add each missing driver's service and DriverDatabase entries to the hive (hivex), "
            f"its files to {overlay / 'Windows'}",
        ]

    def run(self, ctx: StepContext) -> None:
        if not devices_for(self.state.recipe.target):
            ctx.log(
                f"{self.state.recipe.target.label}: its devices are not known here, so no "
                "driver is put into the image beyond the chosen packages",
                "info",
            )
            return
        media, source_wim = self.state.require_source()
        work = ctx.paths.workdir / DRIVERS_WORK
        recipe = self.state.recipe
        run = partial(ctx.run_tool, check=False)
        try:
            hive = extract_hive(source_wim, self.state.image.index, work, run)
            inventory = take_inventory(
                media,
                hive,
                work,
                run,
                packages=[package.short for package in driver_packages(recipe)],
                should_cancel=lambda: ctx.cancel.cancelled,
            )
        except MediaError as error:  # media that passed inspection fails while read: a failed build
            raise BuildError(str(error)) from None
        analysis = inventory.analyse(recipe)
        problems = analysis.problems()
        if problems:
            raise BuildError("; ".join(problems))
        ctx.report(0.5, "editing the SYSTEM hive")
        overlay = ctx.paths.workdir / OVERLAY
        copies = _edit_hive(analysis)
        for source_path, image_path in copies:
            ctx.cancel.raise_if_cancelled()
            dest = overlay.joinpath(*image_path.parts)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source_path, dest)
        hive_dest = overlay.joinpath(*SYSTEM_HIVE.parts)
        hive_dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(analysis.hive, hive_dest)
        for note in analysis.notes():
            ctx.log(note)
        self.state.driver_notes = tuple(analysis.notes())


def _edit_hive(analysis: DriverAnalysis) -> list[tuple[Path, PurePosixPath]]:
    """Write every injection into the extracted hive; the files to copy, in order."""
    by_inf: dict[Path, list[Injection]] = defaultdict(list)
    copies: list[tuple[Path, PurePosixPath]] = []
    with Hive.open(analysis.hive, write=True) as hive:
        for outcome in analysis.outcomes:
            installed = outcome.installed
            if outcome.needs_boot_start and installed is not None and installed.service:
                make_boot_start(hive, analysis.control_set, installed.service)
            injection = outcome.injection
            if injection is not None:
                by_inf[injection.source.inf_path].append(injection)
        for injections in by_inf.values():
            source = injections[0].source
            package = package_name(source)
            for injection in injections:
                write_services(
                    hive,
                    analysis.control_set,
                    injection,
                    boot_critical=injection.device.boot_critical,
                )
            write_driver_database(hive, injections, package)
            copies += placements(source, injections, package)
        hive.commit()
    return copies
