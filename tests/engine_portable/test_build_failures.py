"""Every way a build can stop early leaves nothing: no output, no *.partial, no temp folder."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import psutil
import pytest

from nanostudio.catalogue import Deployment, Edition
from nanostudio.devtools.sample_media import SampleMedia
from nanostudio.engine.cancel import CancelToken
from nanostudio.engine.engines import EngineName, make_plan
from nanostudio.engine.events import BuildEvent, Progress, Status, StepStarted
from nanostudio.engine.runner import BuildRunner
from nanostudio.engine.steps import Step, StepContext
from nanostudio.media.inspect import inspect_media
from nanostudio.recipe import DriversSpec, OutputSpec, PackagesSpec, Recipe, SourceSpec, Target
from nanostudio.recipe.toml_io import save_recipe
from nanostudio.secret import Secret
from tests.engine_portable.helpers import PASSWORD, build, leftovers, run
from tests.support.fixtures_media import damaged_wim_copy, truncated_copy

GIB = 1 << 30


def recipe_for(media: Path, output: Path, *, size: int = GIB) -> Recipe:
    """KVM (Host + OEM drivers): the drivers step has real work to be interrupted in."""
    return Recipe(
        source=SourceSpec(media=media, edition=Edition.DATACENTER, deployment=Deployment.HOST),
        packages=PackagesSpec(("DSC",)),
        drivers=DriversSpec(oem=True),
        output=OutputSpec(path=output, size=size, target=Target.KVM),
    )


class Sabotage(Step):
    """Damages the (private copy of the) source WIM just before the step it precedes."""

    name = "sabotage"
    title = "Damage the source (test only)"

    def __init__(self, wim: Path, *, truncate: bool) -> None:
        self.wim = wim
        self.truncate = truncate

    def run(self, ctx: StepContext) -> None:
        if self.truncate:
            tmp = self.wim.with_name("cut.wim")
            truncated_copy(self.wim, tmp, self.wim.stat().st_size // 3)
            tmp.replace(self.wim)
        else:
            damaged_wim_copy(self.wim, self.wim.with_name("bad.wim")).replace(self.wim)


def run_with_sabotage(recipe: Recipe, wim: Path, *, truncate: bool, before: str) -> Status:
    assert recipe.source.media is not None
    plan = make_plan(recipe, inspect_media(recipe.source.media), EngineName.PORTABLE, dry_run=False)
    steps = list(plan.steps)
    index = next(i for i, step in enumerate(steps) if step.name == before)
    steps.insert(index, Sabotage(wim, truncate=truncate))
    plan = replace(plan, steps=tuple(steps))
    outcome = BuildRunner(plan, password=Secret(PASSWORD)).run(lambda e: None)
    assert outcome.failed_step == plan.steps[index + 1].title, outcome
    assert outcome.exit_code == 1
    assert "damaged" in (outcome.error or "")
    return outcome.status


@pytest.mark.parametrize("truncate", [False, True], ids=["corrupt", "truncated"])
def test_damaged_wim_during_apply_fails_cleanly(
    media_copy: Path, tmp_path: Path, truncate: bool
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    wim = media_copy / "NanoServer" / "NanoServer.wim"
    status = run_with_sabotage(
        recipe_for(media_copy, out / "nano.vhdx"), wim, truncate=truncate, before="apply"
    )
    assert status is Status.FAILED
    assert leftovers(out) == []


def test_damaged_wim_from_the_start_fails_cleanly(media_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    wim = media_copy / "NanoServer" / "NanoServer.wim"
    damaged_wim_copy(wim, tmp_path / "bad.wim").replace(wim)
    outcome = build(recipe_for(media_copy, out / "nano.vhdx"))
    assert outcome.status is Status.FAILED
    assert outcome.exit_code == 1
    assert "damaged" in (outcome.error or "")
    assert leftovers(out) == []


def _limit_file_size(limit: int) -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


@pytest.mark.parametrize(
    ("limit_mib", "fmt", "step"),
    [(300, "vhdx", "Format the Windows partition"), (800, "vhd", "Write the disk file")],
)
def test_full_output_disk_fails_with_a_clear_message(
    sample_media: SampleMedia, tmp_path: Path, limit_mib: int, fmt: str, step: str
) -> None:
    """RLIMIT_FSIZE stands in for a full disk: writes past it fail with EFBIG."""
    out = tmp_path / "out"
    out.mkdir()
    recipe_file = tmp_path / "recipe.toml"
    save_recipe(recipe_for(sample_media.root, out / f"nano.{fmt}"), recipe_file)
    result = subprocess.run(
        [sys.executable, "-m", "nanostudio", "build", str(recipe_file)],
        capture_output=True,
        text=True,
        env={**os.environ, "NANOSTUDIO_ADMIN_PASSWORD": PASSWORD},
        preexec_fn=lambda: _limit_file_size(limit_mib << 20),
        timeout=120,
        check=False,
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert step in result.stdout
    assert "the output disk is full: " in result.stdout and "limit allows" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    assert leftovers(out) == []


def _steps(recipe: Recipe) -> list[str]:
    assert recipe.source.media is not None
    plan = make_plan(recipe, inspect_media(recipe.source.media), EngineName.PORTABLE, dry_run=False)
    return [step.name for step in plan.steps]


@pytest.mark.parametrize("fmt", ["vhdx", "wim"])
def test_cancel_at_the_start_of_each_step(
    sample_media: SampleMedia, tmp_path: Path, fmt: str
) -> None:
    assert sample_media.iso is not None
    names = _steps(recipe_for(sample_media.iso, tmp_path / f"probe.{fmt}"))
    assert len(names) == (8 if fmt == "vhdx" else 4)
    for name in names:
        out = tmp_path / name
        out.mkdir()
        cancel = CancelToken()

        def sink(event: BuildEvent, wanted: str = name, token: CancelToken = cancel) -> None:
            if isinstance(event, StepStarted) and event.name == wanted:
                token.cancel()

        recipe = recipe_for(sample_media.iso, out / f"nano.{fmt}")
        assert recipe.source.media is not None
        plan = make_plan(
            recipe, inspect_media(recipe.source.media), EngineName.PORTABLE, dry_run=False
        )
        outcome = BuildRunner(plan, cancel=cancel, password=Secret(PASSWORD)).run(sink)
        assert outcome.status is Status.CANCELLED, (name, outcome)
        assert outcome.exit_code == 130
        assert leftovers(out) == [], name


def test_cancel_while_wimlib_applies(payload_media: SampleMedia, tmp_path: Path) -> None:
    """Cancelled from its progress output: the running wimlib-imagex is killed."""
    cancel = CancelToken()
    seen: list[float] = []
    cancelled_at: list[float] = []

    def sink(event: BuildEvent) -> None:
        if isinstance(event, Progress) and event.name == "apply" and 0 < event.step_fraction < 1:
            if not seen:
                cancelled_at.append(time.monotonic())
            seen.append(event.step_fraction)
            cancel.cancel()

    plan_recipe = recipe_for(payload_media.root, tmp_path / "nano.vhdx")
    assert plan_recipe.source.media is not None
    plan = make_plan(
        plan_recipe, inspect_media(plan_recipe.source.media), EngineName.PORTABLE, dry_run=False
    )
    result = BuildRunner(plan, cancel=cancel, password=Secret(PASSWORD)).run(sink)
    stopped = time.monotonic()
    assert seen, "wimlib reported no progress"
    assert result.status is Status.CANCELLED
    assert stopped - cancelled_at[0] < 2.0
    assert leftovers(tmp_path) == []
    running = [
        p.info["cmdline"]
        for p in psutil.process_iter(["cmdline"])
        if any(str(tmp_path) in part for part in (p.info["cmdline"] or []))
    ]
    assert running == []


def test_existing_output_is_kept_without_force(sample_media: SampleMedia, tmp_path: Path) -> None:
    output = tmp_path / "nano.wim"
    output.write_bytes(b"keep me")
    recipe = recipe_for(sample_media.root, output)
    outcome = build(recipe)
    assert outcome.status is Status.FAILED
    assert outcome.exit_code == 2
    assert "--force" in (outcome.error or "")
    assert output.read_bytes() == b"keep me"
    assert leftovers(tmp_path) == ["nano.wim"]
    forced = build(recipe, force=True)
    assert forced.was_successful(), forced
    assert output.read_bytes()[:8] == b"MSWIM\x00\x00\x00"
    assert leftovers(tmp_path) == ["nano.wim"]
    # The chosen image alone, standalone (no --ref needed), with the staged content.
    info = run(["wimlib-imagex", "info", str(output)])
    assert "Image Count:    1" in info and "ServerDatacenterNano" in info
    listing = run(["wimlib-imagex", "dir", str(output), "1"])
    for path in (
        "/Windows/Panther/unattend.xml",
        "/Windows/Setup/Scripts/SetupComplete.cmd",
        "/NanoStudio/Packages/microsoft-nanoserver-dsc-package.cab",
        "/Windows/System32/NanoStudio-sample-edition.txt",
    ):
        assert path in listing.splitlines(), path
    run(["wimlib-imagex", "verify", str(output)])
