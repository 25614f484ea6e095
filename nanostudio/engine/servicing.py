"""Updates (servicing packages): unpack .msu files, tell a servicing stack update
from the rest, and put servicing stack updates first.

- An .msu is a cabinet holding the update cabs, ``WSUSSCAN.cab`` (Windows Update's
  scan metadata, not an installable package), an .xml and a ``-pkgProperties.txt``
  (Microsoft's KB 934307, "Description of the Windows Update Standalone
  Installer"; ``expand -F:* x.msu dir`` lists exactly these, as a public 2016 Nano
  Server walkthrough shows for KB3206632). The portable engine unpacks it with
  gcab, the Windows engine with Windows' own ``expand.exe``.
- Order: Microsoft's "Update Nano Server" page says to install the servicing stack
  update first, as a prerequisite of the cumulative update, and OSBuilder warns
  that a cumulative update installed before its SSU fails silently. NanoStudio
  therefore sorts the update cabs itself: servicing stack updates first, then the
  others in the order given.
- Telling them apart, from the cab's file list alone (read here from the cabinet's
  own directory, MS-CAB CFFILE records, so nothing is unpacked): a servicing stack
  update carries the ``microsoft-windows-servicingstack`` component's manifest
  (``amd64_microsoft-windows-servicingstack_31bf3856ad364e35_..._.manifest``, the
  test abbodi1406's UUP scripts use) or, on later builds, a package manifest named
  ``Package_for_ServicingStack_...``; a cumulative update carries the
  ``Package_for_RollupFix~...`` manifest (the identity its update.mum declares and
  W10UI looks for). Anything else is an "update", kept in the given order.
"""

from __future__ import annotations

import enum
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from nanostudio.errors import MediaError

SCAN_CAB = "wsusscan.cab"  # inside every .msu: metadata, never installed


class UpdateKind(enum.Enum):
    SERVICING_STACK = "servicing stack update"
    CUMULATIVE = "cumulative update"
    OTHER = "update"


_HEADER = struct.Struct("<4sIIIIIBBHHHHH")
_RESERVE_PRESENT, _PREV_CABINET, _NEXT_CABINET = 0x4, 0x1, 0x2
_FILE = struct.Struct("<IIHHHH")
_NAME_IS_UTF8 = 0x80


def cab_members(path: Path) -> list[str]:
    """The file names a cabinet holds (its CFFILE records), without unpacking it."""
    try:
        with path.open("rb") as cab:
            data = cab.read(_HEADER.size)
            if len(data) < _HEADER.size or not data.startswith(b"MSCF"):
                raise MediaError(f"{path} is not a cabinet file: download the update again")
            fields = _HEADER.unpack(data)
            offset, count = fields[4], fields[9]
            cab.seek(offset)
            rest = cab.read(min(count * 300, 64 << 20))
    except OSError as error:
        raise MediaError(f"cannot read {path}: {error.strerror or error}") from None
    names = []
    position = 0
    for _ in range(count):
        if position + _FILE.size > len(rest):
            raise MediaError(f"{path} is truncated: download the update again")
        attributes = _FILE.unpack_from(rest, position)[5]
        end = rest.find(b"\0", position + _FILE.size)
        if end < 0:
            raise MediaError(f"{path} is truncated: download the update again")
        raw = rest[position + _FILE.size : end]
        names.append(raw.decode("utf-8" if attributes & _NAME_IS_UTF8 else "cp437"))
        position = end + 1
    return names


def classify(members: Iterable[str]) -> UpdateKind:
    lowered = [name.replace("\\", "/").rsplit("/", 1)[-1].lower() for name in members]
    if any(
        ("_microsoft-windows-servicingstack_" in name and name.endswith(".manifest"))
        or name.startswith("package_for_servicingstack")
        for name in lowered
    ):
        return UpdateKind.SERVICING_STACK
    if any(name.startswith("package_for_rollupfix") for name in lowered):
        return UpdateKind.CUMULATIVE
    return UpdateKind.OTHER


@dataclass(frozen=True)
class UpdateCab:
    """One installable update cab: where it is now, what it is, where it came from."""

    path: Path
    kind: UpdateKind
    origin: Path  # the .cab or .msu the recipe names

    @property
    def label(self) -> str:
        inside = "" if self.origin == self.path else f" from {self.origin.name}"
        return f"{self.path.name}{inside} ({self.kind.value})"


def update_cabs_in(folder: Path) -> list[Path]:
    """The installable cabs an .msu unpacked into ``folder`` (not WSUSSCAN.cab)."""
    return sorted(
        path
        for path in folder.iterdir()
        if path.is_file() and path.suffix.lower() == ".cab" and path.name.lower() != SCAN_CAB
    )


def order_updates(cabs: Sequence[tuple[Path, Path]]) -> list[UpdateCab]:
    """(cab, origin) pairs classified, servicing stack updates first, else as given."""
    found = [UpdateCab(path, classify(cab_members(path)), origin) for path, origin in cabs]
    first = [cab for cab in found if cab.kind is UpdateKind.SERVICING_STACK]
    return first + [cab for cab in found if cab.kind is not UpdateKind.SERVICING_STACK]


def is_msu(path: Path) -> bool:
    return path.suffix.lower() == ".msu"


def order_log(cabs: Sequence[UpdateCab]) -> str:
    return "update order: " + "; ".join(
        f"{number}. {cab.label}" for number, cab in enumerate(cabs, 1)
    )
