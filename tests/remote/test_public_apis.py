"""The remote session uses pypsrp and psrpcore through their public names only.

A private member (a name starting with ``_``) may change in any release; the session
once rewrote pypsrp's receive loop on four of them. This scans every module under
``nanostudio/`` (an AST walk, no import) and fails on any private use, so the bounded
version ranges in pyproject.toml are about behaviour, not about internals.
"""

from __future__ import annotations

import ast
import importlib.util
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "nanostudio"
WATCHED = ("pypsrp", "psrpcore")
_GETATTR_LIKE = frozenset({"getattr", "setattr", "hasattr", "delattr"})


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _watched(module: str) -> bool:
    return module.split(".")[0] in WATCHED


@cache
def watched_private_names() -> frozenset[str]:
    """Every private name the installed watched packages define (read from their source)."""
    names: set[str] = set()
    for package in WATCHED:
        spec = importlib.util.find_spec(package)
        assert spec is not None and spec.origin is not None, package
        for path in Path(spec.origin).parent.rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                    names.add(node.name)
                elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                    names.add(node.attr)
                elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                    names.add(node.id)
    return frozenset(n for n in names if _private(n) and n != "_")


@dataclass(frozen=True)
class Use:
    line: int
    text: str


class _Scanner(ast.NodeVisitor):
    """Private uses of a watched package in one module.

    Flagged:
    - importing a private module or name of a watched package;
    - ``x._name`` where ``x`` is anything but ``self``/``cls`` or a name imported from an
      unwatched module (``argparse._SubParsersAction`` is argparse's business): objects
      handed out by pypsrp travel under any name, so no other base is trusted;
    - ``getattr(x, "_name")`` and friends on such an ``x``;
    - in a class derived from a watched class, ``self._name`` that the class does not
      define itself (an inherited private member);
    - in a module that imports a watched package, a string naming one of its private
      members (``getattr(ps, HANDLERS[kind])`` with the names in a table).
    """

    def __init__(self) -> None:
        self.uses: list[Use] = []
        self.watched_names: set[str] = set()
        self.unwatched_modules: set[str] = set()
        self._class_stack: list[tuple[bool, set[str]]] = []

    def _flag(self, node: ast.AST) -> None:
        self.uses.append(Use(getattr(node, "lineno", 0), ast.unparse(node)))

    # -- imports --------------------------------------------------------------
    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            bound = alias.asname or alias.name.split(".")[0]
            if _watched(alias.name):
                self.watched_names.add(bound)
                if any(_private(part) for part in alias.name.split(".")):
                    self._flag(node)
            else:
                self.unwatched_modules.add(bound)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        if node.level == 0 and _watched(module):
            if any(_private(part) for part in module.split(".")):
                self._flag(node)
            for alias in node.names:
                self.watched_names.add(alias.asname or alias.name)
                if _private(alias.name):
                    self._flag(node)
        else:
            for alias in node.names:
                self.unwatched_modules.add(alias.asname or alias.name)

    # -- classes --------------------------------------------------------------
    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        derived = any(self._root(base) in self.watched_names for base in node.bases)
        own: set[str] = set()
        for child in ast.walk(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                own.add(child.name)
            elif isinstance(child, ast.Attribute) and isinstance(child.ctx, ast.Store):
                own.add(child.attr)
            elif isinstance(child, ast.Name) and isinstance(child.ctx, ast.Store):
                own.add(child.id)
        self._class_stack.append((derived, own))
        self.generic_visit(node)
        self._class_stack.pop()

    # -- attribute access -----------------------------------------------------
    @staticmethod
    def _root(node: ast.expr) -> str | None:
        while isinstance(node, ast.Attribute):
            node = node.value
        return node.id if isinstance(node, ast.Name) else None

    def _suspect(self, base: ast.expr, name: str) -> bool:
        if not _private(name):
            return False
        if isinstance(base, ast.Name) and base.id in ("self", "cls"):
            derived, own = self._class_stack[-1] if self._class_stack else (False, set())
            return derived and name not in own
        root = self._root(base)
        return root is None or root not in self.unwatched_modules

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if self._suspect(node.value, node.attr):
            self._flag(node)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if (
            isinstance(func, ast.Name)
            and func.id in _GETATTR_LIKE
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)
            and self._suspect(node.args[0], node.args[1].value)
        ):
            self._flag(node)
        self.generic_visit(node)


def private_uses(source: str) -> list[Use]:
    tree = ast.parse(source)
    scanner = _Scanner()
    scanner.visit(tree)
    if scanner.watched_names:
        private = watched_private_names()
        scanner.uses.extend(
            Use(node.lineno, repr(node.value))
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            if node.value in private
        )
    return sorted(set(scanner.uses), key=lambda use: use.line)


def test_no_private_pypsrp_or_psrpcore_member_is_used_under_nanostudio() -> None:
    found = [
        f"{path.relative_to(PACKAGE.parent)}:{use.line}: {use.text}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for use in private_uses(path.read_text(encoding="utf-8"))
    ]
    assert found == []


def test_the_scan_covers_the_package_and_its_remote_session() -> None:
    scanned = {p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*.py")}
    assert {"remote/psrp_session.py", "remote/psrp_shell.py", "remote/transport.py"} <= scanned


@pytest.mark.parametrize(
    "source",
    [
        # what the session did before it moved to psrpcore
        "from pypsrp.powershell import RunspacePool\n"
        "def f(pool: RunspacePool, raw: bytes) -> None:\n"
        "    pool._fragmenter.defragment(raw)\n",
        "def f(ps, wsman):\n    return ps._command_id\n",
        "def f(pool, message, ps):\n    pool._process_host_call(message, None, ps)\n",
        "import pypsrp.wsman\ndef f(w):\n    return w.transport._build_session()\n",
        "def f(pool):\n    return pool.shell._selector_set\n",
        "def f(ps):\n    getattr(ps, '_process_warning_record')(None)\n",
        "import pypsrp\nx = pypsrp.wsman._TransportHTTP\n",
        "from pypsrp import _pool_manager\n",
        "from pypsrp._utils import to_string\n",
        "import pypsrp._pool_manager as pm\n",
        "from pypsrp.wsman import _TransportHTTP\n",
        "from psrpcore._base import RunspacePool\n",
        "from pypsrp.host import PSHostUserInterface\n"
        "class UI(PSHostUserInterface):\n"
        "    def f(self):\n"
        "        return self._inherited_state\n",
        "from pypsrp.messages import MessageType\n"
        "HANDLERS = {MessageType.WARNING_RECORD: '_process_warning_record'}\n"
        "def f(ps, kind):\n    getattr(ps, HANDLERS[kind])(None)\n",
    ],
)
def test_the_scan_finds_private_uses(source: str) -> None:
    assert private_uses(source), source


@pytest.mark.parametrize(
    "source",
    [
        "import argparse\ndef f(p: argparse._SubParsersAction) -> None: ...\n",
        "class Session:\n    def __init__(self):\n        self._lock = 1\n"
        "    def f(self):\n        return self._lock\n",
        "from pypsrp.wsman import WSMan\n"
        "def f(w: WSMan):\n    w.transport.session = None\n    return w.max_payload_size\n",
        "from pypsrp.host import PSHostUserInterface\n"
        "class UI(PSHostUserInterface):\n"
        "    def __init__(self):\n        self._mine = 1\n"
        "    def f(self):\n        return self._mine + self.__class__.__name__.count('x')\n",
        "SECRET_FIELD = '_value'  # a module without pypsrp: its own strings are its own\n",
    ],
)
def test_the_scan_allows_public_and_own_names(source: str) -> None:
    assert private_uses(source) == []
