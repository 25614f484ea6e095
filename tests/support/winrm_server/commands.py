"""The scripted commands the WinRS shell answers, as cmd.exe on Nano Server would.

A command becomes a `Script`: output steps, each due some seconds after the start,
and an exit code. Nothing runs on a thread; a Receive hands out the steps that are due,
which gives real long-poll timing (`ping -n 5 127.0.0.1` answers once a second).

Supported command lines (case-insensitive, optionally behind `cmd /c`):
  hostname | whoami | ver | ipconfig | echo TEXT | exit [/b] N
  ping -n N HOST       (N replies, one a second)
  powershell [...] -EncodedCommand B64 | -Command TEXT   (see powershell/__init__.py)
Anything else: cmd's "'x' is not recognized ..." on stderr and exit code 1.
"""

from __future__ import annotations

import base64
import binascii
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

ENCODING = "cp437"


@dataclass(frozen=True)
class Step:
    """Bytes for one stream, due `at` seconds after the command started."""

    at: float
    stream: str
    data: bytes


@dataclass(frozen=True)
class Script:
    steps: tuple[Step, ...]
    exit_code: int
    duration: float = 0.0  # when the command ends, after its last step at the latest


@dataclass(frozen=True)
class CmdEnvironment:
    hostname: str
    user: str
    address: str
    powershell: Callable[[str, bool], Script]  # script text, CLIXML stderr? (run_script)
    # Whole command lines (lower case) a test scripts: stdout text and exit code.
    extra: Mapping[str, tuple[str, int]] = field(default_factory=dict)


EXECUTABLES = frozenset({"cmd", "hostname", "whoami", "ipconfig", "ping", "powershell"})


class NoSuchProgram(Exception):
    """WINRS_SKIP_CMD_SHELL and the program is not an executable (e.g. `echo`, a cmd built-in)."""


def run_command_line(
    command: str, arguments: list[str], env: CmdEnvironment, *, skip_cmd_shell: bool = False
) -> Script:
    """The Script for `command` with `arguments` (WinRS passes them separately).

    Without cmd.exe in between (WINRS_SKIP_CMD_SHELL) only real programs start; Windows
    then fails the Command itself, which the caller turns into a fault.
    """
    line = " ".join([command, *arguments]).strip()
    program = line.partition(" ")[0].lower().removesuffix(".exe")
    if skip_cmd_shell and program not in EXECUTABLES:
        raise NoSuchProgram(program)
    return _run(line, env)


def _out(text: str, at: float = 0.0) -> Step:
    return Step(at, "stdout", text.encode(ENCODING, errors="replace"))


def _err(text: str, at: float = 0.0) -> Step:
    return Step(at, "stderr", text.encode(ENCODING, errors="replace"))


def _run(line: str, env: CmdEnvironment) -> Script:
    scripted = env.extra.get(" ".join(line.split()).lower())
    if scripted is not None:
        return Script((_out(scripted[0]),), scripted[1])
    name, _, rest = line.strip().partition(" ")
    rest = rest.strip()
    verb = name.lower().removesuffix(".exe")
    if verb == "cmd":
        switch, _, inner = rest.partition(" ")
        if switch.lower() in ("/c", "/k"):
            return _run(inner, env)
        return Script((_out("Microsoft Windows [Version 10.0.14393]\r\n"),), 0)
    if verb == "hostname":
        return Script((_out(env.hostname + "\r\n"),), 0)
    if verb == "whoami":
        return Script((_out(f"{env.hostname.lower()}\\{env.user.lower()}\r\n"),), 0)
    if verb == "ver":
        return Script((_out("\r\nMicrosoft Windows [Version 10.0.14393]\r\n"),), 0)
    if verb == "ipconfig":
        return Script((_out(_ipconfig(env.address)),), 0)
    if verb in ("echo", "echo."):
        text = rest if (rest or verb == "echo.") else "ECHO is on."
        return Script((_out(text + "\r\n"),), 0)
    if verb == "exit":
        return _exit(rest)
    if verb == "ping":
        return _ping(rest)
    if verb == "powershell":
        return _powershell(rest, env)
    return Script(
        (
            _err(
                f"'{name}' is not recognized as an internal or external command,\r\n"
                "operable program or batch file.\r\n"
            ),
        ),
        1,
    )


def _exit(rest: str) -> Script:
    words = [w for w in rest.split() if w.lower() != "/b"]
    try:
        code = int(words[0]) if words else 0
    except ValueError:
        code = 0
    return Script((), code)


def _ping(rest: str) -> Script:
    words = rest.split()
    count = 4
    if "-n" in words and words.index("-n") + 1 < len(words):
        try:
            count = max(1, int(words[words.index("-n") + 1]))
        except ValueError:
            count = 4
    target = next((w for w in reversed(words) if not w.startswith("-") and not w.isdigit()), "")
    if not target:
        return Script((_out("IP address must be specified.\r\n"),), 1)
    steps = [_out(f"\r\nPinging {target} with 32 bytes of data:\r\n")]
    for i in range(count):
        steps.append(_out(f"Reply from {target}: bytes=32 time<1ms TTL=128\r\n", at=float(i)))
    steps.append(
        _out(
            f"\r\nPing statistics for {target}:\r\n"
            f"    Packets: Sent = {count}, Received = {count}, Lost = 0 (0% loss),\r\n",
            at=float(count - 1),
        )
    )
    return Script(tuple(steps), 0, duration=float(count - 1))


def _powershell(rest: str, env: CmdEnvironment) -> Script:
    try:
        words = shlex.split(rest, posix=False)
    except ValueError:
        words = rest.split()
    for index, word in enumerate(words):
        flag = word.lower()
        value = words[index + 1] if index + 1 < len(words) else ""
        if flag in ("-encodedcommand", "-enc", "-e", "-ec"):
            try:
                script = base64.b64decode(value, validate=True).decode("utf-16-le")
            except (binascii.Error, UnicodeDecodeError):
                return Script(
                    (
                        _err(
                            "Cannot process the command because the value specified with "
                            "-EncodedCommand is not properly encoded. The value must be Base64 "
                            "encoded.\r\n"
                        ),
                    ),
                    1,
                )
            return env.powershell(script, True)
        if flag in ("-command", "-c"):
            text = " ".join(words[index + 1 :])
            if len(text) >= 2 and text[0] == text[-1] == '"':
                text = text[1:-1]
            return env.powershell(text, False)
    return Script((_out("Windows PowerShell\r\nCopyright (C) 2016 Microsoft Corporation.\r\n"),), 0)


def _ipconfig(address: str) -> str:
    return (
        "\r\nWindows IP Configuration\r\n\r\n\r\n"
        "Ethernet adapter Ethernet:\r\n\r\n"
        "   Connection-specific DNS Suffix  . : \r\n"
        "   Link-local IPv6 Address . . . . . : fe80::5d2c:3b1e:9a1f:2c4d%3\r\n"
        f"   IPv4 Address. . . . . . . . . . . : {address}\r\n"
        "   Subnet Mask . . . . . . . . . . . : 255.255.255.0\r\n"
        "   Default Gateway . . . . . . . . . : \r\n"
    )
