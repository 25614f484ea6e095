"""What inspection learns about a piece of media, as plain frozen values.

Engines, the wizard and the CLI all read these; nothing here touches the media.
Locations of cabs are paths relative to the folder that holds NanoServer.wim
(``Packages/de-de/...``), so every form of the same media (ISO, media root,
NanoServer folder, bare WIM) describes its packages identically.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from nanostudio.catalogue import Edition, PackageInfo, find_package, not_offered

MediaKind = Literal["iso", "media-folder", "nanoserver-folder", "wim"]


@dataclass(frozen=True)
class WimImage:
    """One image of the WIM as its XML describes it."""

    index: int
    name: str
    edition: Edition | None
    edition_id: str | None
    flags: str | None
    architecture: str | None
    total_bytes: int

    def to_json(self) -> dict[str, object]:
        return {
            "index": self.index,
            "name": self.name,
            "edition": self.edition.value if self.edition else None,
            "edition_id": self.edition_id,
            "flags": self.flags,
            "architecture": self.architecture,
            "bytes": self.total_bytes,
        }


@dataclass(frozen=True)
class PackageCab:
    """A catalogue package found on the media, with its language cabs."""

    info: PackageInfo
    location: str
    # Lower-case language ("en-us") -> location of that language's cab.
    languages: Mapping[str, str] = field(default_factory=dict, hash=False)

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.info.name,
            "short": self.info.short,
            "description": self.info.description,
            "requires": list(self.info.requires),
            "editions": sorted(edition.value for edition in self.info.editions),
            "location": self.location,
            "languages": sorted(self.languages),
        }


@dataclass(frozen=True)
class MediaInfo:
    """Everything ``inspect`` reports: the WIM's images and the package cabs."""

    source: Path
    kind: MediaKind
    # A file path, or ``iso:/NanoServer/NanoServer.wim`` inside an ISO.
    wim: str
    wim_bytes: int
    images: tuple[WimImage, ...]
    packages: tuple[PackageCab, ...]
    languages: tuple[str, ...]
    # Cabs in Packages/ that the catalogue does not know: listed, never installed.
    unknown_cabs: tuple[str, ...] = ()

    def image_for(self, edition: Edition) -> WimImage | None:
        """The image of that edition, found by its XML, never by index."""
        return next((image for image in self.images if image.edition is edition), None)

    def package(self, short_or_full: str) -> PackageCab | None:
        """The cab of a package named by short or full name, any case."""
        wanted = find_package(short_or_full)
        if wanted is None:
            return None
        return next((cab for cab in self.packages if cab.info == wanted), None)

    def to_json(self) -> dict[str, object]:
        return {
            "source": str(self.source),
            "kind": self.kind,
            "wim": self.wim,
            "wim_bytes": self.wim_bytes,
            "images": [image.to_json() for image in self.images],
            "packages": [package.to_json() for package in self.packages],
            "languages": list(self.languages),
            "unknown_cabs": list(self.unknown_cabs),
            # Of those, the ones the catalogue knows and deliberately does not offer.
            "not_offered": {
                location: entry.reason
                for location in self.unknown_cabs
                if (entry := not_offered(location)) is not None
            },
        }
