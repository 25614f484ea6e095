"""The full dry-run plans, pinned: every command line and every diskpart script.

Media and paths are made up (Windows-style, fixed) so the plans are the same on
every run. To update after an intended change:
``NANOSTUDIO_REGENERATE_PLANS=1 pytest tests/windows_engine/test_plans.py``
and review the diff of ``tests/windows_engine/plans/``.
"""

from __future__ import annotations

import os
import re
from dataclasses import replace
from pathlib import Path

import pytest

from nanostudio.catalogue import PACKAGES, Deployment, Edition
from nanostudio.engine.steps import BuildPaths
from nanostudio.engine.windows.engine import APPLY_ENV, available_apply_tools, make_plan
from nanostudio.engine.windows.host import PlanOnlyHost
from nanostudio.engine.windows.job import ApplyTool
from nanostudio.errors import MediaError, RecipeError, UserFacingError
from nanostudio.media.model import MediaInfo, MediaKind, PackageCab, WimImage
from nanostudio.recipe import (
    CopyPath,
    DriversSpec,
    FilesSpec,
    NetworkSpec,
    OutputSpec,
    PackagesSpec,
    Recipe,
    SourceSpec,
    SystemSpec,
)
from nanostudio.recipe.model import GIB

PLANS = Path(__file__).parent / "plans"
LOGS = Path("C:/Users/ann/AppData/Local/NanoStudio/logs")
ISO = Path("C:/ISO/en_windows_server_2016_x64_dvd_9718492.iso")


def made_up_media(
    kind: MediaKind, source: Path, wim: str, *, datacenter_first: bool = False
) -> MediaInfo:
    images = [
        WimImage(
            1,
            "Windows Server 2016 SERVERSTANDARDNANO",
            Edition.STANDARD,
            "ServerStandardNano",
            "ServerStandardNano",
            "amd64",
            561_000_000,
        ),
        WimImage(
            2,
            "Windows Server 2016 SERVERDATACENTERNANO",
            Edition.DATACENTER,
            "ServerDatacenterNano",
            "ServerDatacenterNano",
            "amd64",
            568_000_000,
        ),
    ]
    if datacenter_first:
        images = [replace(images[1], index=1), replace(images[0], index=2)]
    packages = tuple(
        PackageCab(
            info,
            f"Packages/{info.name}.cab",
            {lang: f"Packages/{lang}/{info.name}_{lang}.cab" for lang in ("de-de", "en-us")},
        )
        for info in PACKAGES
    )
    return MediaInfo(source, kind, wim, 209_715_200, tuple(images), packages, ("de-de", "en-us"))


def iso_media(**kw: bool) -> MediaInfo:
    return made_up_media("iso", ISO, "iso:/NanoServer/NanoServer.wim", **kw)


def folder_media() -> MediaInfo:
    return made_up_media("media-folder", Path("E:/Win2016"), "E:/Win2016/NanoServer/NanoServer.wim")


def recipes() -> dict[str, tuple[Recipe, MediaInfo, ApplyTool]]:
    vhdx = Recipe(
        source=SourceSpec(ISO, Edition.DATACENTER, Deployment.HOST, "de-de"),
        packages=PackagesSpec(("DSC", "Containers", "IIS")),
        drivers=DriversSpec(
            oem=True, folders=(Path("C:/Drivers/e1000"), Path("C:/Drivers/virtio/NetKVM"))
        ),
        system=SystemSpec("NANO-HOST1", "W. Europe Standard Time"),
        network=NetworkSpec(ipv4="192.168.56.10/24", gateway="192.168.56.1", dns=("192.168.56.1",)),
        output=OutputSpec(Path("C:/Builds/nano.vhdx"), 8 * GIB),
    )
    vhd = Recipe(
        source=SourceSpec(Path("E:/Win2016"), Edition.STANDARD, Deployment.HOST),
        drivers=DriversSpec(virtualbox=True),
        system=SystemSpec("NANOVBOX"),
        output=OutputSpec(Path("C:/VMs/Nano Box/nano.vhd"), 4 * GIB),
    )
    wim = Recipe(
        source=SourceSpec(ISO, Edition.DATACENTER, Deployment.GUEST),
        packages=PackagesSpec(("Compute", "ShieldedVM")),
        drivers=DriversSpec(folders=(Path("C:/Drivers/storage"),)),
        firstboot=replace(Recipe().firstboot, commands=("winrm quickconfig -quiet",)),
        output=OutputSpec(Path("C:/Images/nano.wim")),
    )
    guest = Recipe(
        source=SourceSpec(ISO, Edition.STANDARD, Deployment.GUEST),
        output=OutputSpec(Path("C:/Builds/guest.vhdx"), 6 * GIB),
    )
    updates = Recipe(
        source=SourceSpec(ISO, Edition.DATACENTER, Deployment.HOST),
        packages=PackagesSpec(
            ("DSC",),
            servicing=(
                Path("C:/Updates/Windows10.0-KB4284880-x64.cab"),
                Path("C:/Updates/windows10.0-kb4132216-x64.msu"),
            ),
        ),
        drivers=DriversSpec(oem=True),
        files=FilesSpec(
            (
                CopyPath(Path("C:/Tools/Sysinternals"), "Program Files\\Tools"),
                CopyPath(Path("C:/Notes/readme.txt"), ""),
            )
        ),
        output=OutputSpec(Path("C:/Builds/updated.vhdx"), 10 * GIB),
    )
    network = Recipe(
        source=SourceSpec(ISO, Edition.STANDARD, Deployment.HOST),
        drivers=DriversSpec(oem=True),
        system=SystemSpec(
            "NANO1",
            unattend=Path("C:/Answers/mine.xml"),
            domain_blob=Path("C:/Answers/nano1.djoin"),
        ),
        network=NetworkSpec(
            ipv4="10.1.2.3/24",
            interface="12",
            ipv6="2001:db8::10",
            ipv6_dns=("2001:db8::1", "2001:db8::2"),
            vlan=42,
            winrm_https=True,
        ),
        output=OutputSpec(Path("C:/Builds/vlan.vhdx"), 8 * GIB),
    )
    return {
        "vhdx-vlan-ipv6-index": (network, iso_media(), ApplyTool.DISM),
        "vhdx-updates-copies": (updates, iso_media(), ApplyTool.DISM),
        "vhdx-host-oem-roles-drivers-de-de": (
            vhdx,
            iso_media(datacenter_first=True),
            ApplyTool.DISM,
        ),
        "vhd-virtualbox-standard": (vhd, folder_media(), ApplyTool.DISM),
        "wim-guest-datacenter-compute-shielded": (wim, iso_media(), ApplyTool.DISM),
        "vhdx-guest-wimlib": (guest, iso_media(), ApplyTool.WIMLIB),
    }


def describe(recipe: Recipe, media: MediaInfo, tool: ApplyTool) -> str:
    plan = make_plan(recipe, media, host=PlanOnlyHost(), apply_tool=tool)
    paths = BuildPaths.for_output(recipe.output.path, Path("<temp>"), LOGS)
    return plan.describe(paths) + "\n"


@pytest.mark.parametrize("name", sorted(recipes()))
def test_plan_matches_the_pinned_text(name: str) -> None:
    recipe, media, tool = recipes()[name]
    text = describe(recipe, media, tool)
    pinned = PLANS / f"{name}.txt"
    if os.environ.get("NANOSTUDIO_REGENERATE_PLANS"):
        pinned.write_text(text, encoding="utf-8")
    assert text == pinned.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(recipes()))
def test_plans_are_deterministic_and_windows_spelled(name: str) -> None:
    recipe, media, tool = recipes()[name]
    text = describe(recipe, media, tool)
    assert text == describe(recipe, media, tool)
    body = text.split("\n", 3)[3]  # after "Engine:" and the generic "Output:" and "Space:"
    assert "/tmp" not in body and "C:/" not in body


def test_vhdx_plan_services_each_package_base_then_language_in_dependency_order() -> None:
    recipe, media, tool = recipes()["vhdx-host-oem-roles-drivers-de-de"]
    text = describe(recipe, media, tool)
    cabs = [
        line.split("/PackagePath:")[1].split()[0]
        for line in text.splitlines()
        if "/PackagePath:" in line
    ]
    shorts = ["Host", "OEM-Drivers", "DSC", "Containers", "IIS"]
    expected = []
    for short in shorts:
        name = f"Microsoft-NanoServer-{short}-Package"
        expected += [
            f"<temp>\\media\\Packages\\{name}.cab",
            f"<temp>\\media\\Packages\\de-de\\{name}_de-de.cab",
        ]
    assert cabs == expected
    assert "/Index:1 " in text  # Datacenter is first on this media: found by metadata


def test_unknown_apply_tool_in_the_environment_is_a_user_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    recipe, media, _ = recipes()["vhdx-guest-wimlib"]
    monkeypatch.setenv(APPLY_ENV, "imagex")
    with pytest.raises(UserFacingError, match="'dism' or 'wimlib'"):
        make_plan(recipe, media, host=PlanOnlyHost())
    monkeypatch.setenv(APPLY_ENV, "wimlib")
    assert "wimlib-imagex apply" in make_plan(recipe, media, host=PlanOnlyHost()).describe(
        BuildPaths.for_output(recipe.output.path, Path("<temp>"), LOGS)
    )


def test_plans_refuse_what_cannot_be_built() -> None:
    recipe, media, _ = recipes()["vhdx-guest-wimlib"]
    with pytest.raises(RecipeError, match="2040GiB"):
        make_plan(
            replace(recipe, output=OutputSpec(Path("C:/x.vhd"), 3000 * GIB)),
            media,
            host=PlanOnlyHost(),
        )
    with pytest.raises(RecipeError, match=r"\.vhdx, \.vhd or \.wim"):
        make_plan(replace(recipe, output=OutputSpec(Path("C:/x.img"))), media, host=PlanOnlyHost())
    no_datacenter = replace(media, images=media.images[:1])
    with pytest.raises(MediaError, match="no Datacenter"):
        make_plan(
            replace(recipe, source=replace(recipe.source, edition=Edition.DATACENTER)),
            no_datacenter,
            host=PlanOnlyHost(),
        )
    no_french = replace(recipe, source=replace(recipe.source, language="fr-fr"))
    with pytest.raises(MediaError, match=r"Guest-Package_fr-fr\.cab is missing"):
        make_plan(no_french, media, host=PlanOnlyHost())


def test_wimlib_is_offered_only_when_it_is_on_path(tmp_path: Path) -> None:
    class Host(PlanOnlyHost):
        def __init__(self, found: bool) -> None:
            self.found = found

        def find_tool(self, name: str) -> str | None:
            return str(tmp_path / f"{name}.exe") if self.found else None

    assert available_apply_tools(Host(False)) == [ApplyTool.DISM]
    assert available_apply_tools(Host(True)) == [ApplyTool.DISM, ApplyTool.WIMLIB]


def test_dns_is_serviced_offline_and_its_feature_enabled_at_first_boot() -> None:
    recipe, media, tool = recipes()["vhdx-guest-wimlib"]
    dns = replace(recipe, packages=PackagesSpec(("DNS", "Storage")))
    text = describe(dns, media, tool)
    assert "/PackagePath:<temp>\\media\\Packages\\Microsoft-NanoServer-DNS-Package.cab" in text
    enable = "dism /online /enable-feature /featurename:DNS-Server-Full-Role /quiet /norestart"
    assert f'       {enable} >> "%LOG%" 2>&1\n' in text
    assert "DNS: SetupComplete.cmd enables the DNS-Server-Full-Role feature" in text
    assert "Storage: Microsoft's Nano guide says File Services is not enabled" in text
    assert "enable-feature" not in describe(recipe, media, tool)


def _step_lines(text: str, key: str) -> list[str]:
    """The command lines of the plan step ``[key]``."""
    lines = text.splitlines()
    start = next(n for n, line in enumerate(lines) if line.endswith(f"[{key}]"))
    body = []
    for line in lines[start + 1 :]:
        if not line.startswith("   "):
            break
        body.append(line.strip())
    return body


def test_bios_plan_letters_the_one_partition_and_sets_locate_after_bcdboot() -> None:
    text = describe(*recipes()["vhd-virtualbox-standard"])
    create = _step_lines(text, "disk")
    assert create[-5:-2] == [
        'assign mount="<temp>\\mnt\\windows"',
        "rem bcdboot needs a drive letter on the Windows partition",
        "assign letter=W",
    ]
    assert "assign letter=S" not in text  # a volume has one drive letter
    assert _step_lines(text, "boot") == ["bcdboot W:\\Windows /s W: /f BIOS /l en-us"]
    assert _step_lines(text, "locate") == [
        "bcdedit /store W:\\Boot\\BCD /set {bootmgr} device locate",
        "bcdedit /store W:\\Boot\\BCD /set {default} device locate",
        "bcdedit /store W:\\Boot\\BCD /set {default} osdevice locate",
    ]
    steps = re.findall(r"^\d+\. .* \[([a-z0-9-]+)\]$", text, re.MULTILINE)
    assert steps[-3:] == ["boot", "locate", "detach"]
    assert _step_lines(text, "detach")[2:4] == ["select volume=W", "remove letter=W"]


@pytest.mark.parametrize("name", ["vhdx-host-oem-roles-drivers-de-de", "vhdx-guest-wimlib"])
def test_uefi_plans_letter_both_partitions_and_keep_bcdboots_devices(name: str) -> None:
    text = describe(*recipes()[name])
    create = _step_lines(text, "disk")
    assert create.index("assign letter=S") < create.index("assign letter=W")
    assert _step_lines(text, "boot")[0].startswith("bcdboot W:\\Windows /s S: /f UEFI /l ")
    assert "bcdedit" not in text and "[locate]" not in text
    detach = _step_lines(text, "detach")
    removed = [line for line in detach if line.startswith("remove ")]
    assert removed == ["remove letter=W", 'remove mount="<temp>\\mnt\\windows"', "remove letter=S"]
