"""What the image to edit already has, read from its file list and two small files.

Known vs guessed (say so wherever it is shown):
- A package installed offline by DISM (Microsoft's generator, NanoStudio's Windows
  engine) leaves its manifest ``Windows\\servicing\\Packages\\<identity>.mum`` (the
  identity is the package name, ``~``, its public key token, architecture,
  language and version): CBS keeps one per package it knows. *Known* for Windows
  10 / Server 2016 servicing; a ``.mum`` alone does not prove the package's state
  is "Installed" (CBS records that in the COMPONENTS/SOFTWARE hives, not read here),
  so a package with a ``.mum`` is taken as present, never re-added.
- A package NanoStudio's portable engine staged is a cab under
  ``\\NanoStudio\\Packages``, installed by SetupComplete.cmd at first boot (*known*:
  NanoStudio wrote it); it counts as present too.
- ``Windows\\Setup\\State\\State.ini`` ``ImageState=IMAGE_STATE_COMPLETE`` means
  Windows setup has finished on this image (Microsoft, "Windows Setup
  Installation Process"/ImageState): its unattend.xml and SetupComplete.cmd never
  run again, so an edit that needs them is refused. An image without the file has
  not been started (*guessed* from how setup writes it; DISM-made images have none).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from nanostudio.catalogue import PackageInfo, find_package

MANIFESTS = "/windows/servicing/packages/"
STAGED = "/nanostudio/packages/"
STATE_INI = "/Windows/Setup/State/State.ini"
SETUP_DONE = "IMAGE_STATE_COMPLETE"
_IMAGE_STATE = re.compile(r"^\s*ImageState\s*=\s*(\S+)", re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True)
class ExistingPackages:
    installed: frozenset[str]  # catalogue short names with a .mum manifest
    staged: frozenset[str]  # catalogue short names staged for first boot by NanoStudio

    def has(self, package: PackageInfo) -> bool:
        return package.short in self.installed or package.short in self.staged

    def describe(self) -> str:
        parts = []
        if self.installed:
            parts.append(f"installed (servicing manifests): {', '.join(sorted(self.installed))}")
        if self.staged:
            parts.append(f"staged for first boot: {', '.join(sorted(self.staged))}")
        return "; ".join(parts) or "no Nano Server package found"


def existing_packages(listing: Iterable[str]) -> ExistingPackages:
    """From ``wimlib-imagex dir`` output (one ``/path`` a line), case-insensitively."""
    installed: set[str] = set()
    staged: set[str] = set()
    for line in listing:
        path = line.strip()
        lowered = path.lower()
        if lowered.startswith(MANIFESTS) and lowered.endswith(".mum"):
            name = path[len(MANIFESTS) :].split("~", 1)[0]
            _add(installed, name)
        elif lowered.startswith(STAGED) and lowered.endswith(".cab"):
            rest = path[len(STAGED) :]
            if "/" not in rest:  # language cabs live in a folder of their own
                _add(staged, rest[: -len(".cab")])
    return ExistingPackages(frozenset(installed), frozenset(staged))


def _add(found: set[str], name: str) -> None:
    # The IIS cab's identity is Microsoft-NanoServer-IIS-Feature-Package (NANO-FACTS §2).
    package = find_package(name) or find_package(name.replace("-Feature-Package", "-Package"))
    if package is not None:
        found.add(package.short)


def setup_finished(state_ini: str | None) -> bool:
    """True when State.ini says Windows setup has completed on this image."""
    if state_ini is None:
        return False
    match = _IMAGE_STATE.search(state_ini)
    return match is not None and match.group(1).upper() == SETUP_DONE
