"""The state of one runspace (variables, location) and running scripts in it."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from tests.support.winrm_server.powershell.cmdlets import RawArgs, command_names, run_pipeline
from tests.support.winrm_server.powershell.parser import Evaluator, split_statements, tokenize
from tests.support.winrm_server.powershell.values import ExitScript, Host, Record, StatementFailed


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
            tokens = tokenize(script)
        except StatementFailed as failure:
            host.error(failure.error)
            return None
        try:
            for statement in split_statements(tokens):
                try:
                    Evaluator(self, host).statement(statement)
                except StatementFailed as failure:
                    host.error(failure.error)
        except ExitScript as exit_:
            self.set("LASTEXITCODE", exit_.code)
            return exit_.code
        return None

    def pipeline(
        self,
        producer: Callable[[Callable[[object], None]], None],
        downstream: list[tuple[str, RawArgs]],
        host: Host,
    ) -> None:
        """Run a PowerShell.AddScript/AddCommand statement: `producer` writes into the
        downstream commands, item by item, and the last one writes to the host."""
        try:
            run_pipeline(self, host, producer, downstream, host.output)
        except StatementFailed as failure:
            host.error(failure.error)

    def call(
        self,
        name: str,
        parameters: RawArgs,
        host: Host,
        emit: Callable[[object], None],
    ) -> None:
        """Run one command with evaluated arguments (PowerShell.AddCommand); raises
        StatementFailed, so call it from a `pipeline` producer."""
        Evaluator(self, host).call(name, parameters, [], emit)


def _completion(text: str, item: str, kind: str, tip: str) -> Record:
    return Record(
        ("System.Management.Automation.CompletionResult", "System.Object"),
        {"CompletionText": text, "ListItemText": item, "ResultType": kind, "ToolTip": tip},
        text,
    )
