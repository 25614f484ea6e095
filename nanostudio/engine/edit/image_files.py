"""Files read out of the image to edit before any work: its hives and answer file.

``recipe check``, ``nanostudio edit`` and the wizard judge an edit by what the image
already is (its drivers, edition, computer name), so they read a few of its files up
front, as they read a new build's from the media, instead of finding out half-way
through the edit. From a WIM the files are extracted with wimlib; from a VHD/VHDX
the Windows partition is copied sparse (only the blocks the file stores: about the
image's data, 0.5-1 GiB for Nano Server) and ntfs-3g's ``ntfscat`` reads each file
from the copy, which is removed at once.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

from nanostudio.engine.drivers.analysis import RunTool
from nanostudio.engine.edit.partition_copy import copy_windows_partition
from nanostudio.engine.edit.source import EditSource
from nanostudio.engine.process import require_tool
from nanostudio.engine.tools import ntfs, wimlib
from nanostudio.errors import MediaError
from nanostudio.secret import child_environment

SOFTWARE_HIVE = PurePosixPath("Windows/System32/config/SOFTWARE")
ANSWER_FILE = PurePosixPath("Windows/Panther/unattend.xml")
FOLDER = "image-files"
VOLUME_COPY = "edit-source-windows.img"
_CAT_SECONDS = 120  # a hive is a few MiB: ntfscat takes well under a second


def read_image_files(
    source: EditSource, wanted: Sequence[PurePosixPath], workdir: Path, run: RunTool
) -> dict[PurePosixPath, Path]:
    """Each file of ``wanted`` that the image has, copied into ``workdir`` (names must
    differ in their last part); one the image lacks is left out of the answer."""
    folder = workdir / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    if not source.is_disk:
        assert source.image is not None
        paths = [f"/{inside}" for inside in wanted]
        tool = require_tool(wimlib.TOOL)
        run(
            wimlib.extract_argv(
                tool, source.path, source.image.index, paths, folder, missing_ok=True
            )
        )
    else:
        _cat_files(source, wanted, workdir, folder)
    found = {inside: folder / inside.name for inside in wanted}
    return {inside: path for inside, path in found.items() if path.is_file()}


def _cat_files(
    source: EditSource, wanted: Sequence[PurePosixPath], workdir: Path, folder: Path
) -> None:
    tool = require_tool(ntfs.CAT_TOOL)
    volume = workdir / VOLUME_COPY
    try:
        copy_windows_partition(source, volume)
        for inside in wanted:
            dest = folder / inside.name
            with dest.open("wb") as out:
                result = subprocess.run(
                    ntfs.ntfscat_argv(tool, volume, f"/{inside}"),
                    stdout=out,
                    stderr=subprocess.DEVNULL,
                    env=child_environment(),
                    timeout=_CAT_SECONDS,
                    check=False,
                )
            if result.returncode != 0:  # ntfscat's "file not found"
                dest.unlink()
    except OSError as error:  # a full temporary folder, most likely
        raise MediaError(
            f"{source.path.name} cannot be read: {error.strerror or error} (reading it "
            f"needs {source.used_bytes >> 20} MiB of temporary space)"
        ) from None
    except subprocess.TimeoutExpired:
        raise MediaError(f"{source.path.name} cannot be read: ntfscat did not finish") from None
    finally:
        volume.unlink(missing_ok=True)
