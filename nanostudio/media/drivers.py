"""Driver folders: find ``.inf`` files and read just enough of each to judge it.

INF files are UTF-16 (with a BOM) or ANSI text, often sloppy; parsing is
tolerant and only the facts the wizard shows and the build needs are kept:
Class, Provider, DriverVer and the architectures named in ``[Manufacturer]``.
A driver is usable on Nano Server only if it has an ``NTamd64`` models section.
The INF text itself is read by :mod:`nanostudio.media.inf`, the one INF parser.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from nanostudio.files import open_regular
from nanostudio.media.inf import NANO_ARCHITECTURE, parse_inf
from nanostudio.media.inf_syntax import MAX_INF_BYTES, decode_inf
from nanostudio.text import printable


@dataclass(frozen=True)
class InfDriver:
    path: Path
    driver_class: str
    provider: str
    version: str
    date: str
    architectures: tuple[str, ...]
    problem: str | None = None  # why it cannot be used, or None

    @property
    def usable(self) -> bool:
        return self.problem is None


@dataclass(frozen=True)
class DriverFolder:
    path: Path
    drivers: tuple[InfDriver, ...] = ()
    problem: str | None = None  # folder-level problem (missing, no usable INF)

    @property
    def usable_drivers(self) -> tuple[InfDriver, ...]:
        return tuple(d for d in self.drivers if d.usable)


def scan_driver_folder(folder: Path) -> DriverFolder:
    """Every INF below ``folder`` (recursively), each judged; never raises for bad input."""
    if not folder.exists():
        return DriverFolder(folder, problem=f"{folder} does not exist")
    if not folder.is_dir():
        return DriverFolder(
            folder, problem=f"{folder} is not a folder: choose the folder that holds the .inf files"
        )
    try:
        infs = sorted(p for p in folder.rglob("*") if p.suffix.lower() == ".inf" and not p.is_dir())
    except OSError as error:
        return DriverFolder(folder, problem=f"cannot read {folder}: {error.strerror}")
    unnamable = _name_not_utf8(folder)
    if unnamable is not None:
        return DriverFolder(folder, problem=unnamable)
    drivers = tuple(read_inf(p) for p in infs)
    if not drivers:
        return DriverFolder(
            folder, problem=f"{folder} has no .inf file: choose the folder of an unpacked driver"
        )
    if not any(d.usable for d in drivers):
        reasons = "; ".join(f"{d.path.name}: {d.problem}" for d in drivers)
        return DriverFolder(folder, drivers, problem=f"no usable driver in {folder} ({reasons})")
    return DriverFolder(folder, drivers)


def read_inf(path: Path) -> InfDriver:
    """Parse one INF; a file that cannot be used gets ``problem`` set, not an exception."""
    try:
        with open_regular(path) as file:
            raw = file.read(MAX_INF_BYTES)
    except OSError as error:
        return _broken(path, f"cannot be read ({error.strerror or error})")
    text = decode_inf(raw)
    if text is None:
        return _broken(path, "is not a text INF file")
    inf = parse_inf(text)
    if "Version" not in inf.sections:
        return _broken(path, "has no [Version] section; it is not a driver INF")
    date, _, ver = (inf.value("Version", "DriverVer") or "").partition(",")
    architectures = inf.architectures
    problem = None
    if NANO_ARCHITECTURE not in architectures:
        named = ", ".join(architectures) if architectures else "x86 only (no decoration)"
        problem = f"has no 64-bit (NTamd64) driver; it is for {named}"
    return InfDriver(
        path=path,
        driver_class=inf.class_name or "Unknown",
        provider=inf.provider or "Unknown",
        version=ver.strip(),
        date=date.strip(),
        architectures=architectures,
        problem=problem,
    )


def _broken(path: Path, problem: str) -> InfDriver:
    return InfDriver(path, "Unknown", "Unknown", "", "", (), problem)


def _name_not_utf8(folder: Path) -> str | None:
    """A sentence for the first name below ``folder`` that is not valid UTF-8, or None.

    Such a name (bytes Python keeps as lone surrogates) has no NTFS spelling: wimlib
    refuses it in the middle of the build, so it is refused here, before any work.
    """
    try:
        for path in folder.rglob("*"):
            name = path.name
            try:
                name.encode("utf-8")
            except UnicodeEncodeError:
                return (
                    f"{printable(str(path))} has a name that is not valid UTF-8 text, which "
                    "Windows cannot store: rename it"
                )
    except OSError as error:
        return f"cannot read {folder}: {error.strerror or error}"
    return None
