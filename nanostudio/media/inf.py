"""A tolerant reader of Windows INF files: everything offline driver injection needs.

The portable engine writes a driver's service and DriverDatabase keys into an
image's SYSTEM hive itself (as virt-v2v does), without DISM. Every value it
writes must therefore come from the driver's own INF, so this module turns INF
text into typed facts: the [Version] header, the models that apply to Nano
Server 2016 (Windows 10.0 build 14393, amd64), the DDInstall section that a
model names, its services, files, Include= and Needs=.

The rules, restated from Microsoft's documentation (learn.microsoft.com,
/windows-hardware/drivers/install/):

* general-syntax-rules-for-inf-files: ``;`` starts a comment unless it is
  inside double quotes; a ``\\`` at the end of a line joins the next line to it;
  section names and keys do not depend on case; values are comma-separated and
  a quoted value may hold commas; a section named twice is one section.
* inf-manufacturer-section, inf-models-section and
  combining-platform-extensions-with-operating-system-versions: each
  manufacturer line names a models section and optional TargetOSVersion
  decorations ``NT[arch][.major[.minor[.producttype[.suitemask[.build]]]]]``
  (the build field exists from Windows 10 1607, build 14310). The models
  section to read is ``<name>.<decoration>``; Windows takes the decoration
  closest to (and not newer than) the running system. Non-x86 systems must be
  named in a decoration, so an undecorated section is x86-only. A model line is
  ``description = ddinstall-section, hardware-id[, compatible-id...]``.
* inf-ddinstall-section: the install section a model names may be decorated
  ``.NTamd64`` or ``.NT``; the most specific one present is used. Include=
  names system INFs and Needs= names sections inside them; we cannot read the
  image's system INFs, so both are only reported.
* inf-ddinstall-services-section and inf-addservice-directive:
  ``[<ddinstall>.Services]`` holds
  ``AddService = name, flags, service-install-section[, event-log-section...]``;
  flag 0x2 (SPSVCINST_ASSOCSERVICE) marks the device's function driver and an
  empty name with that flag means "no driver". The service-install section gives
  ServiceType, StartType, ErrorControl, ServiceBinary (all required),
  LoadOrderGroup, Dependencies, DisplayName and AddReg.
* using-dirids: ``%10%`` is the Windows directory, ``%11%`` System32, ``%12%``
  System32\\drivers and ``%13%`` the package's driver-store folder (which has no
  name until the package is installed).
* inf-strings-section: ``%key%`` is replaced by the [Strings] value (a
  localized ``[Strings.<lcid>]`` section may supply it instead), ``%%`` is a
  literal percent sign.
"""

from __future__ import annotations

import datetime
import re
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path, PureWindowsPath

from nanostudio.errors import MediaError
from nanostudio.files import open_regular

MAX_INF_BYTES = 4 * 1024 * 1024
"""Real INFs are well under 1 MiB even in UTF-16; anything larger is not an INF."""

NANO_ARCHITECTURE = "amd64"
# Nano Server 2016 is Windows 10.0 build 14393, product type 3 (VER_NT_SERVER).
TARGET_OS_VERSION = (10, 0, 14393)
_SERVER_PRODUCT_TYPE = 3

# Directory ids that have a fixed place under the Windows directory (using-dirids);
# paths are kept relative to it, the form the Services ImagePath value uses.
_DIRIDS: dict[str, str] = {
    "10": "",
    "11": "System32",
    "12": "System32\\drivers",
    "17": "INF",
    "18": "Help",
    "20": "Fonts",
}
_SYSTEMROOT_PREFIXES = ("\\systemroot\\", "%systemroot%\\", "%windir%\\")
_TOKEN = re.compile(r"%([^%]*)%")
_DATE = re.compile(r"^(\d{1,2})[/-](\d{1,2})[/-](\d{4})$", re.ASCII)


@dataclass(frozen=True)
class InfLine:
    """One logical line of a section, comments removed and continuations joined.

    ``key`` is None for lines without ``=`` (file lists, HKR lines); then
    ``value`` is the whole line. ``fields`` is ``value`` split on commas outside
    quotes, each trimmed, quotes kept so that ``Inf.expand`` can apply the rules.
    """

    key: str | None
    value: str
    fields: tuple[str, ...]

    def is_key(self, name: str) -> bool:
        """Keys are case-insensitive in INF files."""
        return self.key is not None and self.key.lower() == name.lower()


class Sections(Mapping[str, tuple[InfLine, ...]]):
    """Section name → its lines in file order; names match without regard to case.

    Iteration gives the names as first spelled in the file, in file order.
    """

    def __init__(self, sections: Mapping[str, tuple[InfLine, ...]]) -> None:
        self._lines: dict[str, tuple[InfLine, ...]] = {}
        self._names: dict[str, str] = {}
        for name, lines in sections.items():
            folded = name.lower()
            self._names.setdefault(folded, name)
            self._lines[folded] = self._lines.get(folded, ()) + tuple(lines)

    def __getitem__(self, name: str) -> tuple[InfLine, ...]:
        return self._lines[name.lower()]

    def __iter__(self) -> Iterator[str]:
        return iter(self._names.values())

    def __len__(self) -> int:
        return len(self._lines)

    def __hash__(self) -> int:
        return hash(tuple(self._lines.items()))

    def __repr__(self) -> str:
        return f"Sections({list(self._names.values())!r})"

    def name(self, name: str) -> str | None:
        """The section's name as spelled in the file, or None when it is absent."""
        return self._names.get(name.lower())


class CaseInsensitiveStrings(dict[str, str]):
    """[Strings] keys are stored lower-case and looked up without regard to case."""

    def __getitem__(self, key: str) -> str:
        return super().__getitem__(key.lower())

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and super().__contains__(key.lower())

    def get(self, key: str, default: str | None = None) -> str | None:  # type: ignore[override]
        return super().get(key.lower(), default)


@dataclass(frozen=True)
class Model:
    """A device the INF installs: what Windows matches against a device's IDs."""

    description: str
    install_section: str  # as written on the model line, before .NTamd64 resolution
    hardware_ids: tuple[str, ...]  # hardware id first, then compatible ids; upper case


@dataclass(frozen=True)
class Service:
    """One AddService directive with its service-install section, ready for Services\\<name>.

    ``binary`` is relative to the Windows directory (``System32\\drivers\\x.sys``),
    the form ImagePath takes; it stays the raw string when it names a directory
    that has no fixed place (``%13%``, the driver store). Required entries the
    section lacks are listed in ``missing`` and their fields hold 0 or "": the
    caller must refuse such a service rather than invent a value.
    """

    name: str
    flags: int
    install_section: str
    service_type: int
    start_type: int
    error_control: int
    binary: PureWindowsPath | str
    load_order_group: str | None = None
    dependencies: tuple[str, ...] = ()
    add_reg: tuple[str, ...] = ()
    display_name: str | None = None
    missing: tuple[str, ...] = ()

    @property
    def is_function_driver(self) -> bool:
        """SPSVCINST_ASSOCSERVICE (0x2): the service that drives the device."""
        return bool(self.flags & 0x2)


@dataclass(frozen=True)
class Inf:
    """A parsed INF. Accessors never raise: absent data gives None or empty results."""

    sections: Sections

    # -- generic access ---------------------------------------------------------------

    def lines(self, section: str) -> tuple[InfLine, ...]:
        """The lines of ``section`` (case-insensitive), empty when it is absent."""
        return self.sections.get(section, ())

    def values(self, section: str, key: str) -> list[str]:
        """Raw values of every ``key =`` line in ``section``, in order (keys repeat)."""
        return [line.value for line in self.lines(section) if line.is_key(key)]

    def value(self, section: str, key: str) -> str | None:
        """The raw value of the first ``key =`` line in ``section``."""
        found = self.values(section, key)
        return found[0] if found else None

    def _list(self, section: str, key: str) -> tuple[str, ...]:
        """Every comma-separated item of every ``key =`` line, expanded, empties dropped."""
        items: list[str] = []
        for line in self.lines(section):
            if line.is_key(key):
                items.extend(self.expand(f) for f in line.fields)
        return tuple(item for item in items if item)

    @cached_property
    def _strings(self) -> CaseInsensitiveStrings:
        strings = CaseInsensitiveStrings()
        localized = next(
            (name for name in self.sections if name.lower().startswith("strings.")), None
        )
        for section in ("Strings", localized):
            if section is None:
                continue
            for line in self.lines(section):
                if line.key is not None:
                    strings.setdefault(_unquote(line.key).lower(), _unquote(line.value))
        return strings

    @property
    def strings(self) -> CaseInsensitiveStrings:
        """%key% texts: [Strings] first, then the first [Strings.<lcid>] for the rest."""
        return CaseInsensitiveStrings(self._strings)

    def expand(self, value: str) -> str:
        """Quotes removed, ``%key%`` replaced from the strings, ``%%`` → ``%``.

        Unknown tokens (such as dirids ``%12%``) are left as written.
        """
        strings = self._strings

        def replace(match: re.Match[str]) -> str:
            token = match.group(1)
            if not token:
                return "%"
            return strings.get(token, match.group(0)) or ""

        return _TOKEN.sub(replace, _unquote(value.strip()))

    # -- [Version] -------------------------------------------------------------------

    def _version_text(self, key: str) -> str | None:
        raw = self.value("Version", key)
        text = self.expand(raw) if raw is not None else ""
        return text or None

    @property
    def class_name(self) -> str | None:
        """[Version] Class: the setup class name, such as SCSIAdapter or Net."""
        return self._version_text("Class")

    @property
    def class_guid(self) -> uuid.UUID | None:
        """[Version] ClassGuid: goes into the DriverPackages Version blob."""
        text = self._version_text("ClassGuid")
        try:
            return uuid.UUID(text) if text else None
        except ValueError:
            return None

    @property
    def provider(self) -> str | None:
        """[Version] Provider, strings substituted."""
        return self._version_text("Provider")

    @property
    def driver_date(self) -> datetime.date | None:
        """The DriverVer date (mm/dd/yyyy or mm-dd-yyyy, one-digit parts allowed)."""
        date_text = (self._version_text("DriverVer") or "").split(",")[0].strip()
        match = _DATE.match(date_text)
        if not match:
            return None
        month, day, year = (int(part) for part in match.groups())
        try:
            return datetime.date(year, month, day)
        except ValueError:
            return None

    @property
    def driver_version(self) -> tuple[int, int, int, int] | None:
        """The DriverVer version w.x.y.z (missing parts are 0; 0.0.0.0 is invalid)."""
        parts = (self._version_text("DriverVer") or "").split(",")
        if len(parts) < 2:
            return None
        numbers = [p.strip() for p in parts[1].split(".")]
        if not 1 <= len(numbers) <= 4 or not all(n.isascii() and n.isdigit() for n in numbers):
            return None
        values = [int(n) for n in numbers] + [0] * (4 - len(numbers))
        if any(v > 65535 for v in values) or not any(values):
            return None
        return (values[0], values[1], values[2], values[3])

    @property
    def catalog_file(self) -> str | None:
        """The catalog for amd64: CatalogFile.NTamd64 wins over plain CatalogFile."""
        return self._version_text(f"CatalogFile.NT{NANO_ARCHITECTURE}") or self._version_text(
            "CatalogFile"
        )

    # -- [Manufacturer] and models -----------------------------------------------------

    def _manufacturers(self) -> list[tuple[str, tuple[str, ...]]]:
        """(models section name, decorations) for each manufacturer line."""
        found: list[tuple[str, tuple[str, ...]]] = []
        for line in self.lines("Manufacturer"):
            fields = [_unquote(f) for f in line.fields]
            if line.key is None:  # the old "manufacturer-name" form names the section itself
                name = self.expand(line.value)
                if name:
                    found.append((name, ()))
                continue
            if fields and fields[0]:
                found.append((fields[0], tuple(f for f in fields[1:] if f)))
        return found

    @property
    def architectures(self) -> tuple[str, ...]:
        """Architectures named by [Manufacturer] decorations, in order (``NT`` alone = x86)."""
        found: list[str] = []
        for _, decorations in self._manufacturers():
            for decoration in decorations:
                parsed = _decoration(decoration)
                if parsed is not None and parsed.arch not in found:
                    found.append(parsed.arch)
        return tuple(found)

    def models(self, arch: str = NANO_ARCHITECTURE) -> list[Model]:
        """The models that apply to Windows 10.0.14393 on ``arch``, per manufacturer.

        For each manufacturer the most specific decoration for ``arch`` whose
        version is not newer than 10.0.14393 is used (a product type other than
        server, or any suite mask, rules a decoration out); the undecorated
        section only counts for x86.
        """
        arch = arch.lower()
        models: list[Model] = []
        for name, decorations in self._manufacturers():
            section = self._models_section(name, decorations, arch)
            if section is None:
                continue
            for line in self.lines(section):
                if line.key is None or not line.fields or not _unquote(line.fields[0]):
                    continue
                ids = tuple(self.expand(f).upper() for f in line.fields[1:])
                models.append(
                    Model(
                        description=self.expand(line.key),
                        install_section=_unquote(line.fields[0]),
                        hardware_ids=tuple(i for i in ids if i),
                    )
                )
        return models

    def _models_section(self, name: str, decorations: tuple[str, ...], arch: str) -> str | None:
        candidates: list[tuple[tuple[int, ...], str]] = []
        if arch == "x86":
            candidates.append(((0, 0, 0, 0, 0), name))
        for decoration in decorations:
            parsed = _decoration(decoration)
            if parsed is None or parsed.arch != arch or not parsed.applies:
                continue
            candidates.append((parsed.specificity, f"{name}.{decoration}"))
        for _, section in sorted(candidates, key=lambda c: c[0], reverse=True):
            if section in self.sections:
                return self.sections.name(section)
        return None

    # -- DDInstall -------------------------------------------------------------------

    def install_section(self, name: str, arch: str = NANO_ARCHITECTURE) -> str:
        """The DDInstall section Windows uses for ``name``: .NT<arch>, then .NT, then bare.

        Returns the name as spelled in the file (``name`` itself when none exists),
        so passing an already resolved name gives it back.
        """
        for candidate in (f"{name}.NT{arch}", f"{name}.NT", name):
            spelled = self.sections.name(candidate)
            if spelled is not None:
                return spelled
        return name

    def include(self, install_section: str, arch: str = NANO_ARCHITECTURE) -> tuple[str, ...]:
        """Include= INF names of the DDInstall section (system INFs we cannot read)."""
        return self._list(self.install_section(install_section, arch), "Include")

    def needs(self, install_section: str, arch: str = NANO_ARCHITECTURE) -> tuple[str, ...]:
        """Needs= section names, resolved by Windows inside the Include= INFs."""
        return self._list(self.install_section(install_section, arch), "Needs")

    def copy_files(self, install_section: str, arch: str = NANO_ARCHITECTURE) -> list[str]:
        """File names the DDInstall section copies: file-list sections and ``@file`` items."""
        files: list[str] = []
        for item in self._list(self.install_section(install_section, arch), "CopyFiles"):
            if item.startswith("@"):
                names = [item[1:].strip()]
            else:
                names = [self.expand(line.fields[0]) for line in self.lines(item) if line.fields]
            files.extend(n for n in names if n and n not in files)
        return files

    def source_files(self, arch: str = NANO_ARCHITECTURE) -> list[str]:
        """Files the package ships: keys of [SourceDisksFiles] and [SourceDisksFiles.<arch>]."""
        files: list[str] = []
        for section in ("SourceDisksFiles", f"SourceDisksFiles.{arch}"):
            for line in self.lines(section):
                name = self.expand(line.key if line.key is not None else line.value)
                if name and name not in files:
                    files.append(name)
        return files

    def services(self, install_section: str, arch: str = NANO_ARCHITECTURE) -> list[Service]:
        """Every AddService of ``[<ddinstall>.Services]`` with its install section read.

        A NULL driver (``AddService = ,0x2``) has no service and is left out.
        """
        ddinstall = self.install_section(install_section, arch)
        services: list[Service] = []
        for line in self.lines(f"{ddinstall}.Services"):
            if not line.is_key("AddService"):
                continue
            fields = [self.expand(f) for f in line.fields] + ["", ""]
            name, flags_text, section = fields[0], fields[1], fields[2]
            if not name:
                continue
            services.append(self._service(name, _number(flags_text) or 0, section))
        return services

    def _service(self, name: str, flags: int, section: str) -> Service:
        missing: list[str] = []

        def number(key: str) -> int:
            raw = self.value(section, key)
            value = _number(self.expand(raw)) if raw is not None else None
            if value is None:
                missing.append(key)
                return 0
            return value

        service_type = number("ServiceType")
        start_type = number("StartType")
        error_control = number("ErrorControl")
        raw_binary = self.value(section, "ServiceBinary")
        binary = _image_path(self.expand(raw_binary)) if raw_binary is not None else ""
        if not str(binary) or binary == PureWindowsPath():
            missing.append("ServiceBinary")
            binary = ""
        group_raw = self.value(section, "LoadOrderGroup")
        display_raw = self.value(section, "DisplayName")
        return Service(
            name=name,
            flags=flags,
            install_section=self.sections.name(section) or section,
            service_type=service_type,
            start_type=start_type,
            error_control=error_control,
            binary=binary,
            load_order_group=(self.expand(group_raw) or None) if group_raw is not None else None,
            dependencies=self._list(section, "Dependencies"),
            add_reg=self._list(section, "AddReg"),
            display_name=(self.expand(display_raw) or None) if display_raw is not None else None,
            missing=tuple(missing),
        )


@dataclass(frozen=True)
class _Decoration:
    arch: str
    major: int | None
    minor: int | None
    product_type: int | None
    suite_mask: int | None
    build: int | None

    @property
    def applies(self) -> bool:
        """True when Windows 10.0.14393 Server would accept this decoration."""
        version = (self.major or 0, self.minor or 0, self.build or 0)
        if version > TARGET_OS_VERSION:
            return False
        if self.product_type not in (None, 0, _SERVER_PRODUCT_TYPE):
            return False
        # We cannot know the image's suite mask, so a decoration that demands one is skipped.
        return not self.suite_mask

    @property
    def specificity(self) -> tuple[int, ...]:
        return (
            self.major or 0,
            self.minor or 0,
            self.build or 0,
            int(self.product_type is not None),
            1,
        )


def _decoration(text: str) -> _Decoration | None:
    """``NTamd64.10.0...14393`` → its parts; None when it is not an NT decoration."""
    parts = [p.strip() for p in text.strip().lower().split(".")]
    if not parts[0].startswith("nt"):
        return None
    arch = parts[0][2:] or "x86"
    if not arch.isalnum():
        return None
    numbers: list[int | None] = []
    for part in (parts[1:] + [""] * 5)[:5]:
        numbers.append(_number(part) if part else None)
    major, minor, product_type, suite_mask, build = numbers
    return _Decoration(arch, major, minor, product_type, suite_mask, build)


def _number(text: str) -> int | None:
    """``0x1``, ``1`` or ``%SERVICE_BOOT_START%``-expanded text → int; None if not a number."""
    text = text.strip()
    try:
        if text.lower().startswith("0x"):
            return int(text[2:], 16)
        return int(text, 10)
    except ValueError:
        return None


def _image_path(binary: str) -> PureWindowsPath | str:
    """ServiceBinary → a path relative to the Windows directory, or the raw text."""
    text = binary.strip().replace("/", "\\")
    lowered = text.lower()
    for prefix in _SYSTEMROOT_PREFIXES:
        if lowered.startswith(prefix):
            return PureWindowsPath(text[len(prefix) :])
    match = re.match(r"^%(\d+)%(.*)$", text)
    if match is None:
        return PureWindowsPath(text) if text and not PureWindowsPath(text).anchor else text
    base = _DIRIDS.get(match.group(1).lstrip("0") or "0")
    if base is None:
        return text
    rest = match.group(2).lstrip("\\")
    return PureWindowsPath(base, rest) if base or rest else text


# -- text -----------------------------------------------------------------------------


def parse_inf(text: str) -> Inf:
    """Split INF text into sections of logical lines. Never raises on sloppy input."""
    sections: dict[str, list[InfLine]] = {}
    spelled: dict[str, str] = {}  # lower-case name → first spelling; a repeated section merges
    current: list[InfLine] | None = None
    for line in _logical_lines(text):
        if line.startswith("["):
            end = line.find("]")
            if end > 0:
                name = line[1:end].strip()
                name = spelled.setdefault(name.lower(), name)
                current = sections.setdefault(name, [])
                continue
        if current is None:
            continue
        current.append(_inf_line(line))
    return Inf(Sections({name: tuple(lines) for name, lines in sections.items()}))


def _logical_lines(text: str) -> Iterator[str]:
    """Lines with comments removed, trimmed, continuation lines joined, blanks dropped."""
    pending = ""
    for physical in text.splitlines():
        line = _strip_comment(physical).strip()
        if line.endswith("\\"):
            pending += line[:-1].rstrip() + " "
            continue
        line = (pending + line).strip()
        pending = ""
        if line:
            yield line
    if pending.strip():
        yield pending.strip()


def _inf_line(line: str) -> InfLine:
    equals = _find_outside_quotes(line, "=")
    if equals < 0:
        return InfLine(None, line, _split_fields(line))
    key = line[:equals].strip()
    value = line[equals + 1 :].strip()
    return InfLine(key, value, _split_fields(value))


def _find_outside_quotes(text: str, wanted: str) -> int:
    quoted = False
    for index, char in enumerate(text):
        if char == '"':
            quoted = not quoted
        elif char == wanted and not quoted:
            return index
    return -1


def _split_fields(value: str) -> tuple[str, ...]:
    """Comma-separated fields (commas inside quotes do not split), trimmed."""
    if not value:
        return ()
    fields: list[str] = []
    start = 0
    quoted = False
    for index, char in enumerate(value):
        if char == '"':
            quoted = not quoted
        elif char == "," and not quoted:
            fields.append(value[start:index].strip())
            start = index + 1
    fields.append(value[start:].strip())
    return tuple(fields)


def _strip_comment(line: str) -> str:
    """Drop a ``;`` comment unless it is inside double quotes."""
    index = _find_outside_quotes(line, ";")
    return line if index < 0 else line[:index]


def _unquote(text: str) -> str:
    """Remove the quote marks of quoted runs; ``""`` inside quotes is a literal quote."""
    if '"' not in text:
        return text.strip()
    out: list[str] = []
    quoted = False
    index = 0
    while index < len(text):
        char = text[index]
        if char == '"':
            if quoted and text.startswith('""', index):
                out.append('"')
                index += 2
                continue
            quoted = not quoted
        else:
            out.append(char)
        index += 1
    return "".join(out).strip()


def decode_inf(raw: bytes) -> str | None:
    """INF bytes → text: UTF-16 with a BOM, UTF-8 (BOM optional) or ANSI (cp1252).

    None means the bytes are not text (NUL bytes without a UTF-16 BOM, or bad UTF-16).
    """
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


def read_inf_file(path: Path) -> Inf:
    """Read and parse one INF; MediaError with a one-line reason if it is not usable text."""
    try:
        with open_regular(path) as file:
            raw = file.read(MAX_INF_BYTES + 1)
    except OSError as error:
        raise MediaError(f"{path} cannot be read: {error.strerror or error}") from error
    if len(raw) > MAX_INF_BYTES:
        raise MediaError(f"{path} is larger than {MAX_INF_BYTES // (1024 * 1024)} MiB; not an INF")
    text = decode_inf(raw)
    if text is None:
        raise MediaError(f"{path} is not a text INF file (it holds binary data)")
    return parse_inf(text)
