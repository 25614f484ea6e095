"""Tool output becomes step progress: DISM's bars, diskpart's percentages."""

from __future__ import annotations

from pathlib import Path

import pytest

from nanostudio.devtools.sample_media import SampleMedia
from nanostudio.engine.cancel import CancelToken
from nanostudio.engine.steps import BuildPaths, Step, StepContext
from nanostudio.engine.windows.disk_steps import CreateDiskStep
from nanostudio.engine.windows.image_steps import ApplyStep, PackageStep
from nanostudio.engine.windows.job import Job
from nanostudio.paths import log_dir
from tests.windows_engine.builds import guest_recipe, host_recipe, plan_for
from tests.windows_engine.conftest import FakeHost, FakeTools


def context(tmp_path: Path, reports: list[float]) -> StepContext:
    workdir = tmp_path / "work"
    for folder in ("mnt/windows", "scratch", "media/Packages/en-us"):
        (workdir / folder).mkdir(parents=True)
    paths = BuildPaths.for_output(tmp_path / "n.vhdx", workdir, log_dir())
    return StepContext(
        paths, CancelToken(), None, lambda fraction, _: reports.append(fraction), lambda *_: None
    )


def step_of(steps: tuple[Step, ...], kind: type[Step], name: str | None = None) -> Step:
    return next(s for s in steps if isinstance(s, kind) and (name is None or s.name == name))


def test_dism_bars_drive_the_apply_step(
    sample_media: SampleMedia, fake_tools: FakeTools, fake_host: FakeHost, tmp_path: Path
) -> None:
    plan = plan_for(guest_recipe(sample_media.root, tmp_path / "n.vhdx"), fake_host)
    step = step_of(plan.steps, ApplyStep)
    assert isinstance(step, ApplyStep)
    reports: list[float] = []
    step.run(context(tmp_path, reports))
    # The fake draws 0, 4, 17.2, 42, 73.5 and 100 percent, redrawn with \r.
    assert reports == pytest.approx([0.0, 0.04, 0.172, 0.42, 0.735, 1.0])


def test_a_package_step_gives_each_cab_half(
    sample_media: SampleMedia, fake_tools: FakeTools, fake_host: FakeHost, tmp_path: Path
) -> None:
    plan = plan_for(guest_recipe(sample_media.root, tmp_path / "n.vhdx"), fake_host)
    step = step_of(plan.steps, PackageStep, "package-guest")
    assert isinstance(step, PackageStep)
    reports: list[float] = []
    ctx = context(tmp_path, reports)
    (ctx.paths.workdir / "mnt/windows/Windows").mkdir()
    for name in (
        "Microsoft-NanoServer-Guest-Package.cab",
        "en-us/Microsoft-NanoServer-Guest-Package_en-us.cab",
    ):
        (ctx.paths.workdir / "media/Packages" / name).write_bytes(b"MSCF")
    step.run(ctx)
    assert reports == pytest.approx([0.0, 0.0625, 0.25, 0.5, 0.5, 0.5625, 0.75, 1.0])


def test_diskpart_percentages_move_the_disk_step_forward(
    sample_media: SampleMedia, fake_tools: FakeTools, fake_host: FakeHost, tmp_path: Path
) -> None:
    plan = plan_for(host_recipe(sample_media.root, tmp_path / "n.vhdx"), fake_host)
    step = step_of(plan.steps, CreateDiskStep)
    assert isinstance(step, CreateDiskStep)
    job: Job = step.job
    job.state.tools.diskpart = "diskpart"
    reports: list[float] = []
    ctx = context(tmp_path, reports)
    step.run(ctx)
    assert reports == sorted(reports)
    # "percent completed" of create, attach and the two formats, as commands done + share.
    assert reports[0] == 0.0 and 0.5 < reports[-1] < 1
    assert len(reports) == 2 + 2 + 4 + 4
    assert job.state.disk.attached
    # The ESP's letter, the Windows partition's folder, then its letter for bcdboot.
    assert [a.letter for a in job.state.disk.access_paths] == ["S", None, "W"]
    for cleanup in ctx.cleanups:
        cleanup.action()  # detach again, as the runner would
    assert not job.state.disk.attached
