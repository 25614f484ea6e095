"""The regf writer, read back with hivexsh (libhivex) and dissect.regf."""

from __future__ import annotations

import shutil
import struct
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from dissect.regf import RegistryHive

from nanostudio.engine.portable import hive
from nanostudio.engine.portable.hive import Key

needs_hivexsh = pytest.mark.skipif(shutil.which("hivexsh") is None, reason="needs libhivex-bin")

BIG = bytes(range(256)) * 63 + bytes(range(216))  # exactly MAX_VALUE_DATA bytes


def sample_tree() -> Key:
    root = Key("Root")
    outer = root.key("Outer")
    outer.set(hive.RegValue.sz("", "default value"))
    outer.set(hive.RegValue.sz("Text", "héllo wörld"))
    outer.set(hive.RegValue.expand_sz("Path", "%SystemRoot%\\x"))
    outer.set(hive.RegValue.binary("Small", b"\x01\x02\x03"))
    outer.set(hive.RegValue.binary("Empty", b""))
    outer.set(hive.RegValue.dword("Number", 0xDEADBEEF))
    outer.set(hive.RegValue.qword("Wide", 1 << 40))
    outer.set(hive.RegValue.multi_sz("List", ["one", "two", "three"]))
    outer.set(hive.RegValue("Nothing", hive.REG_NONE, b""))
    outer.set(hive.RegValue.binary("Big", BIG))
    inner = outer.key("Middle").key("Inner")
    inner.set(hive.RegValue.dword("Deep", 42))
    many = root.key("Many")
    for i in range(400):  # more keys than one 4 KiB bin holds
        many.key(f"Key{i:03d}").set(hive.RegValue.dword("Index", i))
    return root


@pytest.fixture(scope="module")
def hive_bytes() -> bytes:
    return hive.build_hive(sample_tree(), file_name="test", timestamp=1_700_000_000)


@pytest.fixture
def hive_file(tmp_path: Path, hive_bytes: bytes) -> Path:
    path = tmp_path / "test.hive"
    path.write_bytes(hive_bytes)
    return path


def cells(data: bytes) -> Iterator[tuple[int, int, bytes]]:
    """(offset, signed size, signature) of every cell, walking the bins."""
    pos = hive.BASE_BLOCK
    while pos < len(data):
        assert data[pos : pos + 4] == b"hbin"
        bin_offset, bin_size = struct.unpack_from("<II", data, pos + 4)
        assert bin_offset == pos - hive.BASE_BLOCK
        assert bin_size % 4096 == 0
        cell = pos + 32
        while cell < pos + bin_size:
            size = struct.unpack_from("<i", data, cell)[0]
            yield cell, size, data[cell + 4 : cell + 6]
            assert size != 0
            cell += abs(size)
        assert cell == pos + bin_size  # cells tile the bin exactly
        pos += bin_size


def test_structure(hive_bytes: bytes) -> None:
    base = hive_bytes[: hive.BASE_BLOCK]
    assert base[:4] == b"regf"
    assert struct.unpack_from("<II", base, 4) == (1, 1)  # clean: sequence numbers equal
    assert struct.unpack_from("<II", base, 20) == (1, 3)
    assert struct.unpack_from("<I", base, 508)[0] == hive.base_block_checksum(base)
    assert struct.unpack_from("<I", base, 40)[0] == len(hive_bytes) - hive.BASE_BLOCK
    assert len(hive_bytes) % 4096 == 0

    found = list(cells(hive_bytes))
    allocated = [c for c in found if c[1] < 0]
    assert all(abs(size) % 8 == 0 for _, size, _ in found)
    assert all(offset % 8 == 0 for offset, _, _ in found)
    assert sum(1 for c in allocated if c[2] == b"sk") == 1
    assert sum(1 for c in allocated if c[2] == b"nk") == 1 + 1 + 2 + 1 + 400
    assert any(c[2] == b"lf" for c in allocated)
    assert any(c[2] == b"vk" for c in allocated)
    # a one-pass writer leaves free space only at the end of a bin: at most one per bin
    bins = hive_bytes.count(b"hbin")
    assert len(found) - len(allocated) <= bins


def test_checksum_avoids_reserved_values() -> None:
    assert hive.base_block_checksum(bytes(512)) == 1
    words = struct.pack("<I", 0xFFFFFFFF) + bytes(508)
    assert hive.base_block_checksum(words) == 0xFFFFFFFE


def test_dissect_reads_every_value_type(hive_file: Path) -> None:
    with hive_file.open("rb") as f:
        reg = RegistryHive(f)
        outer = reg.open("Outer")
        values = {v.name: (v.type, v.value) for v in outer.values()}
        assert values["(Default)"] == (hive.REG_SZ, "default value")
        assert values["Text"] == (hive.REG_SZ, "héllo wörld")
        assert values["Path"] == (hive.REG_EXPAND_SZ, "%SystemRoot%\\x")
        assert values["Small"] == (hive.REG_BINARY, b"\x01\x02\x03")
        assert values["Empty"] == (hive.REG_BINARY, b"")
        assert values["Number"] == (hive.REG_DWORD, 0xDEADBEEF)
        assert values["Wide"] == (hive.REG_QWORD, 1 << 40)
        assert values["List"] == (hive.REG_MULTI_SZ, ["one", "two", "three"])
        assert values["Big"] == (hive.REG_BINARY, BIG)
        assert values["Nothing"][0] == hive.REG_NONE
        assert reg.open("Outer\\Middle\\Inner").value("Deep").value == 42
        many = reg.open("Many")
        names = [k.name for k in many.subkeys()]
        assert names == sorted(names, key=str.upper)
        assert len(names) == 400
        assert reg.open("Many\\Key399").value("Index").value == 399
        # case-insensitive lookups rely on the sorted lf list
        assert reg.open("many\\KEY123").value("index").value == 123


@needs_hivexsh
def test_hivexsh_reads_keys_and_values(hive_file: Path) -> None:
    script = "ls\ncd Outer\\Middle\\Inner\nlsval\ncd \\Outer\nlsval Number\nlsval List\nlsval\n"
    out = subprocess.run(
        ["hivexsh", str(hive_file)], input=script, capture_output=True, text=True, check=True
    ).stdout
    lines = out.splitlines()
    assert lines[:2] == ["Many", "Outer"]
    assert '"Deep"=dword:0000002a' in lines
    assert "-559038737" in lines  # hivexsh prints a lone DWORD as a signed number
    assert lines[lines.index("-559038737") + 1 : lines.index("-559038737") + 4] == [
        "one",
        "two",
        "three",
    ]
    assert '"Text"="héllo wörld"' in out
    assert '"@"="default value"' in out


def test_limits_are_enforced() -> None:
    key = Key("Root")
    with pytest.raises(ValueError, match="at most"):
        key.set(hive.RegValue.binary("Huge", bytes(hive.MAX_VALUE_DATA + 1)))
    with pytest.raises(ValueError, match="unsupported registry name"):
        key.key("a\\b")
    with pytest.raises(ValueError, match="unsupported registry name"):
        key.key("non-ascii-é")


def test_setting_a_value_twice_replaces_it(tmp_path: Path) -> None:
    root = Key("Root")
    root.set(hive.RegValue.dword("V", 1))
    root.set(hive.RegValue.dword("v", 2))
    assert root.key("Sub") is root.key("SUB")
    path = tmp_path / "h"
    path.write_bytes(hive.build_hive(root))
    with path.open("rb") as f:
        values = list(RegistryHive(f).root().values())
    assert [(v.name, v.value) for v in values] == [("v", 2)]


@needs_hivexsh
def test_hivex_can_edit_the_hive_in_place(hive_file: Path) -> None:
    """hivex's writer re-validates cells and lists; an edit must survive and the rest stay."""
    edit = "cd Outer\\Middle\nadd Added\ncd Added\nsetval 1\nNew\nstring:value\ncommit\n"
    subprocess.run(["hivexsh", "-w", str(hive_file)], input=edit, text=True, check=True)
    with hive_file.open("rb") as f:
        reg = RegistryHive(f)
        assert reg.open("Outer\\Middle\\Added").value("New").value == "value"
        assert reg.open("Outer\\Middle\\Inner").value("Deep").value == 42
        assert reg.open("Many\\Key250").value("Index").value == 250
