"""FAKE bcdboot.exe for tests: writes boot files to the fake drive letter given by /s.

UEFI: ``\\EFI\\Microsoft\\Boot\\{BCD,bootmgfw.efi}`` and ``\\EFI\\Boot\\bootx64.efi``;
BIOS: ``\\Boot\\BCD`` and ``\\bootmgr``. Prints bcdboot's one verdict line. The
source must be on a drive letter (``W:\\Windows``), as Convert-WindowsImage says
bcdboot needs. The fake BCD is text, one ``<entry> <element> <value>`` a line
(fake_bcdedit edits it), with the devices as partitions named by drive letter.
"""

from __future__ import annotations

import re
import sys

from tests.support.windows_fakes import fakecore

FAILURE = "Failure when attempting to copy boot files."


def fake_bcd(system: str, windows: str, locale: str) -> str:
    return "".join(
        f"{line}\r\n"
        for line in (
            f"{{bootmgr}} device partition={system}:",
            f"{{default}} device partition={windows}:",
            f"{{default}} osdevice partition={windows}:",
            f"{{default}} locale {locale}",
        )
    )


def main(argv: list[str]) -> int:
    fakecore.journal({"tool": "bcdboot", "argv": argv})
    command_line = " ".join(argv)
    if fakecore.hangs("bcdboot", command_line):
        fakecore.hang("bcdboot")
    if fakecore.failure("bcdboot", command_line) is not None:
        fakecore.say(FAILURE)
        return 1
    source = fakecore.host_path(argv[0])
    flags = {argv[i].lower(): argv[i + 1] for i in range(1, len(argv) - 1, 2)}
    letter = flags.get("/s", "").rstrip(":")
    firmware = flags.get("/f", "UEFI").upper()
    system = fakecore.drive(letter)
    on_a_letter = re.match(r"^[A-Za-z]:\\", argv[0]) is not None
    if not on_a_letter or not (source / "Boot").is_dir() or not letter or not system.is_dir():
        fakecore.say(FAILURE)
        return 1
    bcd = fake_bcd(letter.upper(), argv[0][0].upper(), flags.get("/l", "en-us"))
    if firmware == "UEFI":
        bootmgfw = (source / "Boot/EFI/bootmgfw.efi").read_bytes()
        files = {
            "EFI/Microsoft/Boot/BCD": bcd.encode(),
            "EFI/Microsoft/Boot/bootmgfw.efi": bootmgfw,
            "EFI/Boot/bootx64.efi": bootmgfw,
        }
    else:
        files = {"Boot/BCD": bcd.encode(), "bootmgr": (source / "Boot/PCAT/bootmgr").read_bytes()}
    for relative, data in files.items():
        target = system / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    fakecore.say("Boot files successfully created.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
