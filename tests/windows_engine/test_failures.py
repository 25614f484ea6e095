"""Failures and cancels on FAKE tools, and the cleanup that must follow each.

After every failure or cancel: the error names the cause, whatever was attached,
lettered or mounted is undone (the detach/discard the fakes received is checked),
the output folder is empty (no ``*.partial``, no temp folder), and cancelled
tools and their children are gone.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import psutil
import pytest

from nanostudio.devtools.sample_media import SampleMedia
from nanostudio.engine.cancel import CancelToken
from nanostudio.engine.events import BuildOutcome, LogLine, Status
from nanostudio.engine.steps import BuildPaths, StepContext
from nanostudio.engine.windows import calls as windows_calls
from nanostudio.engine.windows.disk_steps import move_when_released
from nanostudio.engine.windows.image_steps import UnattendStep
from nanostudio.engine.windows.job import Job
from nanostudio.errors import BuildError
from nanostudio.paths import log_dir
from nanostudio.secret import Secret
from tests.windows_engine.builds import (
    E1000_INF,
    PASSWORD,
    assert_machine_clean,
    assert_nothing_left,
    guest_recipe,
    host_recipe,
    plan_for,
    run,
    with_drivers,
)
from tests.windows_engine.conftest import FakeHost, FakeTools


@pytest.fixture
def drivers(tmp_path: Path) -> Path:
    folder = tmp_path / "drivers"
    folder.mkdir()
    (folder / "e1000.inf").write_text(E1000_INF)
    return folder


def vhdx_build(sample: SampleMedia, out: Path, host: FakeHost, drivers: Path) -> BuildOutcome:
    outcome, _ = run(
        plan_for(with_drivers(host_recipe(sample.root, out / "n.vhdx"), drivers), host)
    )
    return outcome


def last_script(fake_tools: FakeTools) -> str:
    return str(fake_tools.calls("diskpart")[-1]["script"])


def detach_text(fake_tools: FakeTools, *access: str) -> str:
    """The detach script NanoStudio must send after ``access`` paths were assigned."""
    vdisk = fake_tools.calls("diskpart")[0]["script"].split('file="')[1].split('"')[0]
    lines = ["rem NanoStudio: detach the virtual disk built here"]
    for path in reversed(access):
        if len(path) == 1:
            lines += [f"select volume={path}", f"remove letter={path}"]
        else:
            lines += [f'select volume="{path}"', f'remove mount="{path}"']
    lines += [f'select vdisk file="{vdisk}"', "detach vdisk", "exit"]
    return "".join(f"{line}\r\n" for line in lines)


def mount_folder(fake_tools: FakeTools) -> str:
    return str(fake_tools.calls("diskpart")[0]["script"].split('mount="')[1].split('"')[0])


def test_diskpart_failing_to_create_leaves_nothing(
    sample_media: SampleMedia, fake_tools: FakeTools, fake_host: FakeHost, out: Path, drivers: Path
) -> None:
    fake_tools.fail("diskpart|create vdisk|The file exists.")
    outcome = vhdx_build(sample_media, out, fake_host, drivers)
    assert outcome.status is Status.FAILED and outcome.exit_code == 1
    assert outcome.error is not None
    assert outcome.error.startswith(
        "diskpart could not create the virtual disk at 'create vdisk file="
    )
    assert outcome.error.endswith(": The file exists")
    assert len(fake_tools.calls("diskpart")) == 1  # nothing was created: nothing to detach
    assert_nothing_left(out, fake_tools)


def test_diskpart_failing_half_way_detaches_what_it_lettered(
    sample_media: SampleMedia, fake_tools: FakeTools, fake_host: FakeHost, out: Path, drivers: Path
) -> None:
    fake_tools.fail("diskpart|format quick fs=ntfs|The volume size is too small.")
    outcome = vhdx_build(sample_media, out, fake_host, drivers)
    assert outcome.failed_step == "Create the virtual disk (GPT: EFI system + MSR + Windows)"
    assert outcome.error is not None
    assert (
        "at 'format quick fs=ntfs label=\"Windows\"': The volume size is too small" in outcome.error
    )
    assert last_script(fake_tools) == detach_text(fake_tools, "S")
    assert_nothing_left(out, fake_tools)


def test_dism_apply_failure_shows_the_code_advice_and_log_lines(
    sample_media: SampleMedia, fake_tools: FakeTools, fake_host: FakeHost, out: Path, drivers: Path
) -> None:
    fake_tools.fail("dism|/Apply-Image|0x80070005")
    outcome = vhdx_build(sample_media, out, fake_host, drivers)
    assert outcome.failed_step is not None and outcome.failed_step.startswith("Apply the")
    assert outcome.error is not None
    assert outcome.error.startswith("access denied while applying image 2 ")
    assert f"Last lines of the DISM log ({log_dir() / 'dism-apply.log'}):" in outcome.error
    assert "hr:0x80070005" in outcome.error
    assert last_script(fake_tools) == detach_text(fake_tools, "S", mount_folder(fake_tools), "W")
    assert_nothing_left(out, fake_tools)


def test_package_not_applicable_names_package_and_edition(
    sample_media: SampleMedia, fake_tools: FakeTools, fake_host: FakeHost, out: Path, drivers: Path
) -> None:
    fake_tools.fail("dism|dsc-package.cab|0x800f081e")
    outcome = vhdx_build(sample_media, out, fake_host, drivers)
    assert outcome.failed_step == "Add package DSC (en-us)"
    assert outcome.error is not None
    assert outcome.error.startswith(
        "package Microsoft-NanoServer-DSC-Package does not apply to edition Datacenter "
        "(Windows Server 2016 SERVERDATACENTERNANO): remove it from the recipe"
    )
    assert outcome.exit_code == 1
    assert [c["argv"][1] for c in fake_tools.calls("dism")].count("/Add-Package") == 5
    assert last_script(fake_tools) == detach_text(fake_tools, "S", mount_folder(fake_tools), "W")
    assert_nothing_left(out, fake_tools)


def test_bcdboot_failure_is_reported_and_the_disk_detached(
    sample_media: SampleMedia, fake_tools: FakeTools, fake_host: FakeHost, out: Path, drivers: Path
) -> None:
    fake_tools.fail("bcdboot|/f|")
    outcome = vhdx_build(sample_media, out, fake_host, drivers)
    assert outcome.failed_step == "Make the disk bootable (bcdboot)"
    assert outcome.error is not None
    assert "bcdboot could not make the disk bootable (system partition S:" in outcome.error
    assert "Failure when attempting to copy boot files." in outcome.error
    assert last_script(fake_tools) == detach_text(fake_tools, "S", mount_folder(fake_tools), "W")
    assert_nothing_left(out, fake_tools)


def test_windows_letter_taken_meanwhile_fails_the_disk_step_and_undoes_the_rest(
    sample_media: SampleMedia, fake_tools: FakeTools, fake_host: FakeHost, out: Path, drivers: Path
) -> None:
    """Free at preflight, taken by the time diskpart assigns it (a USB drive plugged in)."""
    fake_tools.fail(
        "diskpart|assign letter=W|The specified drive letter is not free to be assigned."
    )
    outcome = vhdx_build(sample_media, out, fake_host, drivers)
    assert outcome.failed_step == "Create the virtual disk (GPT: EFI system + MSR + Windows)"
    assert outcome.error == (
        "diskpart could not create the virtual disk at 'assign letter=W': "
        "The specified drive letter is not free to be assigned"
    )
    assert fake_tools.calls("dism")[1:] == [] and fake_tools.calls("bcdboot") == []
    assert last_script(fake_tools) == detach_text(fake_tools, "S", mount_folder(fake_tools))
    assert_nothing_left(out, fake_tools)


@pytest.mark.parametrize("number", [0, 1, 2], ids=["bootmgr-device", "device", "osdevice"])
def test_each_bcdedit_failure_names_its_setting_and_the_disk_is_detached(
    sample_media: SampleMedia, fake_tools: FakeTools, fake_host: FakeHost, out: Path, number: int
) -> None:
    setting = ["{bootmgr} device", "{default} device", "{default} osdevice"][number]
    fake_tools.fail(f"bcdedit|{setting}|Access is denied.")
    outcome, _ = run(plan_for(host_recipe(sample_media.root, out / "n.vhd"), fake_host))
    assert outcome.status is Status.FAILED and outcome.exit_code == 1
    assert outcome.failed_step == "Let the BIOS boot entries locate their partition (bcdedit)"
    assert outcome.error is not None
    assert outcome.error.startswith(
        f"bcdedit could not set {setting} locate in W:\\Boot\\BCD (exit code 1): bcdedit "
        "said 'The boot configuration data store could not be opened. / Access is denied.'"
    )
    assert len(fake_tools.calls("bcdedit")) == number + 1  # it stops at the first failure
    assert last_script(fake_tools) == detach_text(fake_tools, mount_folder(fake_tools), "W")
    assert_nothing_left(out, fake_tools)


def test_bios_bcdboot_failure_runs_no_bcdedit_and_removes_the_one_letter(
    sample_media: SampleMedia, fake_tools: FakeTools, fake_host: FakeHost, out: Path
) -> None:
    fake_tools.fail("bcdboot|/f BIOS|")
    outcome, _ = run(plan_for(host_recipe(sample_media.root, out / "n.vhd"), fake_host))
    assert outcome.failed_step == "Make the disk bootable (bcdboot)"
    assert outcome.error is not None
    assert "bcdboot could not make the disk bootable (system partition W:" in outcome.error
    assert fake_tools.calls("bcdedit") == []
    assert last_script(fake_tools) == detach_text(fake_tools, mount_folder(fake_tools), "W")
    assert_nothing_left(out, fake_tools)


def test_failed_detach_is_retried_by_cleanup_and_reported(
    sample_media: SampleMedia, fake_tools: FakeTools, fake_host: FakeHost, out: Path, drivers: Path
) -> None:
    fake_tools.fail(
        "diskpart|detach vdisk|The process cannot access the file because it is being used "
        "by another process."
    )
    outcome, events = run(plan_for(host_recipe(sample_media.root, out / "n.vhdx"), fake_host))
    assert outcome.failed_step == "Detach the virtual disk"
    assert outcome.error is not None
    assert "being used by another process; detach " in outcome.error
    assert "by hand" in outcome.error
    warnings = [e.text for e in events if isinstance(e, LogLine) and e.level == "warning"]
    assert any(w.startswith("cleanup 'detach the virtual disk' failed") for w in warnings)
    # The second try removed nothing twice: the first already took the letter and folder.
    assert last_script(fake_tools) == detach_text(fake_tools)
    assert list(out.iterdir()) == []


def test_wim_failure_discards_the_mounted_image(
    sample_media: SampleMedia, fake_tools: FakeTools, fake_host: FakeHost, out: Path
) -> None:
    fake_tools.fail("dism|Host-Package_en-us|0x800f0922")
    outcome, _ = run(plan_for(host_recipe(sample_media.root, out / "n.wim"), fake_host))
    assert outcome.failed_step == "Add package Host (en-us)"
    assert outcome.error is not None and "0x800f0922" in outcome.error
    last = fake_tools.calls("dism")[-1]["argv"]
    assert last[:3] == ["/Unmount-Image", last[1], "/Discard"]
    assert last[-2] == f"/LogPath:{log_dir() / 'dism-discard.log'}"
    assert_nothing_left(out, fake_tools)


def _unattend_context(tmp_path: Path, password: Secret | None) -> tuple[StepContext, Path]:
    workdir = tmp_path / "work"
    (workdir / "mnt" / "windows" / "Windows").mkdir(parents=True)
    (workdir / "scratch").mkdir()
    paths = BuildPaths.for_output(tmp_path / "n.vhdx", workdir, log_dir())
    ctx = StepContext(paths, CancelToken(), password, lambda f, m: None, lambda lvl, t: None)
    return ctx, workdir / "unattend.xml"


def _unattend_step(sample: SampleMedia, host: FakeHost, tmp_path: Path) -> UnattendStep:
    plan = plan_for(guest_recipe(sample.root, tmp_path / "n.vhdx"), host)
    step = next(s for s in plan.steps if isinstance(s, UnattendStep))
    job: Job = step.job
    job.state.tools.dism = "dism"
    return step


def test_unattend_file_is_deleted_right_after_dism_even_when_it_fails(
    sample_media: SampleMedia, fake_tools: FakeTools, fake_host: FakeHost, tmp_path: Path
) -> None:
    step = _unattend_step(sample_media, fake_host, tmp_path)
    ctx, unattend = _unattend_context(tmp_path, Secret(PASSWORD))
    step.run(ctx)
    assert not unattend.exists()
    assert fake_tools.calls("dism")[-1]["argv"][1] == f"/Apply-Unattend:{unattend}"
    fake_tools.fail("dism|/Apply-Unattend|0x80070057")
    with pytest.raises(BuildError, match="applying the unattend answers"):
        step.run(ctx)
    assert not unattend.exists()


def test_unattend_needs_a_password(
    sample_media: SampleMedia, fake_tools: FakeTools, fake_host: FakeHost, tmp_path: Path
) -> None:
    step = _unattend_step(sample_media, fake_host, tmp_path)
    ctx, _ = _unattend_context(tmp_path, None)
    with pytest.raises(BuildError, match="no administrator password"):
        step.run(ctx)
    assert fake_tools.calls() == []


CANCELS = [
    ("n.vhdx", "diskpart|format quick fs=ntfs", "disk", ("S",)),
    ("n.vhdx", "diskpart|assign letter=W", "disk", ("S", "mnt")),
    ("n.vhdx", "dism|/Apply-Image", "apply", ("S", "mnt", "W")),
    ("n.vhdx", "dism|/Add-Package", "package-host", ("S", "mnt", "W")),
    ("n.vhdx", "dism|/Add-Driver", "drivers-1", ("S", "mnt", "W")),
    ("n.vhdx", "dism|/Apply-Unattend", "unattend", ("S", "mnt", "W")),
    ("n.vhdx", "bcdboot|/s", "boot", ("S", "mnt", "W")),
    ("n.vhd", "diskpart|assign letter=W", "disk", ("mnt",)),
    ("n.vhd", "bcdboot|/s", "boot", ("mnt", "W")),
    ("n.vhd", "bcdedit|{bootmgr} device", "locate", ("mnt", "W")),
    ("n.vhd", "bcdedit|{default} osdevice", "locate", ("mnt", "W")),
    ("n.wim", "dism|/Export-Image", "export", None),
    ("n.wim", "dism|/Mount-Image", "mount", None),
    ("n.wim", "dism|/Add-Package", "package-host", None),
    ("n.wim", "dism|/Commit", "commit", None),
]


def wait_for_hang(fake_tools: FakeTools, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        hung = fake_tools.hangs()
        if hung:
            return hung[0]
        time.sleep(0.05)
    raise AssertionError("the fake tool never reached the hanging call")


def cancel_during(
    plan_output: Path, fake_tools: FakeTools, sample: SampleMedia, host: FakeHost, drivers: Path
) -> tuple[BuildOutcome, dict[str, Any], float]:
    plan = plan_for(with_drivers(host_recipe(sample.root, plan_output), drivers), host)
    token = CancelToken()
    result: list[BuildOutcome] = []
    worker = threading.Thread(target=lambda: result.append(run(plan, token)[0]))
    worker.start()
    hung = wait_for_hang(fake_tools)
    started = time.monotonic()
    token.cancel()
    worker.join(timeout=30)
    assert not worker.is_alive()
    return result[0], hung, time.monotonic() - started


def gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


@pytest.mark.parametrize(
    ("name", "rule", "step", "assigned"),
    CANCELS,
    ids=[f"{c[2]}-{c[0][2:]}-{c[1].split('|')[1]}" for c in CANCELS],
)
def test_cancel_during_each_long_step_kills_the_tool_and_cleans_up(
    sample_media: SampleMedia,
    fake_tools: FakeTools,
    fake_host: FakeHost,
    out: Path,
    drivers: Path,
    name: str,
    rule: str,
    step: str,
    assigned: tuple[str, ...] | None,
) -> None:
    fake_tools.hang(rule)
    outcome, hung, seconds = cancel_during(out / name, fake_tools, sample_media, fake_host, drivers)
    assert outcome.status is Status.CANCELLED and outcome.exit_code == 130
    assert outcome.failed_step == step
    assert seconds < 5
    assert gone(hung["pid"]) and gone(hung["child_pid"])
    assert_nothing_left(out, fake_tools)
    if assigned is not None:
        access = [mount_folder(fake_tools) if a == "mnt" else a for a in assigned]
        assert last_script(fake_tools) == detach_text(fake_tools, *access)
    elif step == "export":  # nothing was mounted yet: nothing to discard
        assert "/Unmount-Image" not in [c["argv"][0] for c in fake_tools.calls("dism")]
    else:
        assert fake_tools.calls("dism")[-1]["argv"][2] == "/Discard"


def test_a_stuck_cleanup_is_given_up_after_its_deadline(
    sample_media: SampleMedia,
    fake_tools: FakeTools,
    fake_host: FakeHost,
    out: Path,
    drivers: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(windows_calls, "CLEANUP_TIMEOUT_S", 1.0)
    fake_tools.hang("diskpart|detach vdisk")
    outcome, _, _ = cancel_during(out / "n.vhdx", fake_tools, sample_media, fake_host, drivers)
    assert outcome.status is Status.CANCELLED
    hangs = fake_tools.hangs()
    assert len(hangs) == 2  # the detach step, then the cleanup's own try
    assert all(gone(h["pid"]) and gone(h["child_pid"]) for h in hangs)
    assert list(out.iterdir()) == []


def test_diskpart_in_another_language_still_builds_and_detaches(
    sample_media: SampleMedia,
    fake_tools: FakeTools,
    fake_host: FakeHost,
    out: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Success is diskpart's exit code; its (localised) sentences only refine the state."""
    monkeypatch.setenv("NANOSTUDIO_FAKE_DISKPART_LANGUAGE", "de")
    outcome, _ = run(plan_for(guest_recipe(sample_media.root, out / "g.vhdx"), fake_host))
    assert outcome.was_successful(), outcome
    assert last_script(fake_tools) == detach_text(fake_tools, "S", mount_folder(fake_tools), "W")
    assert_machine_clean(fake_tools)


def test_localised_diskpart_failing_half_way_is_still_detached(
    sample_media: SampleMedia,
    fake_tools: FakeTools,
    fake_host: FakeHost,
    out: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NANOSTUDIO_FAKE_DISKPART_LANGUAGE", "de")
    fake_tools.fail("diskpart|format quick fs=ntfs|Die Volumegröße ist zu klein.")
    outcome, _ = run(plan_for(guest_recipe(sample_media.root, out / "g.vhdx"), fake_host))
    assert outcome.error is not None
    assert outcome.error == "diskpart could not create the virtual disk (exit code 4)"
    # Nothing recognised: no letters to remove by name, but the disk is detached.
    assert last_script(fake_tools) == detach_text(fake_tools)
    assert_nothing_left(out, fake_tools)


def test_a_disk_file_still_held_after_detach_is_moved_once_released(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source, dest = tmp_path / "disk.vhdx", tmp_path / "nano.vhdx.partial"
    source.write_text("disk")
    real_replace = Path.replace
    tries: list[Path] = []

    def held_twice(self: Path, target: Path) -> Path:
        tries.append(self)
        if len(tries) < 3:
            raise PermissionError(13, "The process cannot access the file")
        return real_replace(self, target)

    monkeypatch.setattr(Path, "replace", held_twice)
    move_when_released(source, dest, pause_s=0)
    assert dest.read_text() == "disk" and len(tries) == 3

    def held(self: Path, target: Path) -> Path:
        raise PermissionError(13, "The process cannot access the file")

    monkeypatch.setattr(Path, "replace", held)
    with pytest.raises(BuildError, match="still in use after it was detached"):
        move_when_released(dest, source, tries=2, pause_s=0)
