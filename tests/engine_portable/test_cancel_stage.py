"""Ctrl+C while the Stage step writes the delta WIM of a large driver folder (issue 12 §4).

The in-process libwim write used to run to its end (6–7 s for 600 MB) before the
cancel was seen; wimlib's progress callback now aborts it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from nanostudio.catalogue import Deployment, Edition
from nanostudio.devtools.sample_media import SampleMedia
from nanostudio.engine.portable.state import DELTA_WIM
from nanostudio.engine.tools.libwim import DeltaWim, write_delta_wim
from nanostudio.errors import BuildCancelled
from nanostudio.recipe import DriversSpec, OutputSpec, PackagesSpec, Recipe, SourceSpec
from nanostudio.recipe.toml_io import save_recipe
from tests.engine_portable.conftest import USABLE_INF
from tests.engine_portable.helpers import PASSWORD, leftovers

BLOB_MIB = 20
BLOBS = 8  # 160 MiB that does not compress: about 8 s of LZX on this machine


def _large_driver_folder(root: Path) -> Path:
    folder = root / "big-driver"
    folder.mkdir()
    (folder / "a-net.inf").write_text(USABLE_INF)
    for number in range(BLOBS):
        # Sizes differ so that wimlib need not hash them to find duplicates first.
        (folder / f"z-blob-{number}.bin").write_bytes(os.urandom((BLOB_MIB << 20) + number))
    return folder


def test_sigint_during_the_delta_wim_write_exits_130_within_two_seconds(
    sample_media: SampleMedia, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    recipe = Recipe(
        source=SourceSpec(
            media=sample_media.root, edition=Edition.STANDARD, deployment=Deployment.HOST
        ),
        packages=PackagesSpec(("DSC",)),
        drivers=DriversSpec(folders=(_large_driver_folder(tmp_path),)),
        output=OutputSpec(path=out / "nano.vhdx", size=1 << 30),
    )
    save_recipe(recipe, tmp_path / "recipe.toml")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "nanostudio",
            "build",
            str(tmp_path / "recipe.toml"),
            "--json-progress",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "NANOSTUDIO_ADMIN_PASSWORD": PASSWORD},
    )
    deadline = time.monotonic() + 120
    while not list(out.glob(f".nanostudio-*/{DELTA_WIM}")):  # wimlib_write has begun
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.05)
    time.sleep(0.5)  # well inside wimlib_write now
    assert process.poll() is None, "the write ended before the signal: make the folder larger"
    sent = time.monotonic()
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=30)
    elapsed = time.monotonic() - sent
    assert process.returncode == 130, stderr
    assert elapsed < 2.0, f"took {elapsed:.1f} s to cancel"
    assert json.loads(stdout.splitlines()[-1])["step"] == "cancelled"
    assert leftovers(out) == []


def test_cancel_aborts_the_write_and_leaves_no_file(
    sample_media: SampleMedia, tmp_path: Path
) -> None:
    overlay = tmp_path / "overlay"
    overlay.mkdir()
    for number in range(4):
        (overlay / f"blob-{number}.bin").write_bytes(os.urandom((8 << 20) + number))
    asked: list[float] = []

    def should_cancel() -> bool:
        asked.append(time.monotonic())
        return len(asked) > 3

    dest = tmp_path / "delta.wim"
    started = time.monotonic()
    try:
        write_delta_wim(DeltaWim(sample_media.wim, 1, overlay, dest), should_cancel=should_cancel)
    except BuildCancelled:
        pass
    else:
        raise AssertionError("the write was not cancelled")
    assert time.monotonic() - started < 2.0
    assert not dest.exists()
