"""Read files out of an ISO through its UDF file system, without mounting it.

Windows Server ISOs are UDF discs (the ISO 9660 side holds only a stub), so
everything goes through pycdlib's UDF side. Listing and opening need no admin
rights and no temporary copy; the ISO file is only ever opened for reading.
"""

from __future__ import annotations

import io
import logging
import os
import struct
from pathlib import Path
from typing import BinaryIO, cast

import pycdlib
from pycdlib.pycdlibexception import PyCdlibException

from nanostudio.errors import MediaError
from nanostudio.files import open_regular
from nanostudio.media.packages import Entry
from nanostudio.sizes import size_text

log = logging.getLogger(__name__)

# Exceptions pycdlib lets escape on damaged input besides its own.
_PARSE_ERRORS = (PyCdlibException, ValueError, IndexError, KeyError, struct.error)


class IsoReader:
    """An open ISO image; paths are UDF paths such as ``/NanoServer/NanoServer.wim``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._file = open_regular(path)
        except OSError as error:
            raise MediaError(
                f"{path} cannot be read ({error.strerror or error}): choose a Windows Server "
                "2016 ISO"
            ) from None
        try:
            self._iso = self._open(path)
        except BaseException:
            self._file.close()
            raise

    def _open(self, path: Path) -> pycdlib.PyCdlib:
        size = os.fstat(self._file.fileno()).st_size
        if size == 0:
            raise MediaError(f"{path} is empty (0 bytes): download the ISO again")
        expected = self._volume_bytes()
        if expected > size:
            raise MediaError(
                f"{path} is truncated (read {size_text(size)} of {size_text(expected)}): "
                "download the ISO again"
            )
        iso = pycdlib.PyCdlib()
        try:
            self._file.seek(0)
            iso.open_fp(self._file)
        except _PARSE_ERRORS as error:
            log.debug("pycdlib cannot read %s: %s", path, error)
            raise MediaError(
                f"{path} is not an ISO image (no readable ISO 9660/UDF volume in it): "
                "choose a Windows Server 2016 ISO, or download it again if it is damaged"
            ) from error
        if not iso.has_udf():
            iso.close()
            raise MediaError(
                f"{path} has no UDF file system, so it is not Windows installation media: "
                "choose a Windows Server 2016 ISO, or the folder its files were copied to"
            )
        return iso

    def _volume_bytes(self) -> int:
        """The size the primary volume descriptor (sector 16) says the image has.

        Read before pycdlib parses anything, so a cut-short download is reported
        as truncated rather than as "not an ISO".
        """
        self._file.seek(16 * 2048)
        descriptor = self._file.read(2048)
        if len(descriptor) < 130 or descriptor[:6] != b"\x01CD001":
            return 0
        blocks = int.from_bytes(descriptor[80:84], "little")
        block_size = int.from_bytes(descriptor[128:130], "little")
        return blocks * block_size

    def list_dir(self, udf_path: str) -> list[Entry]:
        """The names in a folder (no ``.``/``..``, no symlinks)."""
        entries: list[Entry] = []
        try:
            children = list(self._iso.list_children(udf_path=udf_path))
        except _PARSE_ERRORS as error:
            raise MediaError(f"{self.path} cannot be read at {udf_path}: {error}") from error
        for child in children:
            if child is None or child.is_symlink():
                continue
            raw: bytes = child.file_identifier()
            name = raw.decode("utf-8", errors="replace")
            if name in ("", ".", ".."):
                continue
            entries.append(Entry(name, bool(child.is_dir())))
        return entries

    def file_size(self, udf_path: str) -> int:
        try:
            record = self._iso.get_record(udf_path=udf_path)
        except _PARSE_ERRORS as error:
            raise MediaError(f"{self.path} cannot be read at {udf_path}: {error}") from error
        return int(record.get_data_length())

    def open_file(self, udf_path: str) -> BinaryIO:
        """A seekable read-only stream of one file; close it when done."""
        if self.file_size(udf_path) == 0:
            return io.BytesIO()  # pycdlib cannot open a file that has no extent
        try:
            return cast(BinaryIO, self._iso.open_file_from_iso(udf_path=udf_path))
        except _PARSE_ERRORS as error:
            raise MediaError(f"{self.path} cannot be read at {udf_path}: {error}") from error

    def close(self) -> None:
        try:
            self._iso.close()
        finally:
            self._file.close()
