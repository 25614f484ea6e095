"""FAKE bcdedit.exe for tests: ``/store <file>`` with ``/set <entry> <element> <value>``,
``/ems|/bootems|/debug|/bootdebug <entry> ON``, ``/emssettings EMSPORT:p EMSBAUDRATE:b``
and ``/dbgsettings SERIAL DEBUGPORT:p BAUDRATE:b`` (each kept as element lines).

It edits the text BCD that fake_bcdboot wrote (one ``<entry> <element> <value>``
a line), found through the fake drive letters, and prints what bcdedit prints:
``The operation completed successfully.`` on success; on failure a two-line
verdict, e.g. ``The boot configuration data store could not be opened.`` then the
Windows error text (``Access is denied.``, ``The system cannot find the file
specified.``; the form as quoted on winhelponline.com, "The boot configuration
data store could not be opened"), and a non-zero exit code, which is all
Convert-WindowsImage's Run-Executable looks at. A FAIL rule's detail is that
second line (default ``Access is denied.``). See fakecore for faults and journal.
"""

from __future__ import annotations

import sys

from tests.support.windows_fakes import fakecore

SUCCESS = "The operation completed successfully."
STORE_FAILURE = "The boot configuration data store could not be opened."
ENTRY_FAILURE = "An error occurred while attempting to reference the specified entry."
NOT_FOUND = "The system cannot find the file specified."


def fail(first: str, second: str) -> int:
    fakecore.say(first)
    fakecore.say(second)
    return 1


def set_element(lines: list[str], entry: str, element: str, value: str) -> bool:
    """Replace ``entry element ...`` in place; False if the store has no such entry."""
    if not any(line.split(" ", 1)[0].lower() == entry.lower() for line in lines):
        return False
    for number, line in enumerate(lines):
        words = line.split(" ", 2)
        if [word.lower() for word in words[:2]] == [entry.lower(), element.lower()]:
            lines[number] = f"{words[0]} {words[1]} {value}"
            return True
    lines.append(f"{entry} {element} {value}")
    return True


_SWITCHES = {"/ems": "ems", "/bootems": "bootems", "/debug": "debug", "/bootdebug": "bootdebug"}


def _settings(command: list[str]) -> list[tuple[str, str, str]] | None:
    """The (entry, element, value) lines a command writes, or None if it is not one."""
    verb = command[0].lower() if command else ""
    if verb == "/set" and len(command) == 4:
        return [(command[1], command[2], command[3])]
    if verb in _SWITCHES and len(command) == 3 and command[2].upper() in ("ON", "OFF"):
        return [(command[1], _SWITCHES[verb], command[2].capitalize())]
    pairs = [word.split(":", 1) for word in command[1:] if ":" in word]
    if verb == "/emssettings" and [key.upper() for key, _ in pairs] == ["EMSPORT", "EMSBAUDRATE"]:
        return [("{emssettings}", key.lower(), value) for key, value in pairs]
    serial = len(command) == 4 and command[1].upper() == "SERIAL"
    if (
        verb == "/dbgsettings"
        and serial
        and [k.upper() for k, _ in pairs] == ["DEBUGPORT", "BAUDRATE"]
    ):
        typed = [("{dbgsettings}", "debugtype", "Serial")]
        return typed + [("{dbgsettings}", key.lower(), value) for key, value in pairs]
    return None


def main(argv: list[str]) -> int:
    fakecore.journal({"tool": "bcdedit", "argv": argv})
    command_line = " ".join(argv)
    if fakecore.hangs("bcdedit", command_line):
        fakecore.hang("bcdedit")
    words = [word.lower() for word in argv]
    settings = _settings(argv[2:]) if len(argv) > 2 and words[0] == "/store" else None
    if settings is None:
        return fail("The set command specified is not valid.", "The parameter is incorrect.")
    detail = fakecore.failure("bcdedit", command_line)
    if detail is not None:
        return fail(STORE_FAILURE, detail or "Access is denied.")
    store = fakecore.host_path(argv[1])
    if not store.is_file():
        return fail(STORE_FAILURE, NOT_FOUND)
    lines = store.read_text(encoding="utf-8").splitlines()
    for entry, element, value in settings:
        if (
            entry.startswith("{")
            and entry.endswith("settings}")
            and not any(line.lower().startswith(entry.lower()) for line in lines)
        ):
            lines.append(f"{entry} description settings")  # a settings object bcdedit creates
        if not set_element(lines, entry, element, value):
            return fail(ENTRY_FAILURE, NOT_FOUND)
    store.write_text("".join(f"{line}\r\n" for line in lines), encoding="utf-8")
    fakecore.say(SUCCESS)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
