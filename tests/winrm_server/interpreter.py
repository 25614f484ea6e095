"""A scripted PowerShell subset: enough of the language for the remote-console tests.

It is not PowerShell; it answers the way PowerShell 5.1 on Nano Server does for:

  statements   separated by ';' or new lines; '#' comments; `exit [N]`
  values       42, 'text', "text with $var and $env:NAME", $var, $env:COMPUTERNAME,
               $true/$false/$null, 1..N, (pipeline), a, b (arrays), $a + $b
  variables    `$x = ...` kept per runspace pool; $PWD, $HOME, $LASTEXITCODE,
               $VerbosePreference / $DebugPreference ('Continue' shows those streams)
  pipelines    `... | Out-String`, `... | Out-Null`, `... | Select-Object -First N`
  commands     Write-Output (echo), Write-Host [-NoNewline] [-ForegroundColor C]
               [-BackgroundColor C], Write-Error, Write-Warning, Write-Verbose [-Verbose],
               Write-Debug [-Debug], Write-Information [-Tags], Write-Progress -Activity
               -Status -PercentComplete [-Id] [-Completed], Read-Host [[-Prompt] text],
               Get-Credential [-UserName u] [-Message m], Start-Sleep [-Seconds] N |
               -Milliseconds N (stoppable), Get-Location (pwd, gl), Set-Location (cd, sl,
               chdir), Get-ChildItem (dir, ls, gci) over a fixed directory tree,
               Get-Command (gcm) [-Name pattern], prompt, hostname, Get-BigOutput -MB N
               [-LineLength L], TabExpansion2 -inputScript S -cursorColumn N
  errors       unknown commands and parameters, missing paths: the ErrorRecords
               PowerShell writes, and the statement is abandoned as PowerShell does.

Side effects go through a `Host` (the PSRP pipeline or the WinRS powershell.exe
adapter), so the same session state serves both.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Protocol


class Stopped(Exception):
    """The pipeline was asked to stop (Ctrl+C); unwinds the script."""


class _ExitScript(Exception):
    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


class _StatementFailed(Exception):
    """A terminating error for one statement: written to the error stream, script goes on."""

    def __init__(self, error: ErrorInfo) -> None:
        super().__init__(error.message)
        self.error = error


@dataclass(frozen=True)
class Record:
    """A complex object: .NET type names, properties, and what ToString() gives."""

    type_names: tuple[str, ...]
    properties: dict[str, object]
    text: str

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class ErrorInfo:
    """What an ErrorRecord carries."""

    message: str
    exception_type: str
    category: str  # System.Management.Automation.ErrorCategory name
    error_id: str  # FullyQualifiedErrorId
    target: object = None
    command: str = ""


class Host(Protocol):
    """What a running pipeline can do beyond computing values."""

    def output(self, value: object) -> None: ...
    def error(self, error: ErrorInfo) -> None: ...
    def warning(self, text: str) -> None: ...
    def verbose(self, text: str) -> None: ...
    def debug(self, text: str) -> None: ...
    def information(self, value: object, tags: list[str]) -> None: ...
    def write_host(
        self, text: str, newline: bool, foreground: str | None, background: str | None
    ) -> None: ...
    def progress(
        self, activity: str, status: str, percent: int, activity_id: int, completed: bool
    ) -> None: ...
    def read_line(self, prompt: str | None) -> str: ...
    def prompt_for_credential(self, caption: str, message: str, user: str) -> object: ...
    def sleep(self, seconds: float) -> None: ...


class NonInteractive(Exception):
    """Raised by a Host that has no user to ask (powershell.exe under WinRS, a null host)."""


NON_INTERACTIVE_MESSAGE = (
    "Windows PowerShell is in NonInteractive mode. Read and Prompt functionality is not available."
)

# -- tokens ---------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""
    (?P<ws>[ \t]+|`\r?\n)
  | (?P<comment>\#[^\n]*)
  | (?P<nl>\r?\n|;)
  | (?P<sq>'(?:[^']|'')*')
  | (?P<dq>"(?:[^"`]|`.|"")*")
  | (?P<var>\$(?:env:)?[A-Za-z_][A-Za-z0-9_]*|\$\{[^}]+\}|\$\?)
  | (?P<range>\.\.)
  | (?P<num>\d+(?=\.\.|[^A-Za-z0-9_:\\.-]|$))
  | (?P<param>-[A-Za-z][A-Za-z0-9]*:?)(?=[\s;|)]|$)
  | (?P<op>[|(),=+*])
  | (?P<word>[^\s;|(),'"]+)
    """,
    re.VERBOSE,
)


_WORD = re.compile(r"[^\s;|(),'\"]+")


@dataclass(frozen=True)
class _Tok:
    kind: str
    text: str


def _tokenize(script: str) -> list[_Tok]:
    tokens: list[_Tok] = []
    pos = 0
    while pos < len(script):
        match = _TOKEN.match(script, pos)
        if match is None or match.lastgroup is None:
            raise _StatementFailed(
                _parse_error(f"Unexpected character '{script[pos]}' in expression or statement.")
            )
        kind = match.lastgroup
        if kind == "range" and not (
            tokens and (tokens[-1].kind in ("num", "var") or tokens[-1].text == ")")
        ):
            match = _WORD.match(script, pos)
            assert match is not None
            kind = "word"
        pos = match.end()
        if kind in ("ws", "comment"):
            continue
        text = match.group()
        if kind == "word" and text.startswith("-") and len(text) > 1 and text[1].isdigit():
            kind = "num" if text[1:].isdigit() else kind
        tokens.append(_Tok(kind, text))
    return tokens


def _parse_error(message: str) -> ErrorInfo:
    return ErrorInfo(
        message=message,
        exception_type="System.Management.Automation.ParseException",
        category="ParserError",
        error_id="ParseException",
    )


def _split_statements(tokens: list[_Tok]) -> Iterator[list[_Tok]]:
    current: list[_Tok] = []
    depth = 0
    for tok in tokens:
        if tok.kind == "op" and tok.text == "(":
            depth += 1
        elif tok.kind == "op" and tok.text == ")":
            depth -= 1
        if tok.kind == "nl" and depth <= 0:
            if current:
                yield current
            current = []
        else:
            current.append(tok)
    if current:
        yield current


# -- commands -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Args:
    named: dict[str, object]
    positional: list[object]


@dataclass(frozen=True)
class _Command:
    name: str
    params: tuple[str, ...]  # in positional order
    switches: frozenset[str]
    run: Callable[[Session, Host, _Args, list[object], Callable[[object], None]], None]
    positional: int = 0  # how many leading params bind by position
    takes_rest: bool = False  # the first param takes every remaining positional value


def _bind(command: _Command, raw: list[tuple[str | None, object]]) -> _Args:
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
            raise _StatementFailed(
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
        raise _StatementFailed(
            ErrorInfo(
                message="A positional parameter cannot be found that accepts argument "
                f"'{_text(positional[0])}'.",
                exception_type="System.Management.Automation.ParameterBindingException",
                category="InvalidArgument",
                error_id=f"PositionalParameterNotFound,{command.name}",
                command=command.name,
            )
        )
    return _Args(named, positional)


def _text(value: object) -> str:
    """PowerShell's string conversion of a value."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, list):
        return " ".join(_text(v) for v in value)
    return str(value)


def _flatten(value: object) -> Iterator[object]:
    if isinstance(value, list):
        for item in value:
            yield from _flatten(item)
    elif value is not None:
        yield value


def _int(value: object, what: str, command: str) -> int:
    try:
        return int(_text(value))
    except ValueError:
        raise _StatementFailed(
            ErrorInfo(
                message=f"Cannot bind parameter '{what}'. Cannot convert value "
                f'"{_text(value)}" to type "System.Int32".',
                exception_type="System.Management.Automation.ParameterBindingException",
                category="InvalidArgument",
                error_id=f"CannotConvertArgumentNoMessage,{command}",
                command=command,
            )
        ) from None


def _wants(session: Session, args: _Args, switch: str, preference: str) -> bool:
    if switch in args.named:
        return bool(args.named[switch])
    return _text(session.get(preference)).lower() == "continue"


def _write_output(s: Session, h: Host, a: _Args, inp: list[object], emit: _Emit) -> None:
    for value in _flatten(a.named.get("inputobject", inp)):
        emit(value)


def _write_error(s: Session, h: Host, a: _Args, inp: list[object], emit: _Emit) -> None:
    h.error(
        ErrorInfo(
            message=_text(a.named.get("message", "")),
            exception_type="Microsoft.PowerShell.Commands.WriteErrorException",
            category="NotSpecified",
            error_id="Microsoft.PowerShell.Commands.WriteErrorException",
            command="Write-Error",
        )
    )


def _write_warning(s: Session, h: Host, a: _Args, inp: list[object], emit: _Emit) -> None:
    h.warning(_text(a.named.get("message", "")))


def _write_verbose(s: Session, h: Host, a: _Args, inp: list[object], emit: _Emit) -> None:
    if _wants(s, a, "verbose", "VerbosePreference"):
        h.verbose(_text(a.named.get("message", "")))


def _write_debug(s: Session, h: Host, a: _Args, inp: list[object], emit: _Emit) -> None:
    if _wants(s, a, "debug", "DebugPreference"):
        h.debug(_text(a.named.get("message", "")))


def _write_information(s: Session, h: Host, a: _Args, inp: list[object], emit: _Emit) -> None:
    tags = [_text(t) for t in _flatten(a.named.get("tags", []))]
    h.information(a.named.get("messagedata"), tags)


CONSOLE_COLORS = (
    "Black", "DarkBlue", "DarkGreen", "DarkCyan", "DarkRed", "DarkMagenta", "DarkYellow",
    "Gray", "DarkGray", "Blue", "Green", "Cyan", "Red", "Magenta", "Yellow", "White",
)  # fmt: skip


def _color(value: object, what: str) -> str | None:
    if value is None:
        return None
    for name in CONSOLE_COLORS:
        if name.lower() == _text(value).lower():
            return name
    raise _StatementFailed(
        ErrorInfo(
            message=f"Cannot bind parameter '{what}'. Cannot convert value \"{_text(value)}\" to "
            'type "System.ConsoleColor".',
            exception_type="System.Management.Automation.ParameterBindingException",
            category="InvalidArgument",
            error_id="CannotConvertArgumentNoMessage,Microsoft.PowerShell.Commands.WriteHostCommand",
            command="Write-Host",
        )
    )


def _write_host(s: Session, h: Host, a: _Args, inp: list[object], emit: _Emit) -> None:
    text = " ".join(_text(v) for v in _flatten(a.named.get("object", [])))
    h.write_host(
        text,
        not a.named.get("nonewline", False),
        _color(a.named.get("foregroundcolor"), "ForegroundColor"),
        _color(a.named.get("backgroundcolor"), "BackgroundColor"),
    )


def _write_progress(s: Session, h: Host, a: _Args, inp: list[object], emit: _Emit) -> None:
    percent = a.named.get("percentcomplete")
    h.progress(
        _text(a.named.get("activity", "")),
        _text(a.named.get("status", "Processing")),
        -1 if percent is None else _int(percent, "PercentComplete", "Write-Progress"),
        _int(a.named.get("id", 0), "Id", "Write-Progress"),
        bool(a.named.get("completed", False)),
    )


def _read_host(s: Session, h: Host, a: _Args, inp: list[object], emit: _Emit) -> None:
    prompt = a.named.get("prompt")
    try:
        emit(h.read_line(None if prompt is None else _text(prompt)))
    except NonInteractive:
        raise _StatementFailed(_non_interactive("Read-Host")) from None


def _get_credential(s: Session, h: Host, a: _Args, inp: list[object], emit: _Emit) -> None:
    try:
        credential = h.prompt_for_credential(
            "Windows PowerShell credential request",
            _text(a.named.get("message", "Enter your credentials.")),
            _text(a.named.get("username", a.named.get("credential", ""))),
        )
    except NonInteractive:
        raise _StatementFailed(_non_interactive("Get-Credential")) from None
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


def _start_sleep(s: Session, h: Host, a: _Args, inp: list[object], emit: _Emit) -> None:
    if "milliseconds" in a.named:
        h.sleep(_int(a.named["milliseconds"], "Milliseconds", "Start-Sleep") / 1000)
    else:
        h.sleep(float(_text(a.named.get("seconds", 0)) or 0))


def _get_location(s: Session, h: Host, a: _Args, inp: list[object], emit: _Emit) -> None:
    emit(s.path_info())


def _set_location(s: Session, h: Host, a: _Args, inp: list[object], emit: _Emit) -> None:
    target = _text(a.named.get("path", s.home))
    resolved = s.resolve(target)
    if resolved is None:
        raise _StatementFailed(
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


def _get_child_item(s: Session, h: Host, a: _Args, inp: list[object], emit: _Emit) -> None:
    target = _text(a.named.get("path", s.location))
    folder = s.resolve(target)
    if folder is None:
        raise _StatementFailed(
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


def _get_command(s: Session, h: Host, a: _Args, inp: list[object], emit: _Emit) -> None:
    pattern = _text(a.named.get("name", "*")).lower()
    names = [c.name for c in _COMMANDS.values()]
    regex = re.compile("^" + re.escape(pattern).replace("\\*", ".*") + "$")
    found = [n for n in sorted(names, key=str.lower) if regex.match(n.lower())]
    if not found and "*" not in pattern:
        raise _StatementFailed(_not_recognized(_text(a.named.get("name"))))
    for name in found:
        emit(
            Record(
                ("System.Management.Automation.CmdletInfo", "System.Object"),
                {"Name": name, "CommandType": "Cmdlet", "Source": "Microsoft.PowerShell.Utility"},
                name,
            )
        )


def _prompt(s: Session, h: Host, a: _Args, inp: list[object], emit: _Emit) -> None:
    emit(f"PS {s.location}> ")


def _hostname(s: Session, h: Host, a: _Args, inp: list[object], emit: _Emit) -> None:
    emit(s.hostname)


def _big_output(s: Session, h: Host, a: _Args, inp: list[object], emit: _Emit) -> None:
    """Lines totalling -MB mebibytes (each line counted with its CRLF), as fast as it can."""
    total = int(float(_text(a.named.get("mb", 1))) * 1024 * 1024)
    width = max(16, _int(a.named.get("linelength", 120), "LineLength", "Get-BigOutput"))
    filler = "abcdefghijklmnopqrstuvwxyz0123456789" * (width // 36 + 1)
    number = 0
    while total > 0:
        number += 1
        head = f"line {number:08d} "
        line = (head + filler)[: min(width, max(1, total - 2))]
        emit(line)
        total -= len(line) + 2


def _out_string(s: Session, h: Host, a: _Args, inp: list[object], emit: _Emit) -> None:
    emit("".join(_text(v) + "\r\n" for v in inp))


def _out_null(s: Session, h: Host, a: _Args, inp: list[object], emit: _Emit) -> None:
    return None


def _select_object(s: Session, h: Host, a: _Args, inp: list[object], emit: _Emit) -> None:
    first = a.named.get("first")
    items = inp if first is None else inp[: _int(first, "First", "Select-Object")]
    for value in items:
        emit(value)


def _tab_expansion(s: Session, h: Host, a: _Args, inp: list[object], emit: _Emit) -> None:
    script = _text(a.named.get("inputscript", ""))
    cursor = _int(a.named.get("cursorcolumn", len(script)), "cursorColumn", "TabExpansion2")
    emit(s.complete(script, max(0, min(cursor, len(script)))))


_Emit = Callable[[object], None]

_COMMANDS: dict[str, _Command] = {}
_ALIASES: dict[str, str] = {}


def _register(command: _Command, *aliases: str) -> None:
    _COMMANDS[command.name.lower()] = command
    for alias in aliases:
        _ALIASES[alias] = command.name.lower()


_register(_Command("Write-Output", ("InputObject",), frozenset(), _write_output, 1, True), "echo")
_register(_Command("Write-Error", ("Message",), frozenset(), _write_error, 1, True))
_register(_Command("Write-Warning", ("Message",), frozenset(), _write_warning, 1, True))
_register(_Command("Write-Verbose", ("Message",), frozenset(), _write_verbose, 1, True))
_register(_Command("Write-Debug", ("Message",), frozenset(), _write_debug, 1, True))
_register(
    _Command(
        "Write-Host",
        ("Object", "ForegroundColor", "BackgroundColor"),
        frozenset({"NoNewline"}),
        _write_host,
        1,
        True,
    )
)
_register(
    _Command("Write-Information", ("MessageData", "Tags"), frozenset(), _write_information, 2)
)
_register(
    _Command(
        "Write-Progress",
        ("Activity", "Status", "Id", "PercentComplete"),
        frozenset({"Completed"}),
        _write_progress,
        3,
    )
)
_register(_Command("Read-Host", ("Prompt",), frozenset(), _read_host, 1, True))
_register(
    _Command("Get-Credential", ("UserName", "Message", "Credential"), frozenset(), _get_credential)
)
_register(
    _Command("Start-Sleep", ("Seconds", "Milliseconds"), frozenset(), _start_sleep, 1), "sleep"
)
_register(_Command("Get-Location", (), frozenset(), _get_location), "pwd", "gl")
_register(_Command("Set-Location", ("Path",), frozenset(), _set_location, 1), "cd", "sl", "chdir")
_register(_Command("Get-ChildItem", ("Path",), frozenset(), _get_child_item, 1), "dir", "ls", "gci")
_register(_Command("Get-Command", ("Name",), frozenset(), _get_command, 1), "gcm")
_register(_Command("prompt", (), frozenset(), _prompt))
_register(_Command("hostname", (), frozenset(), _hostname))
_register(_Command("Get-BigOutput", ("MB", "LineLength"), frozenset(), _big_output, 1))
_register(_Command("Out-String", (), frozenset({"Stream"}), _out_string))
_register(_Command("Out-Null", (), frozenset(), _out_null))
_register(_Command("Select-Object", ("First",), frozenset(), _select_object))
_register(
    _Command("TabExpansion2", ("inputScript", "cursorColumn"), frozenset(), _tab_expansion, 2)
)


def _lookup(name: str) -> _Command | None:
    key = _ALIASES.get(name.lower(), name.lower())
    return _COMMANDS.get(key) or _COMMANDS.get(key.removesuffix(".exe"))


def _switches(name: str) -> frozenset[str]:
    """Lower-case names of the switch parameters of `name` (they never take a value)."""
    command = _lookup(name)
    own = {s.lower() for s in command.switches} if command is not None else set()
    return frozenset({*own, "verbose", "debug"})


def command_names() -> list[str]:
    """Every command and alias the interpreter knows (for completion)."""
    return sorted([c.name for c in _COMMANDS.values()] + list(_ALIASES))


# -- session and evaluation -----------------------------------------------------------


def _directories(user: str) -> tuple[str, ...]:
    home = f"C:\\Users\\{user}"
    return (
        "C:\\",
        "C:\\Program Files",
        "C:\\ProgramData",
        "C:\\Users",
        "C:\\Users\\Public",
        home,
        home + "\\Documents",
        home + "\\Desktop",
        "C:\\Windows",
        "C:\\Windows\\System32",
        "C:\\Windows\\Temp",
    )


@dataclass
class Session:
    """The state of one runspace: variables and the current location."""

    hostname: str
    user: str
    variables: dict[str, object] = field(default_factory=dict)
    location: str = ""

    def __post_init__(self) -> None:
        self.home = f"C:\\Users\\{self.user}"
        self.location = self.location or self.home + "\\Documents"
        self._dirs = {d.lower(): d for d in _directories(self.user)}
        for name, value in (
            ("VerbosePreference", "SilentlyContinue"),
            ("DebugPreference", "SilentlyContinue"),
            ("WarningPreference", "Continue"),
            ("ErrorActionPreference", "Continue"),
            ("HOME", self.home),
        ):
            self.variables.setdefault(name, value)

    # variables (names are case-insensitive)
    def get(self, name: str) -> object:
        for key, value in self.variables.items():
            if key.lower() == name.lower():
                return value
        return None

    def set(self, name: str, value: object) -> None:
        for key in list(self.variables):
            if key.lower() == name.lower():
                del self.variables[key]
        self.variables[name] = value

    # locations
    def absolute(self, path: str) -> str:
        path = path.replace("/", "\\").strip()
        if path == "~" or path.startswith("~\\"):
            path = self.home + path[1:]
        elif re.match(r"^[A-Za-z]:$", path):
            path = path + "\\"
        elif path.startswith("\\"):
            path = "C:" + path
        elif not re.match(r"^[A-Za-z]:\\", path):
            path = self.location.rstrip("\\") + "\\" + path
        parts: list[str] = []
        for part in path[3:].split("\\"):
            if part in ("", "."):
                continue
            if part == "..":
                if parts:
                    parts.pop()
                continue
            parts.append(part)
        return path[:3].upper() + "\\".join(parts)

    def resolve(self, path: str) -> str | None:
        return self._dirs.get(self.absolute(path).lower())

    def children(self, folder: str) -> list[str]:
        """The folders directly inside `folder`, in the fixed tree."""
        prefix = folder.rstrip("\\") + "\\"
        inside = [d for d in self._dirs.values() if d.startswith(prefix) and len(d) > len(prefix)]
        return sorted((d for d in inside if "\\" not in d[len(prefix) :]), key=str.lower)

    def path_info(self) -> Record:
        return Record(
            ("System.Management.Automation.PathInfo", "System.Object"),
            {
                "Drive": "C",
                "Provider": "Microsoft.PowerShell.Core\\FileSystem",
                "ProviderPath": self.location,
                "Path": self.location,
            },
            self.location,
        )

    # completion
    def complete(self, script: str, cursor: int) -> Record:
        start = cursor
        while start > 0 and script[start - 1] not in " \t;|(){}":
            start -= 1
        word = script[start:cursor]
        matches: list[Record] = []
        if word.startswith("$"):
            names = sorted({*self.variables, "env:COMPUTERNAME", "env:USERNAME", "PWD"})
            for name in names:
                if name.lower().startswith(word[1:].lower()):
                    matches.append(_completion("$" + name, name, "Variable", "$" + name))
        elif word:
            for name in command_names():
                if name.lower().startswith(word.lower()):
                    kind = "Command"
                    matches.append(_completion(name, name, kind, name))
        return Record(
            ("System.Management.Automation.CommandCompletion", "System.Object"),
            {
                "CurrentMatchIndex": -1,
                "ReplacementIndex": start,
                "ReplacementLength": len(word),
                "CompletionMatches": matches,
            },
            "System.Management.Automation.CommandCompletion",
        )

    # running
    def run(self, script: str, host: Host) -> int | None:
        """Run a script; returns the `exit` code if it exited. Raises Stopped when stopped."""
        try:
            tokens = _tokenize(script)
        except _StatementFailed as failure:
            host.error(failure.error)
            return None
        try:
            for statement in _split_statements(tokens):
                try:
                    _Evaluator(self, host).statement(statement)
                except _StatementFailed as failure:
                    host.error(failure.error)
        except _ExitScript as exit_:
            self.set("LASTEXITCODE", exit_.code)
            return exit_.code
        return None

    def invoke(
        self,
        name: str,
        parameters: list[tuple[str | None, object]],
        host: Host,
        pipeline_input: list[object],
        emit: Callable[[object], None],
    ) -> None:
        """Run one command with evaluated arguments (PowerShell.AddCommand), output to `emit`."""
        try:
            _Evaluator(self, host).call(name, parameters, pipeline_input, emit)
        except _StatementFailed as failure:
            host.error(failure.error)


def _completion(text: str, item: str, kind: str, tip: str) -> Record:
    return Record(
        ("System.Management.Automation.CompletionResult", "System.Object"),
        {"CompletionText": text, "ListItemText": item, "ResultType": kind, "ToolTip": tip},
        text,
    )


def _not_recognized(name: str) -> ErrorInfo:
    return ErrorInfo(
        message=f"The term '{name}' is not recognized as the name of a cmdlet, function, "
        "script file, or operable program. Check the spelling of the name, or if a path was "
        "included, verify that the path is correct and try again.",
        exception_type="System.Management.Automation.CommandNotFoundException",
        category="ObjectNotFound",
        error_id="CommandNotFoundException",
        target=name,
        command=name,
    )


class _Evaluator:
    """Evaluates one statement's tokens."""

    def __init__(self, session: Session, host: Host) -> None:
        self.s = session
        self.h = host
        self.toks: list[_Tok] = []
        self.i = 0

    def _peek(self) -> _Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def _next(self) -> _Tok:
        tok = self._peek()
        if tok is None:
            raise _StatementFailed(_parse_error("Missing expression."))
        self.i += 1
        return tok

    def _at(self, kind: str, text: str | None = None) -> bool:
        tok = self._peek()
        return tok is not None and tok.kind == kind and (text is None or tok.text == text)

    def statement(self, toks: list[_Tok]) -> None:
        self.toks, self.i = toks, 0
        first = toks[0]
        if first.kind == "word" and first.text.lower() == "exit":
            self.i = 1
            code = self.expression() if self._peek() is not None else 0
            raise _ExitScript(int(_text(code) or 0))
        if first.kind == "var" and len(toks) > 1 and toks[1].kind == "op" and toks[1].text == "=":
            self.i = 2
            values: list[object] = []
            self.pipeline(values.append)
            self._assign(first.text, values[0] if len(values) == 1 else (values or None))
            return
        self.pipeline(self.h.output)
        if self._peek() is not None:
            raise _StatementFailed(_parse_error(f"Unexpected token '{self._next().text}'."))

    def _assign(self, var: str, value: object) -> None:
        name = var[1:].strip("{}")
        self.s.set(name, _text(value) if name.lower().startswith("env:") else value)

    def pipeline(self, emit: _Emit) -> None:
        stages: list[tuple[int, int]] = []
        start = self.i
        depth = 0
        while self._peek() is not None:
            tok = self._peek()
            assert tok is not None
            if tok.kind == "op" and tok.text == "(":
                depth += 1
            elif tok.kind == "op" and tok.text == ")":
                if depth == 0:
                    break
                depth -= 1
            elif tok.kind == "op" and tok.text == "|" and depth == 0:
                stages.append((start, self.i))
                start = self.i + 1
            self.i += 1
        stages.append((start, self.i))
        end = self.i
        values: list[object] = []
        for number, (begin, stop) in enumerate(stages):
            last = number == len(stages) - 1
            sink: _Emit = emit if last else values.append
            upstream, values = values, []
            sink = emit if last else values.append
            self._element(begin, stop, upstream, sink, number > 0)
        self.i = end

    def _element(self, begin: int, stop: int, inp: list[object], emit: _Emit, piped: bool) -> None:
        saved = self.toks
        self.toks, self.i = saved[:stop], begin
        try:
            tok = self._peek()
            if tok is None:
                raise _StatementFailed(_parse_error("An empty pipe element is not allowed."))
            if tok.kind == "word":
                name = self._next().text
                switches = _switches(name)
                raw: list[tuple[str | None, object]] = []
                while self._peek() is not None:
                    if self._at("param"):
                        pname = self._next().text[1:].rstrip(":")
                        if pname.lower() in switches or self._peek() is None or self._at("param"):
                            raw.append((pname, True))
                        else:
                            raw.append((pname, self.argument()))
                    else:
                        raw.append((None, self.argument()))
                self.call(name, raw, inp, emit)
            else:
                value = self.expression()
                if self._peek() is not None:
                    raise _StatementFailed(
                        _parse_error(f"Unexpected token '{self._next().text}' in expression.")
                    )
                for item in _flatten(value):
                    emit(item)
        finally:
            self.toks = saved

    def call(
        self, name: str, raw: list[tuple[str | None, object]], inp: list[object], emit: _Emit
    ) -> None:
        command = _lookup(name)
        if command is None:
            raise _StatementFailed(_not_recognized(name))
        args = _bind(command, raw)
        command.run(self.s, self.h, args, inp, emit)

    def argument(self) -> object:
        """A command argument: a value, or a bare word taken as a string; commas make arrays."""
        items = [self._argument_item()]
        while self._at("op", ","):
            self.i += 1
            items.append(self._argument_item())
        return items if len(items) > 1 else items[0]

    def _argument_item(self) -> object:
        tok = self._peek()
        if tok is not None and tok.kind in ("word", "range", "param"):
            self.i += 1
            return tok.text
        return self.operand()

    def expression(self) -> object:
        items = [self._sum()]
        while self._at("op", ","):
            self.i += 1
            items.append(self._sum())
        return items if len(items) > 1 else items[0]

    def _sum(self) -> object:
        left = self._range()
        while self._at("op", "+") or self._at("op", "*"):
            op = self._next().text
            right = self._range()
            left = _arith(op, left, right)
        return left

    def _range(self) -> object:
        left = self.operand()
        if self._at("range"):
            self.i += 1
            right = self.operand()
            low = _int(left, "range", "..")
            high = _int(right, "range", "..")
            step = 1 if high >= low else -1
            return list(range(low, high + step, step))
        return left

    def operand(self) -> object:
        tok = self._next()
        if tok.kind == "num":
            return int(tok.text)
        if tok.kind == "sq":
            return tok.text[1:-1].replace("''", "'")
        if tok.kind == "dq":
            return self._interpolate(tok.text[1:-1])
        if tok.kind == "var":
            return self.variable(tok.text)
        if tok.kind == "op" and tok.text == "(":
            values: list[object] = []
            self.pipeline(values.append)
            if not self._at("op", ")"):
                raise _StatementFailed(_parse_error("Missing closing ')' in expression."))
            self.i += 1
            return values[0] if len(values) == 1 else (values or None)
        if tok.kind == "word":
            return tok.text
        raise _StatementFailed(
            _parse_error(f"Unexpected token '{tok.text}' in expression or statement.")
        )

    def variable(self, text: str) -> object:
        name = text[1:].strip("{}")
        lower = name.lower()
        if lower == "true":
            return True
        if lower == "false":
            return False
        if lower == "null":
            return None
        if lower == "pwd":
            return self.s.path_info()
        if lower == "env:computername":
            return self.s.hostname
        if lower == "env:username":
            return self.s.user
        return self.s.get(name)

    def _interpolate(self, body: str) -> str:
        body = body.replace('""', '"')
        body = re.sub(
            r"`(.)",
            lambda m: {"n": "\n", "r": "\r", "t": "\t", "0": "\0"}.get(m.group(1), m.group(1)),
            body,
        )
        pattern = r"\$(?:env:)?[A-Za-z_][A-Za-z0-9_]*|\$\{[^}]+\}"
        return re.sub(pattern, lambda m: _text(self.variable(m.group())), body)


def _arith(op: str, left: object, right: object) -> object:
    if isinstance(left, str):
        return left + _text(right) if op == "+" else left * int(_text(right))
    if isinstance(left, list):
        return [*left, *(right if isinstance(right, list) else [right])]
    try:
        a, b = int(_text(left) or 0), int(_text(right) or 0)
    except ValueError:
        raise _StatementFailed(
            ErrorInfo(
                message=f'Cannot convert value "{_text(right)}" to type "System.Int32".',
                exception_type="System.Management.Automation.RuntimeException",
                category="InvalidArgument",
                error_id="InvalidCastFromStringToInteger",
            )
        ) from None
    return a + b if op == "+" else a * b
