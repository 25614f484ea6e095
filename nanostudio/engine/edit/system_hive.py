"""The SYSTEM hive of the image to edit, read before any work.

An edit's target drivers are judged against the image's own driver database (a
disk NanoStudio made for KVM has the virtio drivers already), so ``recipe check``
and ``nanostudio edit`` read that hive up front, as they read a new build's from
the media, instead of finding a missing driver half-way through the edit. From a
WIM it is extracted with wimlib; from a VHD/VHDX the Windows partition is copied
sparse (only the blocks the file stores) and ntfs-3g's ``ntfscat`` reads the hive
from it; the copy is removed at once.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from nanostudio.engine.drivers.analysis import HIVE_FOLDER, RunTool, extract_hive
from nanostudio.engine.drivers.files import SYSTEM_HIVE
from nanostudio.engine.edit.partition_copy import copy_windows_partition
from nanostudio.engine.edit.source import EditSource
from nanostudio.engine.process import require_tool
from nanostudio.engine.tools import ntfs
from nanostudio.errors import MediaError
from nanostudio.secret import child_environment

VOLUME_COPY = "edit-source-windows.img"
_CAT_SECONDS = 120  # a SYSTEM hive is a few MiB: ntfscat takes well under a second


def read_system_hive(source: EditSource, workdir: Path, run: RunTool) -> Path:
    """``source``'s SYSTEM hive, extracted into ``workdir``; MediaError if unreadable."""
    if not source.is_disk:
        assert source.image is not None
        return extract_hive(source.path, source.image.index, workdir, run)
    tool = require_tool(ntfs.CAT_TOOL)
    volume = workdir / VOLUME_COPY
    folder = workdir / HIVE_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    hive = folder / SYSTEM_HIVE.name
    inside = "/" + SYSTEM_HIVE.as_posix()
    try:
        copy_windows_partition(source, volume)
        with hive.open("wb") as out:
            result = subprocess.run(
                ntfs.ntfscat_argv(tool, volume, inside),
                stdout=out,
                stderr=subprocess.PIPE,
                env=child_environment(),
                timeout=_CAT_SECONDS,
                check=False,
            )
    except OSError as error:  # a full temporary folder, most likely
        raise MediaError(
            f"{inside} of {source.path.name} cannot be read: {error.strerror or error} "
            f"(it needs {source.used_bytes // (1 << 20)} MiB of temporary space)"
        ) from None
    except subprocess.TimeoutExpired:
        raise MediaError(f"{inside} of {source.path.name} cannot be read: ntfscat hung") from None
    finally:
        volume.unlink(missing_ok=True)
    if result.returncode != 0 or hive.stat().st_size == 0:
        detail = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise MediaError(
            f"{inside} cannot be read from {source.path.name}: it is not a Nano Server "
            f"image, or it was not shut down cleanly ({detail[-1] if detail else 'no output'})"
        )
    return hive
