"""A tolerant reader of Windows INF files: everything offline driver injection needs.

The portable engine writes a driver's service and DriverDatabase keys into an
image's SYSTEM hive itself (as virt-v2v does), without DISM. Every value it
writes must therefore come from the driver's own INF, so this module turns INF
text into typed facts: the [Version] header, the models that apply to Nano
Server 2016 (Windows 10.0 build 14393, amd64), the DDInstall section that a
model names, its services, files, Include= and Needs=.

The rules, restated from Microsoft's documentation (learn.microsoft.com,
/windows-hardware/drivers/install/); the general syntax is applied in ``inf_syntax``,
the choice of a decoration for Nano Server in ``inf_decoration``:

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
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path, PureWindowsPath

from nanostudio.errors import MediaError
from nanostudio.files import open_regular
from nanostudio.media.inf_decoration import parse_decoration
from nanostudio.media.inf_syntax import (
    MAX_INF_BYTES,
    InfLine,
    Sections,
    decode_inf,
    inf_number,
    parse_sections,
    unquote,
)

NANO_ARCHITECTURE = "amd64"

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
                    strings.setdefault(unquote(line.key).lower(), unquote(line.value))
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

        return _TOKEN.sub(replace, unquote(value.strip()))

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
            fields = [unquote(f) for f in line.fields]
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
                parsed = parse_decoration(decoration)
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
                if line.key is None or not line.fields or not unquote(line.fields[0]):
                    continue
                ids = tuple(self.expand(f).upper() for f in line.fields[1:])
                models.append(
                    Model(
                        description=self.expand(line.key),
                        install_section=unquote(line.fields[0]),
                        hardware_ids=tuple(i for i in ids if i),
                    )
                )
        return models

    def _models_section(self, name: str, decorations: tuple[str, ...], arch: str) -> str | None:
        candidates: list[tuple[tuple[int, ...], str]] = []
        if arch == "x86":
            candidates.append(((0, 0, 0, 0, 0), name))
        for decoration in decorations:
            parsed = parse_decoration(decoration)
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
            services.append(self._service(name, inf_number(flags_text) or 0, section))
        return services

    def _service(self, name: str, flags: int, section: str) -> Service:
        missing: list[str] = []

        def number(key: str) -> int:
            raw = self.value(section, key)
            value = inf_number(self.expand(raw)) if raw is not None else None
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


def parse_inf(text: str) -> Inf:
    """Split INF text into sections of logical lines. Never raises on sloppy input."""
    return Inf(parse_sections(text))


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
