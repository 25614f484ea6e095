"""The commands the interpreter knows, their parameters, and how arguments bind."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tests.support.winrm_server.powershell.values import (
    NON_INTERACTIVE_MESSAGE,
    ErrorInfo,
    Host,
    NonInteractive,
    Record,
    StatementFailed,
    as_text,
    flatten,
    not_recognized,
    to_int,
)

if TYPE_CHECKING:
    from tests.support.winrm_server.powershell.session import Session

# -- commands -------------------------------------------------------------------------


Emit = Callable[[object], None]


@dataclass(frozen=True)
class Args:
    named: dict[str, object]
    positional: list[object]


@dataclass(frozen=True)
class Command:
    """A command: its parameters and what it does with all its input (`run`).

    A command that can work item by item also has `process`; `streams` says whether it
    does for given arguments (Out-String only with -Stream), so a pipeline such as
    `Get-BigOutput -MB 20 | Out-String -Stream` streams instead of collecting 20 MB.
    """

    name: str
    params: tuple[str, ...]  # in positional order
    switches: frozenset[str]
    run: Callable[[Session, Host, Args, list[object], Emit], None]
    positional: int = 0  # how many leading params bind by position
    takes_rest: bool = False  # the first param takes every remaining positional value
    process: Callable[[Session, Host, Args, object, Emit], None] | None = None
    streams: Callable[[Args], bool] = lambda args: True


class Stage:
    """A pipeline element after the first: it gets the upstream items one at a time."""

    def __init__(
        self, session: Session, host: Host, command: Command, args: Args, emit: Emit
    ) -> None:
        self._session = session
        self._host = host
        self._command = command
        self._args = args
        self._emit = emit
        self._items: list[object] = []
        self._streaming = command.process is not None and command.streams(args)

    def feed(self, item: object) -> None:
        if self._streaming:
            assert self._command.process is not None
            self._command.process(self._session, self._host, self._args, item, self._emit)
        else:
            self._items.append(item)

    def finish(self) -> None:
        if not self._streaming:
            self._command.run(self._session, self._host, self._args, self._items, self._emit)


RawArgs = list[tuple[str | None, object]]


def run_pipeline(
    session: Session,
    host: Host,
    producer: Callable[[Emit], None],
    downstream: list[tuple[str, RawArgs]],
    emit: Emit,
) -> None:
    """Run `producer` with its output flowing through the `downstream` commands to `emit`.

    Raises StatementFailed for an unknown downstream command or a binding error, before
    anything runs (PowerShell binds the whole pipeline first).
    """
    sink = emit
    stages: list[Stage] = []
    for name, raw in reversed(downstream):
        command = lookup(name)
        if command is None:
            raise StatementFailed(not_recognized(name))
        stage = Stage(session, host, command, bind(command, raw), sink)
        stages.insert(0, stage)
        sink = stage.feed
    producer(sink)
    for stage in stages:
        stage.finish()


def bind(command: Command, raw: list[tuple[str | None, object]]) -> Args:
    named: dict[str, object] = {}
    positional: list[object] = []
    allowed = (*command.params, *command.switches, "verbose", "debug", "erroraction")
    for name, value in raw:
        if name is None:
            positional.append(value)
            continue
        matches = [p for p in allowed if p.lower() == name.lower()]
        if not matches:
            matches = [p for p in allowed if p.lower().startswith(name.lower())]
        if len(matches) != 1:
            raise StatementFailed(
                ErrorInfo(
                    message=f"A parameter cannot be found that matches parameter name '{name}'.",
                    exception_type="System.Management.Automation.ParameterBindingException",
                    category="InvalidArgument",
                    error_id=f"NamedParameterNotFound,{command.name}",
                    command=command.name,
                )
            )
        named[matches[0].lower()] = value
    if command.takes_rest and positional and command.params:
        key = command.params[0].lower()
        if key not in named:
            named[key] = positional if len(positional) > 1 else positional[0]
            positional = []
    for param in command.params[: command.positional]:
        if positional and param.lower() not in named:
            named[param.lower()] = positional.pop(0)
    if positional:
        raise StatementFailed(
            ErrorInfo(
                message="A positional parameter cannot be found that accepts argument "
                f"'{as_text(positional[0])}'.",
                exception_type="System.Management.Automation.ParameterBindingException",
                category="InvalidArgument",
                error_id=f"PositionalParameterNotFound,{command.name}",
                command=command.name,
            )
        )
    return Args(named, positional)


def _wants(session: Session, args: Args, switch: str, preference: str) -> bool:
    if switch in args.named:
        return bool(args.named[switch])
    return as_text(session.get(preference)).lower() == "continue"


def _write_output(s: Session, h: Host, a: Args, inp: list[object], emit: Emit) -> None:
    for value in flatten(a.named.get("inputobject", inp)):
        emit(value)


def _write_error(s: Session, h: Host, a: Args, inp: list[object], emit: Emit) -> None:
    h.error(
        ErrorInfo(
            message=as_text(a.named.get("message", "")),
            exception_type="Microsoft.PowerShell.Commands.WriteErrorException",
            category="NotSpecified",
            error_id="Microsoft.PowerShell.Commands.WriteErrorException",
            command="Write-Error",
        )
    )


def _write_warning(s: Session, h: Host, a: Args, inp: list[object], emit: Emit) -> None:
    h.warning(as_text(a.named.get("message", "")))


def _write_verbose(s: Session, h: Host, a: Args, inp: list[object], emit: Emit) -> None:
    if _wants(s, a, "verbose", "VerbosePreference"):
        h.verbose(as_text(a.named.get("message", "")))


def _write_debug(s: Session, h: Host, a: Args, inp: list[object], emit: Emit) -> None:
    if _wants(s, a, "debug", "DebugPreference"):
        h.debug(as_text(a.named.get("message", "")))


def _write_information(s: Session, h: Host, a: Args, inp: list[object], emit: Emit) -> None:
    tags = [as_text(t) for t in flatten(a.named.get("tags", []))]
    h.information(a.named.get("messagedata"), tags)


CONSOLE_COLORS = (
    "Black", "DarkBlue", "DarkGreen", "DarkCyan", "DarkRed", "DarkMagenta", "DarkYellow",
    "Gray", "DarkGray", "Blue", "Green", "Cyan", "Red", "Magenta", "Yellow", "White",
)  # fmt: skip


def _color(value: object, what: str) -> str | None:
    if value is None:
        return None
    for name in CONSOLE_COLORS:
        if name.lower() == as_text(value).lower():
            return name
    raise StatementFailed(
        ErrorInfo(
            message=f"Cannot bind parameter '{what}'. Cannot convert value \"{as_text(value)}\" to "
            'type "System.ConsoleColor".',
            exception_type="System.Management.Automation.ParameterBindingException",
            category="InvalidArgument",
            error_id="CannotConvertArgumentNoMessage,Microsoft.PowerShell.Commands.WriteHostCommand",
            command="Write-Host",
        )
    )


def _write_host(s: Session, h: Host, a: Args, inp: list[object], emit: Emit) -> None:
    text = " ".join(as_text(v) for v in flatten(a.named.get("object", [])))
    h.write_host(
        text,
        not a.named.get("nonewline", False),
        _color(a.named.get("foregroundcolor"), "ForegroundColor"),
        _color(a.named.get("backgroundcolor"), "BackgroundColor"),
    )


def _write_progress(s: Session, h: Host, a: Args, inp: list[object], emit: Emit) -> None:
    percent = a.named.get("percentcomplete")
    h.progress(
        as_text(a.named.get("activity", "")),
        as_text(a.named.get("status", "Processing")),
        -1 if percent is None else to_int(percent, "PercentComplete", "Write-Progress"),
        to_int(a.named.get("id", 0), "Id", "Write-Progress"),
        bool(a.named.get("completed", False)),
    )


def _read_host(s: Session, h: Host, a: Args, inp: list[object], emit: Emit) -> None:
    prompt = a.named.get("prompt")
    try:
        emit(h.read_line(None if prompt is None else as_text(prompt)))
    except NonInteractive:
        raise StatementFailed(_non_interactive("Read-Host")) from None


def _get_credential(s: Session, h: Host, a: Args, inp: list[object], emit: Emit) -> None:
    try:
        credential = h.prompt_for_credential(
            "Windows PowerShell credential request",
            as_text(a.named.get("message", "Enter your credentials.")),
            as_text(a.named.get("username", a.named.get("credential", ""))),
        )
    except NonInteractive:
        raise StatementFailed(_non_interactive("Get-Credential")) from None
    if credential is not None:
        emit(credential)


def _non_interactive(command: str) -> ErrorInfo:
    return ErrorInfo(
        message=NON_INTERACTIVE_MESSAGE,
        exception_type="System.Management.Automation.PSInvalidOperationException",
        category="InvalidOperation",
        error_id=f"InvalidOperation,Microsoft.PowerShell.Commands.{command.replace('-', '')}"
        "Command",
        command=command,
    )


def _start_sleep(s: Session, h: Host, a: Args, inp: list[object], emit: Emit) -> None:
    if "milliseconds" in a.named:
        h.sleep(to_int(a.named["milliseconds"], "Milliseconds", "Start-Sleep") / 1000)
    else:
        h.sleep(float(as_text(a.named.get("seconds", 0)) or 0))


def _get_location(s: Session, h: Host, a: Args, inp: list[object], emit: Emit) -> None:
    emit(s.path_info())


def _set_location(s: Session, h: Host, a: Args, inp: list[object], emit: Emit) -> None:
    target = as_text(a.named.get("path", s.home))
    resolved = s.resolve(target)
    if resolved is None:
        raise StatementFailed(
            ErrorInfo(
                message=f"Cannot find path '{s.absolute(target)}' because it does not exist.",
                exception_type="System.Management.Automation.ItemNotFoundException",
                category="ObjectNotFound",
                error_id="PathNotFound,Microsoft.PowerShell.Commands.SetLocationCommand",
                target=s.absolute(target),
                command="Set-Location",
            )
        )
    s.location = resolved


def _get_child_item(s: Session, h: Host, a: Args, inp: list[object], emit: Emit) -> None:
    target = as_text(a.named.get("path", s.location))
    folder = s.resolve(target)
    if folder is None:
        raise StatementFailed(
            ErrorInfo(
                message=f"Cannot find path '{s.absolute(target)}' because it does not exist.",
                exception_type="System.Management.Automation.ItemNotFoundException",
                category="ObjectNotFound",
                error_id="PathNotFound,Microsoft.PowerShell.Commands.GetChildItemCommand",
                target=s.absolute(target),
                command="Get-ChildItem",
            )
        )
    for child in s.children(folder):
        name = child.rsplit("\\", 1)[-1]
        emit(
            Record(
                ("System.IO.DirectoryInfo", "System.IO.FileSystemInfo", "System.Object"),
                {"Name": name, "FullName": child, "Mode": "d-----"},
                name,
            )
        )


def _get_command(s: Session, h: Host, a: Args, inp: list[object], emit: Emit) -> None:
    pattern = as_text(a.named.get("name", "*")).lower()
    names = [c.name for c in _COMMANDS.values()]
    regex = re.compile("^" + re.escape(pattern).replace("\\*", ".*") + "$")
    found = [n for n in sorted(names, key=str.lower) if regex.match(n.lower())]
    if not found and "*" not in pattern:
        raise StatementFailed(not_recognized(as_text(a.named.get("name"))))
    for name in found:
        emit(
            Record(
                ("System.Management.Automation.CmdletInfo", "System.Object"),
                {"Name": name, "CommandType": "Cmdlet", "Source": "Microsoft.PowerShell.Utility"},
                name,
            )
        )


def _prompt(s: Session, h: Host, a: Args, inp: list[object], emit: Emit) -> None:
    emit(f"PS {s.location}> ")


def _hostname(s: Session, h: Host, a: Args, inp: list[object], emit: Emit) -> None:
    emit(s.hostname)


def _big_output(s: Session, h: Host, a: Args, inp: list[object], emit: Emit) -> None:
    """Lines totalling -MB mebibytes (each line counted with its CRLF), as fast as it can."""
    total = int(float(as_text(a.named.get("mb", 1))) * 1024 * 1024)
    width = max(16, to_int(a.named.get("linelength", 120), "LineLength", "Get-BigOutput"))
    filler = "abcdefghijklmnopqrstuvwxyz0123456789" * (width // 36 + 1)
    number = 0
    while total > 0:
        number += 1
        head = f"line {number:08d} "
        line = (head + filler)[: min(width, max(1, total - 2))]
        emit(line)
        total -= len(line) + 2


def _out_string(s: Session, h: Host, a: Args, inp: list[object], emit: Emit) -> None:
    if a.named.get("stream"):
        for value in inp:
            _out_string_lines(s, h, a, value, emit)
    else:
        emit("".join(as_text(v) + "\r\n" for v in inp))


def _out_string_lines(s: Session, h: Host, a: Args, item: object, emit: Emit) -> None:
    """Out-String -Stream: a string stays one string (even with several lines); any other
    object becomes one string per line of its formatted text."""
    if isinstance(item, str):
        emit(item)
        return
    for line in as_text(item).replace("\r\n", "\n").split("\n"):
        emit(line)


def _out_null(s: Session, h: Host, a: Args, inp: list[object], emit: Emit) -> None:
    return None


def _drop(s: Session, h: Host, a: Args, item: object, emit: Emit) -> None:
    return None


def _pass_on(s: Session, h: Host, a: Args, item: object, emit: Emit) -> None:
    for value in flatten(item):
        emit(value)


def _select_object(s: Session, h: Host, a: Args, inp: list[object], emit: Emit) -> None:
    first = a.named.get("first")
    items = inp if first is None else inp[: to_int(first, "First", "Select-Object")]
    for value in items:
        emit(value)


def _tab_expansion(s: Session, h: Host, a: Args, inp: list[object], emit: Emit) -> None:
    script = as_text(a.named.get("inputscript", ""))
    cursor = to_int(a.named.get("cursorcolumn", len(script)), "cursorColumn", "TabExpansion2")
    emit(s.complete(script, max(0, min(cursor, len(script)))))


_COMMANDS: dict[str, Command] = {}
_ALIASES: dict[str, str] = {}


def _register(command: Command, *aliases: str) -> None:
    _COMMANDS[command.name.lower()] = command
    for alias in aliases:
        _ALIASES[alias] = command.name.lower()


_register(
    Command(
        "Write-Output",
        ("InputObject",),
        frozenset(),
        _write_output,
        1,
        True,
        process=_pass_on,
        streams=lambda args: "inputobject" not in args.named,
    ),
    "echo",
)
_register(Command("Write-Error", ("Message",), frozenset(), _write_error, 1, True))
_register(Command("Write-Warning", ("Message",), frozenset(), _write_warning, 1, True))
_register(Command("Write-Verbose", ("Message",), frozenset(), _write_verbose, 1, True))
_register(Command("Write-Debug", ("Message",), frozenset(), _write_debug, 1, True))
_register(
    Command(
        "Write-Host",
        ("Object", "ForegroundColor", "BackgroundColor"),
        frozenset({"NoNewline"}),
        _write_host,
        1,
        True,
    )
)
_register(Command("Write-Information", ("MessageData", "Tags"), frozenset(), _write_information, 2))
_register(
    Command(
        "Write-Progress",
        ("Activity", "Status", "Id", "PercentComplete"),
        frozenset({"Completed"}),
        _write_progress,
        3,
    )
)
_register(Command("Read-Host", ("Prompt",), frozenset(), _read_host, 1, True))
_register(
    Command("Get-Credential", ("UserName", "Message", "Credential"), frozenset(), _get_credential)
)
_register(
    Command("Start-Sleep", ("Seconds", "Milliseconds"), frozenset(), _start_sleep, 1), "sleep"
)
_register(Command("Get-Location", (), frozenset(), _get_location), "pwd", "gl")
_register(Command("Set-Location", ("Path",), frozenset(), _set_location, 1), "cd", "sl", "chdir")
_register(Command("Get-ChildItem", ("Path",), frozenset(), _get_child_item, 1), "dir", "ls", "gci")
_register(Command("Get-Command", ("Name",), frozenset(), _get_command, 1), "gcm")
_register(Command("prompt", (), frozenset(), _prompt))
_register(Command("hostname", (), frozenset(), _hostname))
_register(Command("Get-BigOutput", ("MB", "LineLength"), frozenset(), _big_output, 1))
_register(
    Command(
        "Out-String",
        (),
        frozenset({"Stream"}),
        _out_string,
        process=_out_string_lines,
        streams=lambda args: bool(args.named.get("stream")),
    )
)
_register(Command("Out-Null", (), frozenset(), _out_null, process=_drop))
_register(Command("Select-Object", ("First",), frozenset(), _select_object))
_register(Command("TabExpansion2", ("inputScript", "cursorColumn"), frozenset(), _tab_expansion, 2))


def lookup(name: str) -> Command | None:
    key = _ALIASES.get(name.lower(), name.lower())
    return _COMMANDS.get(key) or _COMMANDS.get(key.removesuffix(".exe"))


def switches(name: str) -> frozenset[str]:
    """Lower-case names of the switch parameters of `name` (they never take a value)."""
    command = lookup(name)
    own = {s.lower() for s in command.switches} if command is not None else set()
    return frozenset({*own, "verbose", "debug"})


def command_names() -> list[str]:
    """Every command and alias the interpreter knows (for completion)."""
    return sorted([c.name for c in _COMMANDS.values()] + list(_ALIASES))
