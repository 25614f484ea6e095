"""The libhivex binding: edit hives made by our writer, read back with hivexget,
hivexsh (libhivex-bin) and dissect.regf, readers not written by us."""

from __future__ import annotations

import ctypes
import shutil
import struct
import subprocess
from pathlib import Path

import pytest
from dissect.regf import RegistryHive

from nanostudio.engine.portable import hive as writer
from nanostudio.engine.tools import hivex
from nanostudio.engine.tools.hivex import (
    REG_BINARY,
    REG_DWORD,
    REG_EXPAND_SZ,
    REG_MULTI_SZ,
    REG_SZ,
    Hive,
    RegValue,
)
from nanostudio.engine.tools.native import LazyLibrary
from nanostudio.errors import BuildError, ToolMissingError

pytestmark = pytest.mark.skipif(not hivex.LIBRARY.available(), reason="needs libhivex0")
needs_hivex_bin = pytest.mark.skipif(
    shutil.which("hivexget") is None or shutil.which("hivexsh") is None,
    reason="needs libhivex-bin",
)

STORAHCI = "ControlSet001\\Services\\storahci"
NEW_KEY = "ControlSet001\\Services\\NanoDrv\\Parameters\\Device"  # 3 levels are new
BIG = bytes(i * 7 % 251 for i in range(40_000))  # > 16 KB: more than one cell's worth


def system_like_tree() -> writer.Key:
    root = writer.Key("ROOT")
    services = root.key("ControlSet001").key("Services")
    ahci = services.key("storahci")
    ahci.set(RegValue.dword("Start", 3))
    ahci.set(RegValue.dword("Type", 1))
    ahci.set(RegValue.expand_sz("ImagePath", "System32\\drivers\\storahci.sys"))
    ahci.set(RegValue.sz("Group", "SCSI Miniport"))
    services.key("Tcpip").set(RegValue.dword("Start", 1))
    root.key("Select").set(RegValue.dword("Current", 1))
    return root


@pytest.fixture
def hive_file(tmp_path: Path) -> Path:
    path = tmp_path / "SYSTEM"
    path.write_bytes(writer.build_hive(system_like_tree(), file_name="SYSTEM"))
    return path


def hivexget(path: Path, key: str, name: str) -> str:
    result = subprocess.run(
        ["hivexget", str(path), key, name], capture_output=True, text=True, check=True
    )
    return result.stdout.rstrip("\n")


def hivexsh(path: Path, script: str) -> list[str]:
    result = subprocess.run(
        ["hivexsh", str(path)], input=script, capture_output=True, text=True, check=True
    )
    return result.stdout.splitlines()


def edit(path: Path) -> None:
    """The edits most tests read back: new nested key with every common type, and
    one existing value replaced."""
    with Hive.open(path, write=True) as h:
        node = h.ensure(NEW_KEY)
        h.set_value(node, RegValue.sz("Name", "Nano drïver"))
        h.set_value(node, RegValue.expand_sz("ImagePath", "%SystemRoot%\\n"))
        h.set_value(node, RegValue.dword("Start", 0xDEADBEEF))
        h.set_value(node, RegValue.binary("Blob", b"\x00\x01\xfe\xff\x10"))
        h.set_value(node, RegValue.multi_sz("Ids", ["PCI\\CC_0106", "x"]))
        h.set_value(node, RegValue.sz("", "default"))
        ahci = h.find(STORAHCI)
        assert ahci is not None
        h.set_value(ahci, RegValue.dword("start", 0))
        h.commit()


def test_edits_read_back_with_dissect(hive_file: Path) -> None:
    edit(hive_file)
    with hive_file.open("rb") as f:
        reg = RegistryHive(f)
        values = {v.name: (v.type, v.value) for v in reg.open(NEW_KEY).values()}
        assert values == {
            "(Default)": (REG_SZ, "default"),
            "Name": (REG_SZ, "Nano drïver"),
            "ImagePath": (REG_EXPAND_SZ, "%SystemRoot%\\n"),
            "Start": (REG_DWORD, 0xDEADBEEF),
            "Blob": (REG_BINARY, b"\x00\x01\xfe\xff\x10"),
            "Ids": (REG_MULTI_SZ, ["PCI\\CC_0106", "x"]),
        }
        ahci = {v.name.lower(): (v.type, v.value) for v in reg.open(STORAHCI).values()}
        assert ahci == {
            "start": (REG_DWORD, 0),
            "type": (REG_DWORD, 1),
            "imagepath": (REG_EXPAND_SZ, "System32\\drivers\\storahci.sys"),
            "group": (REG_SZ, "SCSI Miniport"),
        }
        assert reg.open("ControlSet001\\Services\\Tcpip").value("Start").value == 1
        assert reg.open("Select").value("Current").value == 1


@needs_hivex_bin
def test_edits_read_back_with_hivexget(hive_file: Path) -> None:
    edit(hive_file)
    key = "\\" + NEW_KEY
    assert hivexget(hive_file, key, "Name") == "Nano drïver"
    assert hivexget(hive_file, key, "ImagePath") == "%SystemRoot%\\n"
    assert hivexget(hive_file, key, "Start") == str(0xDEADBEEF - (1 << 32))  # signed
    assert hivexget(hive_file, key, "Ids").splitlines() == ["PCI\\CC_0106", "x"]
    assert hivexget(hive_file, key, "@") == "default"
    # hivexsh's lsval: .reg-like syntax, str(2): for EXPAND_SZ, hex(N): for the rest
    lines = hivexsh(hive_file, f"cd {NEW_KEY}\nlsval\ncd \\{STORAHCI}\nlsval\n")
    ids = (
        "50,00,43,00,49,00,5c,00,43,00,43,00,5f,00,30,00,31,00,30,00,36,00,00,00,78,00,00,00,00,00"
    )
    assert lines == [
        '"Name"="Nano drïver"',
        '"ImagePath"=str(2):"%SystemRoot%\\\\n"',
        '"Start"=dword:deadbeef',
        '"Blob"=hex(3):00,01,fe,ff,10',
        f'"Ids"=hex(7):{ids}',
        '"@"="default"',
        # the replaced value keeps its place and takes the new spelling of its name
        '"start"=dword:00000000',
        '"Type"=dword:00000001',
        '"ImagePath"=str(2):"System32\\\\drivers\\\\storahci.sys"',
        '"Group"="SCSI Miniport"',
    ]


def test_own_reader_and_decoders(hive_file: Path) -> None:
    edit(hive_file)
    with Hive.open(hive_file) as h:
        node = h.find(NEW_KEY)
        assert node is not None
        assert h.name(node) == "Device"
        by_name = {v.name: v for v in h.values(node)}
        assert by_name["Name"].text() == "Nano drïver"
        assert by_name["ImagePath"].text() == "%SystemRoot%\\n"
        assert by_name["Start"].number() == 0xDEADBEEF
        assert by_name["Ids"].strings() == ["PCI\\CC_0106", "x"]
        assert by_name["Blob"] == RegValue.binary("Blob", b"\x00\x01\xfe\xff\x10")
        assert h.value(node, "") == RegValue.sz("", "default")
        assert h.value(node, "missing") is None
        assert h.value(node, "START") == by_name["Start"]
        with pytest.raises(ValueError):
            by_name["Start"].text()
        services = h.find("ControlSet001\\Services")
        assert services is not None
        names = sorted((h.name(c) for c in h.children(services)), key=str.lower)
        assert names == ["NanoDrv", "storahci", "Tcpip"]


def test_find_is_case_insensitive_and_none_when_missing(hive_file: Path) -> None:
    with Hive.open(hive_file) as h:
        node = h.find("controlset001\\SERVICES\\StorAHCI")
        assert node is not None
        assert h.name(node) == "storahci"
        assert h.find("") == h.root
        assert h.find("\\ControlSet001\\") == h.child(h.root, "CONTROLSET001")
        assert h.find("ControlSet001\\Services\\nope") is None
        assert h.find("Nope\\Deeper") is None
        assert h.child(node, "x") is None


def test_ensure_reuses_existing_keys(hive_file: Path) -> None:
    with Hive.open(hive_file, write=True) as h:
        existing = h.find(STORAHCI)
        assert h.ensure("CONTROLSET001\\services\\STORAHCI") == existing
        made = h.ensure("A\\B\\C")
        assert h.ensure("a\\b\\c") == made


def test_closing_without_commit_discards_edits(hive_file: Path) -> None:
    before = hive_file.read_bytes()
    with Hive.open(hive_file, write=True) as h:
        h.set_value(h.ensure("Temp"), RegValue.dword("V", 1))
    assert hive_file.read_bytes() == before


def test_read_only_handle_refuses_edits(hive_file: Path) -> None:
    with Hive.open(hive_file) as h, pytest.raises(BuildError, match=str(hive_file)):
        h.ensure("New")


def test_not_a_hive(tmp_path: Path) -> None:
    junk = tmp_path / "junk"
    junk.write_bytes(b"MZ" + bytes(8190))
    with pytest.raises(BuildError, match="junk is not a Windows registry hive"):
        Hive.open(junk)
    with pytest.raises(BuildError, match="No such file"):
        Hive.open(tmp_path / "missing")


def test_closed_hive_raises_build_error(hive_file: Path) -> None:
    h = Hive.open(hive_file)
    h.close()
    h.close()  # twice is harmless
    with pytest.raises(BuildError, match="closed"):
        _ = h.root


@needs_hivex_bin
def test_many_subkeys_read_back(hive_file: Path) -> None:
    count = 2000
    with Hive.open(hive_file, write=True) as h:
        parent = h.ensure("ControlSet001\\Enum\\PCI")
        for i in range(count):
            node = h.ensure(f"ControlSet001\\Enum\\PCI\\Dev{i:04d}")
            h.set_value(node, RegValue.dword("Index", i))
        assert len(h.children(parent)) == count
        h.commit()
    # hivex keeps them all in one lh leaf (it never splits leaves into an ri index).
    names = hivexsh(hive_file, "cd ControlSet001\\Enum\\PCI\nls\n")
    assert sorted(names) == [f"Dev{i:04d}" for i in range(count)]
    assert hivexget(hive_file, "\\ControlSet001\\Enum\\PCI\\dev1999", "Index") == "1999"
    with hive_file.open("rb") as f:
        reg = RegistryHive(f)
        assert len(list(reg.open("ControlSet001\\Enum\\PCI").subkeys())) == count
        assert reg.open("ControlSet001\\Enum\\PCI\\DEV0777").value("Index").value == 777
        assert reg.open(STORAHCI).value("Start").value == 3


def test_large_value_reads_back(hive_file: Path) -> None:
    """A 1.3 hive (as our writer makes) holds big data in one cell; hivex writes it so."""
    with Hive.open(hive_file, write=True) as h:
        node = h.ensure("Big")
        h.set_value(node, RegValue.binary("Blob", BIG))
        h.set_value(node, RegValue.dword("Small", 5))
        h.commit()
    with hive_file.open("rb") as f:
        reg = RegistryHive(f)
        assert reg.open("Big").value("Blob").value == BIG
        assert reg.open("Big").value("Small").value == 5
    with Hive.open(hive_file) as h:
        found = h.find("big")
        assert found is not None
        assert h.value(found, "blob") == RegValue.binary("Blob", BIG)


def test_large_value_refused_where_it_needs_a_db_cell(tmp_path: Path) -> None:
    """Format 1.4+ readers (Windows, dissect) take data over 16344 bytes for a "db"
    big-data cell, which hivex never writes: refuse instead of corrupting."""
    data = bytearray(writer.build_hive(system_like_tree()))
    struct.pack_into("<I", data, 24, 5)  # minor version 5, as Windows writes
    struct.pack_into("<I", data, 508, writer.base_block_checksum(bytes(data[:4096])))
    path = tmp_path / "SYSTEM"
    path.write_bytes(bytes(data))
    with Hive.open(path, write=True) as h:
        assert h.minor_version == 5
        node = h.ensure("Big")
        h.set_value(node, RegValue.binary("Limit", BIG[:16344]))
        with pytest.raises(BuildError, match="over 16344 bytes"):
            h.set_value(node, RegValue.binary("Blob", BIG))
        h.commit()
    with path.open("rb") as f:
        assert RegistryHive(f).open("Big").value("Limit").value == BIG[:16344]


def test_decoders_tolerate_windows_quirks() -> None:
    assert RegValue("a", REG_SZ, RegValue.sz("a", "x").data + b"\0\0\0").text() == "x"
    assert RegValue("a", REG_SZ, b"x\0y").text() == "x"  # odd length: last byte dropped
    assert RegValue("a", REG_MULTI_SZ, b"").strings() == []
    assert RegValue.multi_sz("a", []).strings() == []
    with pytest.raises(ValueError):
        RegValue.binary("a", b"1234").number()


def test_missing_library_names_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_library(name: str, *args: object, **kwargs: object) -> object:
        raise OSError(f"{name}: cannot open shared object file")

    monkeypatch.setattr(hivex, "LIBRARY", LazyLibrary(hivex._Lib))  # not bound yet
    monkeypatch.setattr(ctypes, "CDLL", no_library)
    with pytest.raises(ToolMissingError, match=r"apt-get install libhivex0 \(comes with"):
        hivex.LIBRARY.require()
    assert not hivex.LIBRARY.available()
