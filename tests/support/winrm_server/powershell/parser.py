"""Tokens and evaluation: statements, pipelines, expressions, command calls."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tests.support.winrm_server.powershell.cmdlets import (
    Emit,
    RawArgs,
    bind,
    lookup,
    run_pipeline,
    switches,
)
from tests.support.winrm_server.powershell.values import (
    ErrorInfo,
    ExitScript,
    Host,
    Record,
    StatementFailed,
    as_text,
    flatten,
    not_recognized,
    parse_error,
    to_int,
)

if TYPE_CHECKING:
    from tests.support.winrm_server.powershell.session import Session

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


def tokenize(script: str) -> list[_Tok]:
    tokens: list[_Tok] = []
    pos = 0
    while pos < len(script):
        match = _TOKEN.match(script, pos)
        if match is None or match.lastgroup is None:
            raise StatementFailed(
                parse_error(f"Unexpected character '{script[pos]}' in expression or statement.")
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


def split_statements(tokens: list[_Tok]) -> Iterator[list[_Tok]]:
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


class Evaluator:
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
            raise StatementFailed(parse_error("Missing expression."))
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
            raise ExitScript(int(as_text(code) or 0))
        if first.kind == "var" and len(toks) > 1 and toks[1].kind == "op" and toks[1].text == "=":
            self.i = 2
            values: list[object] = []
            self.pipeline(values.append)
            self._assign(first.text, values[0] if len(values) == 1 else (values or None))
            return
        self.pipeline(self.h.output)
        if self._peek() is not None:
            raise StatementFailed(parse_error(f"Unexpected token '{self._next().text}'."))

    def _assign(self, var: str, value: object) -> None:
        name = var[1:].strip("{}")
        self.s.set(name, as_text(value) if name.lower().startswith("env:") else value)

    def pipeline(self, emit: Emit) -> None:
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
        (first_begin, first_stop), rest = stages[0], stages[1:]
        downstream = [self._command_at(begin, stop) for begin, stop in rest]
        run_pipeline(
            self.s,
            self.h,
            lambda sink: self._element(first_begin, first_stop, sink),
            downstream,
            emit,
        )
        self.i = end

    @contextlib.contextmanager
    def _window(self, begin: int, stop: int) -> Iterator[None]:
        """Evaluate tokens begin..stop only (one pipeline element)."""
        saved = self.toks
        self.toks, self.i = saved[:stop], begin
        try:
            if self._peek() is None:
                raise StatementFailed(parse_error("An empty pipe element is not allowed."))
            yield
        finally:
            self.toks = saved

    def _command_at(self, begin: int, stop: int) -> tuple[str, RawArgs]:
        with self._window(begin, stop):
            if not self._at("word"):
                raise StatementFailed(
                    parse_error("Expressions are only allowed as the first element of a pipeline.")
                )
            return self._command_parts()

    def _command_parts(self) -> tuple[str, RawArgs]:
        """A command name and its raw arguments: (parameter name or None, value)."""
        name = self._next().text
        switch_names = switches(name)
        raw: RawArgs = []
        while self._peek() is not None:
            if self._at("param"):
                pname = self._next().text[1:].rstrip(":")
                no_value = self._peek() is None or self._at("param")
                if pname.lower() in switch_names or no_value:
                    raw.append((pname, True))
                else:
                    raw.append((pname, self.argument()))
            else:
                raw.append((None, self.argument()))
        return name, raw

    def _element(self, begin: int, stop: int, emit: Emit) -> None:
        """The first element of a pipeline: a command, or an expression whose items flow on."""
        with self._window(begin, stop):
            if self._at("word"):
                name, raw = self._command_parts()
                self.call(name, raw, [], emit)
                return
            value = self.expression()
            if self._peek() is not None:
                raise StatementFailed(
                    parse_error(f"Unexpected token '{self._next().text}' in expression.")
                )
            for item in flatten(value):
                emit(item)

    def call(
        self, name: str, raw: list[tuple[str | None, object]], inp: list[object], emit: Emit
    ) -> None:
        command = lookup(name)
        if command is None:
            raise StatementFailed(not_recognized(name))
        args = bind(command, raw)
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
            low = to_int(left, "range", "..")
            high = to_int(right, "range", "..")
            step = 1 if high >= low else -1
            return list(range(low, high + step, step))
        return left

    def operand(self) -> object:
        tok = self._next()
        if tok.kind == "num":
            return int(tok.text)
        if tok.kind == "sq":
            return self._members(tok.text[1:-1].replace("''", "'"))
        if tok.kind == "dq":
            return self._members(self._interpolate(tok.text[1:-1]))
        if tok.kind == "var":
            return self._members(self.variable(tok.text))
        if tok.kind == "op" and tok.text == "(":
            values: list[object] = []
            self.pipeline(values.append)
            if not self._at("op", ")"):
                raise StatementFailed(parse_error("Missing closing ')' in expression."))
            self.i += 1
            return self._members(values[0] if len(values) == 1 else (values or None))
        if tok.kind == "word":
            return tok.text
        raise StatementFailed(
            parse_error(f"Unexpected token '{tok.text}' in expression or statement.")
        )

    def _members(self, value: object) -> object:
        """`.Name` after a variable or a parenthesis: a property (or Count/Length)."""
        while True:
            tok = self._peek()
            if tok is None or tok.kind != "word" or not re.match(r"^\.[A-Za-z_]", tok.text):
                return value
            self.i += 1
            for name in tok.text[1:].split("."):
                value = member(value, name)

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
        return re.sub(pattern, lambda m: as_text(self.variable(m.group())), body)


def member(value: object, name: str) -> object:
    """PowerShell's property access on the values this interpreter has."""
    lower = name.lower()
    if isinstance(value, Record):
        for key, item in value.properties.items():
            if key.lower() == lower:
                return item
        return None
    if lower in ("count", "length"):
        if isinstance(value, list):
            return len(value)
        if isinstance(value, str) and lower == "length":
            return len(value)
        return 0 if value is None else 1
    return None


def _arith(op: str, left: object, right: object) -> object:
    if isinstance(left, str):
        return left + as_text(right) if op == "+" else left * int(as_text(right))
    if isinstance(left, list):
        return [*left, *(right if isinstance(right, list) else [right])]
    try:
        a, b = int(as_text(left) or 0), int(as_text(right) or 0)
    except ValueError:
        raise StatementFailed(
            ErrorInfo(
                message=f'Cannot convert value "{as_text(right)}" to type "System.Int32".',
                exception_type="System.Management.Automation.RuntimeException",
                category="InvalidArgument",
                error_id="InvalidCastFromStringToInteger",
            )
        ) from None
    return a + b if op == "+" else a * b
