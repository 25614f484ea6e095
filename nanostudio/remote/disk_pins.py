"""Which disk a WinRM HTTPS certificate was built into: the pin that follows the VM.

The build pins its certificate for the computer name and static addresses
(``winrm_https.pin``), but a VM that NanoStudio starts with QEMU's user networking or
VirtualBox's NAT is reached at 127.0.0.1 and a forwarded port, which no build-time pin
names. So the build also records the certificate's SHA-256 against the disk it wrote;
when NanoStudio starts a VM for that disk, the VM's record carries the pin, and
connections to its forwarded HTTPS port are verified against it (``vm.pins``). Public data only (a
thumbprint per absolute disk path), kept owner-only beside the other pins.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from nanostudio.remote.paths import config_dir, write_private
from nanostudio.remote.pinning import normalise_thumbprint, read_pin_file

DISK_PINS_FILE = "disk-certificate-pins.json"


class DiskPins:
    """SHA-256 thumbprints of the WinRM HTTPS certificates built into disks."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path if path is not None else config_dir() / DISK_PINS_FILE

    def _load(self) -> dict[str, dict[str, str]]:
        return read_pin_file(
            self.path,
            "disk certificate pins",
            "delete it (VMs of disks built before then will ask to trust)",
        )

    def record(self, disk: Path, sha256: str) -> None:
        pins = self._load()
        pins[_key(disk)] = {
            "sha256": normalise_thumbprint(sha256),
            "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        write_private(self.path, json.dumps(pins, indent=2, sort_keys=True))

    def forget(self, disk: Path) -> None:
        pins = self._load()
        if pins.pop(_key(disk), None) is not None:
            write_private(self.path, json.dumps(pins, indent=2, sort_keys=True))

    def get(self, disk: Path) -> str | None:
        entry = self._load().get(_key(disk))
        value = entry.get("sha256") if entry else None
        return value if isinstance(value, str) else None


def _key(disk: Path) -> str:
    return str(disk.absolute().resolve())
