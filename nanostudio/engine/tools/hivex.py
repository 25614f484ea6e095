"""libhivex (libguestfs' hive library): edit existing Windows registry hives in place.

The engine must change the SYSTEM hive of a Windows image (boot-start storage
drivers, services) without Windows. Our own writer (``portable/hive.py``) only
builds new hives from scratch; a real SYSTEM hive holds tens of thousands of keys
with lh/ri subkey lists, big-data cells and security records that we should not
rewrite. hivex edits such hives with minimal changes (new cells appended after
the end, existing cells left alone) and is what virt-v2v uses for the same job.
Loaded in process through ctypes, like libwim; Debian's python3-hivex binding is
built for Debian's Python, not the project's venv.

Names of keys and values are UTF-8 in hivex's API; value data is raw bytes.
Nothing is written until :meth:`Hive.commit`. hivex never reuses cells: every
added subkey rewrites the parent's whole subkey list at the end of the file, so
thousands of new keys under one parent grow the file quadratically (2000 keys:
about 19 MB) until Windows compacts it.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import struct
from collections.abc import Callable
from pathlib import Path

from nanostudio.closing import Closing
from nanostudio.engine.portable.hive import (
    REG_BINARY,
    REG_DWORD,
    REG_EXPAND_SZ,
    REG_MULTI_SZ,
    REG_NONE,
    REG_QWORD,
    REG_SZ,
    RegValue,
)
from nanostudio.engine.tools.native import LazyLibrary, load_library
from nanostudio.errors import BuildError

# The value types and RegValue are the pure writer's (``portable.hive``), named here
# too so that code editing a hive with libhivex imports from one module.
__all__ = [
    "LIBRARY",
    "REG_BINARY",
    "REG_DWORD",
    "REG_EXPAND_SZ",
    "REG_MULTI_SZ",
    "REG_NONE",
    "REG_QWORD",
    "REG_SZ",
    "Hive",
    "RegValue",
]

_OPEN_WRITE = 4
#: Values longer than this need a "db" big-data cell in hives of format 1.4 and later
#: (Windows and dissect.regf read them so); hivex never writes db cells.
_BIG_DATA_THRESHOLD = 16344
_LIBRARY_NAMES = ("hivex",)
_INSTALL_HINT = "apt-get install libhivex0 (comes with libhivex-bin)"


class _SetValue(ctypes.Structure):
    """``struct hive_set_value``."""

    _fields_ = [
        ("key", ctypes.c_char_p),
        ("t", ctypes.c_int),
        ("len", ctypes.c_size_t),
        ("value", ctypes.c_char_p),
    ]


class _Lib:
    """The hivex functions used here, with their C signatures from hivex.h."""

    def __init__(self) -> None:
        self.dll = load_library(
            ["libhivex.so.0"],
            _LIBRARY_NAMES,
            what="libguestfs' hive library (libhivex)",
            install_hint=_INSTALL_HINT,
        )
        libc_name = ctypes.util.find_library("c")
        self.libc = ctypes.CDLL(libc_name) if libc_name else ctypes.CDLL(None)
        self.libc.free.argtypes = [ctypes.c_void_p]
        self.libc.free.restype = None

        hive = ctypes.c_void_p
        handle = ctypes.c_size_t  # hive_node_h and hive_value_h
        name = ctypes.c_char_p
        signatures: dict[str, tuple[list[object], object]] = {
            "hivex_open": ([name, ctypes.c_int], ctypes.c_void_p),
            "hivex_close": ([hive], ctypes.c_int),
            "hivex_root": ([hive], handle),
            # Returned strings and arrays are malloc'd: kept as void* to free them.
            "hivex_node_name": ([hive, handle], ctypes.c_void_p),
            "hivex_node_children": ([hive, handle], ctypes.POINTER(ctypes.c_size_t)),
            "hivex_node_get_child": ([hive, handle, name], handle),
            "hivex_node_values": ([hive, handle], ctypes.POINTER(ctypes.c_size_t)),
            "hivex_node_get_value": ([hive, handle, name], handle),
            "hivex_value_key": ([hive, handle], ctypes.c_void_p),
            "hivex_value_value": (
                [
                    hive,
                    handle,
                    ctypes.POINTER(ctypes.c_int),
                    ctypes.POINTER(ctypes.c_size_t),
                ],
                ctypes.c_void_p,
            ),
            "hivex_node_add_child": ([hive, handle, name], handle),
            "hivex_node_delete_child": ([hive, handle], ctypes.c_int),
            "hivex_node_set_value": (
                [hive, handle, ctypes.POINTER(_SetValue), ctypes.c_int],
                ctypes.c_int,
            ),
            "hivex_commit": ([hive, name, ctypes.c_int], ctypes.c_int),
        }
        for function_name, (argtypes, restype) in signatures.items():
            function = getattr(self.dll, function_name)
            function.argtypes = argtypes
            function.restype = restype

    def take_string(self, pointer: int | None) -> str:
        """Copy a malloc'd UTF-8 string returned by hivex, then free it."""
        if not pointer:
            raise AssertionError("take_string needs a non-NULL pointer")
        try:
            return ctypes.string_at(pointer).decode("utf-8", errors="replace")
        finally:
            self.libc.free(pointer)

    def take_handles(self, array: ctypes._Pointer[ctypes.c_size_t]) -> list[int]:
        """Copy a malloc'd 0-terminated handle array returned by hivex, then free it."""
        handles: list[int] = []
        try:
            index = 0
            while array[index]:
                handles.append(int(array[index]))
                index += 1
        finally:
            self.libc.free(ctypes.cast(array, ctypes.c_void_p))
        return handles


# libhivex, bound on first use: ``LIBRARY.available()`` and ``LIBRARY.require()`` (which
# raises ToolMissingError with the install hint) let a plan check it before starting.
LIBRARY = LazyLibrary(_Lib)


def _split(path: str) -> list[str]:
    return [part for part in path.split("\\") if part]


class Hive(Closing):
    """An open hive file. Use as a context manager: leaving it closes the handle,
    discarding edits unless :meth:`commit` was called."""

    def __init__(self, lib: _Lib, handle: int, path: Path, minor_version: int) -> None:
        self._lib = lib
        self._handle: int | None = handle
        self.path = path
        self.minor_version = minor_version

    @classmethod
    def open(cls, path: Path, *, write: bool = False) -> Hive:
        """Open ``path``; ``write`` allows edits (still written only by commit())."""
        lib = LIBRARY.get()
        ctypes.set_errno(0)
        handle = lib.dll.hivex_open(os.fsencode(path), _OPEN_WRITE if write else 0)
        if not handle:
            code = ctypes.get_errno()
            # hivex says ENOTSUP for a bad "regf" signature, EINVAL for short files.
            if path.is_file() and code in (errno.ENOTSUP, errno.EINVAL, 0):
                raise BuildError(f"{path} is not a Windows registry hive")
            raise BuildError(f"could not open the registry hive {path}: {os.strerror(code)}")
        try:
            with path.open("rb") as f:
                header = f.read(28)
        except OSError as e:
            lib.dll.hivex_close(handle)
            raise BuildError(f"could not read the registry hive {path}: {e.strerror}") from e
        minor_version: int = struct.unpack_from("<I", header, 24)[0]
        return cls(lib, handle, path, minor_version)

    def close(self) -> None:
        """Release the handle; uncommitted edits are discarded."""
        if self._handle is not None:
            self._lib.dll.hivex_close(self._handle)
            self._handle = None

    def _h(self) -> int:
        if self._handle is None:
            raise BuildError(f"the registry hive {self.path} is already closed")
        return self._handle

    def _fail(self, what: str) -> BuildError:
        code = ctypes.get_errno()
        reason = os.strerror(code) if code else "unknown error"
        return BuildError(f"hivex could not {what} in {self.path}: {reason}")

    @property
    def root(self) -> int:
        """The root key's node handle."""
        ctypes.set_errno(0)
        node = int(self._lib.dll.hivex_root(self._h()))
        if not node:
            raise self._fail("find the root key")
        return node

    def name(self, node: int) -> str:
        """The key's name as stored (original case)."""
        ctypes.set_errno(0)
        pointer = self._lib.dll.hivex_node_name(self._h(), node)
        if not pointer:
            raise self._fail("read a key name")
        return self._lib.take_string(pointer)

    def children(self, node: int) -> list[int]:
        """Handles of the key's subkeys."""
        return self._handles(self._lib.dll.hivex_node_children, node, "subkeys")

    def child(self, node: int, name: str) -> int | None:
        """The subkey ``name`` (case-insensitive), or None when there is none."""
        return self._lookup(self._lib.dll.hivex_node_get_child, node, name, "key")

    def _handles(
        self,
        list_function: Callable[[int, int], ctypes._Pointer[ctypes.c_size_t]],
        node: int,
        what: str,
    ) -> list[int]:
        """The handles hivex lists (subkeys or values) in an array it allocates."""
        ctypes.set_errno(0)
        array = list_function(self._h(), node)
        if not array:
            raise self._fail(f"list the {what} of {self.name(node)!r}")
        return self._lib.take_handles(array)

    def _lookup(
        self, get_function: Callable[[int, int, bytes], int], node: int, name: str, what: str
    ) -> int | None:
        """A subkey's or value's handle by name; 0 with errno 0 means "there is none"."""
        ctypes.set_errno(0)
        found = int(get_function(self._h(), node, name.encode("utf-8")))
        if found:
            return found
        if ctypes.get_errno():
            raise self._fail(f"look up the {what} {name!r}")
        return None

    def find(self, path: str) -> int | None:
        """The key at a backslash-separated ``path`` below the root ("" = root),
        matched case-insensitively like Windows does; None when any part is missing."""
        node: int | None = self.root
        for part in _split(path):
            assert node is not None
            node = self.child(node, part)
            if node is None:
                return None
        return node

    def ensure(self, path: str) -> int:
        """The key at ``path``, creating the missing keys along it."""
        node = self.root
        for part in _split(path):
            existing = self.child(node, part)
            if existing is None:
                ctypes.set_errno(0)
                existing = int(
                    self._lib.dll.hivex_node_add_child(self._h(), node, part.encode("utf-8"))
                )
                if not existing:
                    raise self._fail(f"create the key {part!r} (in {path!r})")
            node = existing
        return node

    def _value(self, value: int) -> RegValue:
        lib = self._lib
        ctypes.set_errno(0)
        key = lib.dll.hivex_value_key(self._h(), value)
        if not key:
            raise self._fail("read a value name")
        name = lib.take_string(key)
        type_ = ctypes.c_int()
        length = ctypes.c_size_t()
        ctypes.set_errno(0)
        data = lib.dll.hivex_value_value(
            self._h(), value, ctypes.byref(type_), ctypes.byref(length)
        )
        if not data:
            raise self._fail(f"read the value {name!r}")
        try:
            raw = ctypes.string_at(data, length.value)
        finally:
            lib.libc.free(data)
        return RegValue(name, type_.value, raw)

    def _value_handles(self, node: int) -> list[int]:
        return self._handles(self._lib.dll.hivex_node_values, node, "values")

    def values(self, node: int) -> list[RegValue]:
        """All values of the key, in stored order."""
        return [self._value(value) for value in self._value_handles(node)]

    def value(self, node: int, name: str) -> RegValue | None:
        """The value ``name`` (case-insensitive; "" = default), or None."""
        found = self._lookup(self._lib.dll.hivex_node_get_value, node, name, "value")
        return None if found is None else self._value(found)

    def set_value(self, node: int, value: RegValue) -> None:
        """Add ``value`` to the key or replace the one with its name; the key's
        other values are kept (hivex rewrites the value list with them). The
        stored name takes ``value.name``'s spelling."""
        data = bytes(value.data)
        if len(data) > _BIG_DATA_THRESHOLD and self.minor_version >= 4:
            # hivex would store it in one plain cell, which a 1.4+ reader takes
            # for a "db" cell: Windows would read garbage.
            raise BuildError(
                f"the value {value.name!r} has {len(data)} bytes; hivex cannot write values "
                f"over {_BIG_DATA_THRESHOLD} bytes into {self.path} (hive format "
                f"1.{self.minor_version} needs big-data cells)"
            )
        entry = _SetValue(value.name.encode("utf-8"), value.type, len(data), data)
        ctypes.set_errno(0)
        if self._lib.dll.hivex_node_set_value(self._h(), node, ctypes.byref(entry), 0) != 0:
            raise self._fail(f"set the value {value.name!r} of {self.name(node)!r}")

    def delete(self, node: int) -> None:
        """Delete the key and everything below it (not the root)."""
        ctypes.set_errno(0)
        if self._lib.dll.hivex_node_delete_child(self._h(), node) != 0:
            raise self._fail("delete a key")

    def commit(self) -> None:
        """Write the edits into the file in place (the handle stays open)."""
        ctypes.set_errno(0)
        if self._lib.dll.hivex_commit(self._h(), None, 0) != 0:
            raise self._fail("write the edits")
