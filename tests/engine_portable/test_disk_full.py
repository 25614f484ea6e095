"""A full output disk gives one sentence and one exit code at every step (issue 12 §5).

Two stand-ins for a full disk: RLIMIT_FSIZE in a child build (writes past it fail
with EFBIG; tools started by the build die of SIGXFSZ), and, as root, a small
tmpfs filled to the last byte when a chosen step starts (ENOSPC, as on a real disk).
"""

from __future__ import annotations

import contextlib
import errno
import os
import resource
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from nanostudio.catalogue import Deployment, Edition
from nanostudio.devtools.sample_media import SampleMedia
from nanostudio.engine.disk_full import disk_full_errno, tool_disk_full
from nanostudio.engine.engines import EngineName, make_plan
from nanostudio.engine.events import BuildEvent, Status, StepStarted
from nanostudio.engine.runner import BuildRunner
from nanostudio.errors import BuildError, DiskFullError, MediaError
from nanostudio.media.inspect import inspect_media
from nanostudio.recipe import DriversSpec, OutputSpec, Recipe, SourceSpec
from nanostudio.recipe.toml_io import save_recipe
from nanostudio.secret import Secret
from tests.engine_portable.conftest import USABLE_INF
from tests.engine_portable.helpers import PASSWORD, leftovers

MIB = 1 << 20
GIB = 1 << 30
FULL = "the output disk is full"


def _recipe(media: Path, output: Path, *, drivers: Path | None = None) -> Recipe:
    return Recipe(
        source=SourceSpec(media=media, edition=Edition.STANDARD, deployment=Deployment.HOST),
        drivers=DriversSpec(folders=(drivers,) if drivers is not None else ()),
        output=OutputSpec(path=output, size=GIB),
    )


def _driver_folder(root: Path, blobs: int, blob_mib: int) -> Path:
    folder = root / "driver"
    folder.mkdir()
    (folder / "a-net.inf").write_text(USABLE_INF)
    for number in range(blobs):
        (folder / f"z-blob-{number}.bin").write_bytes(os.urandom((blob_mib * MIB) + number))
    return folder


def _build_with_file_limit(recipe: Recipe, tmp_path: Path, limit: int) -> tuple[int, str]:
    recipe_file = tmp_path / "recipe.toml"
    save_recipe(recipe, recipe_file)

    def limit_file_size() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    result = subprocess.run(
        [sys.executable, "-m", "nanostudio", "build", str(recipe_file)],
        capture_output=True,
        text=True,
        env={**os.environ, "NANOSTUDIO_ADMIN_PASSWORD": PASSWORD},
        preexec_fn=limit_file_size,
        timeout=180,
        check=False,
    )
    return result.returncode, result.stdout + result.stderr


def _assert_disk_full(code: int, text: str, step_title: str) -> None:
    assert code == DiskFullError.exit_code == 2, text
    assert FULL in text and "needed" in text, text
    assert step_title in text, text
    assert "Traceback" not in text and "internal error" not in text, text


def test_file_limit_while_copying_the_wim_out_of_the_iso(
    sample_media: SampleMedia, tmp_path: Path
) -> None:
    assert sample_media.iso is not None
    out = tmp_path / "out"
    out.mkdir()
    wim_bytes = sample_media.wim.stat().st_size
    assert wim_bytes > 128 << 10
    code, text = _build_with_file_limit(
        _recipe(sample_media.iso, out / "nano.vhdx"), tmp_path, wim_bytes // 2
    )
    _assert_disk_full(code, text, "Open the media")
    assert leftovers(out) == []


def test_file_limit_while_staging_a_driver(sample_media: SampleMedia, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    drivers = _driver_folder(tmp_path, blobs=1, blob_mib=12)
    recipe = _recipe(sample_media.root, out / "nano.vhdx", drivers=drivers)
    code, text = _build_with_file_limit(recipe, tmp_path, 8 * MIB)
    _assert_disk_full(code, text, "Stage unattend.xml")
    assert leftovers(out) == []


def test_file_limit_while_writing_the_delta_wim(sample_media: SampleMedia, tmp_path: Path) -> None:
    """Each staged file fits, the delta WIM holding all of them does not: libwim's
    helper process meets the limit."""
    out = tmp_path / "out"
    out.mkdir()
    drivers = _driver_folder(tmp_path, blobs=3, blob_mib=6)
    recipe = _recipe(sample_media.root, out / "nano.vhdx", drivers=drivers)
    code, text = _build_with_file_limit(recipe, tmp_path, 10 * MIB)
    _assert_disk_full(code, text, "Stage unattend.xml")
    assert leftovers(out) == []


def test_file_limit_while_exporting_a_wim(payload_media: SampleMedia, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    recipe = _recipe(payload_media.root, out / "nano.wim")
    code, text = _build_with_file_limit(recipe, tmp_path, 16 * MIB)
    _assert_disk_full(code, text, "Export the image")
    assert leftovers(out) == []


# -- a real full disk: a tmpfs, as root ------------------------------------------------


@contextlib.contextmanager
def _tmpfs(mount_point: Path, size: int) -> Iterator[Path]:
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(mount_point)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def _fill(folder: Path) -> None:
    """Take every free byte of ``folder``'s file system."""
    chunk = b"\0" * MIB
    with (folder / "filler").open("wb", buffering=0) as out:
        for size in (MIB, 4096):
            while True:
                try:
                    out.write(chunk[:size])
                except OSError as error:
                    assert error.errno == errno.ENOSPC
                    break


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a tmpfs needs root")
@pytest.mark.parametrize(
    ("source", "fill_at", "title"),
    [
        ("iso", "media", "Open the media"),
        ("folder", "stage", "Stage unattend.xml"),
        ("folder", "boot-files", "Extract the boot manager"),
        ("folder", "esp", None),
        ("folder", "format", "Format the Windows partition"),
        ("folder", "apply", "Apply the image"),
        ("folder", "assemble", "Write the disk file"),
    ],
)
def test_a_full_tmpfs_at_each_step(
    sample_media: SampleMedia, tmp_path: Path, source: str, fill_at: str, title: str | None
) -> None:
    media = sample_media.iso if source == "iso" else sample_media.root
    assert media is not None
    info = inspect_media(media)
    probe = make_plan(
        _recipe(media, tmp_path / "nano.vhdx"), info, EngineName.PORTABLE, dry_run=False
    )
    steps = [step.name for step in probe.steps]
    assert fill_at in steps, steps
    with _tmpfs(tmp_path / "disk", probe.required_bytes + 32 * MIB) as disk:
        out = disk / "out"
        out.mkdir()
        plan = make_plan(
            _recipe(media, out / "nano.vhdx"), info, EngineName.PORTABLE, dry_run=False
        )

        def sink(event: BuildEvent) -> None:
            if isinstance(event, StepStarted) and event.name == fill_at:
                _fill(disk)

        outcome = BuildRunner(plan, password=Secret(PASSWORD)).run(sink)
        assert outcome.status is Status.FAILED
        assert outcome.exit_code == 2, outcome
        assert (outcome.error or "").startswith(f"{FULL}: "), outcome
        assert "needed" in (outcome.error or "")
        if title is not None:
            assert (outcome.failed_step or "").startswith(title), outcome
        assert leftovers(out) == []


def test_wrapped_os_errors_count_as_a_full_disk() -> None:
    try:
        try:
            raise OSError(errno.ENOSPC, "No space left on device")
        except OSError:
            raise MediaError("cannot copy NanoServer.wim") from None
    except MediaError as error:
        assert disk_full_errno(error) == errno.ENOSPC
    assert disk_full_errno(BuildError("damaged")) is None
    assert disk_full_errno(OSError(errno.EACCES, "denied")) is None


def test_tool_output_counts_only_when_the_disk_is_nearly_full(tmp_path: Path) -> None:
    """An NTFS volume (inside the image) that is too small says "No space" too: that is
    the disk size, not the output disk, unless the output disk is nearly full."""
    tail = ["[ERROR] write(): No space left on device"]
    assert tool_disk_full(1, tail, tmp_path) is None  # plenty free where the test runs
    assert tool_disk_full(1, ["error: File too large"], tmp_path) is not None
    assert tool_disk_full(-25, [], tmp_path) is not None  # SIGXFSZ
    assert tool_disk_full(1, ["damaged"], tmp_path) is None
