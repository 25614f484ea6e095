"""Recipes, runs and after-build checks for the Windows engine tests (plain helpers)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from nanostudio.catalogue import Deployment, Edition
from nanostudio.engine.cancel import CancelToken
from nanostudio.engine.events import BuildEvent, BuildOutcome
from nanostudio.engine.runner import BuildRunner
from nanostudio.engine.steps import Plan
from nanostudio.engine.windows.engine import make_plan
from nanostudio.engine.windows.host import WindowsHost
from nanostudio.media.model import MediaInfo
from nanostudio.media.source import open_media
from nanostudio.recipe import DriversSpec, OutputSpec, PackagesSpec, Recipe, SourceSpec
from nanostudio.secret import Secret
from tests.windows_engine.conftest import FakeTools

PASSWORD = "Fake-Pa55word!"

E1000_INF = """[Version]
Signature="$WINDOWS NT$"
Class=Net
Provider=%Intel%
DriverVer=06/21/2006,8.4.1.0
[Manufacturer]
%Intel%=Intel,NTamd64
[Intel.NTamd64]
%E1000.DeviceDesc%=E1000,PCI\\VEN_8086&DEV_100E
[Strings]
Intel="Intel"
E1000.DeviceDesc="Intel(R) PRO/1000 MT Desktop Adapter"
"""


def assert_machine_clean(fake_tools: FakeTools) -> None:
    attached = [p for p, d in fake_tools.machine()["vdisks"].items() if d["attached"]]
    assert attached == []
    assert fake_tools.drive_letters() == []
    assert fake_tools.dism_mounts() == {}


def assert_only_output(out: Path, name: str | None) -> None:
    assert sorted(p.name for p in out.iterdir()) == ([name] if name else [])


def assert_nothing_left(out: Path, fake_tools: FakeTools) -> None:
    """After a failure or cancel: no output, no temp folder, no disk, letter or mount."""
    assert_only_output(out, None)
    assert_machine_clean(fake_tools)


def inspect(media: Path) -> MediaInfo:
    with open_media(media) as source:
        return source.info


def host_recipe(media: Path, output: Path, **output_kw: Any) -> Recipe:
    """Datacenter, Host + OEM drivers, DSC and Containers: the VirtualBox-style recipe."""
    return Recipe(
        source=SourceSpec(media=media, edition=Edition.DATACENTER, deployment=Deployment.HOST),
        packages=PackagesSpec(("DSC", "Containers")),
        drivers=DriversSpec(oem=True),
        output=OutputSpec(output, **output_kw),
    )


def guest_recipe(media: Path, output: Path) -> Recipe:
    """Standard, Guest (Hyper-V), no roles."""
    return Recipe(
        source=SourceSpec(media=media, edition=Edition.STANDARD, deployment=Deployment.GUEST),
        output=OutputSpec(output),
    )


def with_drivers(recipe: Recipe, *folders: Path) -> Recipe:
    return replace(recipe, drivers=replace(recipe.drivers, folders=folders))


def plan_for(recipe: Recipe, host: WindowsHost) -> Plan:
    assert recipe.source.media is not None
    return make_plan(recipe, inspect(recipe.source.media), host=host)


def run(plan: Plan, cancel: CancelToken | None = None) -> tuple[BuildOutcome, list[BuildEvent]]:
    events: list[BuildEvent] = []
    runner = BuildRunner(plan, cancel=cancel, password=Secret(PASSWORD))
    return runner.run(events.append), events


def disk_contents(path: Path) -> dict[str, Any]:
    """What the FAKE diskpart wrote into a detached virtual disk."""
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data
