"""A real EFI program to stand in for bootmgfw.efi in the sample media.

No Windows boots here, but OVMF does. A standalone GRUB image placed where
Windows keeps ``bootmgfw.efi`` is copied by the engines exactly like the real
boot manager; booted under QEMU it reports on the serial port what firmware
can see of a built disk: the NTFS partition holding the sample's edition
marker (and its contents) and the ESP holding ``\\EFI\\Microsoft\\Boot\\BCD``.
Boot tests grep the serial log for the constants below, or use
``parse_boot_log``.
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from nanostudio.errors import ToolMissingError
from nanostudio.secret import child_environment

# The marker file that differs between the sample's Standard and Datacenter images.
MARKER_PATH = "Windows/System32/NanoStudio-sample-edition.txt"
MARKER_PREFIX = "NANOSTUDIO-SAMPLE-EDITION="
STANDARD_MARKER = f"{MARKER_PREFIX}Standard"
DATACENTER_MARKER = f"{MARKER_PREFIX}Datacenter"
BCD_PATH = "EFI/Microsoft/Boot/BCD"

# Lines the boot program prints on COM1 (115200 8N1).
BOOT_START_LINE = "NANOSTUDIO-SAMPLE-BOOT"
# GRUB wraps at 80 columns, so the partition GUID gets a line of its own.
MARKER_FOUND = "NANOSTUDIO-MARKER-FOUND"  # + " root=hd0,gpt3 fs=ntfs"
MARKER_UUID = "NANOSTUDIO-MARKER-UUID"  # + " <GPT partition GUID>"
MARKER_MISSING = "NANOSTUDIO-MARKER-MISSING"
BCD_FOUND = "NANOSTUDIO-BCD-FOUND"  # + " root=hd0,gpt1 fs=fat"
BCD_UUID = "NANOSTUDIO-BCD-UUID"  # + " <GPT partition GUID>"
BCD_MISSING = "NANOSTUDIO-BCD-MISSING"
BOOT_END_LINE = "NANOSTUDIO-SAMPLE-DONE"

GRUB_PLATFORM_DIR = Path("/usr/lib/grub/x86_64-efi")
# Preloaded into the image; the config uses nothing else.
GRUB_MODULES = (
    "part_gpt",
    "part_msdos",
    "fat",
    "ntfs",
    "search",
    "search_fs_file",
    "probe",
    "cat",
    "echo",
    "serial",
    "terminal",
    "test",
    "halt",
)


def grub_config() -> str:
    """The embedded grub.cfg: report to the serial port what is found, then power off."""

    def report(path: str, found: str, uuid: str, missing: str, var: str) -> str:
        return (
            f"if search --no-floppy --file --set={var} /{path}; then\n"
            f"  probe --fs --set={var}_fs (${var})\n"
            f"  probe --part-uuid --set={var}_uuid (${var})\n"
            f'  echo "{found} root=${var} fs=${{{var}_fs}}"\n'
            f'  echo "{uuid} ${{{var}_uuid}}"\n'
            f"else\n"
            f'  echo "{missing}"\n'
            f"fi\n"
        )

    return (
        "serial --unit=0 --speed=115200\n"
        # Serial only: with "console" too, OVMF mirrors every character to COM1 twice.
        "terminal_input serial\n"
        "terminal_output serial\n"
        f'echo "{BOOT_START_LINE}"\n'
        + report(MARKER_PATH, MARKER_FOUND, MARKER_UUID, MARKER_MISSING, "marker")
        + 'if [ -n "$marker" ]; then\n'
        + f"  cat ($marker)/{MARKER_PATH}\n"
        + '  echo ""\n'
        + "fi\n"
        + report(BCD_PATH, BCD_FOUND, BCD_UUID, BCD_MISSING, "bcd")
        + f'echo "{BOOT_END_LINE}"\n'
        + "halt\n"
    )


def _require_grub() -> str:
    tool = shutil.which("grub-mkstandalone")
    if tool is None or not (GRUB_PLATFORM_DIR / "normal.mod").is_file():
        raise ToolMissingError(
            "grub-mkstandalone for x86_64-efi is not installed: "
            "install it with 'apt-get install grub-efi-amd64-bin'"
        )
    return tool


@functools.cache
def sample_bootmgfw() -> bytes:
    """The standalone GRUB EFI image (built once per process: it takes a moment)."""
    tool = _require_grub()
    with tempfile.TemporaryDirectory(prefix="nanostudio-grub-") as work:
        config = Path(work) / "grub.cfg"
        config.write_text(grub_config(), encoding="ascii")
        output = Path(work) / "bootx64.efi"
        modules = " ".join(GRUB_MODULES)
        argv = [
            tool,
            "-O",
            "x86_64-efi",
            "-o",
            str(output),
            f"--modules={modules}",
            f"--install-modules={modules} normal",
            "--locales=",
            "--fonts=",
            "--themes=",
            f"boot/grub/grub.cfg={config}",
        ]
        result = subprocess.run(
            argv, capture_output=True, text=True, check=False, env=child_environment()
        )
        if result.returncode != 0:
            raise RuntimeError(f"grub-mkstandalone failed: {result.stderr.strip()}")
        return output.read_bytes()


@dataclass(frozen=True)
class BootReport:
    """What the sample boot program printed, parsed from a serial log."""

    started: bool
    finished: bool
    marker_root: str | None
    marker_fs: str | None
    marker_uuid: str | None
    edition: str | None
    bcd_root: str | None
    bcd_fs: str | None
    bcd_uuid: str | None


_ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_FOUND = r" root=(?P<root>\S*) fs=(?P<fs>\S*)"
_UUID = r" (?P<uuid>[0-9a-fA-F-]{36})"


def parse_boot_log(text: str) -> BootReport:
    """Read the lines of ``grub_config`` out of a serial log (escapes and CRs removed)."""
    clean = _ESCAPES.sub("", text).replace("\r", "\n")
    marker = re.search(re.escape(MARKER_FOUND) + _FOUND, clean)
    marker_uuid = re.search(re.escape(MARKER_UUID) + _UUID, clean)
    bcd = re.search(re.escape(BCD_FOUND) + _FOUND, clean)
    bcd_uuid = re.search(re.escape(BCD_UUID) + _UUID, clean)
    edition = re.search(re.escape(MARKER_PREFIX) + r"(\w+)", clean)

    def group(match: re.Match[str] | None, name: str) -> str | None:
        return (match.group(name) or None) if match else None

    return BootReport(
        started=BOOT_START_LINE in clean,
        finished=BOOT_END_LINE in clean,
        marker_root=group(marker, "root"),
        marker_fs=group(marker, "fs"),
        marker_uuid=group(marker_uuid, "uuid"),
        edition=edition.group(1) if edition else None,
        bcd_root=group(bcd, "root"),
        bcd_fs=group(bcd, "fs"),
        bcd_uuid=group(bcd_uuid, "uuid"),
    )
