"""What the image to edit already is: edition, computer name, time zone, drivable VMs.

An edit cannot change the image's edition, and its new answer file replaces the
image's own: without these facts an edit that names no computer name would rename
the server to the default one, and a Datacenter-only role could be added to a
Standard image. They come from:
- the SOFTWARE hive's ``Microsoft\\Windows NT\\CurrentVersion\\EditionID``
  (``ServerStandardNano``/``ServerDatacenterNano``, the names a Nano WIM's EDITIONID
  carries; seen here, ``wimlib-imagex capture`` fills EDITIONID from this very value;
  not yet read from a real Nano image: unverified), or a WIM's own XML;
- ``Windows\\Panther\\unattend.xml`` (any case), the answer file NanoStudio writes and
  Microsoft's domain-join steps copy there as ``Unattend.xml`` (NANO-FACTS, "copy
  Unattend.xml to Windows\\Panther"): Microsoft-Windows-Shell-Setup's ComputerName
  (specialize or offlineServicing) and TimeZone (oobeSystem). The other places
  Windows Setup searches (``Panther\\Unattend\\``, ``Sysprep``, the drive's root) are
  not read here.
- the SYSTEM hive's DriverDatabase: the VMs whose devices its own drivers serve.
A value that is not a valid computer name or a known time zone is not taken (the
image may come from anywhere); a fact that cannot be read is None, never guessed, and
why the files could not be read at all is kept (``read_error``).
"""

from __future__ import annotations

import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from nanostudio.catalogue import Edition
from nanostudio.engine.cancel import CancelToken
from nanostudio.engine.content.staging import UNATTEND_PATH
from nanostudio.engine.drivers.analysis import drivable_targets
from nanostudio.engine.drivers.database import has_driver_database
from nanostudio.engine.drivers.files import SYSTEM_HIVE
from nanostudio.engine.edit.image_files import SOFTWARE_HIVE, read_image_files
from nanostudio.engine.edit.source import EditSource
from nanostudio.engine.tools.hivex import Hive
from nanostudio.errors import MediaError, UserFacingError
from nanostudio.identity import computer_name_problem
from nanostudio.media.wim import edition_of
from nanostudio.recipe import Target
from nanostudio.recipe.unattend_file import (
    NAMESPACE,
    SHELL_SETUP,
    UnattendFileError,
    parse_user_unattend,
)
from nanostudio.timezones import find_time_zone

CURRENT_VERSION = "Microsoft\\Windows NT\\CurrentVersion"
_MAX_ANSWER_FILE = 1024 * 1024
_MAX_HIVE = 64 << 20
_KEPT = 4  # readings kept, oldest dropped first (one per image and file version)
_READINGS: dict[tuple[EditSource, tuple[int, ...]], _Reading] = {}


@dataclass(frozen=True)
class ImageFacts:
    edition: Edition | None = None
    computer_name: str | None = None
    timezone: str | None = None
    # VMs the image's own drivers can start as it is; None where its hive was not read.
    drivable: tuple[Target, ...] | None = None
    # Why the image's files could not be read (then only a WIM's edition is known):
    # "not read" is never "not there".
    read_error: str | None = None


@dataclass(frozen=True)
class _Reading:
    facts: ImageFacts
    system_hive: bytes | None  # for the edit's driver check: one read serves both


def image_facts(source: EditSource, cancel: CancelToken | None = None) -> ImageFacts:
    """The facts of ``source``, read once per file version (the disk copy costs seconds);
    ``cancel`` stops a reading no longer wanted (its facts then say it was not read)."""
    return _reading(source, cancel).facts


def system_hive_bytes(source: EditSource) -> bytes:
    """The image's SYSTEM hive (from the same reading as its facts), or MediaError."""
    reading = _reading(source)
    if reading.system_hive is not None:
        return reading.system_hive
    raise MediaError(
        reading.facts.read_error
        or f"{source.path.name} has no /{SYSTEM_HIVE}: it is not a Nano Server image"
    )


def _reading(source: EditSource, cancel: CancelToken | None = None) -> _Reading:
    try:
        identity = source.identity or (source.path.stat().st_mtime_ns, source.size)
        key = (source, identity)
        if key not in _READINGS:  # a failure is not kept: it may be fixed
            _READINGS[key] = _read(source, cancel)
            while len(_READINGS) > _KEPT:
                del _READINGS[next(iter(_READINGS))]
        return _READINGS[key]
    except (UserFacingError, OSError) as error:
        why = str(error) if isinstance(error, UserFacingError) else error.strerror or str(error)
        edition = source.image.edition if source.image is not None else None
        return _Reading(ImageFacts(edition=edition, read_error=why), None)


def _read(source: EditSource, cancel: CancelToken | None) -> _Reading:
    wanted = [SYSTEM_HIVE, UNATTEND_PATH] + ([SOFTWARE_HIVE] if source.is_disk else [])
    with tempfile.TemporaryDirectory(prefix="nanostudio-edit-") as scratch:
        found = read_image_files(source, wanted, Path(scratch), cancel)
        software = found.get(SOFTWARE_HIVE)
        if source.image is not None:  # a WIM says its edition in its XML
            edition = source.image.edition
        else:
            edition = _hive_edition(software) if software is not None else None
        answers = found.get(UNATTEND_PATH)
        name, zone = _answer_file_values(answers) if answers is not None else (None, None)
        system = found.get(SYSTEM_HIVE)
        drivable = _drivable(system) if system is not None else None
        hive = _bounded_bytes(system, _MAX_HIVE) if system is not None else None
    return _Reading(ImageFacts(edition, name, zone, drivable), hive)


def _bounded_bytes(path: Path, limit: int) -> bytes | None:
    """The file's bytes, or None if it is larger than ``limit`` (the image may come from
    anywhere: no answer file or hive of Nano Server is anywhere near that large)."""
    with path.open("rb") as stream:
        data = stream.read(limit + 1)
    return data if len(data) <= limit else None


def _drivable(hive: Path) -> tuple[Target, ...] | None:
    try:
        with Hive.open(hive) as opened:
            return drivable_targets(opened) if has_driver_database(opened) else None
    except (UserFacingError, ValueError):  # not a hive, or no current control set
        return None


def _hive_edition(hive: Path) -> Edition | None:
    try:
        with Hive.open(hive) as opened:
            node = opened.find(CURRENT_VERSION)
            value = opened.value(node, "EditionID") if node is not None else None
            return edition_of(value.text(), None, None) if value is not None else None
    except (UserFacingError, ValueError):  # not a hive, or EditionID is not text
        return None


def _answer_file_values(path: Path) -> tuple[str | None, str | None]:
    """ComputerName and TimeZone of the answer file, each None unless valid."""
    data = _bounded_bytes(path, _MAX_ANSWER_FILE)
    if data is None:
        return None, None
    try:
        root = parse_user_unattend(data, path.name)
    except UnattendFileError:
        return None, None
    name = _setting(root, ("specialize", "offlineServicing"), "ComputerName")
    zone = find_time_zone(_setting(root, ("oobeSystem",), "TimeZone") or "")
    valid_name = name is not None and computer_name_problem(name) is None
    return (name if valid_name else None, zone.id if zone is not None else None)


def _setting(root: ET.Element, passes: tuple[str, ...], name: str) -> str | None:
    """The first text of Shell-Setup's ``name`` in ``passes``, in that order."""
    q = f"{{{NAMESPACE}}}"
    for pass_name in passes:
        for settings in root.iter(f"{q}settings"):
            if settings.get("pass") != pass_name:
                continue
            for component in settings.iter(f"{q}component"):
                element = component.find(f"{q}{name}")
                if component.get("name") == SHELL_SETUP and element is not None:
                    return (element.text or "").strip() or None
    return None
