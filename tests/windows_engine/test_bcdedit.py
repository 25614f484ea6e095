"""bcdedit's command lines for the BIOS disk, and its failure message."""

from __future__ import annotations

import subprocess

from nanostudio.engine.tools import bcdedit
from nanostudio.engine.tools.bcdedit import LOCATE_COMMANDS
from nanostudio.engine.windows.layout import windows_cmdline
from tests.windows_engine.conftest import FakeTools


def test_the_three_settings_are_convert_windows_images_in_its_order() -> None:
    assert [bcdedit.what_it_sets(command) for command in LOCATE_COMMANDS] == [
        "{bootmgr} device locate",
        "{default} device locate",
        "{default} osdevice locate",
    ]
    assert all(command[0] == "/set" for command in LOCATE_COMMANDS)


def test_a_command_other_than_set_is_named_by_all_its_words() -> None:
    assert bcdedit.what_it_sets(("/ems", "{default}", "ON")) == "/ems {default} ON"


def test_the_bios_store_is_boot_bcd_on_the_system_letter() -> None:
    assert bcdedit.bios_store("W") == "W:\\Boot\\BCD"


def test_command_argv_names_the_store_then_the_command() -> None:
    argv = bcdedit.command_argv("bcdedit", "W:\\Boot\\BCD", LOCATE_COMMANDS[2])
    assert argv == ["bcdedit", "/store", "W:\\Boot\\BCD", "/set", "{default}", "osdevice", "locate"]
    # Braces need no quoting on a Windows command line (only in PowerShell).
    assert windows_cmdline(argv) == "bcdedit /store W:\\Boot\\BCD /set {default} osdevice locate"


def test_failure_message_quotes_bcdedit_and_names_the_setting() -> None:
    said = ["The boot configuration data store could not be opened.", "Access is denied.", ""]
    message = bcdedit.failure_message(said, "W:\\Boot\\BCD", LOCATE_COMMANDS[2], 1)
    assert message.startswith(
        "bcdedit could not set {default} osdevice locate in W:\\Boot\\BCD (exit code 1): "
        "bcdedit said 'The boot configuration data store could not be opened. / "
        "Access is denied.'"
    )
    assert "(exit code 5)." in bcdedit.failure_message([], "S:\\Boot\\BCD", LOCATE_COMMANDS[0], 5)


def _fake_bcdedit(fake_tools: FakeTools, *args: str) -> tuple[int, str]:
    done = subprocess.run(
        [str(fake_tools.bin_dir / "bcdedit"), *args], capture_output=True, check=False
    )
    return done.returncode, done.stdout.decode()  # CRLF kept, as a console tool writes it


def test_the_fake_bcdedit_replays_bcdedits_words(fake_tools: FakeTools) -> None:
    """The FAKE's transcripts: success, a store it cannot open, an entry it lacks."""
    argv = bcdedit.command_argv("unused", "W:\\Boot\\BCD", LOCATE_COMMANDS[2])[1:]
    assert _fake_bcdedit(fake_tools, *argv) == (
        1,
        "The boot configuration data store could not be opened.\r\n"
        "The system cannot find the file specified.\r\n",
    )
    store = fake_tools.state_path / "drives" / "W" / "Boot" / "BCD"
    store.parent.mkdir(parents=True)
    store.write_bytes(b"{default} osdevice partition=W:\r\n")
    assert _fake_bcdedit(fake_tools, *argv) == (0, "The operation completed successfully.\r\n")
    assert store.read_bytes() == b"{default} osdevice locate\r\n"
    code, said = _fake_bcdedit(fake_tools, *argv[:3], "{bootmgr}", "device", "locate")
    assert code == 1
    assert said.startswith("An error occurred while attempting to reference")
    assert [call["argv"] for call in fake_tools.calls("bcdedit")][1] == argv
