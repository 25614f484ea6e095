"""The WinRM HTTPS pin that follows a VM NanoStudio started.

A disk whose build made the HTTPS certificate has its SHA-256 recorded
(remote/disk_pins.py). Starting a VM for that disk copies it into the VM's record, and
QEMU or VirtualBox's NAT forwards a 127.0.0.1 port to the guest's 5986
(``VmRecord.https_port``). A connection to that forwarded address then carries the
record's pin in its settings
(``ConnectionSettings.cert_pin_sha256``), so it is verified against the built
certificate with no trust-on-first-use question, and another certificate is refused.
"""

from __future__ import annotations

from dataclasses import replace

from nanostudio.remote.disk_pins import DiskPins
from nanostudio.remote.settings import ConnectionSettings
from nanostudio.vm.model import VmRecord, VmSpec
from nanostudio.vm.store import VmStore


def with_disk_pin(spec: VmSpec, pins: DiskPins | None = None) -> VmSpec:
    """``spec`` carrying the pin of the certificate built into its disk, if any."""
    if spec.https_pin is not None:
        return spec
    pin = (pins or DiskPins()).get(spec.disk)
    return replace(spec, https_pin=pin) if pin else spec


def https_settings(record: VmRecord, user: str = "Administrator") -> ConnectionSettings | None:
    """HTTPS settings for the VM's forwarded port, pinned to its built certificate."""
    if record.https_pin is None or record.https_port is None or not record.host:
        return None
    return ConnectionSettings(
        host=record.host, port=record.https_port, https=True, user=user,
        cert_pin_sha256=record.https_pin,
    )  # fmt: skip


def with_vm_pin(settings: ConnectionSettings, store: VmStore | None = None) -> ConnectionSettings:
    """``settings`` with the pin of the NanoStudio VM whose forwarded HTTPS port they
    name; unchanged when they name none or already carry a pin."""
    if not settings.https or settings.cert_pin_sha256:
        return settings
    for record in (store or VmStore()).all():
        if (
            record.https_pin
            and record.https_port == settings.port
            and record.host.lower() == settings.host.lower()
        ):
            return settings.replace(cert_pin_sha256=record.https_pin)
    return settings
