"""Driver folders: find ``.inf`` files and read just enough of each to judge it.

INF files are UTF-16 (with a BOM) or ANSI text, often sloppy; parsing is
tolerant and only the facts the wizard shows and the build needs are kept:
Class, Provider, DriverVer and the architectures named in ``[Manufacturer]``.
A driver is usable on Nano Server only if it has an ``NTamd64`` models section.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

NANO_ARCHITECTURE = "amd64"
_MAX_INF_BYTES = 4 * 1024 * 1024
_SECTION = re.compile(r"^\s*\[([^\]]+)\]\s*$")
_TOKEN = re.compile(r"%([^%]+)%")


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
        infs = sorted(p for p in folder.rglob("*") if p.suffix.lower() == ".inf" and p.is_file())
    except OSError as error:
        return DriverFolder(folder, problem=f"cannot read {folder}: {error.strerror}")
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
        raw = path.read_bytes()[:_MAX_INF_BYTES]
    except OSError as error:
        return _broken(path, f"cannot be read ({error.strerror})")
    text = _decode(raw)
    if text is None:
        return _broken(path, "is not a text INF file")
    sections = _parse_sections(text)
    version = sections.get("version")
    if version is None:
        return _broken(path, "has no [Version] section; it is not a driver INF")
    strings = sections.get("strings", {})

    def resolve(value: str) -> str:
        return _TOKEN.sub(lambda m: strings.get(m.group(1).lower(), m.group(0)), value).strip('"')

    date, _, ver = version.get("driverver", "").partition(",")
    architectures = _architectures(sections.get("manufacturer", {}))
    problem = None
    if NANO_ARCHITECTURE not in architectures:
        named = ", ".join(architectures) if architectures else "x86 only (no decoration)"
        problem = f"has no 64-bit (NTamd64) driver; it is for {named}"
    return InfDriver(
        path=path,
        driver_class=resolve(version.get("class", "")) or "Unknown",
        provider=resolve(version.get("provider", "")) or "Unknown",
        version=ver.strip(),
        date=date.strip(),
        architectures=architectures,
        problem=problem,
    )


def _broken(path: Path, problem: str) -> InfDriver:
    return InfDriver(path, "Unknown", "Unknown", "", "", (), problem)


def _decode(raw: bytes) -> str | None:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            return None
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if b"\x00" in raw:
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def _parse_sections(text: str) -> dict[str, dict[str, str]]:
    """Section name (lower case) → key (lower case) → value, comments dropped.

    Lines without ``=`` keep their whole text as key with an empty value.
    """
    sections: dict[str, dict[str, str]] = {}
    current: dict[str, str] | None = None
    for line in text.splitlines():
        line = _strip_comment(line).strip()
        if not line:
            continue
        header = _SECTION.match(line)
        if header:
            current = sections.setdefault(header.group(1).strip().lower(), {})
            continue
        if current is None:
            continue
        key, sep, value = line.partition("=")
        current.setdefault(key.strip().lower() if sep else line.lower(), value.strip())
    return sections


def _strip_comment(line: str) -> str:
    """Drop a ``;`` comment unless it is inside double quotes."""
    quoted = False
    for index, char in enumerate(line):
        if char == '"':
            quoted = not quoted
        elif char == ";" and not quoted:
            return line[:index]
    return line


def _architectures(manufacturer: dict[str, str]) -> tuple[str, ...]:
    """Architectures from ``%Mfg% = Models, NTamd64, NTx86.6.1`` decorations."""
    found: list[str] = []
    for value in manufacturer.values():
        for decoration in value.split(",")[1:]:
            arch = decoration.strip().lower().split(".")[0]
            if arch.startswith("nt"):
                arch = arch[2:] or "x86"
            if arch and arch not in found:
                found.append(arch)
    return tuple(found)
