"""Where drivers can come from: INFs unpacked from the media's package cabs, and
the user's driver folders.

A CBS package cab keeps each driver component in a folder of its own (the
INF with the files it installs), and signs every file with the package's
catalog, ``update.cat`` at the cab's root (NANO-FACTS.md §3: cab layout,
*confirmed* for Windows 10 packages; the 14393 folder names are *reported*).
NanoStudio does not depend on the folder names: every ``.inf`` below the
unpacked cab is a candidate, and its folder is where its files are looked up.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from nanostudio.errors import MediaError
from nanostudio.media.inf import Inf, read_inf_file

PACKAGE_CATALOG = "update.cat"


@dataclass(frozen=True)
class DriverSource:
    """One INF and the folder of files it installs from."""

    origin: str  # "the Guest package", "driver folder /x/y": for messages
    inf_path: Path
    inf: Inf
    inbox: bool  # from a Microsoft package (in-box driver), not the user's folder
    catalog: Path | None  # the catalog whose signature covers the driver's files
    catalog_name: str  # its name in the image's catalog folder

    @property
    def inf_name(self) -> str:
        return self.inf_path.name.lower()

    @property
    def folder(self) -> Path:
        return self.inf_path.parent

    def file(self, name: str) -> Path | None:
        """A file of the driver's folder by name, any case (INFs are not case-exact)."""
        wanted = name.lower()
        try:
            for entry in self.folder.iterdir():
                if entry.name.lower() == wanted and entry.is_file():
                    return entry
        except OSError:
            return None
        return None


def package_sources(unpacked: Path, package: str, origin: str) -> list[DriverSource]:
    """Every readable INF of the cab of ``package`` (full name), unpacked into ``unpacked``."""
    catalog = unpacked / PACKAGE_CATALOG
    return _sources(
        unpacked,
        origin,
        inbox=True,
        catalog=catalog if catalog.is_file() else None,
        catalog_name=f"{package}.cat",
    )


def folder_sources(folder: Path) -> list[DriverSource]:
    """Every readable INF below a driver folder the user chose."""
    return _sources(folder, f"driver folder {folder}", inbox=False, catalog=None)


def _sources(
    root: Path, origin: str, *, inbox: bool, catalog: Path | None, catalog_name: str = ""
) -> list[DriverSource]:
    sources: list[DriverSource] = []
    for path in sorted(root.rglob("*")):
        if path.suffix.lower() != ".inf" or not path.is_file() or path.is_symlink():
            continue
        try:
            inf = read_inf_file(path)
        except MediaError:
            continue  # an unreadable INF offers no driver; the Drivers page names it
        own_catalog, own_name = catalog, catalog_name
        if own_catalog is None and inf.catalog_file:
            candidate = path.parent / inf.catalog_file
            own_catalog = candidate if candidate.is_file() else None
            own_name = candidate.name
        sources.append(DriverSource(origin, path, inf, inbox, own_catalog, own_name))
    return sources
