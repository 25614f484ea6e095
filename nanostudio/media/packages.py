"""Find the package cabs beside NanoServer.wim, whatever the case of their names.

Media ships ``Packages\\<name>.cab`` and ``Packages\\<lang>\\<name>_<lang>.cab``;
copies made by hand or by other tools change the case of folders and files, so
every name is matched case-insensitively and languages are reported lower-case.
Cabs the catalogue does not know are reported as unknown and never installed:
without a catalogue entry there is no description, dependency or restriction
to show, and the 2016 media ships a few internal cabs that are not roles.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from nanostudio.catalogue import PACKAGES, PackageInfo, find_package
from nanostudio.media.model import PackageCab

log = logging.getLogger(__name__)

# "en-us", "zh-cn", "sr-latn-rs": the language folders of Packages.
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})+$")


@dataclass(frozen=True)
class Entry:
    """One name in a folder listing, as the media spells it."""

    name: str
    is_dir: bool


# Lists a folder given its location relative to the folder of NanoServer.wim
# ("" is that folder itself, "Packages/en-us" a language folder).
Lister = Callable[[str], Sequence[Entry]]


@dataclass(frozen=True)
class PackageScan:
    packages: tuple[PackageCab, ...]
    languages: tuple[str, ...]
    unknown_cabs: tuple[str, ...]


def find_entry(entries: Sequence[Entry], name: str, *, is_dir: bool) -> Entry | None:
    """The entry called ``name`` in any case (the first, sorted, if several)."""
    wanted = name.lower()
    matches = sorted(e.name for e in entries if e.is_dir == is_dir and e.name.lower() == wanted)
    return Entry(matches[0], is_dir) if matches else None


def _cabs(entries: Sequence[Entry]) -> list[str]:
    return sorted(e.name for e in entries if not e.is_dir and e.name.lower().endswith(".cab"))


def scan_packages(list_dir: Lister) -> PackageScan:
    """Base cabs, their language cabs, and the cabs nobody can use."""
    folder = find_entry(list_dir(""), "Packages", is_dir=True)
    if folder is None:
        return PackageScan((), (), ())
    entries = list_dir(folder.name)
    bases: dict[PackageInfo, str] = {}
    unknown: list[str] = []
    for cab in _cabs(entries):
        location = f"{folder.name}/{cab}"
        info = find_package(cab[: -len(".cab")])  # None for a language cab too
        if info is None:
            unknown.append(location)
        elif info in bases:
            log.warning("ignoring %s: %s is already on the media", location, bases[info])
        else:
            bases[info] = location

    by_language: dict[PackageInfo, dict[str, str]] = {}
    for entry in sorted(entries, key=lambda e: e.name):
        language = entry.name.lower()
        if not entry.is_dir or not _LANGUAGE.match(language):
            continue
        for cab in _cabs(list_dir(f"{folder.name}/{entry.name}")):
            location = f"{folder.name}/{entry.name}/{cab}"
            info = _language_cab(cab, language)
            if info is None or info not in bases:
                unknown.append(location)
            else:
                by_language.setdefault(info, {}).setdefault(language, location)

    packages = tuple(
        PackageCab(info, bases[info], dict(sorted(by_language.get(info, {}).items())))
        for info in PACKAGES
        if info in bases
    )
    languages = sorted({language for cab in packages for language in cab.languages})
    return PackageScan(packages, tuple(languages), tuple(unknown))


def _language_cab(file_name: str, language: str) -> PackageInfo | None:
    """The package of ``<name>_<language>.cab``; None if the suffix is another language."""
    stem = file_name[: -len(".cab")]
    base, _, suffix = stem.rpartition("_")
    if not base or suffix.lower() != language:
        return None
    return find_package(base)
