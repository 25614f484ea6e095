"""The remembered VMs: one JSON file in NanoStudio's state folder, readable by its owner only.

It holds names, paths and ports, never a password.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from pathlib import Path
from typing import Any

from nanostudio.paths import state_dir
from nanostudio.recipe.model import Target
from nanostudio.vm.model import GuestNetwork, Hypervisor, VmError, VmRecord

log = logging.getLogger(__name__)
FILE_NAME = "vms.json"
VERSION = 1


def vms_folder() -> Path:
    """Where each VM's own files go (``<state>/vms/<name>``)."""
    return state_dir() / "vms"


class VmStore:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path or state_dir() / FILE_NAME

    def all(self) -> list[VmRecord]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        except (OSError, ValueError) as error:
            log.warning("the VM list %s cannot be read (%s): starting empty", self.path, error)
            return []
        records = []
        for item in data.get("vms", []):
            try:
                records.append(_from_json(item))
            except (KeyError, TypeError, ValueError) as error:
                log.warning("skipping a VM entry that cannot be read: %s", error)
        return records

    def get(self, name: str) -> VmRecord | None:
        return next((r for r in self.all() if r.name.lower() == name.lower()), None)

    def require(self, name: str) -> VmRecord:
        record = self.get(name)
        if record is None:
            known = ", ".join(r.name for r in self.all()) or "none"
            raise VmError(f"No VM named {name!r} is known to NanoStudio (known: {known}).")
        return record

    def put(self, record: VmRecord) -> None:
        records = [r for r in self.all() if r.name.lower() != record.name.lower()]
        records.append(record)
        self._write(records)

    def remove(self, name: str) -> None:
        self._write([r for r in self.all() if r.name.lower() != name.lower()])

    def free_name(self, wanted: str) -> str:
        """``wanted``, or ``wanted-2``, ``-3``... when a remembered VM has it."""
        taken = {r.name.lower() for r in self.all()}
        name, number = wanted, 2
        while name.lower() in taken:
            name = f"{wanted}-{number}"
            number += 1
        return name

    def _write(self, records: list[VmRecord]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        text = json.dumps({"version": VERSION, "vms": [_to_json(r) for r in records]}, indent=1)
        temp = self.path.with_name(self.path.name + ".partial")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(text)
            with contextlib.suppress(OSError):
                temp.chmod(0o600)  # an older, wider file: owner only from now on
            temp.replace(self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                temp.unlink()
            raise


def _to_json(record: VmRecord) -> dict[str, Any]:
    return {
        "name": record.name,
        "hypervisor": record.hypervisor.value,
        "disk": str(record.disk),
        "target": record.target.value,
        "folder": str(record.folder),
        "host": record.host,
        "port": record.port,
        "created": record.created,
        "ipv4": record.network.ipv4,
        "gateway": record.network.gateway,
        "memory_mib": record.memory_mib,
        "cpus": record.cpus,
        "snapshot": record.snapshot,
        "files": [str(p) for p in record.files],
        "pid": record.pid,
        "pid_started": record.pid_started,
        "https_pin": record.https_pin,
        "https_port": record.https_port,
    }


def _from_json(item: dict[str, Any]) -> VmRecord:
    return VmRecord(
        name=str(item["name"]),
        hypervisor=Hypervisor(item["hypervisor"]),
        disk=Path(item["disk"]),
        target=Target(item["target"]),
        folder=Path(item["folder"]),
        host=str(item["host"]),
        port=int(item["port"]),
        created=str(item["created"]),
        network=GuestNetwork(item.get("ipv4"), item.get("gateway")),
        memory_mib=int(item.get("memory_mib", 1024)),
        cpus=int(item.get("cpus", 2)),
        snapshot=bool(item.get("snapshot", False)),
        files=tuple(Path(p) for p in item.get("files", [])),
        pid=item.get("pid"),
        pid_started=item.get("pid_started"),
        https_pin=_optional_str(item.get("https_pin")),
        https_port=int(item["https_port"]) if item.get("https_port") else None,
    )


def _optional_str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
