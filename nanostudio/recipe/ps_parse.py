"""A small, safe reader of PowerShell: finds a New-/Edit-NanoServerImage call in a script.

``ps_import`` needs the call's arguments, not PowerShell: this module tokenizes the
script (backtick continuations, comments, both quote styles and their typographic
variants, ``-Name:value``, casts) and parses just enough of it — literals, arrays,
hashtables, variables assigned literals, ``@splat`` — to give each argument's value.
Nothing is ever run; what the script computes stays an ``_Unresolved`` (or
``_Prompted``/``_IsoMount`` for the two expressions ``recipe powershell`` writes).
Those three keep their leading underscore: their repr appears in import messages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from nanostudio.errors import RecipeError

COMMANDS = ("new-nanoserverimage", "edit-nanoserverimage")


# -- values ----------------------------------------------------------------------------


# Their repr is what a message shows ("expected a whole number, got $port, computed
# when the script runs"), never the Python class.
@dataclass(frozen=True, repr=False)
class _Unresolved:
    """A value the script computes (a variable never assigned a literal, a command)."""

    text: str

    def __repr__(self) -> str:
        return f"{self.text}, computed when the script runs"


@dataclass(frozen=True, repr=False)
class _Prompted:
    """``Read-Host``: the script asks when it runs."""

    def __repr__(self) -> str:
        return "Read-Host, asked when the script runs"


@dataclass(frozen=True, repr=False)
class _IsoMount:
    """``(Mount-DiskImage -ImagePath X ...).DriveLetter``: the ISO X, mounted."""

    iso: str

    def __repr__(self) -> str:
        return f"the drive letter of {self.iso} mounted"


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


def find_call(text: str) -> tuple[str, list[tuple[str | None, Any]]] | None:
    """The first New-/Edit-NanoServerImage call's name and its arguments (parameter or
    None for a positional value, value), or None when the script holds no such call."""
    return _Parser(_tokens(text)).statements()
