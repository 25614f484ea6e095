"""``nanostudio edit`` with the portable engine, read back with readers NanoStudio did not write.

The original disk is built from the sample media, then edited: a package (and one
the image already has), OEM drivers injected offline for KVM, a driver folder,
a file and a static address. The new disk is read with qemu-img, sgdisk, ntfs-3g's
tools, dissect.regf and hivexsh; the original's SHA-256 must not change.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from nanostudio.cli.main import main
from tests.engine_edit.conftest import Original, sha256
from tests.engine_edit.disk_faults import qemu_convert
from tests.engine_portable.conftest import write_driver_folder
from tests.engine_portable.helpers import (
    PASSWORD,
    boot,
    check_boot,
    extract_partition,
    needs_qemu,
    ntfs_cat,
    ntfs_ls,
    read_gpt,
    reg_subkeys,
    reg_values,
    run,
    to_raw,
)


@dataclass(frozen=True)
class Opened:
    disk: Path
    volume: Path  # the Windows partition as a file
    hive: Path


def _open(disk: Path, fmt: str, work: Path) -> Opened:
    raw = to_raw(disk, fmt, work / f"{disk.stem}.raw")
    windows = read_gpt(raw).partitions[-1]
    volume = extract_partition(raw, windows, work / f"{disk.stem}-windows.img")
    hive = work / f"{disk.stem}-SYSTEM"
    hive.write_bytes(ntfs_cat(volume, "/Windows/System32/config/SYSTEM"))
    return Opened(disk, volume, hive)


@pytest.fixture(scope="module")
def edited(
    original_vhdx: Original, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Opened, Opened]:
    work = tmp_path_factory.mktemp("edited")
    tools = work / "tools"
    tools.mkdir()
    (tools / "tool.txt").write_text("added by the edit\n")
    drivers = write_driver_folder(work)
    output = work / "edited.vhdx"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NANOSTUDIO_ADMIN_PASSWORD", PASSWORD)
        code = main(
            [
                "edit",
                str(original_vhdx.path),
                "--media",
                str(original_vhdx.media),
                "--package",
                "DSC",
                "--package",
                "Storage",
                "--oem-drivers",
                "--target",
                "kvm",
                "--driver-folder",
                str(drivers),
                "--copy",
                f"{tools / 'tool.txt'}=Tools",
                "--ipv4",
                "10.0.0.5/24",
                "--gateway",
                "10.0.0.1",
                "--computer-name",
                "EDITED",
                "-o",
                str(output),
            ]
        )
    assert code == 0
    return _open(output, "vhdx", work), _open(original_vhdx.path, "vhdx", work)


@pytest.mark.slow
@needs_qemu
def test_the_edited_disk_boots_under_ovmf(edited: tuple[Opened, Opened], tmp_path: Path) -> None:
    """A new ESP and BCD, the captured image applied: real UEFI firmware starts the boot
    program from the new ESP and it finds the original image's edition on partition 3."""
    new, _ = edited
    raw = to_raw(new.disk, "vhdx", tmp_path / "edited.raw")
    gpt = read_gpt(raw)
    raw.unlink()
    check_boot(boot(new.disk, "vhdx", tmp_path), gpt, "Standard")


def test_the_original_is_not_changed(
    edited: tuple[Opened, Opened], original_vhdx: Original
) -> None:
    assert sha256(original_vhdx.path) == original_vhdx.digest


def test_qemu_img_reads_a_vhdx_of_the_same_size(
    edited: tuple[Opened, Opened], original_vhdx: Original
) -> None:
    new, _ = edited
    run(["qemu-img", "check", "-f", "vhdx", str(new.disk)])
    info = run(["qemu-img", "info", "--output=json", str(new.disk)])
    before = run(["qemu-img", "info", "--output=json", str(original_vhdx.path)])
    assert '"format": "vhdx"' in info
    size = [line for line in info.splitlines() if '"virtual-size"' in line]
    assert size == [line for line in before.splitlines() if '"virtual-size"' in line]


def test_the_files_and_first_boot_script_are_in_the_new_disk(
    edited: tuple[Opened, Opened],
) -> None:
    new, old = edited
    assert ntfs_cat(new.volume, "/Tools/tool.txt") == b"added by the edit\n"
    packages = {name.lower() for name in ntfs_ls(new.volume, "/NanoStudio/Packages")}
    assert "microsoft-nanoserver-storage-package.cab" in packages
    assert "microsoft-nanoserver-dsc-package.cab" in packages  # the original's own
    assert any(name.startswith("01-") for name in ntfs_ls(new.volume, "/NanoStudio/Drivers"))
    script = ntfs_cat(new.volume, "/Windows/Setup/Scripts/SetupComplete.cmd").decode()
    assert "10.0.0.5" in script and "Storage-Package" in script
    # DSC is in the image already: the edit does not install it a second time.
    assert "DSC-Package" not in script
    assert "SetupComplete-before-edit.cmd" in script
    kept = ntfs_cat(new.volume, "/Windows/Setup/Scripts/SetupComplete-before-edit.cmd")
    assert kept == ntfs_cat(old.volume, "/Windows/Setup/Scripts/SetupComplete.cmd")
    unattend = ntfs_cat(new.volume, "/Windows/Panther/unattend.xml").decode()
    assert "<ComputerName>EDITED</ComputerName>" in unattend
    assert PASSWORD not in unattend
    # What the original had is still there, byte for byte.
    sample = "/Windows/System32/NanoStudio-sample-edition.txt"
    assert ntfs_cat(new.volume, sample) == ntfs_cat(old.volume, sample)


def test_kvm_drivers_are_injected_offline_as_in_a_new_build(edited: tuple[Opened, Opened]) -> None:
    new, old = edited
    services = reg_values(new.hive, "ControlSet001\\Services\\storahci")
    assert services["Start"] == (4, 0)
    assert "e1i63x64.sys" in ntfs_ls(new.volume, "/Windows/System32/drivers")
    listing = subprocess.run(
        ["hivexsh", str(new.hive)],
        input="cd \\ControlSet001\\Services\\e1i63x64\nlsval\n",
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert '"Group"="NDIS"' in listing
    # The original had neither: the edit put them in.
    assert "e1i63x64" not in reg_subkeys(old.hive, "ControlSet001\\Services")


def test_the_new_disk_has_a_gpt_sgdisk_reads(edited: tuple[Opened, Opened]) -> None:
    new, _ = edited
    raw = new.volume.parent / "edited.raw"
    verify = run(["sgdisk", "-v", str(raw)])
    assert "No problems found" in verify
    assert len(read_gpt(raw).partitions) == 3


@pytest.mark.parametrize(("fmt", "suffix", "options"), [("vpc", ".vhd", ()), ("vhdx", ".vhdx", ())])
def test_a_disk_qemu_img_wrote_is_edited(
    original_vhdx: Original,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fmt: str,
    suffix: str,
    options: tuple[str, ...],
) -> None:
    """A dynamic VHD and a VHDX from qemu-img: the reader meets containers it did not write."""
    raw = to_raw(original_vhdx.path, "vhdx", tmp_path / "original.raw")
    source = qemu_convert(raw, fmt, tmp_path / f"qemu{suffix}", *options)
    digest = sha256(source)
    (tmp_path / "note.txt").write_text("edited\n")
    output = tmp_path / f"new{suffix}"
    monkeypatch.setenv("NANOSTUDIO_ADMIN_PASSWORD", PASSWORD)
    assert (
        main(
            [
                "edit",
                str(source),
                "--media",
                str(original_vhdx.media),
                "--copy",
                str(tmp_path / "note.txt"),
                "-o",
                str(output),
            ]
        )
        == 0
    )
    assert sha256(source) == digest
    # qemu-img checks VHDX; for VHD it has no check, only its reader (info, convert).
    run(["qemu-img", "check" if fmt == "vhdx" else "info", "-f", fmt, str(output)])
    opened = _open(output, "vhd" if fmt == "vpc" else fmt, tmp_path)
    assert ntfs_cat(opened.volume, "/note.txt") == b"edited\n"


def test_a_wim_is_edited_into_a_new_wim(
    original_wim: Original, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "note.txt").write_text("in the wim\n")
    output = tmp_path / "edited.wim"
    monkeypatch.setenv("NANOSTUDIO_ADMIN_PASSWORD", PASSWORD)
    args = ["edit", str(original_wim.path), "--media", str(original_wim.media)]
    args += ["--package", "Storage", "--copy", str(tmp_path / "note.txt"), "-o", str(output)]
    assert main(args) == 0
    assert sha256(original_wim.path) == original_wim.digest
    listing = run(["wimlib-imagex", "dir", str(output), "1"])
    assert "/note.txt" in listing
    assert "/NanoStudio/Packages/Microsoft-NanoServer-Storage-Package.cab" in listing
    run(["wimlib-imagex", "verify", str(output)])
