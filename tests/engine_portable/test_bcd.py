"""The BCD store, read with dissect.regf and hivexsh against the GPT layout's GUIDs."""

from __future__ import annotations

import random
import re
import shutil
import struct
import subprocess
import uuid
from pathlib import Path

import pytest
from dissect.regf import RegistryHive

from nanostudio.engine.portable import bcd, hive
from nanostudio.engine.portable.gpt import DiskLayout, plan_layout

needs_hivexsh = pytest.mark.skipif(shutil.which("hivexsh") is None, reason="needs libhivex-bin")
BOOTMGR = "{9dea862c-5cdd-4e70-acc1-f32b344d4795}"


@pytest.fixture(scope="module")
def layout() -> DiskLayout:
    return plan_layout(8 << 30, rng=random.Random(11))


@pytest.fixture
def store(tmp_path: Path, layout: DiskLayout) -> Path:
    path = tmp_path / "BCD"
    path.write_bytes(
        bcd.build_bcd(
            bcd.StoreTarget(layout.disk_guid, layout.esp.guid, layout.windows.guid, "de-DE"),
            timeout=5,
        )
    )
    return path


def parse_device(data: bytes) -> tuple[int, uuid.UUID, int, uuid.UUID]:
    """(device type, partition GUID, partition style, disk GUID) of a device element."""
    assert len(data) == 88
    assert data[:16] == bytes(16)
    device_type, _flags, size, _ = struct.unpack_from("<IIII", data, 16)
    assert size == 0x48
    style = struct.unpack_from("<I", data, 52)[0]
    return (
        device_type,
        uuid.UUID(bytes_le=data[32:48]),
        style,
        uuid.UUID(bytes_le=data[56:72]),
    )


def element(reg: RegistryHive, obj: str, element_type: str) -> tuple[int, object]:
    value = reg.open(f"Objects\\{obj}\\Elements\\{element_type}").value("Element")
    return value.type, value.value


def test_store_description(store: Path) -> None:
    with store.open("rb") as f:
        reg = RegistryHive(f)
        desc = {v.name: (v.type, v.value) for v in reg.open("Description").values()}
    assert desc["KeyName"] == (hive.REG_SZ, "BCD00000000")
    assert desc["System"] == (hive.REG_DWORD, 1)
    assert desc["TreatAsSystem"] == (hive.REG_DWORD, 1)


def test_objects_elements_and_devices(store: Path, layout: DiskLayout) -> None:
    loader = bcd.object_name(bcd.loader_guid_for(layout.windows.guid))
    with store.open("rb") as f:
        reg = RegistryHive(f)
        assert sorted(k.name for k in reg.open("Objects").subkeys()) == sorted([BOOTMGR, loader])
        mgr_type = reg.open(f"Objects\\{BOOTMGR}\\Description").value("Type")
        assert (mgr_type.type, mgr_type.value) == (hive.REG_DWORD, 0x10100002)
        ldr_type = reg.open(f"Objects\\{loader}\\Description").value("Type")
        assert (ldr_type.type, ldr_type.value) == (hive.REG_DWORD, 0x10200003)

        # {bootmgr}
        kind, device = element(reg, BOOTMGR, "11000001")
        assert kind == hive.REG_BINARY
        assert isinstance(device, bytes)
        assert parse_device(device) == (6, layout.esp.guid, 0, layout.disk_guid)
        assert element(reg, BOOTMGR, "12000002") == (
            hive.REG_SZ,
            "\\EFI\\Microsoft\\Boot\\bootmgfw.efi",
        )
        assert element(reg, BOOTMGR, "12000005") == (hive.REG_SZ, "de-DE")
        assert element(reg, BOOTMGR, "23000003") == (hive.REG_SZ, loader)
        assert element(reg, BOOTMGR, "24000001") == (hive.REG_MULTI_SZ, [loader])
        assert element(reg, BOOTMGR, "25000004") == (hive.REG_BINARY, struct.pack("<Q", 5))

        # Windows Boot Loader
        for device_element in ("11000001", "21000001"):
            kind, device = element(reg, loader, device_element)
            assert kind == hive.REG_BINARY
            assert isinstance(device, bytes)
            assert parse_device(device) == (6, layout.windows.guid, 0, layout.disk_guid)
        assert element(reg, loader, "12000002") == (hive.REG_SZ, "\\Windows\\system32\\winload.efi")
        assert element(reg, loader, "22000002") == (hive.REG_SZ, "\\Windows")
        assert element(reg, loader, "12000005") == (hive.REG_SZ, "de-DE")
        assert element(reg, loader, "25000020") == (hive.REG_BINARY, struct.pack("<Q", 0))
        assert element(reg, loader, "26000010") == (hive.REG_BINARY, b"\x01")
        assert element(reg, loader, "250000c2") == (hive.REG_BINARY, struct.pack("<Q", 1))


def test_element_value_types_follow_the_element_format(store: Path) -> None:
    """Format nibble 1 device, 2 string, 3 object, 4 object list, 5 integer, 6 boolean."""
    expected = {
        1: hive.REG_BINARY,
        2: hive.REG_SZ,
        3: hive.REG_SZ,
        4: hive.REG_MULTI_SZ,
        5: hive.REG_BINARY,
        6: hive.REG_BINARY,
    }
    with store.open("rb") as f:
        reg = RegistryHive(f)
        for obj in reg.open("Objects").subkeys():
            for elem in obj.subkey("Elements").subkeys():
                assert re.fullmatch(r"[0-9a-f]{8}", elem.name)
                fmt = (int(elem.name, 16) >> 24) & 0xF
                assert elem.value("Element").type == expected[fmt], elem.name


def test_loader_guid_is_reproducible(layout: DiskLayout) -> None:
    def build(timeout: int = 0) -> bytes:
        return bcd.build_bcd(
            bcd.StoreTarget(layout.disk_guid, layout.esp.guid, layout.windows.guid),
            timeout=timeout,
        )

    loader = bcd.object_name(bcd.loader_guid_for(layout.windows.guid)).encode("ascii")
    assert loader in build() and loader in build()
    with pytest.raises(ValueError, match="timeout"):
        build(timeout=-1)


@needs_hivexsh
def test_hivexsh_sees_the_same_store(store: Path, layout: DiskLayout) -> None:
    loader = bcd.object_name(bcd.loader_guid_for(layout.windows.guid))
    script = (
        "cd Objects\nls\n"
        f"cd {loader}\\Elements\nls\ncd 21000001\nlsval\n"
        f"cd \\Objects\\{BOOTMGR}\\Elements\\12000002\nlsval\n"
    )
    out = subprocess.run(
        ["hivexsh", str(store)], input=script, capture_output=True, text=True, check=True
    ).stdout
    assert BOOTMGR in out and loader in out
    for name in ("11000001", "12000002", "21000001", "22000002", "25000020", "26000010"):
        assert name in out
    device = bcd.partition_device(layout.windows.guid, layout.disk_guid)
    assert f'"Element"=hex(3):{",".join(f"{b:02x}" for b in device)}' in out
    # hivexsh prints values in .reg syntax, where a backslash is doubled
    assert r'"Element"="\\EFI\\Microsoft\\Boot\\bootmgfw.efi"' in out
