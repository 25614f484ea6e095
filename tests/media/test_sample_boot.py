"""The sample's bootmgfw.efi is a real EFI program: boot it under OVMF and read COM1."""

from __future__ import annotations

import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from nanostudio.devtools.sample_boot import (
    BCD_FOUND,
    BCD_MISSING,
    BCD_PATH,
    BCD_UUID,
    BOOT_END_LINE,
    BOOT_START_LINE,
    MARKER_FOUND,
    MARKER_MISSING,
    MARKER_PATH,
    MARKER_UUID,
    grub_config,
    parse_boot_log,
    sample_bootmgfw,
)
from nanostudio.devtools.sample_media import SampleMedia
from tests.engine_portable.helpers import OVMF_CODE, boot

MIB = 1024 * 1024
SECTOR = 512

# Recorded from a real boot of this GRUB image under OVMF: escapes and CRs as sent.
RECORDED_LOG = (
    'BdsDxe: starting Boot0001 "UEFI QEMU HARDDISK QM00013 " from '
    "PciRoot(0x0)/Pci(0x2,0x0)/Sata(0x0,0xFFFF,0x0)\r\n"
    "\x1b[0m\x1b[30m\x1b[47mWelcome to GRUB!\n\r\n\r"
    "\x1b[0m\x1b[37m\x1b[40m\x1b[H\x1b[J\x1b[1;1HNANOSTUDIO-SAMPLE-BOOT\n\r"
    "NANOSTUDIO-MARKER-FOUND root=hd0,gpt2 fs=ntfs\n\r"
    "NANOSTUDIO-MARKER-UUID 2a6f8e37-6812-4378-9e33-8292b0a96a97\n\r"
    "NANOSTUDIO-SAMPLE-EDITION=Datacenter\n\r\n\r\n\r"
    "NANOSTUDIO-BCD-FOUND root=hd0,gpt1 fs=fat\n\r"
    "NANOSTUDIO-BCD-UUID 00f4b45d-8fa3-4c7b-a1b1-a7f0ac6e9bca\n\r"
    "NANOSTUDIO-SAMPLE-DONE\n\r"
)


def test_config_reports_every_line_and_halts() -> None:
    config = grub_config()
    for needle in (BOOT_START_LINE, MARKER_FOUND, MARKER_UUID, MARKER_MISSING, BOOT_END_LINE):
        assert needle in config
    for needle in (BCD_FOUND, BCD_UUID, BCD_MISSING):
        assert needle in config
    assert f"search --no-floppy --file --set=marker /{MARKER_PATH}" in config
    assert f"search --no-floppy --file --set=bcd /{BCD_PATH}" in config
    assert "serial --unit=0 --speed=115200" in config
    assert config.rstrip().endswith("halt")


def test_parse_recorded_log() -> None:
    report = parse_boot_log(RECORDED_LOG)
    assert report.started and report.finished
    assert (report.marker_root, report.marker_fs) == ("hd0,gpt2", "ntfs")
    assert report.marker_uuid == "2a6f8e37-6812-4378-9e33-8292b0a96a97"
    assert report.edition == "Datacenter"
    assert (report.bcd_root, report.bcd_fs) == ("hd0,gpt1", "fat")
    assert report.bcd_uuid == "00f4b45d-8fa3-4c7b-a1b1-a7f0ac6e9bca"


def test_parse_log_of_a_boot_that_found_nothing() -> None:
    report = parse_boot_log(f"{BOOT_START_LINE}\r\n{MARKER_MISSING}\r\n{BCD_MISSING}\r\n")
    assert report.started and not report.finished
    assert report.marker_root is report.edition is report.bcd_root is None


def test_image_is_built_once_per_process() -> None:
    assert sample_bootmgfw() is sample_bootmgfw()


def _run(*argv: str) -> None:
    subprocess.run(argv, check=True, capture_output=True)


def _esp(path: Path, boot_program: bytes, with_bcd: bool) -> Path:
    _run("mkfs.fat", "-C", str(path), str(16 * 1024))
    efi = path.parent / "bootx64.efi"
    efi.write_bytes(boot_program)
    image = f"{path}"
    _run("mmd", "-i", image, "::/EFI", "::/EFI/Boot", "::/EFI/Microsoft", "::/EFI/Microsoft/Boot")
    _run("mcopy", "-i", image, str(efi), "::/EFI/Boot/bootx64.efi")
    if with_bcd:
        bcd = path.parent / "BCD"
        bcd.write_bytes(b"regf stand-in")
        _run("mcopy", "-i", image, str(bcd), "::/" + BCD_PATH)
    return path


def _ntfs(path: Path, wim: Path, index: int) -> Path:
    with path.open("wb") as out:
        out.truncate(16 * MIB)
    _run("mkntfs", "-F", "-Q", "-q", str(path))
    _run("wimlib-imagex", "apply", str(wim), str(index), str(path))
    return path


def _disk(path: Path, partitions: list[tuple[Path, str, str]]) -> Path:
    """A GPT disk holding each (image, type code, partition GUID) in turn."""
    size = 2 * MIB + sum(image.stat().st_size for image, _, _ in partitions) + 2 * MIB
    with path.open("wb") as out:
        out.truncate(size)
    start = 2048
    for number, (image, code, guid) in enumerate(partitions, start=1):
        sectors = image.stat().st_size // SECTOR
        _run(
            "sgdisk",
            f"--new={number}:{start}:{start + sectors - 1}",
            f"--typecode={number}:{code}",
            f"--partition-guid={number}:{guid}",
            str(path),
        )
        with path.open("r+b") as out, image.open("rb") as data:
            out.seek(start * SECTOR)
            shutil.copyfileobj(data, out)
        start += sectors
    return path


needs_qemu = pytest.mark.skipif(
    shutil.which("qemu-system-x86_64") is None or not OVMF_CODE.is_file(),
    reason="needs qemu-system-x86 and ovmf (apt-get install qemu-system-x86 ovmf)",
)


@pytest.mark.slow
@needs_qemu
def test_boots_under_ovmf_and_reports_the_edition(
    sample_media: SampleMedia, tmp_path: Path
) -> None:
    boot_program = subprocess.run(
        [
            "wimlib-imagex",
            "extract",
            str(sample_media.wim),
            "2",
            "/Windows/Boot/EFI/bootmgfw.efi",
            "--to-stdout",
        ],
        check=True,
        capture_output=True,
    ).stdout
    windows_guid, esp_guid = str(uuid.uuid4()), str(uuid.uuid4())
    esp = _esp(tmp_path / "esp.img", boot_program, with_bcd=True)
    ntfs = _ntfs(tmp_path / "ntfs.img", sample_media.wim, 2)
    disk = _disk(
        tmp_path / "disk.raw",
        [(esp, "ef00", esp_guid), (ntfs, "0700", windows_guid)],
    )
    log = boot(disk, "raw", tmp_path)
    report = parse_boot_log(log)
    assert report.started and report.finished, log
    assert (report.marker_root, report.marker_fs) == ("hd0,gpt2", "ntfs")
    assert report.marker_uuid == windows_guid
    assert report.edition == "Datacenter"
    assert (report.bcd_root, report.bcd_fs) == ("hd0,gpt1", "fat")
    assert report.bcd_uuid == esp_guid


@pytest.mark.slow
@needs_qemu
def test_boot_reports_what_is_missing(tmp_path: Path) -> None:
    esp = _esp(tmp_path / "esp.img", sample_bootmgfw(), with_bcd=False)
    disk = _disk(tmp_path / "disk.raw", [(esp, "ef00", str(uuid.uuid4()))])
    log = boot(disk, "raw", tmp_path)
    report = parse_boot_log(log)
    assert report.started and report.finished, log
    assert MARKER_MISSING in log and BCD_MISSING in log
    assert report.marker_root is report.bcd_root is report.edition is None
