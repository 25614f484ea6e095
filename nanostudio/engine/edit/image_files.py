"""Files read out of the image to edit before any work: its hives and answer file.

``recipe check``, ``nanostudio edit`` and the wizard judge an edit by what the image
already is (its drivers, edition, computer name), so they read a few of its files up
front, as they read a new build's from the media, instead of finding out half-way
through the edit. From a WIM the files are extracted with wimlib; from a VHD/VHDX
the Windows partition is copied sparse (only the blocks the file stores: about the
image's data, 0.5-1 GiB for Nano Server) and ntfs-3g's ``ntfscat`` reads each file
from the copy, which is removed at once.

Windows names files without regard to case (``Unattend.xml`` and ``unattend.xml`` are
one file: NTFS keeps the case, Win32 lookups ignore it), but both tools match case
exactly (seen here: ``ntfscat`` finds ``/Windows/Panther/unattend.xml`` and not
``/WINDOWS/PANTHER/UNATTEND.XML`` on a volume wimlib wrote). So wimlib is told to
ignore case (``WIMLIB_IMAGEX_IGNORE_CASE``, its documented switch), and each part of
a path on the volume is looked up in its folder's listing (``ntfsls``), the exact
spelling first.
"""

from __future__ import annotations

import errno
import logging
import subprocess
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import IO

from nanostudio.engine.cancel import CancelToken
from nanostudio.engine.edit.partition_copy import copy_windows_partition
from nanostudio.engine.edit.source import EditSource
from nanostudio.engine.process import quote_argv, require_tool, run_tool
from nanostudio.engine.tools import ntfs, wimlib
from nanostudio.engine.tools.said import tool_said
from nanostudio.errors import MediaError
from nanostudio.secret import child_environment

SOFTWARE_HIVE = PurePosixPath("Windows/System32/config/SOFTWARE")
FOLDER = "image-files"
VOLUME_COPY = "edit-source-windows.img"
log = logging.getLogger(__name__)
_TOOL_SECONDS = 120  # a hive is a few MiB, a folder a few hundred names: well under a second


def read_image_files(
    source: EditSource,
    wanted: Sequence[PurePosixPath],
    workdir: Path,
    cancel: CancelToken | None = None,
) -> dict[PurePosixPath, Path]:
    """Each file of ``wanted`` that the image has, copied into ``workdir`` (names must
    differ in their last part, whatever the case); one the image lacks is left out.
    ``cancel`` stops the copy and wimlib (BuildCancelled)."""
    token = cancel or CancelToken()
    folder = workdir / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    if source.is_disk:
        _cat_files(source, wanted, workdir, folder, token)
    else:
        assert source.image is not None
        paths = [f"/{inside}" for inside in wanted]
        tool = require_tool(wimlib.TOOL)
        index = source.image.index
        argv = wimlib.extract_argv(tool, source.path, index, paths, folder, missing_ok=True)
        result = run_tool(argv, cancel=token, env={"WIMLIB_IMAGEX_IGNORE_CASE": "1"})
        if not result.ok:
            raise MediaError(
                f"{source.path.name} cannot be read" + tool_said(wimlib.TOOL, result.tail, 1)
            )
    # wimlib writes a file under the image's own spelling of its name.
    # A link (a WIM can hold reparse points) would be read as the host file it names.
    present = {
        path.name.casefold(): path
        for path in folder.iterdir()
        if path.is_file() and not path.is_symlink()
    }
    found = {inside: present.get(inside.name.casefold()) for inside in wanted}
    return {inside: path for inside, path in found.items() if path is not None}


def _cat_files(
    source: EditSource,
    wanted: Sequence[PurePosixPath],
    workdir: Path,
    folder: Path,
    cancel: CancelToken,
) -> None:
    for tool in (ntfs.CAT_TOOL, ntfs.LS_TOOL):  # before the copy: none on Windows
        require_tool(tool)
    volume = Volume(workdir / VOLUME_COPY)
    try:
        copy_windows_partition(source, volume.path, raise_if_cancelled=cancel.raise_if_cancelled)
        for inside in wanted:
            spelled = volume.spelling(inside)
            if spelled is not None:
                volume.cat(spelled, folder / inside.name)
    except OSError as error:
        space = ""
        if error.errno in (errno.ENOSPC, errno.EDQUOT):
            space = f" (reading it needs {source.used_bytes >> 20} MiB of temporary space)"
        raise MediaError(
            f"{source.path.name} cannot be read: {error.strerror or error}{space}"
        ) from None
    except subprocess.TimeoutExpired:
        raise MediaError(f"{source.path.name} cannot be read: ntfs-3g did not answer") from None
    finally:
        volume.path.unlink(missing_ok=True)


class Volume:
    """An NTFS volume in a file, read with ntfs-3g's tools (never mounted)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._listings: dict[str, list[str]] = {}

    def spelling(self, inside: PurePosixPath) -> str | None:
        """``inside`` as the volume spells it ("/Windows/Panther/Unattend.xml"), or None."""
        path = ""
        for part in inside.parts:
            names = self._listing(path or "/")
            if part not in names:
                part = next((name for name in names if name.casefold() == part.casefold()), "")
            if not part:
                return None
            path = f"{path}/{part}"
        return path

    def cat(self, inside: str, dest: Path) -> None:
        """Copy file ``inside`` (listed in its folder) to ``dest``, or MediaError."""
        argv = ntfs.ntfscat_argv(require_tool(ntfs.CAT_TOOL), self.path, inside)
        try:
            with dest.open("wb") as out:
                self._run(argv, out)
        except MediaError:
            dest.unlink()
            raise

    def _listing(self, folder: str) -> list[str]:
        if folder not in self._listings:
            argv = ntfs.ntfsls_argv(require_tool(ntfs.LS_TOOL), self.path, folder)
            text = self._run(argv, subprocess.PIPE).stdout.decode("utf-8", "replace")
            self._listings[folder] = [name for name in text.splitlines() if name]
        return self._listings[folder]

    @staticmethod
    def _run(argv: list[str], stdout: int | IO[bytes]) -> subprocess.CompletedProcess[bytes]:
        """Run an ntfs-3g tool; MediaError with what it said if it fails (a volume not
        shut down cleanly, or damaged: ntfs-3g refuses both)."""
        log.info("running: %s", quote_argv(argv))
        result = subprocess.run(
            argv,
            stdout=stdout,
            stderr=subprocess.PIPE,
            env=child_environment(),
            timeout=_TOOL_SECONDS,
            check=False,
        )
        if result.returncode != 0:
            said = result.stderr.decode("utf-8", "replace").splitlines()
            raise MediaError(
                "the image's Windows partition cannot be read"
                + tool_said(Path(argv[0]).name, said, 1)
            )
        return result
