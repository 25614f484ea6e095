"""The Windows engine's edit (Edit-NanoServerImage on a copy), through FAKE dism.

The dry-run plans are pinned; runs replay DISM's transcripts: mount the copy with
/Index:1, add only the packages the image lacks, unmount /Commit, and /Discard
when a step fails, with the source's SHA-256 unchanged and nothing left behind.
UNVERIFIED against a real DISM.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import replace
from pathlib import Path

import pytest

from nanostudio.devtools.sample_media import SampleMedia
from nanostudio.engine.edit.source import inspect_edit_source
from nanostudio.engine.edit.windows_plan import make_edit_plan
from nanostudio.engine.steps import BuildPaths
from nanostudio.engine.windows.host import PlanOnlyHost, windows_path_text
from nanostudio.recipe import (
    CopyPath,
    DriversSpec,
    EditSpec,
    FilesSpec,
    NetworkSpec,
    OutputSpec,
    PackagesSpec,
    Recipe,
    SourceSpec,
    SystemSpec,
)
from tests.engine_edit.disk_faults import small_windows_disk
from tests.support.windows_fakes.fake_dism import DISK_FILES_ENV
from tests.windows_engine.builds import E1000_INF, assert_nothing_left, inspect, run
from tests.windows_engine.conftest import FakeHost, FakeTools
from tests.windows_engine.test_plans import LOGS, PLANS, iso_media

DSC_MUM = (
    "Windows/servicing/Packages/"
    "Microsoft-NanoServer-DSC-Package~31bf3856ad364e35~amd64~~10.0.14393.0.mum"
)
ORIGINAL_SCRIPT = "@echo off\r\nrem the image's own first-boot script\r\n"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _dism_calls(fake_tools: FakeTools) -> list[str]:
    return [" ".join(call["argv"]) for call in fake_tools.calls("dism")]


def edit_recipe(media: Path, source: Path, output: Path, size: int) -> Recipe:
    return Recipe(
        source=SourceSpec(media=media),
        packages=PackagesSpec(("DSC", "Storage")),
        system=SystemSpec("EDITED"),
        network=NetworkSpec(winrm=True, ipv4="10.0.0.5/24"),
        output=OutputSpec(output, size),
        edit=EditSpec(source),
    )


@pytest.mark.parametrize("fmt", ["vhdx", "vpc"])
def test_the_edit_plan_is_pinned(tmp_path: Path, fmt: str) -> None:
    source = small_windows_disk(tmp_path, fmt)
    suffix = source.suffix
    recipe = Recipe(
        source=SourceSpec(media=Path("C:/ISO/en_windows_server_2016_x64_dvd_9718492.iso")),
        packages=PackagesSpec(("DSC", "Containers")),
        drivers=DriversSpec(folders=(Path("C:/Drivers/e1000"),)),
        files=FilesSpec((CopyPath(Path("C:/Tools/readme.txt"), "Tools"),)),
        system=SystemSpec("NANO-EDIT"),
        network=NetworkSpec(ipv4="192.168.56.20/24", winrm=True),
        output=OutputSpec(Path(f"C:/Builds/edited{suffix}"), inspect_edit_source(source).size),
        edit=EditSpec(source),
    )
    plan = make_edit_plan(recipe, iso_media(), host=PlanOnlyHost())
    text = plan.describe(BuildPaths.for_output(recipe.output.path, Path("<temp>"), LOGS)) + "\n"
    text = text.replace(windows_path_text(tmp_path), "C:\\Images")
    pinned = PLANS / f"edit-{suffix.lstrip('.')}.txt"
    if os.environ.get("NANOSTUDIO_REGENERATE_PLANS"):
        pinned.write_text(text, encoding="utf-8")
    assert text == pinned.read_text(encoding="utf-8")
    assert "/Mount-Image /ImageFile:<temp>\\disk" in text and "/Index:1 " in text
    assert "/Unmount-Image /MountDir:<temp>\\mnt\\windows /Commit" in text
    assert "diskpart" not in text and "bcdboot" not in text


def test_an_edit_mounts_a_copy_adds_what_is_missing_and_commits(
    sample_media: SampleMedia,
    fake_tools: FakeTools,
    fake_host: FakeHost,
    out: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    source = small_windows_disk(tmp_path)
    digest = _sha256(source)
    monkeypatch.setenv(
        DISK_FILES_ENV,
        json.dumps({DSC_MUM: "DSC", "Windows/Setup/Scripts/SetupComplete.cmd": ORIGINAL_SCRIPT}),
    )
    drivers = tmp_path / "e1000"
    drivers.mkdir()
    (drivers / "e1g6032e.inf").write_text(E1000_INF)
    recipe = edit_recipe(sample_media.root, source, out / "edited.vhdx", 64 << 20)
    recipe = replace(recipe, drivers=DriversSpec(folders=(drivers,)))
    plan = make_edit_plan(recipe, inspect(sample_media.root), host=fake_host)
    outcome, _ = run(plan)
    assert outcome.was_successful(), outcome
    assert _sha256(source) == digest
    dism = _dism_calls(fake_tools)
    mount = [c for c in dism if "/Mount-Image" in c]
    assert len(mount) == 1 and "disk.vhdx /Index:1 " in mount[0]
    added = [c for c in dism if "/Add-Package" in c]
    assert added and all("Storage" in c for c in added)  # DSC was in the image
    assert any("/Add-Driver" in c and "e1000" in c for c in dism)
    assert any("/Unmount-Image" in c and "/Commit" in c for c in dism)
    assert not any("/Discard" in c for c in dism)
    assert fake_tools.dism_mounts() == {}
    assert sorted(p.name for p in out.iterdir()) == ["edited.vhdx"]
    files = json.loads((out / "edited.vhdx").read_text())["files"]
    assert files["Windows/Setup/Scripts/SetupComplete-before-edit.cmd"] == ORIGINAL_SCRIPT
    script = files["Windows/Setup/Scripts/SetupComplete.cmd"]
    assert "SetupComplete-before-edit.cmd" in script and "10.0.0.5" in script
    assert any("Storage-Package" in name for name in files)


def test_a_failing_package_discards_the_mount_and_leaves_nothing(
    sample_media: SampleMedia,
    fake_tools: FakeTools,
    fake_host: FakeHost,
    out: Path,
    tmp_path: Path,
) -> None:
    source = small_windows_disk(tmp_path)
    digest = _sha256(source)
    fake_tools.fail("dism|storage-package.cab|0x800f0922")
    recipe = edit_recipe(sample_media.root, source, out / "edited.vhdx", 64 << 20)
    outcome, _ = run(make_edit_plan(recipe, inspect(sample_media.root), host=fake_host))
    assert not outcome.was_successful()
    assert "installers failed" in str(outcome)
    dism = _dism_calls(fake_tools)
    assert any("/Unmount-Image" in c and "/Discard" in c for c in dism)
    assert not any("/Commit" in c for c in dism)
    assert _sha256(source) == digest
    assert_nothing_left(out, fake_tools)


def test_an_image_whose_setup_has_finished_is_refused(
    sample_media: SampleMedia,
    fake_tools: FakeTools,
    fake_host: FakeHost,
    out: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    source = small_windows_disk(tmp_path)
    state = "[State]\r\nImageState=IMAGE_STATE_COMPLETE\r\n"
    monkeypatch.setenv(DISK_FILES_ENV, json.dumps({"Windows/Setup/State/State.ini": state}))
    recipe = edit_recipe(sample_media.root, source, out / "edited.vhdx", 64 << 20)
    outcome, _ = run(make_edit_plan(recipe, inspect(sample_media.root), host=fake_host))
    assert not outcome.was_successful()
    assert "has been started before" in str(outcome)
    assert_nothing_left(out, fake_tools)
