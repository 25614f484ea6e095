"""Choose, for each device a target presents, the driver that makes it work.

Matching follows Plug and Play's ranking in its simplest form: a device's
hardware ID beats its compatible IDs, and among sources the user's own driver
folders come before the media's packages (an administrator adds a folder to
get a newer or vendor driver). A match only counts for offline injection when
everything the registry needs comes from the INF itself: the function
driver's AddService (flag 0x2) with its service-install section complete, and
the driver file present in the INF's folder (Microsoft, "INF AddService
Directive"; virt-v2v writes the same Services values for the drivers it
injects). An INF that gets its service through ``Include``/``Needs`` from a
system INF cannot be resolved offline and is reported as such.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PureWindowsPath

from nanostudio.engine.drivers.devices import Device
from nanostudio.engine.drivers.sources import DriverSource
from nanostudio.media.inf import Model, Service


@dataclass(frozen=True)
class Injection:
    """A driver to put into the image for ``device``: its INF, model and services."""

    device: Device
    source: DriverSource
    model: Model
    section: str  # the DDInstall section as spelled in the INF (.NTamd64 resolved)
    services: tuple[Service, ...]

    @property
    def function_service(self) -> Service:
        return next(service for service in self.services if service.is_function_driver)


@dataclass(frozen=True)
class Match:
    """A source whose INF names the device, and whether it can be injected offline."""

    source: DriverSource
    model: Model
    device_id: str
    injection: Injection | None
    problem: str | None  # why it cannot be injected offline


def find_matches(device: Device, sources: list[DriverSource]) -> list[Match]:
    """Every source whose amd64 models list one of the device's IDs, best first."""
    matches: list[Match] = []
    seen: set[tuple[str, str]] = set()
    for device_id in device.ids:
        for source in sources:
            for model in source.inf.models():
                if device_id not in model.hardware_ids:
                    continue
                key = (str(source.inf_path), model.install_section.lower())
                if key in seen:
                    continue
                seen.add(key)
                injection, problem = _injection(device, source, model)
                matches.append(Match(source, model, device_id, injection, problem))
    return matches


def best_injection(matches: list[Match]) -> Injection | None:
    return next((m.injection for m in matches if m.injection is not None), None)


def _injection(
    device: Device, source: DriverSource, model: Model
) -> tuple[Injection | None, str | None]:
    inf = source.inf
    section = inf.install_section(model.install_section)
    if section.lower() not in (name.lower() for name in inf.sections):
        return None, f"{source.inf_name} has no [{model.install_section}] install section"
    services = tuple(inf.services(section))
    function = [service for service in services if service.is_function_driver]
    if not function:
        needs = inf.include(section)
        if needs:
            return None, (
                f"{source.inf_name} takes its service from {', '.join(needs)} (Include/Needs), "
                "which cannot be read outside Windows"
            )
        return None, f"{source.inf_name} installs no service for {model.description}"
    for service in services:
        if service.missing:
            return None, (
                f"{source.inf_name}: the service {service.name} lacks "
                f"{', '.join(service.missing)} in [{service.install_section}]"
            )
        if not isinstance(service.binary, PureWindowsPath):
            return None, (
                f"{source.inf_name}: the service {service.name} runs {service.binary}, a "
                "place only Windows' driver store can resolve"
            )
        if source.file(service.binary.name) is None:
            return None, f"{service.binary.name} is missing beside {source.inf_name}"
    return Injection(device, source, model, section, services), None
