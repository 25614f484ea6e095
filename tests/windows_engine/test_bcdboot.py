"""bcdboot's command line and its one verdict line."""

from __future__ import annotations

from nanostudio.engine.tools import bcdboot
from nanostudio.recipe import Firmware


def test_argv_names_source_system_letter_firmware_and_locale() -> None:
    assert bcdboot.bcdboot_argv("bcdboot", r"W:\Windows", "S", Firmware.UEFI, "en-us") == [
        "bcdboot",
        r"W:\Windows",
        "/s",
        "S:",
        "/f",
        "UEFI",
        "/l",
        "en-us",
    ]
    assert bcdboot.bcdboot_argv("b", "x", "T", Firmware.BIOS, "de-de")[3:6] == ["T:", "/f", "BIOS"]


def test_source_is_the_windows_folder_through_the_windows_partitions_letter() -> None:
    assert bcdboot.windows_source("W") == "W:\\Windows"
    assert bcdboot.windows_source("Z") == "Z:\\Windows"


def test_verdict_lines() -> None:
    assert bcdboot.verdict(["Boot files successfully created."]) is True
    assert (
        bcdboot.verdict(["BFSVC Error: x", "Failure when attempting to copy boot files."]) is False
    )
    assert bcdboot.verdict(["something else"]) is None


def test_failure_message_quotes_bcdboot() -> None:
    message = bcdboot.failure_message(["Failure when attempting to copy boot files."], "S", 1)
    assert "system partition S:" in message
    assert "exit code 1" in message
    assert "Failure when attempting to copy boot files." in message
