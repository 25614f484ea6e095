"""Open any form of Nano Server media and read from it, never writing to it.

A user may point at the ISO, the media root folder, the NanoServer folder or a
bare NanoServer.wim. All four become a ``MediaSource``: the same inspection
result and the same two ways to get bytes out (the WIM as a real file for
wimlib, and single cabs by their location relative to the WIM's folder).
"""

from __future__ import annotations

import errno
import logging
import os
import stat
from abc import abstractmethod
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from nanostudio.closing import Closing
from nanostudio.errors import BuildCancelled, MediaError
from nanostudio.files import NotRegularFileError, open_regular, remove_quietly, special_kind
from nanostudio.media.iso import IsoReader
from nanostudio.media.model import MediaInfo, MediaKind, WimImage
from nanostudio.media.packages import Entry, Lister, find_entry, scan_packages
from nanostudio.media.wim import MAGIC, read_images

log = logging.getLogger(__name__)

WIM_NAME = "NanoServer.wim"
CHUNK = 1024 * 1024
ShouldCancel = Callable[[], bool]
Progress = Callable[[int, int], None]

_WHAT_TO_CHOOSE = (
    "choose a Windows Server 2016 ISO, the folder it was copied to, "
    "its NanoServer folder, or NanoServer.wim itself"
)


class MediaSource(Closing):
    """Read-only access to one piece of media; use it as a context manager (leaving
    it closes the ISO file)."""

    info: MediaInfo
    _wim_location: str  # below the WIM's folder, for ``_open``
    _wim_file: Path | None = None  # the WIM itself, when the media is on a file system
    _extracted: Path | None = None

    def wim_path(
        self,
        scratch: Path,
        *,
        should_cancel: ShouldCancel | None = None,
        progress: Progress | None = None,
    ) -> Path:
        """A real file path of NanoServer.wim, for wimlib: the media's own file when it
        is one, else a copy extracted into ``scratch`` (once)."""
        if self._wim_file is not None:
            return self._wim_file
        dest = scratch / WIM_NAME
        if self._extracted != dest or not dest.is_file():
            self.copy_file(self._wim_location, dest, should_cancel=should_cancel, progress=progress)
            self._extracted = dest
        return dest

    def copy_file(
        self,
        location: str,
        dest: Path,
        *,
        should_cancel: ShouldCancel | None = None,
        progress: Progress | None = None,
    ) -> None:
        """Copy the file at ``location`` (e.g. a PackageCab's) to the file ``dest``."""
        stream, size = self._open(_parts(location))
        with stream:
            copy_stream(stream, size, dest, should_cancel=should_cancel, progress=progress)

    @abstractmethod
    def _open(self, parts: tuple[str, ...]) -> tuple[BinaryIO, int]:
        """A read-only stream of the file at ``parts`` below the WIM's folder, and its size."""

    def _read_images(
        self, wim_name: str, *, name: str, remedy: str
    ) -> tuple[int, tuple[WimImage, ...]]:
        """The WIM's size and images, from its header and XML only."""
        stream, size = self._open((wim_name,))
        with stream:
            _, images = read_images(stream, size, name=name, remedy=remedy)
        return size, images


def _parts(location: str) -> tuple[str, ...]:
    """The components of a location, refusing anything that leaves the media."""
    path = PurePosixPath(location.replace("\\", "/"))
    if path.is_absolute() or not path.parts or ".." in path.parts:
        raise ValueError(f"not a location inside the media: {location!r}")
    return path.parts


def copy_stream(
    source: BinaryIO,
    total: int,
    dest: Path,
    *,
    should_cancel: ShouldCancel | None = None,
    progress: Progress | None = None,
) -> None:
    """Copy in chunks to ``dest`` via ``dest.partial``; nothing is left on failure."""
    partial = dest.with_name(dest.name + ".partial")
    done = 0
    try:
        with partial.open("wb") as out:
            while True:
                if should_cancel is not None and should_cancel():
                    raise BuildCancelled()
                chunk = source.read(CHUNK)
                if not chunk:
                    break
                out.write(chunk)
                done += len(chunk)
                if progress is not None:
                    progress(done, total)
        if done != total:
            raise MediaError(
                f"reading {dest.name} from the media stopped after {done} of {total} bytes: "
                "the media is damaged; copy or download it again"
            )
        partial.replace(dest)
    except BaseException:
        remove_quietly(partial)
        raise


class FolderSource(MediaSource):
    """Media on a file system: a media root, a NanoServer folder or a bare WIM."""

    def __init__(self, source: Path, kind: MediaKind, wim: Path) -> None:
        self._root = wim.parent
        self._wim_file = wim
        self._wim_location = wim.name
        size, images = self._read_images(
            wim.name, name=str(wim), remedy="copy it again from the ISO"
        )
        self.info = _build_info(source, kind, str(wim), size, images, self._list)

    def close(self) -> None:
        """Nothing to release: every read opens and closes its own file."""

    def _list(self, location: str) -> list[Entry]:
        return _scan(self._root.joinpath(*_parts(location)) if location else self._root)

    def _open(self, parts: tuple[str, ...]) -> tuple[BinaryIO, int]:
        stream = _open_for_reading(self._root.joinpath(*parts))
        return stream, os.fstat(stream.fileno()).st_size


class IsoSource(MediaSource):
    """A Windows Server ISO, read through its UDF file system."""

    def __init__(self, path: Path) -> None:
        self._reader = IsoReader(path)
        try:
            self._folder = self._find_nanoserver()
            self._wim_location = self._find_wim()
            size, images = self._read_images(
                self._wim_location,
                name=f"{WIM_NAME} in {path}",
                remedy="the ISO is damaged; download it again",
            )
            wim = f"iso:{self._folder}/{self._wim_location}"
            self.info = _build_info(path, "iso", wim, size, images, self._list)
        except BaseException:
            self._reader.close()
            raise

    def _find_nanoserver(self) -> str:
        folder = find_entry(self._reader.list_dir("/"), "NanoServer", is_dir=True)
        if folder is None:
            raise MediaError(
                f"{self._reader.path} has no NanoServer folder: it is not Windows Server 2016 "
                "media (Nano Server ships only on the 2016 ISO); choose that ISO"
            )
        return f"/{folder.name}"

    def _find_wim(self) -> str:
        wim = find_entry(self._reader.list_dir(self._folder), WIM_NAME, is_dir=False)
        if wim is None:
            raise MediaError(
                f"{self._reader.path} has a NanoServer folder but no NanoServer.wim in it: "
                "choose a complete Windows Server 2016 ISO"
            )
        return wim.name

    def _list(self, location: str) -> list[Entry]:
        udf_path = "/".join((self._folder, *_parts(location))) if location else self._folder
        return self._reader.list_dir(udf_path)

    def _open(self, parts: tuple[str, ...]) -> tuple[BinaryIO, int]:
        udf_path = "/".join((self._folder, *parts))
        size = self._reader.file_size(udf_path)
        return self._reader.open_file(udf_path), size

    def close(self) -> None:
        self._reader.close()


def _build_info(
    source: Path,
    kind: MediaKind,
    wim: str,
    wim_bytes: int,
    images: tuple[WimImage, ...],
    list_dir: Lister,
) -> MediaInfo:
    if not any(image.edition for image in images):
        found = ", ".join(f'{image.index} "{image.name}"' for image in images) or "none"
        raise MediaError(
            f"{wim} holds no Nano Server image (images: {found}): use "
            "NanoServer\\NanoServer.wim from a Windows Server 2016 ISO, not sources\\install.wim"
        )
    scan = scan_packages(list_dir)
    return MediaInfo(
        source=source,
        kind=kind,
        wim=wim,
        wim_bytes=wim_bytes,
        images=images,
        packages=scan.packages,
        languages=scan.languages,
        unknown_cabs=scan.unknown_cabs,
    )


def _os_error(path: Path, error: OSError) -> MediaError:
    """A MediaError for an OS failure on ``path`` that says what to do."""
    if isinstance(error, NotRegularFileError):
        return MediaError(
            f"{path} is {error.kind}, not a regular file (reading it could wait forever): "
            f"{_WHAT_TO_CHOOSE}"
        )
    if error.errno in (errno.ENOENT, errno.ENOTDIR):
        return MediaError(f"{path} does not exist: check the path; {_WHAT_TO_CHOOSE}")
    if error.errno in (errno.EACCES, errno.EPERM):
        return MediaError(
            f"{path} cannot be read (permission denied): give your user read access "
            "to it, or copy the media somewhere you can read"
        )
    return MediaError(f"{path} cannot be read ({error.strerror or error}): {_WHAT_TO_CHOOSE}")


def _scan(folder: Path) -> list[Entry]:
    """The names in a folder of the media; MediaError if it cannot be listed."""
    try:
        with os.scandir(folder) as scan:
            entries = [(e.name, _mode(e)) for e in scan]
    except OSError as error:
        raise _os_error(folder, error) from error
    for name, mode in entries:
        kind = special_kind(mode)
        if kind is not None and not stat.S_ISDIR(mode):
            raise _os_error(folder / name, NotRegularFileError(folder / name, kind))
    return [Entry(name, stat.S_ISDIR(mode)) for name, mode in entries]


def _mode(entry: os.DirEntry[str]) -> int:
    """The entry's mode, links followed; a dangling link counts as a file (opening says)."""
    try:
        return entry.stat().st_mode
    except OSError:
        return stat.S_IFREG


def _open_for_reading(path: Path) -> BinaryIO:
    try:
        return open_regular(path)
    except OSError as error:
        raise _os_error(path, error) from error


def _folder_media(path: Path) -> MediaSource:
    entries = _scan(path)
    wim = find_entry(entries, WIM_NAME, is_dir=False)
    if wim is not None:
        return FolderSource(path, "nanoserver-folder", path / wim.name)
    folder = find_entry(entries, "NanoServer", is_dir=True)
    if folder is None:
        raise MediaError(
            f"{path} holds no NanoServer folder and no NanoServer.wim: {_WHAT_TO_CHOOSE}"
        )
    nano = path / folder.name
    wim = find_entry(_scan(nano), WIM_NAME, is_dir=False)
    if wim is None:
        raise MediaError(
            f"{nano} has no NanoServer.wim: copy the whole NanoServer folder from the ISO again"
        )
    return FolderSource(path, "media-folder", nano / wim.name)


def _file_media(path: Path) -> MediaSource:
    with _open_for_reading(path) as stream:
        start = stream.read(len(MAGIC))
    suffix = path.suffix.lower()
    if start == MAGIC or suffix == ".wim":
        return FolderSource(path, "wim", path)
    if suffix == ".swm":
        raise MediaError(
            f"{path} is part of a split WIM: NanoStudio needs a single NanoServer.wim; "
            "join the parts with 'wimlib-imagex join' or use the one from the ISO"
        )
    try:
        return IsoSource(path)
    except MediaError:
        if suffix == ".iso":
            raise
        raise MediaError(
            f"{path} is neither an ISO image nor a WIM file: {_WHAT_TO_CHOOSE}"
        ) from None


def open_media(path: Path) -> MediaSource:
    """Open media in any of its four forms; MediaError says what is wrong and what to do."""
    path = Path(path).expanduser()
    try:
        mode = path.stat().st_mode
    except OSError as error:
        raise _os_error(path, error) from error
    log.debug("opening media %s", path)
    if stat.S_ISDIR(mode):
        return _folder_media(path)
    if stat.S_ISREG(mode):
        return _file_media(path)
    raise _os_error(path, NotRegularFileError(path, special_kind(mode) or "not a file"))
