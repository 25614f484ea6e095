"""DISM command lines, progress redraws, version banner and errors in words."""

from __future__ import annotations

from pathlib import Path

import pytest

from nanostudio.engine.tools import dism
from nanostudio.engine.tools.dism import DismOptions, Subject

OPTS = DismOptions("dism", r"C:\logs\dism-x.log", r"C:\t\scratch")
BANNER = [
    "Deployment Image Servicing and Management tool",
    "Version: 10.0.19041.844",
    "",
    "Image Version: 10.0.14393.0",
]
NOT_APPLICABLE = [
    *BANNER,
    "Processing 1 of 1 - Adding package "
    "Microsoft-NanoServer-ShieldedVM-Package~31bf3856ad364e35~amd64~~10.0.14393.0",
    "[==========================100.0%==========================]",
    "An error occurred - Microsoft-NanoServer-ShieldedVM-Package Error: 0x800f081e",
    "",
    "Error: 0x800f081e",
    "",
    "The specified package is not applicable to this image.",
    "",
    r"The DISM log file can be found at C:\logs\dism-package-shieldedvm.log",
]
ELEVATION = [
    *BANNER[:2],
    "",
    "Error: 740",
    "",
    "Elevated permissions are required to run DISM.",
    "Use an elevated command prompt to complete these tasks.",
]


def test_every_call_gets_english_its_log_and_the_private_scratch_folder() -> None:
    assert dism.apply_image(OPTS, r"D:\NanoServer\NanoServer.wim", 2, r"C:\t\mnt\windows") == [
        "dism",
        "/Apply-Image",
        r"/ImageFile:D:\NanoServer\NanoServer.wim",
        "/Index:2",
        r"/ApplyDir:C:\t\mnt\windows",
        "/English",
        r"/LogPath:C:\logs\dism-x.log",
        r"/ScratchDir:C:\t\scratch",
    ]
    tail = ["/English", r"/LogPath:C:\logs\dism-x.log", r"/ScratchDir:C:\t\scratch"]
    assert dism.add_package(OPTS, "W:\\", r"C:\c\x.cab") == [
        "dism",
        "/Image:W:\\",
        "/Add-Package",
        r"/PackagePath:C:\c\x.cab",
        *tail,
    ]
    assert dism.add_driver(OPTS, "W:\\", r"C:\drv") == [
        "dism",
        "/Image:W:\\",
        "/Add-Driver",
        r"/Driver:C:\drv",
        "/Recurse",
        *tail,
    ]
    assert dism.apply_unattend(OPTS, "W:\\", r"C:\t\u.xml") == [
        "dism",
        "/Image:W:\\",
        r"/Apply-Unattend:C:\t\u.xml",
        *tail,
    ]
    assert dism.export_image(OPTS, "a.wim", 2, "b.wim") == [
        "dism",
        "/Export-Image",
        "/SourceImageFile:a.wim",
        "/SourceIndex:2",
        "/DestinationImageFile:b.wim",
        *tail,
    ]
    assert dism.mount_image(OPTS, "b.wim", 1, "M") == [
        "dism",
        "/Mount-Image",
        "/ImageFile:b.wim",
        "/Index:1",
        "/MountDir:M",
        *tail,
    ]
    assert dism.unmount_image(OPTS, "M", commit=True)[1:4] == [
        "/Unmount-Image",
        "/MountDir:M",
        "/Commit",
    ]
    assert dism.unmount_image(OPTS, "M", commit=False)[3] == "/Discard"
    assert DismOptions("dism", "l.log").argv("/X") == ["dism", "/X", "/English", "/LogPath:l.log"]


@pytest.mark.parametrize(
    ("line", "fraction"),
    [
        ("[                           0.0%                           ]", 0.0),
        ("[==                         4.0%                           ]", 0.04),
        ("[=====================     42.0%                           ]", 0.42),
        ("[==========================100.0%==========================]", 1.0),
        ("\t[==========================73,5%=====                     ] ", 0.735),
    ],
)
def test_progress_bar_redraws(line: str, fraction: float) -> None:
    assert dism.parse_progress(line) == pytest.approx(fraction)


@pytest.mark.parametrize(
    "line",
    ["Version: 10.0.19041.844", "Processing 1 of 1 - Adding package X", "[not a bar]", ""],
)
def test_other_lines_are_not_progress(line: str) -> None:
    assert dism.parse_progress(line) is None


def test_version_from_the_banner() -> None:
    assert dism.parse_version("\n".join(BANNER)) == (10, 0, 19041, 844)
    assert dism.parse_version("Version: 10.0.14393") == (10, 0, 14393)
    assert dism.parse_version("no banner here") is None


def test_error_code_and_sentence_are_read_from_the_output() -> None:
    error = dism.find_error(NOT_APPLICABLE)
    assert error == dism.DismError(
        0x800F081E, "The specified package is not applicable to this image."
    )
    elevation = dism.find_error(ELEVATION)
    assert elevation is not None
    assert elevation.code == 740
    assert elevation.hresult == 0x800702E4
    assert elevation.shown == "740"
    assert elevation.text.startswith("Elevated permissions are required")
    assert dism.find_error([*BANNER, dism.SUCCESS]) is None


def test_success_needs_a_zero_or_reboot_exit_and_no_error_line() -> None:
    assert dism.succeeded(0, [*BANNER, dism.SUCCESS])
    assert dism.succeeded(3010, [*BANNER, dism.SUCCESS])
    assert not dism.succeeded(0, NOT_APPLICABLE)
    assert not dism.succeeded(30, [*BANNER])


def test_not_applicable_names_package_and_edition() -> None:
    message = dism.explain(
        dism.find_error(NOT_APPLICABLE),
        30,
        Subject("adding x", package="Microsoft-NanoServer-ShieldedVM-Package", edition="Standard"),
    )
    assert message.startswith(
        "package Microsoft-NanoServer-ShieldedVM-Package does not apply to edition Standard:"
    )


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("0x80070002", "could not find a file"),
        ("2", "could not find a file"),
        ("0x800f0922", "installers failed"),
        ("0x80070005", "access denied"),
        ("5", "access denied"),
        ("740", "Run as administrator"),
        ("0xc1420127", "error 0xc1420127 (Already mounted.)"),
    ],
)
def test_known_codes_become_advice(code: str, words: str) -> None:
    error = dism.find_error([f"Error: {code}", "", "Already mounted."])
    assert words in dism.explain(error, 1, Subject("applying image 1"))


def test_no_error_line_still_gives_the_exit_code() -> None:
    assert "exit code 9" in dism.explain(None, 9, Subject("mounting"))


def test_log_excerpt_prefers_error_lines(tmp_path: Path) -> None:
    log = tmp_path / "dism.log"
    lines = [f"2026-11-29 10:00:{n:02d}, Info                  DISM   step {n}" for n in range(20)]
    lines.insert(
        5,
        "2026-11-29 10:00:05, Error                 DISM   "
        "DISM Package Manager: failed (hr:0x800f081e)",
    )
    log.write_text("\n".join(lines), encoding="utf-8")
    assert dism.log_excerpt(log) == [lines[5]]
    log.write_text("\r\n".join(lines[6:]), encoding="utf-16")
    assert dism.log_excerpt(log, limit=3) == lines[-3:]
    assert dism.log_excerpt(tmp_path / "missing.log") == []
