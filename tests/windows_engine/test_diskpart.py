"""diskpart scripts (exact text) and reading diskpart's output."""

from __future__ import annotations

import pytest

from nanostudio.engine.tools import diskpart
from nanostudio.engine.tools.diskpart import AccessPath, Kind, PartitionStyle

VDISK = r"C:\Builds\.nanostudio-x\disk.vhdx"
MNT = r"C:\Builds\.nanostudio-x\mnt\windows"

# As diskpart prints it (CRLF, \r redraws), recorded shape of a GPT run that
# failed at the NTFS format.
TRANSCRIPT = (
    "\r\nMicrosoft DiskPart version 10.0.19041.964\r\n\r\nCopyright (C) Microsoft Corporation.\r\n"
    "On computer: BUILD01\r\n\r\n"
    "    0 percent completed\r  100 percent completed\r\n\r\n"
    "DiskPart successfully created the virtual disk file.\r\n\r\n"
    "DiskPart successfully selected the virtual disk file.\r\n\r\n"
    "  100 percent completed\r\n\r\nDiskPart successfully attached the virtual disk file.\r\n\r\n"
    "DiskPart successfully converted the selected disk to GPT format.\r\n\r\n"
    "DiskPart succeeded in creating the specified partition.\r\n\r\n"
    "    0 percent completed\r   55 percent completed\r  100 percent completed\r\n\r\n"
    "DiskPart successfully formatted the volume.\r\n\r\n"
    "DiskPart successfully assigned the drive letter or mount point.\r\n\r\n"
    "DiskPart succeeded in creating the specified partition.\r\n\r\n"
    "DiskPart succeeded in creating the specified partition.\r\n\r\n"
    "   10 percent completed\r\n\r\n"
    "Virtual Disk Service error:\r\nThe volume size is too small.\r\n\r\n"
)


def lines_of(text: str) -> list[str]:
    return [line for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n") if line]


def test_gpt_script_is_microsofts_uefi_layout_on_the_new_vdisk_only() -> None:
    script = diskpart.create_disk_script(
        VDISK, 8192, PartitionStyle.GPT, windows_folder=MNT, windows_letter="W", system_letter="S"
    )
    assert script.text == (
        "rem NanoStudio: a new virtual disk; no other disk is selected by this script\r\n"
        f'create vdisk file="{VDISK}" maximum=8192 type=expandable\r\n'
        f'select vdisk file="{VDISK}"\r\n'
        "attach vdisk\r\n"
        "convert gpt\r\n"
        "rem EFI system partition\r\n"
        "create partition efi size=200\r\n"
        'format quick fs=fat32 label="System"\r\n'
        "assign letter=S\r\n"
        "rem Microsoft reserved partition\r\n"
        "create partition msr size=128\r\n"
        "rem Windows partition\r\n"
        "create partition primary\r\n"
        'format quick fs=ntfs label="Windows"\r\n'
        f'assign mount="{MNT}"\r\n'
        "rem bcdboot needs a drive letter on the Windows partition\r\n"
        "assign letter=W\r\n"
        "exit\r\n"
    )
    assert "select disk" not in script.text


def test_mbr_script_has_one_active_ntfs_partition_with_folder_and_letter() -> None:
    script = diskpart.create_disk_script(
        VDISK.replace("vhdx", "vhd"),
        4096,
        PartitionStyle.MBR,
        windows_folder=MNT,
        windows_letter="T",
    )
    commands = [c.text for c in script.commands if c.kind is not Kind.REM]
    assert commands == [
        f'create vdisk file="{VDISK[:-1]}" maximum=4096 type=expandable',
        f'select vdisk file="{VDISK[:-1]}"',
        "attach vdisk",
        "convert mbr",
        "create partition primary",
        'format quick fs=ntfs label="Windows"',
        "active",
        f'assign mount="{MNT}"',
        "assign letter=T",
        "exit",
    ]


def test_the_windows_partition_gets_its_folder_then_its_letter_on_both_styles() -> None:
    for style, system in ((PartitionStyle.GPT, "S"), (PartitionStyle.MBR, None)):
        script = diskpart.create_disk_script(
            VDISK, 4096, style, windows_folder=MNT, windows_letter="W", system_letter=system
        )
        assigned = [c.access for c in script.commands if c.kind is Kind.ASSIGN]
        windows = [AccessPath(folder=MNT), AccessPath(letter="W")]
        assert assigned == ([AccessPath(letter="S")] if system else []) + windows


def test_letters_must_fit_the_partition_style() -> None:
    with pytest.raises(ValueError, match="two distinct letters"):
        diskpart.create_disk_script(
            VDISK, 4096, PartitionStyle.GPT, windows_folder=MNT, windows_letter="W"
        )
    with pytest.raises(ValueError, match="two distinct letters"):
        diskpart.create_disk_script(
            VDISK,
            4096,
            PartitionStyle.GPT,
            windows_folder=MNT,
            windows_letter="S",
            system_letter="S",
        )
    with pytest.raises(ValueError, match="one letter"):
        diskpart.create_disk_script(
            VDISK,
            4096,
            PartitionStyle.MBR,
            windows_folder=MNT,
            windows_letter="W",
            system_letter="S",
        )


def test_detach_script_removes_access_paths_latest_first_then_detaches() -> None:
    paths = [AccessPath(letter="S"), AccessPath(folder=MNT)]
    assert diskpart.detach_script(VDISK, paths).text == (
        "rem NanoStudio: detach the virtual disk built here\r\n"
        f'select volume="{MNT}"\r\n'
        f'remove mount="{MNT}"\r\n'
        "select volume=S\r\n"
        "remove letter=S\r\n"
        f'select vdisk file="{VDISK}"\r\n'
        "detach vdisk\r\n"
        "exit\r\n"
    )
    assert diskpart.detach_script(VDISK, []).text.count("select volume") == 0


def test_paths_with_quotes_are_refused_and_access_paths_are_one_thing() -> None:
    with pytest.raises(ValueError, match="double quote"):
        diskpart.create_disk_script(
            'C:\\a"b\\disk.vhdx',
            1024,
            PartitionStyle.GPT,
            windows_folder=MNT,
            windows_letter="W",
            system_letter="S",
        )
    with pytest.raises(ValueError):
        AccessPath()
    with pytest.raises(ValueError):
        AccessPath(letter="S", folder=MNT)


@pytest.mark.parametrize(
    ("line", "fraction"),
    [
        ("  100 percent completed", 1.0),
        ("    0 percent completed", 0.0),
        ("  42 percent completed", 0.42),
    ],
)
def test_percent_lines(line: str, fraction: float) -> None:
    assert diskpart.parse_percent(line) == pytest.approx(fraction)


def test_non_percent_lines_are_not_progress() -> None:
    assert diskpart.parse_percent("DiskPart successfully formatted the volume.") is None
    assert diskpart.parse_percent("Volume 3 is the selected volume.") is None


def test_errors_are_read_in_both_forms() -> None:
    inline = [
        "DiskPart has encountered an error: The file exists.",
        "See the System Event Log for more information.",
    ]
    assert diskpart.find_error(inline) == "The file exists."
    assert diskpart.find_error(lines_of(TRANSCRIPT)) == "The volume size is too small."
    assert diskpart.find_error(["There is no volume selected."]) == "There is no volume selected."
    assert diskpart.find_error(["DiskPart successfully detached the virtual disk file."]) is None


def test_watcher_follows_a_run_that_stopped_at_the_ntfs_format() -> None:
    script = diskpart.create_disk_script(
        VDISK, 8192, PartitionStyle.GPT, windows_folder=MNT, windows_letter="W", system_letter="S"
    )
    done: list[diskpart.Command] = []
    watcher = diskpart.DiskpartWatcher(script, done.append)
    fractions = [f for f in map(watcher, lines_of(TRANSCRIPT)) if f is not None]
    kinds = [c.kind for c in done]
    assert kinds == [
        Kind.CREATE,
        Kind.SELECT_VDISK,
        Kind.ATTACH,
        Kind.CONVERT,
        Kind.PARTITION,
        Kind.FORMAT,
        Kind.ASSIGN,
        Kind.PARTITION,
        Kind.PARTITION,
    ]
    assert done[6].access == AccessPath(letter="S")
    assert watcher.failed_command is not None
    assert watcher.failed_command.text == 'format quick fs=ntfs label="Windows"'
    assert fractions == sorted(fractions)  # progress never goes back
    assert 0 < fractions[-1] < 1


def test_watcher_leaves_success_lines_to_the_log() -> None:
    script = diskpart.detach_script(VDISK, [])
    watcher = diskpart.DiskpartWatcher(script, lambda command: None)
    assert watcher("DiskPart successfully selected the virtual disk file.") is None
    assert watcher("DiskPart successfully detached the virtual disk file.") is None
    assert watcher.failed_command is None
