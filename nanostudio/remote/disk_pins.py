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

from datetime import UTC, datetime
from pathlib import Path

from nanostudio.remote.pinning import PinFile

DISK_PINS_FILE = "disk-certificate-pins.json"


class DiskPins(PinFile):
    """SHA-256 thumbprints of the WinRM HTTPS certificates built into disks."""

    file_name = DISK_PINS_FILE
    what = "disk certificate pins"
    remedy = "delete it (VMs of disks built before then will ask to trust)"

    def record(self, disk: Path, sha256: str) -> None:
        built_at = datetime.now(UTC).isoformat(timespec="seconds")
        self._put(_key(disk), sha256, built_at=built_at)

    def forget(self, disk: Path) -> None:
        self._remove(_key(disk))

    def get(self, disk: Path) -> str | None:
        return self._sha256(_key(disk))


def _key(disk: Path) -> str:
    return str(disk.absolute().resolve())
