"""The SYSTEM hive's side of offline driver injection: read what the image already
has, and write a driver in so Windows loads it at boot and PnP finishes it.

What is written, and where each fact comes from (facts, not code):
- ``<control set>\\Services\\<service>``: Type, Start, ErrorControl, Group,
  ImagePath (REG_EXPAND_SZ, ``System32\\drivers\\x.sys``), Owners, all from the
  INF's service-install section (Microsoft, "INF AddService Directive"). A boot
  disk controller or bus gets Start 0 (boot start) whatever the INF says, as
  virt-v2v does for the storage driver it injects and as a real Windows 10
  SYSTEM hive shows for storahci on an AHCI-booted machine.
- ``DriverDatabase`` at the hive's root (Windows 8 and later; virt-v2v tests for
  this key to choose this path): ``DriverInfFiles\\<inf>`` (default: the
  package list, Active, Configurations), ``DeviceIds\\<enumerator>\\<id>`` (a value
  named after the INF: rank byte, 0xFF, 0, 0), ``DriverPackages\\<package>``
  (Version, Provider, Configurations\\<section>\\Service, Descriptors\\<id>). Shapes
  and types as in the real Windows 10 hive of dissect.regf's test data and in
  libguestfs' ``ddb_regedits``.
- ``Version`` is 48 bytes: an 8-byte header, the INF's class GUID (Windows byte
  order), the DriverVer date as a FILETIME, the DriverVer version as
  ``a<<48|b<<32|c<<16|d``, 8 zero bytes. The header is ``ff ff 09 00 …`` on
  in-box packages and ``00 ff 09 00 …`` on third-party ones in the real hive;
  its meaning is unknown.
- The package's 16 hex digits: how Windows derives them is unknown; pnputil
  only needs the ``<inf>_<arch>_<16 hex>`` form (virt-v2v found that another
  form breaks ``pnputil /enum-drivers``). NanoStudio uses the first 16 hex
  digits of the INF's SHA-256, so the name is stable for one INF.
"""

from __future__ import annotations

import datetime
import hashlib
import struct
from collections.abc import Iterable
from dataclasses import dataclass

from nanostudio.engine.drivers.devices import Device
from nanostudio.engine.drivers.resolve import Injection
from nanostudio.engine.drivers.sources import DriverSource
from nanostudio.engine.tools.hivex import (
    REG_DWORD,
    Hive,
    RegValue,
)
from nanostudio.errors import BuildError
from nanostudio.media.inf import Service

DRIVER_DATABASE = "DriverDatabase"
BOOT_START = 0
_INBOX_HEADER = bytes([0xFF, 0xFF, 0x09, 0, 0, 0, 0, 0])
_THIRD_PARTY_HEADER = bytes([0x00, 0xFF, 0x09, 0, 0, 0, 0, 0])
_FILETIME_1601 = datetime.datetime(1601, 1, 1, tzinfo=datetime.UTC)


@dataclass(frozen=True)
class InstalledDriver:
    """A driver the image's own DriverDatabase already has for a device."""

    device: Device
    device_id: str
    inf_name: str
    service: str | None  # None where the database does not name one
    start: int | None


def current_control_set(hive: Hive) -> str:
    """``ControlSet00N`` that ``Select\\Current`` names (what Windows boots with)."""
    select = hive.find("Select")
    current = hive.value(select, "Current") if select is not None else None
    if current is None or current.type != REG_DWORD:
        raise BuildError("the image's SYSTEM hive has no Select\\Current control set")
    name = f"ControlSet{current.number():03d}"
    if hive.find(name) is None:
        raise BuildError(f"the image's SYSTEM hive has no {name}, which Select\\Current names")
    return name


def has_driver_database(hive: Hive) -> bool:
    return hive.find(DRIVER_DATABASE) is not None


def installed_driver(hive: Hive, control_set: str, device: Device) -> InstalledDriver | None:
    """The image's own driver for ``device``, read from ``DriverDatabase\\DeviceIds``."""
    for device_id in device.ids:
        node = hive.find(f"{DRIVER_DATABASE}\\DeviceIds\\{device_id}")
        if node is None:
            continue
        infs = [value.name for value in hive.values(node) if value.name]
        if not infs:
            continue
        service = _service_of(hive, infs[0], device_id)
        start = None
        if service:
            key = hive.find(f"{control_set}\\Services\\{service}")
            value = hive.value(key, "Start") if key is not None else None
            start = value.number() if value is not None and value.type == REG_DWORD else None
        return InstalledDriver(device, device_id, infs[0], service, start)
    return None


def _service_of(hive: Hive, inf_name: str, device_id: str) -> str | None:
    """DeviceIds -> DriverInfFiles (Active package) -> Descriptors -> Configurations."""
    inf = hive.find(f"{DRIVER_DATABASE}\\DriverInfFiles\\{inf_name}")
    active = hive.value(inf, "Active") if inf is not None else None
    if active is None:
        return None
    package = f"{DRIVER_DATABASE}\\DriverPackages\\{active.text()}"
    descriptor = hive.find(f"{package}\\Descriptors\\{device_id}")
    configuration = hive.value(descriptor, "Configuration") if descriptor is not None else None
    if configuration is None:
        return None
    config = hive.find(f"{package}\\Configurations\\{configuration.text()}")
    service = hive.value(config, "Service") if config is not None else None
    return (service.text() or None) if service is not None else None


def make_boot_start(hive: Hive, control_set: str, service: str) -> None:
    """Start 0 for a driver the image has but would load too late to reach its disk."""
    key = hive.find(f"{control_set}\\Services\\{service}")
    if key is None:
        raise BuildError(f"the image's SYSTEM hive has no service {service}")
    hive.set_value(key, RegValue.dword("Start", BOOT_START))


def package_name(source: DriverSource) -> str:
    """``<inf>_amd64_<16 hex>``, the form pnputil expects of a driver package key."""
    digest = hashlib.sha256(source.inf_path.read_bytes()).hexdigest()[:16]
    return f"{source.inf_name}_amd64_{digest}"


def version_blob(source: DriverSource) -> bytes:
    """The 48-byte ``DriverPackages\\<package>\\Version`` value (layout in the module doc)."""
    inf = source.inf
    guid = inf.class_guid.bytes_le if inf.class_guid is not None else bytes(16)
    filetime = 0
    if inf.driver_date is not None:
        midnight = datetime.datetime.combine(inf.driver_date, datetime.time(), datetime.UTC)
        filetime = (midnight - _FILETIME_1601) // datetime.timedelta(microseconds=1) * 10
    a, b, c, d = inf.driver_version or (0, 0, 0, 0)
    version = (a << 48) | (b << 32) | (c << 16) | d
    header = _INBOX_HEADER if source.inbox else _THIRD_PARTY_HEADER
    return header + guid + struct.pack("<QQ", filetime, version) + bytes(8)


def write_services(
    hive: Hive, control_set: str, injection: Injection, *, boot_critical: bool
) -> None:
    """``Services\\<name>`` for every AddService of the injection's install section."""
    for service in injection.services:
        start = BOOT_START if boot_critical and service.is_function_driver else service.start_type
        _write_service(hive, control_set, service, start, injection.source.inf_name)


def _write_service(hive: Hive, control_set: str, service: Service, start: int, inf: str) -> None:
    key = hive.ensure(f"{control_set}\\Services\\{service.name}")
    values = [
        RegValue.dword("Type", service.service_type),
        RegValue.dword("Start", start),
        RegValue.dword("ErrorControl", service.error_control),
        RegValue.expand_sz("ImagePath", str(service.binary)),
        RegValue.multi_sz("Owners", [inf]),
    ]
    if service.load_order_group:
        values.append(RegValue.sz("Group", service.load_order_group))
    if service.display_name:
        values.append(RegValue.sz("DisplayName", service.display_name))
    if service.dependencies:
        values.append(RegValue.multi_sz("DependOnService", list(service.dependencies)))
    for value in values:
        hive.set_value(key, value)


def write_driver_database(hive: Hive, injections: Iterable[Injection], package: str) -> None:
    """DriverInfFiles, DeviceIds and DriverPackages entries for one INF's injections.

    Every amd64 model of the INF is recorded (as Windows records a whole
    package), so PnP can match the INF to any device it names at first boot.
    """
    chosen = list(injections)
    source = chosen[0].source
    inf = source.inf
    database = DRIVER_DATABASE
    sections: dict[str, str | None] = {}  # section -> its function service, or None
    for model in inf.models():
        section = inf.install_section(model.install_section)
        if section not in sections:
            function = [s for s in inf.services(section) if s.is_function_driver]
            sections[section] = function[0].name if function else None
    package_key = f"{database}\\DriverPackages\\{package}"
    for model in inf.models():
        section = inf.install_section(model.install_section)
        for rank, device_id in enumerate(model.hardware_ids, 1):
            ids = hive.ensure(f"{database}\\DeviceIds\\{device_id}")
            rank_byte = min(rank, 2)  # 1 for the hardware ID, 2 for compatible IDs
            hive.set_value(ids, RegValue.binary(source.inf_name, bytes([rank_byte, 0xFF, 0, 0])))
            descriptor = hive.ensure(f"{package_key}\\Descriptors\\{device_id}")
            hive.set_value(descriptor, RegValue.sz("Configuration", section))
            hive.set_value(descriptor, RegValue.sz("Description", model.description))
    for section, service in sections.items():
        config = hive.ensure(f"{package_key}\\Configurations\\{section}")
        hive.set_value(config, RegValue.dword("ConfigFlags", 0))
        hive.set_value(config, RegValue.sz("Service", service or ""))
    package_node = hive.ensure(package_key)
    hive.set_value(package_node, RegValue.sz("", source.inf_name))
    hive.set_value(package_node, RegValue.binary("Version", version_blob(source)))
    if inf.provider:
        hive.set_value(package_node, RegValue.sz("Provider", inf.provider))
    inf_node = hive.ensure(f"{database}\\DriverInfFiles\\{source.inf_name}")
    hive.set_value(inf_node, RegValue.multi_sz("", [package]))
    hive.set_value(inf_node, RegValue.sz("Active", package))
    hive.set_value(inf_node, RegValue.multi_sz("Configurations", list(sections)))
