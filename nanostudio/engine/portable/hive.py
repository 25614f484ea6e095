"""A minimal writer of Windows registry hive files ("regf", format version 1.3).

Enough for a BCD store: nested keys with ASCII names, values of the common
types, one shared security descriptor. Written once, never edited, so cells are
laid out in one pass with no free space except the tail of the last bin.

Layout facts (from the public regf format descriptions): a 4 KiB base block
with an XOR checksum, then 4 KiB-aligned "hbin" bins of cells; a cell starts
with its size as a signed 32-bit number, negative while allocated, 8-byte
aligned; offsets are relative to the first bin. Keys are "nk" cells, values
"vk" cells (data of up to 4 bytes kept in the offset field), value lists are
bare offset arrays, subkey lists are "lf" leaves sorted by upper-cased name,
security is an "sk" cell. Version 1.3 has no "db" big-data cells, so a value's
data is limited to 16344 bytes.
"""

from __future__ import annotations

import struct
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

REG_NONE = 0
REG_SZ = 1
REG_EXPAND_SZ = 2
REG_BINARY = 3
REG_DWORD = 4
REG_MULTI_SZ = 7
REG_QWORD = 11

#: Largest value data a 1.3 hive can hold in one cell (larger needs "db" cells).
MAX_VALUE_DATA = 16344

BASE_BLOCK = 4096
HBIN = 4096
_HBIN_HEADER = 32
_NO_CELL = 0xFFFFFFFF
_KEY_HIVE_ENTRY = 0x0004
_KEY_NO_DELETE = 0x0008
_KEY_COMP_NAME = 0x0020
_VALUE_COMP_NAME = 0x0001
_FILETIME_EPOCH = 116444736000000000  # 1970-01-01 in 100 ns units since 1601


def _utf16z(text: str) -> bytes:
    return (text + "\0").encode("utf-16-le")


@dataclass(frozen=True)
class RegValue:
    """One value of a key: ``name`` "" is the key's default value ("@"). The same
    shape for the hive written here and for the hives libhivex edits (``tools.hivex``);
    build one by its type (``RegValue.sz("Group", "Boot Bus Extender")``), so that a
    value's type and its encoding never disagree."""

    name: str
    type: int
    data: bytes

    @classmethod
    def sz(cls, name: str, text: str) -> RegValue:
        """REG_SZ: UTF-16LE text with its terminating NUL."""
        return cls(name, REG_SZ, _utf16z(text))

    @classmethod
    def expand_sz(cls, name: str, text: str) -> RegValue:
        """REG_EXPAND_SZ: encoded like REG_SZ; only the type tells Windows to expand
        ``%SystemRoot%``-style variables."""
        return cls(name, REG_EXPAND_SZ, _utf16z(text))

    @classmethod
    def multi_sz(cls, name: str, items: Sequence[str]) -> RegValue:
        """REG_MULTI_SZ: NUL-terminated texts and a final empty one."""
        return cls(name, REG_MULTI_SZ, b"".join(_utf16z(item) for item in items) + b"\0\0")

    @classmethod
    def dword(cls, name: str, number: int) -> RegValue:
        """REG_DWORD: an unsigned 32-bit little-endian number."""
        return cls(name, REG_DWORD, struct.pack("<I", number))

    @classmethod
    def qword(cls, name: str, number: int) -> RegValue:
        """REG_QWORD: an unsigned 64-bit little-endian number."""
        return cls(name, REG_QWORD, struct.pack("<Q", number))

    @classmethod
    def binary(cls, name: str, data: bytes | bytearray | memoryview) -> RegValue:
        """REG_BINARY: the bytes as they are."""
        return cls(name, REG_BINARY, bytes(data))

    def text(self) -> str:
        """REG_SZ / REG_EXPAND_SZ data as text, without its terminating NULs."""
        if self.type not in (REG_SZ, REG_EXPAND_SZ):
            raise ValueError(f"value {self.name!r} has type {self.type}, not a string")
        data = self.data[: len(self.data) // 2 * 2]  # Windows sometimes stores an odd length
        return data.decode("utf-16-le", errors="replace").rstrip("\0")

    def strings(self) -> list[str]:
        """REG_MULTI_SZ data as a list (the empty terminating string dropped)."""
        if self.type != REG_MULTI_SZ:
            raise ValueError(f"value {self.name!r} has type {self.type}, not REG_MULTI_SZ")
        data = self.data[: len(self.data) // 2 * 2]
        text = data.decode("utf-16-le", errors="replace").rstrip("\0")
        return text.split("\0") if text else []

    def number(self) -> int:
        """REG_DWORD data as an unsigned number."""
        if self.type != REG_DWORD or len(self.data) < 4:
            raise ValueError(f"value {self.name!r} is not a REG_DWORD")
        number: int = struct.unpack_from("<I", self.data)[0]
        return number


@dataclass
class Key:
    """A key with its values and subkeys, built up in memory before writing."""

    name: str
    values: list[RegValue] = field(default_factory=list)
    subkeys: list[Key] = field(default_factory=list)

    def key(self, name: str) -> Key:
        """The subkey ``name`` (case-insensitive), created if missing."""
        for sub in self.subkeys:
            if sub.name.upper() == name.upper():
                return sub
        _check_name(name)
        sub = Key(name)
        self.subkeys.append(sub)
        return sub

    def set(self, value: RegValue) -> None:
        """Set (or replace) a value; refuses data a 1.3 hive cannot hold."""
        name = value.name
        if len(value.data) > MAX_VALUE_DATA:
            raise ValueError(
                f"value {name!r} has {len(value.data)} bytes; at most {MAX_VALUE_DATA}"
            )
        if name:
            _check_name(name)
        self.values = [v for v in self.values if v.name.upper() != name.upper()]
        self.values.append(value)


def _check_name(name: str) -> None:
    if not name or "\\" in name or not name.isascii() or len(name) > 255:
        raise ValueError(f"unsupported registry name {name!r} (ASCII, no backslash, 1-255)")


def _sid(authority: int, *subs: int) -> bytes:
    return (
        struct.pack("<BB", 1, len(subs))
        + authority.to_bytes(6, "big")
        + b"".join(struct.pack("<I", s) for s in subs)
    )


def default_security_descriptor() -> bytes:
    """Self-relative descriptor: owner Administrators, full control for SYSTEM and
    Administrators, read for Everyone (inherited by subkeys)."""
    system, admins, everyone = _sid(5, 18), _sid(5, 32, 544), _sid(1, 0)
    key_all_access, key_read, container_inherit = 0xF003F, 0x20019, 0x02
    aces = b""
    for mask, sid in ((key_all_access, system), (key_all_access, admins), (key_read, everyone)):
        aces += struct.pack("<BBHI", 0, container_inherit, 8 + len(sid), mask) + sid
    dacl = struct.pack("<BBHHH", 2, 0, 8 + len(aces), 3, 0) + aces
    header_size = 20
    dacl_at = header_size
    owner_at = dacl_at + len(dacl)
    group_at = owner_at + len(admins)
    header = struct.pack("<BBHIIII", 1, 0, 0x8004, owner_at, group_at, 0, dacl_at)
    return header + dacl + admins + system


def _filetime(unix_seconds: float) -> int:
    return int(unix_seconds * 10_000_000) + _FILETIME_EPOCH


class _Bins:
    """Cell space: hands out offsets so that no cell crosses a bin boundary."""

    def __init__(self) -> None:
        self.data = bytearray()
        self.bins: list[tuple[int, int]] = []  # (offset, size)
        self._free_at = 0  # next free byte in the last bin

    def _open_bin(self, cell_size: int) -> None:
        self._close_bin()
        size = max(HBIN, -(-(cell_size + _HBIN_HEADER) // HBIN) * HBIN)
        offset = len(self.data)
        self.bins.append((offset, size))
        self.data.extend(bytes(size))
        self._free_at = offset + _HBIN_HEADER

    def _close_bin(self) -> None:
        if not self.bins:
            return
        offset, size = self.bins[-1]
        remaining = offset + size - self._free_at
        if remaining:
            struct.pack_into("<i", self.data, self._free_at, remaining)  # free cell
        self._free_at = offset + size

    def reserve(self, payload_size: int) -> int:
        cell_size = -(-(payload_size + 4) // 8) * 8
        if not self.bins or self._free_at + cell_size > sum(self.bins[-1]):
            self._open_bin(cell_size)
        offset = self._free_at
        struct.pack_into("<i", self.data, offset, -cell_size)
        self._free_at += cell_size
        return offset

    def fill(self, offset: int, payload: bytes) -> None:
        size = -struct.unpack_from("<i", self.data, offset)[0]
        if len(payload) + 4 > size:
            raise AssertionError("cell payload larger than reserved")
        self.data[offset + 4 : offset + 4 + len(payload)] = payload

    def finish(self, timestamp: int) -> bytes:
        self._close_bin()
        for offset, size in self.bins:
            struct.pack_into("<4sIIQQI", self.data, offset, b"hbin", offset, size, 0, timestamp, 0)
        return bytes(self.data)


def _name_bytes(name: str) -> bytes:
    return name.encode("ascii")


def _write_key(bins: _Bins, key: Key, parent: int, sk: int, stamp: int, root: bool) -> int:
    """Reserve and fill the cells of ``key`` and everything below it; return its nk offset."""
    name = _name_bytes(key.name)
    nk = bins.reserve(76 + len(name))

    values_list = _NO_CELL
    if key.values:
        values_list = bins.reserve(4 * len(key.values))
        vk_offsets = []
        for value in key.values:
            vname = _name_bytes(value.name)
            vk = bins.reserve(20 + len(vname))
            if len(value.data) <= 4:
                size_field = len(value.data) | 0x80000000
                data_field = int.from_bytes(value.data.ljust(4, b"\0"), "little")
            else:
                size_field = len(value.data)
                data_field = bins.reserve(len(value.data))
                bins.fill(data_field, value.data)
            flags = _VALUE_COMP_NAME if vname else 0
            bins.fill(
                vk,
                struct.pack(
                    "<2sHIIIHH", b"vk", len(vname), size_field, data_field, value.type, flags, 0
                )
                + vname,
            )
            vk_offsets.append(vk)
        bins.fill(values_list, b"".join(struct.pack("<I", o) for o in vk_offsets))

    subkey_list = _NO_CELL
    if key.subkeys:
        ordered = sorted(key.subkeys, key=lambda k: k.name.upper())
        subkey_list = bins.reserve(4 + 8 * len(ordered))
        entries = b""
        for sub in ordered:
            sub_nk = _write_key(bins, sub, nk, sk, stamp, root=False)
            entries += struct.pack("<I4s", sub_nk, _name_bytes(sub.name)[:4].ljust(4, b"\0"))
        bins.fill(subkey_list, struct.pack("<2sH", b"lf", len(ordered)) + entries)

    flags = _KEY_COMP_NAME | (_KEY_HIVE_ENTRY | _KEY_NO_DELETE if root else 0)
    bins.fill(
        nk,
        struct.pack(
            "<2sHQ" + "I" * 15 + "HH",
            b"nk",
            flags,
            stamp,
            0,  # access bits
            parent,
            len(key.subkeys),
            0,  # volatile subkeys
            subkey_list,
            _NO_CELL,
            len(key.values),
            values_list,
            sk,
            _NO_CELL,  # class name
            max((len(s.name) * 2 for s in key.subkeys), default=0),
            0,  # largest subkey class name
            max((len(v.name) * 2 for v in key.values), default=0),
            max((len(v.data) for v in key.values), default=0),
            0,  # work var
            len(name),
            0,  # class name length
        )
        + name,
    )
    return nk


def _count_keys(key: Key) -> int:
    return 1 + sum(_count_keys(sub) for sub in key.subkeys)


def build_hive(root: Key, *, file_name: str = "", timestamp: float | None = None) -> bytes:
    """The complete hive file for the tree under ``root``."""
    stamp = _filetime(time.time() if timestamp is None else timestamp)
    bins = _Bins()
    descriptor = default_security_descriptor()
    sk = bins.reserve(20 + len(descriptor))
    bins.fill(
        sk,
        struct.pack("<2sHIIII", b"sk", 0, sk, sk, _count_keys(root), len(descriptor)) + descriptor,
    )
    root_nk = _write_key(bins, root, 0, sk, stamp, root=True)
    hbins = bins.finish(stamp)

    base = bytearray(BASE_BLOCK)
    struct.pack_into(
        "<4sIIQIIIIIII",
        base,
        0,
        b"regf",
        1,  # primary sequence number
        1,  # secondary: equal means the hive was written completely
        stamp,
        1,  # major version
        3,  # minor version
        0,  # primary file
        1,  # direct memory load
        root_nk,
        len(hbins),
        1,  # clustering factor
    )
    encoded = file_name.encode("utf-16-le")[:64]
    base[48 : 48 + len(encoded)] = encoded
    struct.pack_into("<I", base, 508, base_block_checksum(bytes(base)))
    return bytes(base) + hbins


def base_block_checksum(base: bytes) -> int:
    """XOR of the first 508 bytes as 32-bit words, with 0 and -1 avoided."""
    checksum = 0
    for (word,) in struct.iter_unpack("<I", base[:508]):
        checksum ^= word
    if checksum == 0xFFFFFFFF:
        return 0xFFFFFFFE
    if checksum == 0:
        return 1
    return checksum
