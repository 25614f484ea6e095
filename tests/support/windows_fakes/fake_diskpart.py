"""FAKE diskpart.exe for tests: runs a ``/s`` script against a simulated machine.

A virtual disk is a JSON file; its partitions' contents live in folders under
the fake state folder; a drive letter is ``<state>/drives/<L>`` and a mount
folder becomes a link to the partition's folder, both removed again by
``remove`` or ``detach vdisk`` (which also writes every partition's files into
the disk file, so tests can read what a build put on the disk). Like diskpart,
it stops at the first failing command. See fakecore for faults and journal.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from pathlib import Path
from typing import Any

from tests.support.windows_fakes import fakecore

VERSION = "10.0.19041.964"
# NANOSTUDIO_FAKE_DISKPART_LANGUAGE=de: diskpart speaks another UI language, so
# none of its sentences are the English ones NanoStudio knows.
GERMAN = os.environ.get("NANOSTUDIO_FAKE_DISKPART_LANGUAGE") == "de"
_ARG = re.compile(r'(\w+)=("([^"]*)"|\S+)')


class DiskpartError(Exception):
    """Prints as diskpart's 'has encountered an error' block."""


def args(command: str) -> dict[str, str]:
    return {
        m.group(1).lower(): m.group(3) if m.group(3) is not None else m.group(2)
        for m in _ARG.finditer(command)
    }


def percent(frames: tuple[int, ...] = (0, 100)) -> None:
    word = "Prozent bearbeitet" if GERMAN else "percent completed"
    fakecore.redraw([f"{value:>5} {word}" for value in frames])
    fakecore.say("")


def success(sentence: str) -> None:
    fakecore.say("DiskPart hat den Vorgang erfolgreich abgeschlossen." if GERMAN else sentence)


class Machine:
    """The simulated disks, volumes and letters, saved between runs."""

    def __init__(self) -> None:
        self.data: dict[str, Any] = fakecore.load_state("diskpart") or {"vdisks": {}}
        self.vdisk: str | None = None  # selected vdisk file
        self.partition: dict[str, Any] | None = None  # selected partition/volume
        self.root = fakecore.state_dir()

    def save(self) -> None:
        fakecore.save_state("diskpart", self.data)

    def disk(self) -> dict[str, Any]:
        if self.vdisk is None:
            raise DiskpartError("There is no virtual disk selected.")
        disk: dict[str, Any] = self.data["vdisks"][self.vdisk]
        return disk

    def attached_disk(self) -> dict[str, Any]:
        disk = self.disk()
        if not disk["attached"]:
            raise DiskpartError("The virtual disk is not attached.")
        return disk

    def storage(self, part: dict[str, Any]) -> Path:
        return self.root / "volumes" / str(part["id"])

    def letter_path(self, letter: str) -> Path:
        return self.root / "drives" / letter.upper()

    # commands -----------------------------------------------------------
    def create_vdisk(self, a: dict[str, str]) -> None:
        path = Path(a["file"])
        if path.exists():
            raise DiskpartError("The file exists.")
        if path.suffix.lower() not in (".vhd", ".vhdx"):
            raise DiskpartError("The virtual disk file extension is not valid.")
        if not path.parent.is_dir():
            raise DiskpartError("The system cannot find the path specified.")
        percent((0, 100))
        header = {"fake": "vdisk", "maximum_mib": int(a["maximum"]), "type": a.get("type")}
        path.write_text(json.dumps(header), encoding="utf-8")
        self.data["vdisks"][str(path)] = {
            "attached": False,
            "style": None,
            "partitions": [],
            "header": header,
        }
        self.vdisk = str(path)
        success("DiskPart successfully created the virtual disk file.")

    def select_vdisk(self, a: dict[str, str]) -> None:
        path = a["file"]
        if path not in self.data["vdisks"] or not Path(path).exists():
            raise DiskpartError("The system cannot find the file specified.")
        self.vdisk = path
        success("DiskPart successfully selected the virtual disk file.")

    def attach(self) -> None:
        disk = self.disk()
        if disk["attached"]:
            raise DiskpartError("The virtual disk is already attached.")
        percent((0, 100))
        disk["attached"] = True
        success("DiskPart successfully attached the virtual disk file.")

    def convert(self, style: str) -> None:
        disk = self.attached_disk()
        if disk["partitions"]:
            raise DiskpartError("The specified disk is not convertible.")
        disk["style"] = style
        success(f"DiskPart successfully converted the selected disk to {style.upper()} format.")

    def create_partition(self, kind: str, a: dict[str, str]) -> None:
        disk = self.attached_disk()
        if disk["style"] is None:
            raise DiskpartError("The disk is not initialized.")
        part = {
            "id": f"{len(self.data['vdisks'])}-{len(disk['partitions']) + 1}",
            "kind": kind,
            "size_mib": int(a["size"]) if "size" in a else None,
            "fs": None,
            "label": None,
            "active": False,
            "letter": None,
            "mount": None,
        }
        disk["partitions"].append(part)
        self.storage(part).mkdir(parents=True, exist_ok=True)
        self.partition = part
        success("DiskPart succeeded in creating the specified partition.")

    def format(self, a: dict[str, str]) -> None:
        if self.partition is None:
            raise DiskpartError("There is no volume selected.")
        percent((0, 10, 55, 100))
        self.partition["fs"] = a["fs"].upper()
        self.partition["label"] = a.get("label")
        success("DiskPart successfully formatted the volume.")

    def active(self) -> None:
        if self.partition is None:
            raise DiskpartError("There is no partition selected.")
        if self.disk()["style"] != "mbr":
            raise DiskpartError("The selected disk is not a fixed MBR disk.")
        self.partition["active"] = True
        success("DiskPart marked the current partition as active.")

    def assign(self, a: dict[str, str]) -> None:
        part = self.partition
        if part is None:
            raise DiskpartError("There is no volume selected.")
        target = self.storage(part)
        if "letter" in a:
            link = self.letter_path(a["letter"])
            if link.exists() or link.is_symlink():
                raise DiskpartError("The specified drive letter is not free to be assigned.")
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(target, target_is_directory=True)
            part["letter"] = a["letter"].upper()
        else:
            folder = Path(a["mount"])
            if not folder.is_dir() or any(folder.iterdir()):
                raise DiskpartError("The mount point path is not empty or does not exist.")
            folder.rmdir()
            folder.symlink_to(target, target_is_directory=True)
            part["mount"] = str(folder)
        success("DiskPart successfully assigned the drive letter or mount point.")

    def select_volume(self, value: str) -> None:
        value = value.strip('"')
        for disk in self.data["vdisks"].values():
            for number, part in enumerate(disk["partitions"], 1):
                if part["letter"] == value.upper() or part["mount"] == value:
                    self.partition = part
                    success(f"Volume {number + 2} is the selected volume.")
                    return
        raise DiskpartError("The volume you selected is not valid or does not exist.")

    def unlink_access(self, part: dict[str, Any], *, letter: bool, mount: bool) -> None:
        if letter and part["letter"]:
            self.letter_path(part["letter"]).unlink()
            part["letter"] = None
        if mount and part["mount"]:
            folder = Path(part["mount"])
            if folder.is_symlink():
                folder.unlink()
                folder.mkdir()
            part["mount"] = None

    def remove(self, a: dict[str, str]) -> None:
        part = self.partition
        if part is None:
            raise DiskpartError("There is no volume selected.")
        if "letter" in a and part["letter"] != a["letter"].upper():
            raise DiskpartError("The drive letter is not assigned to the selected volume.")
        if "mount" in a and part["mount"] != a["mount"]:
            raise DiskpartError("The mount point is not assigned to the selected volume.")
        self.unlink_access(part, letter="letter" in a, mount="mount" in a)
        success("DiskPart successfully removed the drive letter or mount point.")

    def detach(self) -> None:
        disk = self.attached_disk()
        assert self.vdisk is not None
        contents = {"header": disk["header"], "style": disk["style"], "partitions": []}
        for part in disk["partitions"]:
            self.unlink_access(part, letter=True, mount=True)
            storage = self.storage(part)
            record = {k: part[k] for k in ("kind", "size_mib", "fs", "label", "active")}
            record["files"] = fakecore.tree_listing(storage)
            contents["partitions"].append(record)
            shutil.rmtree(storage, ignore_errors=True)
        Path(self.vdisk).write_text(json.dumps(contents, sort_keys=True), encoding="utf-8")
        disk["attached"] = False
        disk["partitions"] = []
        percent((0, 100))
        success("DiskPart successfully detached the virtual disk file.")

    def run(self, command: str) -> None:
        words = command.lower().split()
        a = args(command)
        if words[:2] == ["create", "vdisk"]:
            self.create_vdisk(a)
        elif words[:2] == ["select", "vdisk"]:
            self.select_vdisk(a)
        elif words[:2] == ["attach", "vdisk"]:
            self.attach()
        elif words[:2] == ["detach", "vdisk"]:
            self.detach()
        elif words[0] == "convert":
            self.convert(words[1])
        elif words[:2] == ["create", "partition"]:
            self.create_partition(words[2], a)
        elif words[0] == "format":
            self.format(a)
        elif words[0] == "active":
            self.active()
        elif words[0] == "assign":
            self.assign(a)
        elif re.match(r"select\s+volume\s*=", command, re.I):
            self.select_volume(command.split("=", 1)[1])
        elif words[0] == "remove":
            self.remove(a)
        else:
            fakecore.say("The arguments specified for this command are not valid.")
            raise DiskpartError("")


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0].lower() != "/s":
        fakecore.say("This fake only runs scripts: diskpart /s FILE")
        return 2
    script = Path(argv[1]).read_bytes().decode("utf-8")
    fakecore.journal({"tool": "diskpart", "argv": argv, "script": script})
    fakecore.say("")
    fakecore.say(f"Microsoft DiskPart version {VERSION}")
    fakecore.say("")
    fakecore.say("Copyright (C) Microsoft Corporation.")
    fakecore.say("On computer: FAKE-BUILD-HOST")
    machine = Machine()
    try:
        for line in script.splitlines():
            command = line.strip()
            if not command or command.split()[0].lower() == "rem":
                continue
            fakecore.say("")
            if command.lower() == "exit":
                fakecore.say("Leaving DiskPart...")
                break
            if fakecore.hangs("diskpart", command):
                machine.save()
                fakecore.redraw(["    0 percent completed", "   10 percent completed"])
                fakecore.hang("diskpart")
            error = fakecore.failure("diskpart", command)
            if error is not None:
                raise DiskpartError(error)
            machine.run(command)
            machine.save()
    except DiskpartError as error:
        machine.save()
        if str(error):
            prefix = "Fehler in DiskPart" if GERMAN else "DiskPart has encountered an error"
            fakecore.say(f"{prefix}: {error}")
            fakecore.say("See the System Event Log for more information.")
        return 4
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
