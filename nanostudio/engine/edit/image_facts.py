"""What the image to edit already is: edition, computer name, time zone, drivable VMs.

An edit cannot change the image's edition, and its new answer file replaces the
image's own: without these facts an edit that names no computer name would rename
the server to the default one, and a Datacenter-only role could be added to a
Standard image. They come from:
- the SOFTWARE hive's ``Microsoft\\Windows NT\\CurrentVersion\\EditionID``
  (``ServerStandardNano``/``ServerDatacenterNano``: the value a WIM's EDITIONID is
  taken from when the image is captured), or a WIM's own XML;
- ``Windows\\Panther\\unattend.xml``, the answer file NanoStudio and
  New-NanoServerImage leave for first boot: Microsoft-Windows-Shell-Setup's
  ComputerName (specialize or offlineServicing) and TimeZone (oobeSystem).
- the SYSTEM hive's DriverDatabase: the VMs whose devices its own drivers serve.
A value that is not a valid computer name or a known time zone is not taken (the
image may come from anywhere); a fact that cannot be read is None, never guessed.
"""

from __future__ import annotations

import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from nanostudio.catalogue import Edition
from nanostudio.engine.content.staging import UNATTEND_PATH
from nanostudio.engine.drivers.analysis import drivable_targets
from nanostudio.engine.drivers.database import has_driver_database
from nanostudio.engine.drivers.files import SYSTEM_HIVE
from nanostudio.engine.edit.image_files import SOFTWARE_HIVE, read_image_files
from nanostudio.engine.edit.source import EditSource
from nanostudio.engine.tools.hivex import Hive
from nanostudio.errors import UserFacingError
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


@dataclass(frozen=True)
class ImageFacts:
    edition: Edition | None = None
    computer_name: str | None = None
    timezone: str | None = None
    # VMs the image's own drivers can start as it is; None where its hive was not read.
    drivable: tuple[Target, ...] | None = None


def image_facts(source: EditSource) -> ImageFacts:
    """The facts of ``source``, read once per file version (the disk copy costs seconds)."""
    try:
        identity = source.identity or (source.path.stat().st_mtime_ns, source.size)
    except OSError:  # gone since it was inspected: the edit's own checks say so
        return ImageFacts()
    return _facts(source, identity)


@lru_cache(maxsize=4)
def _facts(source: EditSource, _identity: tuple[int, ...]) -> ImageFacts:
    wanted = [SYSTEM_HIVE, UNATTEND_PATH] + ([SOFTWARE_HIVE] if source.is_disk else [])
    try:
        with tempfile.TemporaryDirectory(prefix="nanostudio-edit-") as scratch:
            found = read_image_files(source, wanted, Path(scratch))
            software = found.get(SOFTWARE_HIVE)
            if source.image is not None:  # a WIM says its edition in its XML
                edition = source.image.edition
            else:
                edition = _hive_edition(software) if software is not None else None
            answers = found.get(UNATTEND_PATH)
            name, zone = _answer_file_values(answers) if answers is not None else (None, None)
            system = found.get(SYSTEM_HIVE)
            drivable = _drivable(system) if system is not None else None
    except UserFacingError:  # a tool missing here, a full temp folder: facts unknown
        return ImageFacts()
    return ImageFacts(edition, name, zone, drivable)


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
    with path.open("rb") as stream:
        data = stream.read(_MAX_ANSWER_FILE + 1)
    if len(data) > _MAX_ANSWER_FILE:  # no answer file is this large: not taken
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
