"""The portable plan: steps per output format, notes, space, the dry-run text."""

from __future__ import annotations

from pathlib import Path

import pytest

from nanostudio.catalogue import Deployment, Edition
from nanostudio.devtools.sample_media import SampleMedia
from nanostudio.engine.portable.engine import make_plan
from nanostudio.engine.portable.vhd import fixed_disk_size
from nanostudio.engine.steps import BuildPaths
from nanostudio.errors import RecipeError
from nanostudio.media.inspect import inspect_media
from nanostudio.media.model import MediaInfo
from nanostudio.recipe import OutputSpec, PackagesSpec, Recipe, SourceSpec

GIB = 1 << 30


@pytest.fixture(scope="module")
def iso_media(sample_media: SampleMedia) -> MediaInfo:
    assert sample_media.iso is not None
    return inspect_media(sample_media.iso)


def recipe(output: str, *, size: int = 2 * GIB, edition: Edition = Edition.STANDARD) -> Recipe:
    return Recipe(
        source=SourceSpec(media=Path("/m"), edition=edition, deployment=Deployment.GUEST),
        packages=PackagesSpec(("DSC",)),
        output=OutputSpec(path=Path("/out") / output, size=size),
    )


def paths(output: Path) -> BuildPaths:
    return BuildPaths.for_output(output, Path("<temp>"), Path("<logs>"))


def test_disk_plan_steps_and_layout(iso_media: MediaInfo) -> None:
    plan = make_plan(recipe("nano.vhdx"), iso_media)
    assert plan.engine == "portable"
    assert [s.name for s in plan.steps] == [
        "media", "drivers", "stage", "boot-files", "esp", "format", "apply", "assemble",
    ]  # fmt: skip
    text = plan.describe(paths(plan.output))
    assert "copy iso:/NanoServer/NanoServer.wim to <temp>/NanoServer.wim" in text
    assert "'--ref=<temp>/NanoServer.wim'" in text
    assert "2147483648 bytes" in text
    # A Guest image for Hyper-V Gen2: its drivers go into the image before first boot.
    assert "Hyper-V (Generation 2) needs drivers for Hyper-V VMBus" in text
    assert "Guest" in text and "installed at first boot" in text


def test_vhd_is_planned_at_a_chs_exact_size(iso_media: MediaInfo) -> None:
    size = 2 * GIB + 12345 * 512
    plan = make_plan(recipe("nano.vhd", size=size), iso_media)
    text = plan.describe(paths(plan.output))
    assert f"{fixed_disk_size(size)} bytes" in text
    assert plan.required_bytes >= size


def test_wim_plan_exports(iso_media: MediaInfo) -> None:
    plan = make_plan(recipe("nano.wim", edition=Edition.DATACENTER), iso_media)
    assert [s.name for s in plan.steps] == ["media", "drivers", "stage", "export"]
    text = plan.describe(paths(plan.output))
    assert "wimlib-imagex export '<temp>/image-delta.wim' 1 /out/nano.wim.partial" in text
    assert "image 2: Windows Server 2016 SERVERDATACENTERNANO" in text


def test_password_never_in_the_plan(iso_media: MediaInfo) -> None:
    plan = make_plan(recipe("nano.vhdx"), iso_media)
    text = plan.describe(paths(plan.output))
    assert "password encoded as Windows expects" in text


def test_unknown_output_format_is_refused(iso_media: MediaInfo) -> None:
    with pytest.raises(RecipeError, match="must end in"):
        make_plan(recipe("nano.img"), iso_media)
