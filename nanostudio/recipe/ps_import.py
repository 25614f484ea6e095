"""Read a ``New-NanoServerImage`` (or ``Edit-NanoServerImage``) call back into a recipe.

What administrators already have is a PowerShell script: the one Nano Server Image
Builder saves (one long line, values in parentheses), one written by hand (backtick
continuations, ``$variables``, a splatted ``@params`` hashtable) or ``nanostudio
recipe powershell``'s output (whose ``# nanostudio:`` comment lines carry what the
module has no parameter for, so that importing it gives back the same recipe).

Only a small, safe part of PowerShell is understood — literals, arrays, hashtables,
variables assigned literals, casts, and the two expressions ``recipe powershell``
writes (``Read-Host`` and ``Mount-DiskImage ... DriveLetter``). Nothing is ever run.
Every parameter that cannot be mapped is returned by name with the reason: the
caller shows it, never drops it silently.
"""

from __future__ import annotations

import ipaddress
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nanostudio.catalogue import Deployment, find_package, not_offered, with_dependencies
from nanostudio.errors import RecipeError
from nanostudio.recipe.copies import destination_problem, normalize_destination
from nanostudio.recipe.edit_rules import edited_path
from nanostudio.recipe.model import NetworkSpec, Recipe
from nanostudio.recipe.powershell import COMMENT_PREFIX, ROOT_DESTINATION, media_root, vlan_command
from nanostudio.recipe.toml_io import read_recipe
from nanostudio.recipe.validate import Problem

COMMANDS = ("new-nanoserverimage", "edit-nanoserverimage")


@dataclass(frozen=True)
class Unmapped:
    """A parameter (or value) the recipe cannot hold, and why."""

    parameter: str
    reason: str

    def __str__(self) -> str:
        return f"{self.parameter}: {self.reason}"


@dataclass(frozen=True)
class Imported:
    recipe: Recipe
    command: str  # "New-NanoServerImage" or "Edit-NanoServerImage"
    unmapped: tuple[Unmapped, ...] = ()
    notes: tuple[str, ...] = ()


# -- values ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Unresolved:
    """A value the script computes (a variable never assigned a literal, a command)."""

    text: str


@dataclass(frozen=True)
class _Prompted:
    """``Read-Host``: the script asks when it runs."""


@dataclass(frozen=True)
class _IsoMount:
    """``(Mount-DiskImage -ImagePath X ...).DriveLetter``: the ISO X, mounted."""

    iso: str


@dataclass(frozen=True)
class _Splat:
    name: str


# -- tokens ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Token:
    kind: str  # str, word, var, param, splat, op, nl
    text: str
    quoted: bool = False


_NUMBER = re.compile(r"^(\d+)(kb|mb|gb|tb|pb)?$", re.IGNORECASE)
_COMMAND = re.compile(r"^[A-Za-z]+-[A-Za-z]+$")  # Verb-Noun
_MULTIPLIERS = {"kb": 1024, "mb": 1024**2, "gb": 1024**3, "tb": 1024**4, "pb": 1024**5}
_WORD_END = set(" \t\r\n;,(){}|=")
_SINGLE_QUOTES = "'\u2018\u2019\u201a\u201b"
_DOUBLE_QUOTES = '"\u201c\u201d\u201e'


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "`" and i + 1 < n and text[i + 1] in "\r\n":
            i += 2 if text[i + 1 : i + 3] != "\r\n" else 3  # a line continued
            continue
        if c in " \t\ufeff":
            i += 1
        elif c in "\r\n;":
            tokens.append(_Token("nl", "\n"))
            i += 1
        elif c == "<" and text.startswith("<#", i):
            end = text.find("#>", i + 2)
            i = n if end < 0 else end + 2
        elif c == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif c in _SINGLE_QUOTES:
            value, i = _single_quoted(text, i + 1)
            tokens.append(_Token("str", value, quoted=True))
        elif c in _DOUBLE_QUOTES:
            value, i, expands = _double_quoted(text, i + 1)
            tokens.append(_Token("var" if expands else "str", value, quoted=True))
        elif c == "@" and i + 1 < n and text[i + 1] in "({":
            tokens.append(_Token("op", text[i : i + 2]))
            i += 2
        elif c == "@" and i + 1 < n and (text[i + 1].isalnum() or text[i + 1] == "_"):
            j = i + 1
            while j < n and (text[j].isalnum() or text[j] in "_:"):
                j += 1
            tokens.append(_Token("splat", text[i + 1 : j]))
            i = j
        elif c == "$":
            j = i + 1
            while j < n and (text[j].isalnum() or text[j] in "_:"):
                j += 1
            tokens.append(_Token("var", text[i + 1 : j]))
            i = j
        elif c in "." and not (tokens and tokens[-1].text == ")"):
            j = i
            while j < n and text[j] not in _WORD_END:
                j += 1
            tokens.append(_Token("word", text[i:j]))
            i = j
        elif c in "(){},=|+.[]":
            if (
                c == "["
                and (close := text.find("]", i)) > 0
                and re.fullmatch(r"\[[A-Za-z][\w.]*(\[\])?\]", text[i : close + 1])
            ):
                i = close + 1  # a cast such as [uint64]: the value follows
                continue
            tokens.append(_Token("op", c))
            i += 1
        elif c in "-\u2013\u2014" and i + 1 < n and (text[i + 1].isalpha()):
            j = i + 1
            while j < n and (text[j].isalnum() or text[j] in "_-"):
                j += 1
            name = text[i + 1 : j]
            tokens.append(_Token("param", name))
            if j < n and text[j] == ":":  # -Name:value
                j += 1
            i = j
        else:
            j = i
            while j < n and text[j] not in _WORD_END:
                j += 1
            tokens.append(_Token("word", text[i:j]))
            i = j
    tokens.append(_Token("nl", "\n"))
    return tokens


def _single_quoted(text: str, i: int) -> tuple[str, int]:
    out = []
    while i < len(text):
        c = text[i]
        if c in _SINGLE_QUOTES:
            if i + 1 < len(text) and text[i + 1] in _SINGLE_QUOTES:
                out.append(c)
                i += 2
                continue
            return "".join(out), i + 1
        out.append(c)
        i += 1
    raise RecipeError("a quoted value is not closed ('): check the script's quotes")


def _double_quoted(text: str, i: int) -> tuple[str, int, bool]:
    """The text, the index after it, and whether it expands a variable or expression."""
    out = []
    expands = False
    while i < len(text):
        c = text[i]
        if c == "`" and i + 1 < len(text):
            out.append(text[i + 1])
            i += 2
            continue
        if c in _DOUBLE_QUOTES:
            if i + 1 < len(text) and text[i + 1] in _DOUBLE_QUOTES:
                out.append(c)
                i += 2
                continue
            return "".join(out), i + 1, expands
        if c == "$" and i + 1 < len(text) and (text[i + 1].isalnum() or text[i + 1] in "({_"):
            expands = True
        out.append(c)
        i += 1
    raise RecipeError("a quoted value is not closed (\"): check the script's quotes")


# -- parsing ---------------------------------------------------------------------------


class _Parser:
    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.pos = 0
        self.variables: dict[str, Any] = {}

    def peek(self, offset: int = 0) -> _Token:
        return self.tokens[min(self.pos + offset, len(self.tokens) - 1)]

    def take(self) -> _Token:
        token = self.peek()
        self.pos = min(self.pos + 1, len(self.tokens) - 1)
        return token

    def at_end(self) -> bool:
        return self.pos >= len(self.tokens) - 1

    def skip_newlines(self) -> None:
        while not self.at_end() and self.peek().kind == "nl":
            self.pos += 1

    def statements(self) -> tuple[str, list[tuple[str | None, Any]]] | None:
        """Run through the script; the first New-/Edit-NanoServerImage call's arguments."""
        while True:
            self.skip_newlines()
            if self.at_end():
                return None
            token = self.peek()
            if token.kind == "var" and not token.quoted and self.peek(1).text == "=":
                self.pos += 2
                following = self.peek()
                if following.kind == "word" and _COMMAND.match(following.text):
                    # A command's output: only Read-Host (a value asked for) is known.
                    prompted = following.text.lower() == "read-host"
                    value: Any = _Prompted() if prompted else _Unresolved(following.text)
                else:
                    value = self.expression()
                self.variables[token.text.lower()] = value
                self.skip_statement()
                continue
            command = self.command_name()
            if command is not None:
                return command, self.arguments()
            self.skip_statement()

    def command_name(self) -> str | None:
        start = self.pos
        while self.peek().kind != "nl":
            token = self.take()
            if token.kind == "word":
                name = token.text.rsplit("\\", 1)[-1]
                if name.lower() in COMMANDS:
                    return (
                        "New-NanoServerImage"
                        if name.lower() == COMMANDS[0]
                        else ("Edit-NanoServerImage")
                    )
            if token.text in ("(", "@(", "@{", "{"):
                break
        self.pos = start
        return None

    def skip_statement(self) -> None:
        depth = 0
        while not self.at_end():
            token = self.peek()
            if token.kind == "nl" and depth <= 0:
                return
            if token.text in ("(", "@(", "@{", "{"):
                depth += 1
            elif token.text in (")", "}"):
                depth -= 1
            self.pos += 1

    def arguments(self) -> list[tuple[str | None, Any]]:
        """(parameter or None for a positional value, value) in order; a switch's value
        is True; a splat's entries are spread as parameters."""
        found: list[tuple[str | None, Any]] = []
        while self.peek().kind != "nl" and not self.at_end():
            token = self.peek()
            if token.kind == "param":
                self.pos += 1
                name = token.text
                following = self.peek()
                if following.kind in ("param", "nl", "splat") or following.text in (")", "}"):
                    found.append((name, True))
                else:
                    found.append((name, self.expression()))
            elif token.kind == "splat":
                self.pos += 1
                value = self.variables.get(token.text.lower())
                if isinstance(value, dict):
                    found += list(value.items())
                else:
                    found.append(("@" + token.text, _Unresolved("@" + token.text)))
            elif token.text == "|":
                break
            else:
                found.append((None, self.expression()))
        return found

    def expression(self) -> Any:
        """A value, or a comma-separated list of values."""
        items = [self.primary()]
        while self.peek().text == ",":
            self.pos += 1
            while self.peek().kind == "nl":
                self.pos += 1
            items.append(self.primary())
        value = items[0] if len(items) == 1 else items
        # ``(...).DriveLetter + ':\'`` and the like: the rest of the expression is skipped.
        while self.peek().text in (".", "+"):
            self.pos += 1
            self.primary()
        return value

    def primary(self) -> Any:
        token = self.take()
        if token.kind == "str":
            return token.text
        if token.kind == "var":
            if token.quoted:
                return _Unresolved(f'"{token.text}"')
            name = token.text.lower()
            if name in ("true", "false"):
                return name == "true"
            if name == "null":
                return None
            if name in self.variables:
                return self.variables[name]
            return _Unresolved("$" + token.text)
        if token.kind == "word":
            match = _NUMBER.match(token.text)
            if match:
                return int(match.group(1)) * _MULTIPLIERS.get((match.group(2) or "").lower(), 1)
            return token.text
        if token.text == "@(":
            return self.group(")")
        if token.text == "(":
            return self.parenthesised()
        if token.text == "@{":
            return self.hashtable()
        if token.kind == "param":  # a negative number or a stray switch
            return _Unresolved("-" + token.text)
        return _Unresolved(token.text)

    def group(self, close: str) -> list[Any]:
        items: list[Any] = []
        while True:
            while self.peek().kind == "nl" or self.peek().text == ",":
                self.pos += 1
            if self.at_end():
                raise RecipeError(f"a {close!r} is missing in the script")
            if self.peek().text == close:
                self.pos += 1
                return items
            value = self.expression()
            items += value if isinstance(value, list) else [value]

    def parenthesised(self) -> Any:
        start = self.pos
        depth = 1
        words: list[_Token] = []
        while depth and not self.at_end():
            token = self.take()
            if token.text in ("(", "@(", "@{", "{"):
                depth += 1
            elif token.text in (")", "}"):
                depth -= 1
            words.append(token)
        lowered = [t.text.lower() for t in words if t.kind in ("word", "param")]
        if lowered and lowered[0] == "read-host":
            return _Prompted()
        if lowered and lowered[0] == "mount-diskimage":
            for index, token in enumerate(words):
                if token.kind == "param" and token.text.lower() == "imagepath":
                    value = words[index + 1] if index + 1 < len(words) else None
                    if value is not None and value.kind in ("str", "word"):
                        return _IsoMount(value.text)
            return _Unresolved("(Mount-DiskImage ...)")
        if lowered and words[0].kind in ("word", "param") and not _NUMBER.match(words[0].text):
            return _Unresolved("(" + " ".join(t.text for t in words[:-1]) + ")")
        self.pos = start
        items = self.group(")")
        return items[0] if len(items) == 1 else items

    def hashtable(self) -> dict[str, Any]:
        table: dict[str, Any] = {}
        while True:
            while self.peek().kind == "nl":
                self.pos += 1
            if self.at_end():
                raise RecipeError("a '}' is missing in the script")
            token = self.take()
            if token.text == "}":
                return table
            key = token.text if token.kind in ("str", "word") else str(self.resolve(token))
            if self.take().text != "=":
                raise RecipeError(f"a hashtable entry {key!r} has no '=': check the script")
            table[key] = self.expression()

    def resolve(self, token: _Token) -> Any:
        if token.kind == "var":
            return self.variables.get(token.text.lower(), "$" + token.text)
        return token.text


# -- mapping to a recipe -----------------------------------------------------------------

_SWITCH_PACKAGES = {
    "compute": "Compute",
    "containers": "Containers",
    "defender": "Defender",
    "clustering": "FailoverCluster",
    "storage": "Storage",
}
_IGNORED = {
    "basepath": "NanoStudio copies what it needs into its own temporary folder",
    "administratorpassword": "the password is never stored in a recipe: it is asked for (or "
    "read from NANOSTUDIO_ADMIN_PASSWORD) when you build",
    "logpath": "NanoStudio keeps its own build log",
    **{
        common: "a PowerShell common parameter: nothing to build"
        for common in (
            "verbose",
            "debug",
            "erroraction",
            "errorvariable",
            "warningaction",
            "warningvariable",
            "informationaction",
            "informationvariable",
            "outvariable",
            "outbuffer",
            "pipelinevariable",
        )
    },
}
_NOT_SUPPORTED = {
    "domainname": (
        "an import does not harvest a blob: on a domain-joined Windows machine run "
        "nanostudio recipe djoin RECIPE --domain D (or djoin /provision) and set "
        "system.domain_blob"
    ),
    "reusedomainnode": "give nanostudio recipe djoin its --reuse option instead "
    "(-DomainName is not harvested on import)",
    "development": "development mode (test signing, debugger) is not offered",
    "offlinescriptpath": "offline scripts are not run by NanoStudio",
    "offlinescriptargument": "offline scripts are not run by NanoStudio",
    "internal": "an undocumented parameter of the module",
    "debugremoteip": "network (KDNET) debugging is not offered",
    "debugport": "network (KDNET) debugging is not offered",
    "debugkey": "network (KDNET) debugging is not offered",
    "debugbusparams": "network (KDNET) debugging is not offered",
    "debugchannel": "1394 debugging is not offered",
    "debugtargetname": "USB debugging is not offered",
    "guestdrivers": "a preview-build switch: use -DeploymentType Guest",
}


@dataclass
class _Mapping:
    command: str
    base: Path
    data: dict[str, dict[str, Any]] = field(default_factory=dict)
    unmapped: list[Unmapped] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    shorts: list[str] = field(default_factory=list)

    def set(self, table: str, key: str, value: Any) -> None:
        self.data.setdefault(table, {})[key] = value

    def refuse(self, parameter: str, reason: str) -> None:
        self.unmapped.append(Unmapped(parameter, reason))


def host_path(text: str) -> str:
    """A Windows path as this machine writes it (``C:\\x`` stays ``C:/x`` off Windows)."""
    return text if os.name == "nt" else text.replace("\\", "/")


def _texts(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _text(mapping: _Mapping, parameter: str, value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    mapping.refuse(parameter, _unresolved_reason(value))
    return None


def _unresolved_reason(value: Any) -> str:
    if isinstance(value, _Unresolved):
        return f"its value {value.text} is computed by the script: write the value itself"
    if isinstance(value, _Prompted):
        return "its value is asked for when the script runs: write the value itself"
    if isinstance(value, list):
        return "expected one value, got a list"
    return f"unexpected value {value!r}"


def _paths(mapping: _Mapping, parameter: str, value: Any) -> list[str]:
    paths = []
    for item in _texts(value):
        text = _text(mapping, parameter, item)
        if text is not None:
            paths.append(host_path(text))
    return paths


def _map_parameter(mapping: _Mapping, name: str, value: Any) -> None:
    key = name.lower()
    parameter = "-" + name
    if key in _IGNORED:
        mapping.notes.append(f"{parameter} ignored: {_IGNORED[key]}")
    elif key in _NOT_SUPPORTED:
        mapping.refuse(parameter, _NOT_SUPPORTED[key])
    elif key == "reverseforwarders":
        entry = not_offered("ReverseForwarders")
        assert entry is not None
        mapping.refuse(parameter, f"not offered: {entry.reason}")
    elif key in _SWITCH_PACKAGES:
        if value is True:
            mapping.shorts.append(_SWITCH_PACKAGES[key])
        elif value is not False:
            mapping.refuse(parameter, _unresolved_reason(value))
    elif key == "oemdrivers":
        if isinstance(value, bool):
            mapping.set("drivers", "oem", value)
        else:
            mapping.refuse(parameter, _unresolved_reason(value))
    elif key == "enableremotemanagementport":
        if isinstance(value, bool):
            mapping.set("network", "winrm", value)
        else:
            mapping.refuse(parameter, _unresolved_reason(value))
    elif key == "enableems":
        if isinstance(value, bool):
            mapping.set("boot", "ems", value)
        else:
            mapping.refuse(parameter, _unresolved_reason(value))
    elif key in ("package", "setupui"):
        _map_packages(mapping, parameter, value, capability=key == "setupui")
    elif key in _SIMPLE:
        table, field_name = _SIMPLE[key]
        text = _text(mapping, parameter, value)
        if text is not None:
            mapping.set(table, field_name, text)
    elif key in _INTEGERS:
        table, field_name = _INTEGERS[key]
        if isinstance(value, int) and not isinstance(value, bool):
            mapping.set(table, field_name, value)
        elif isinstance(value, str) and value.strip().isdigit():
            mapping.set(table, field_name, int(value))
        else:
            mapping.refuse(parameter, f"expected a whole number, got {value!r}")
    else:
        _map_other(mapping, key, parameter, value)


_SIMPLE = {
    "computername": ("system", "computer_name"),
    "interfacenameorindex": ("network", "interface"),
    "ipv4gateway": ("network", "gateway"),
    "ipv6address": ("network", "ipv6"),
    "edition": ("source", "edition"),
    "deploymenttype": ("source", "deployment"),
}
_INTEGERS = {
    "emsport": ("boot", "ems_port"),
    "emsbaudrate": ("boot", "ems_baud"),
    "debugcomport": ("boot", "debug_port"),
    "debugbaudrate": ("boot", "debug_baud"),
}


def _map_other(mapping: _Mapping, key: str, parameter: str, value: Any) -> None:
    if key == "mediapath":
        if isinstance(value, _IsoMount):
            mapping.set("source", "media", host_path(value.iso))
        elif isinstance(value, _Prompted):
            mapping.notes.append(
                "-MediaPath is asked for when the script runs: the recipe names "
                "no media (choose it in the wizard or set source.media)"
            )
        else:
            text = _text(mapping, parameter, value)
            if text is not None:
                mapping.set("source", "media", host_path(text))
    elif key == "targetpath":
        paths = _paths(mapping, parameter, value)
        if paths and mapping.command == "Edit-NanoServerImage":
            # The image to edit; NanoStudio writes the result to a new file (output.path).
            mapping.set("edit", "image", paths[0])
        elif paths:
            mapping.set("output", "path", paths[0])
    elif key == "maxsize":
        if isinstance(value, int) and not isinstance(value, bool):
            mapping.set("output", "size", value)
        else:
            mapping.refuse(parameter, f"expected a size in bytes such as 8GB, got {value!r}")
    elif key == "driverpath":
        mapping.set("drivers", "folders", _paths(mapping, parameter, value))
    elif key == "domainblobpath":
        paths = _paths(mapping, parameter, value)
        if paths:
            mapping.set("system", "domain_blob", paths[0])
    elif key == "unattendpath":
        paths = _paths(mapping, parameter, value)
        if paths:
            mapping.set("system", "unattend", paths[0])
    elif key == "servicingpackagepath":
        mapping.set("packages", "servicing", _paths(mapping, parameter, value))
    elif key == "copypath":
        _map_copies(mapping, parameter, value)
    elif key == "ipv4address":
        text = _text(mapping, parameter, value)
        if text is not None:
            mapping.set("network", "_address", text)
    elif key == "ipv4subnetmask":
        text = _text(mapping, parameter, value)
        if text is not None:
            mapping.set("network", "_mask", text)
    elif key in ("ipv4dns", "ipv6dns"):
        servers = [_text(mapping, parameter, item) for item in _texts(value)]
        field_name = "dns" if key == "ipv4dns" else "ipv6_dns"
        mapping.set("network", field_name, [s for s in servers if s is not None])
    elif key == "setupcompletecommand":
        _map_commands(mapping, parameter, value)
    elif key == "debugmethod":
        text = _text(mapping, parameter, value)
        if text is not None and text.lower() == "serial":
            mapping.set("boot", "debug", "serial")
        elif text is not None:
            mapping.refuse(parameter, f"{text} debugging is not offered (only Serial)")
    else:
        mapping.refuse(parameter, "not a parameter NanoStudio knows")


def _map_packages(mapping: _Mapping, parameter: str, value: Any, *, capability: bool) -> None:
    for item in _texts(value):
        text = _text(mapping, parameter, item)
        if text is None:
            continue
        name = text.removeprefix("NanoServer.") if capability else text
        package = find_package(name)
        skipped = not_offered(name)
        if package is None:
            reason = f"not offered: {skipped.reason}" if skipped else "not a Nano Server package"
            mapping.refuse(f"{parameter} {text!r}", reason)
        elif package.short in ("Guest", "Host"):
            mapping.notes.append(f"{parameter} {text!r}: chosen by -DeploymentType")
            mapping.set("source", "deployment", package.short)
        elif package.short == "OEM-Drivers":
            mapping.set("drivers", "oem", True)
        else:
            mapping.shorts.append(package.short)


def _map_copies(mapping: _Mapping, parameter: str, value: Any) -> None:
    pairs: list[tuple[Any, Any]]
    if isinstance(value, dict):
        pairs = list(value.items())
    else:
        pairs = [(item, ROOT_DESTINATION) for item in _texts(value)]
    copies = []
    for source, destination in pairs:
        source_text = _text(mapping, parameter, source)
        destination_text = _text(mapping, parameter, destination)
        if source_text is None or destination_text is None:
            continue
        if destination_problem(destination_text) is None:
            destination_text = normalize_destination(destination_text)
        copies.append({"source": host_path(source_text), "destination": destination_text})
    mapping.set("files", "copy", copies)


_TZUTIL = re.compile(r'^tzutil(?:\.exe)?\s+/s\s+"([^"]*)"\s*$', re.IGNORECASE)


def _map_commands(mapping: _Mapping, parameter: str, value: Any) -> None:
    commands = []
    for item in _texts(value):
        text = _text(mapping, parameter, item)
        if text is None:
            continue
        zone = _TZUTIL.match(text)
        if zone and "timezone" not in mapping.data.get("system", {}):
            mapping.set("system", "timezone", zone.group(1))
        else:
            commands.append(text)
    mapping.set("firstboot", "commands", commands)


_VLAN_COMMAND = re.compile(r"Set-NetAdapter -VlanID (\d+) ", re.IGNORECASE)


def _finish_vlan(mapping: _Mapping) -> None:
    """The first -SetupCompleteCommand that is exactly ``recipe powershell``'s VLAN
    command for this interface becomes network.vlan; any other stays a command."""
    commands = mapping.data.get("firstboot", {}).get("commands")
    if not commands:
        return
    interface = mapping.data.get("network", {}).get("interface", NetworkSpec().interface)
    for number, command in enumerate(commands):
        found = _VLAN_COMMAND.search(command)
        if found and command == vlan_command(interface, int(found.group(1))):
            mapping.set("network", "vlan", int(found.group(1)))
            del commands[number]
            return


def _finish_network(mapping: _Mapping) -> None:
    network = mapping.data.get("network", {})
    address, mask = network.pop("_address", None), network.pop("_mask", None)
    if address is None and mask is None:
        return
    if address is None or mask is None:
        mapping.refuse(
            "-Ipv4Address" if address is not None else "-Ipv4SubnetMask",
            "a static address needs both -Ipv4Address and -Ipv4SubnetMask",
        )
        return
    try:
        prefix = ipaddress.IPv4Network(f"0.0.0.0/{mask}").prefixlen
    except ValueError:
        mapping.refuse("-Ipv4SubnetMask", f"{mask!r} is not a subnet mask like 255.255.255.0")
        return
    network["ipv4"] = f"{address}/{prefix}"


def _comments(text: str) -> dict[str, Any]:
    """The ``# nanostudio: table.key = value`` lines, as {"table.key": value}."""
    found: dict[str, Any] = {}
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped.startswith(COMMENT_PREFIX.strip()):
            continue
        body = stripped[len(COMMENT_PREFIX.strip()) :].strip()
        try:
            parsed = tomllib.loads(body)
        except tomllib.TOMLDecodeError:
            raise RecipeError(
                f"cannot read the line {stripped!r}: write it like "
                '# nanostudio: output.target = "kvm"'
            ) from None
        for table, values in parsed.items():
            if isinstance(values, dict):
                for key, value in values.items():
                    found[f"{table}.{key}"] = value
    return found


def _apply_comments(mapping: _Mapping, comments: Mapping[str, Any]) -> None:
    """What only the comments can say; where the command says it too, the command wins
    unless both mean the same (a WIM's root folder, the same packages in another order)."""
    for dotted, value in comments.items():
        table, _, key = dotted.partition(".")
        current = mapping.data.get(table, {}).get(key)
        if dotted == "packages.names":
            names = [str(v) for v in value] if isinstance(value, list) else []
            if _resolved(names) == _resolved(mapping.data.get("packages", {}).get("names", [])):
                mapping.set(table, key, names)
            else:
                mapping.notes.append(
                    "the '# nanostudio: packages.names' line differs from the command's "
                    "packages: the command's are used"
                )
        elif dotted == "source.media":
            given = mapping.data.get("source", {}).get("media")
            if given is None or (
                isinstance(value, str) and media_root(Path(host_path(value))) == Path(given)
            ):
                mapping.set(table, key, host_path(value) if isinstance(value, str) else value)
        elif dotted == "drivers.oem" and comments.get("drivers.virtualbox") is True:
            mapping.set(table, key, value)  # -OEMDrivers stood for VirtualBox's drivers
        elif current is None:
            if isinstance(value, str) and dotted in ("packages.docker_zip", "output.path"):
                value = host_path(value)
            mapping.set(table, key, value)


def _resolved(names: list[str]) -> set[str]:
    shorts = [p.short for name in names if (p := find_package(name)) is not None]
    return {package.short for package in with_dependencies(shorts)}


def import_script(text: str, *, base: Path) -> Imported:
    """The recipe a script's New-/Edit-NanoServerImage call describes.

    Raises RecipeError when the script holds no such call (or cannot be read); every
    parameter that cannot be mapped is in ``Imported.unmapped``.
    """
    parser = _Parser(_tokens(text))
    found = parser.statements()
    if found is None:
        raise RecipeError("the script holds no New-NanoServerImage or Edit-NanoServerImage call")
    command, arguments = found
    mapping = _Mapping(command, base)
    mapping.set("network", "winrm", False)  # the module opens WinRM only when asked
    positional = ["DeploymentType", "Edition"] if command == "New-NanoServerImage" else []
    for name, value in arguments:
        if name is None:
            if positional:
                name = positional.pop(0)
            else:
                mapping.refuse(f"value {value!r}", "a value without a parameter name")
                continue
        if name.startswith("@"):
            mapping.refuse(name, f"{name[1:]} is not assigned a hashtable in the script")
            continue
        _map_parameter(mapping, name, value)
    _finish_network(mapping)
    shorts = list(dict.fromkeys(mapping.shorts))
    if shorts:
        mapping.set("packages", "names", shorts)
    _apply_comments(mapping, _comments(text))
    _finish_vlan(mapping)
    image = mapping.data.get("edit", {}).get("image")
    if image is not None and "path" not in mapping.data.get("output", {}):
        mapping.set("output", "path", str(edited_path(Path(image))))
        mapping.notes.append(
            f"Edit-NanoServerImage changes {image} in place; NanoStudio writes the edited "
            f"image to {edited_path(Path(image))} (output.path) and never changes the original"
        )
    if "deployment" not in mapping.data.get("source", {}) and command == "New-NanoServerImage":
        mapping.refuse("-DeploymentType", "missing: New-NanoServerImage needs Guest or Host")
    mapping.data.setdefault("source", {}).setdefault("deployment", Deployment.GUEST.value)
    recipe, problems = read_recipe(mapping.data, base=base)
    for problem in problems:
        mapping.refuse(_parameter_of(problem), problem.message)
    return Imported(recipe, command, tuple(mapping.unmapped), tuple(mapping.notes))


def _parameter_of(problem: Problem) -> str:
    return problem.field


def read_script(path: Path) -> str:
    """A script as PowerShell reads it: UTF-8 (with or without BOM) or UTF-16 with BOM."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise RecipeError(f"{path} does not exist: check the path") from None
    except OSError as error:
        raise RecipeError(f"cannot read {path}: {error.strerror or error}") from None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")
