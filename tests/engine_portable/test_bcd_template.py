"""The boot store made from a BCD-Template, read back with dissect.regf and hivexsh."""

from __future__ import annotations

import subprocess
import uuid
from dataclasses import replace
from pathlib import Path

import pytest
from dissect.regf import RegistryHive

from nanostudio.devtools import sample_bcd
from nanostudio.devtools.sample_bcd import bcd_template
from nanostudio.engine.portable.bcd import (
    StoreTarget,
    build_bcd,
    loader_guid_for,
    object_name,
    partition_device,
)
from nanostudio.engine.portable.bcd_options import apply_boot_options
from nanostudio.engine.portable.bcd_template import store_from_template
from nanostudio.engine.portable.hive import Key, build_hive
from nanostudio.engine.tools.hivex import Hive
from nanostudio.errors import BuildError
from nanostudio.recipe import BootSpec, DebugMethod

TARGET = StoreTarget(
    disk_guid=uuid.UUID("11111111-2222-4333-8444-555555555555"),
    esp_guid=uuid.UUID("aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"),
    windows_guid=uuid.UUID("01234567-89ab-4cde-8f01-23456789abcd"),
    locale="de-DE",
)


@pytest.fixture
def store(tmp_path: Path) -> Path:
    template = tmp_path / "BCD-Template"
    original = bcd_template()
    template.write_bytes(original)
    dest = tmp_path / "BCD"
    store_from_template(template, dest, TARGET)
    assert template.read_bytes() == original  # the image's template is not changed
    return dest


def _objects(store: Path) -> dict[str, dict[str, tuple[int, object]]]:
    """Object GUID -> element type (hex) -> (value type, value), plus "type"."""
    found: dict[str, dict[str, tuple[int, object]]] = {}
    with store.open("rb") as stream:
        for obj in RegistryHive(stream).open("Objects").subkeys():
            elements = {
                e.name: (e.value("Element").type, e.value("Element").value)
                for e in obj.subkey("Elements").subkeys()
            }
            elements["type"] = (4, obj.subkey("Description").value("Type").value)
            found[obj.name.lower()] = elements
    return found


def test_settings_objects_and_bootmgr_are_kept_templates_and_tools_dropped(store: Path) -> None:
    objects = _objects(store)
    for kept in (
        sample_bcd.BOOTMGR,
        sample_bcd.GLOBALSETTINGS,
        sample_bcd.BOOTLOADERSETTINGS,
        sample_bcd.DBGSETTINGS,
        sample_bcd.EMSSETTINGS,
        sample_bcd.BADMEMORY,
        sample_bcd.HYPERVISORSETTINGS,
        sample_bcd.RESUMELOADERSETTINGS,
    ):
        assert kept in objects
    for dropped in (
        sample_bcd.OS_TEMPLATE_EFI,
        sample_bcd.OS_TEMPLATE_PCAT,
        sample_bcd.RESUME_TEMPLATE_EFI,
        sample_bcd.RESUME_TEMPLATE_PCAT,
        sample_bcd.SETUP_EFI,
        sample_bcd.MEMDIAG,
    ):
        assert dropped not in objects
    assert objects[sample_bcd.GLOBALSETTINGS]["14000006"] == (
        7,
        [sample_bcd.DBGSETTINGS, sample_bcd.EMSSETTINGS, sample_bcd.BADMEMORY],
    )


def test_the_loader_comes_from_the_efi_template_and_names_the_gpt_guids(store: Path) -> None:
    objects = _objects(store)
    manager = objects[sample_bcd.BOOTMGR]
    default = manager["23000003"][1]
    assert isinstance(default, str)
    assert manager["24000001"] == (7, [default])
    loader = objects[default.lower()]
    assert loader["type"] == (4, 0x10200003)
    windows = partition_device(TARGET.windows_guid, TARGET.disk_guid)
    assert loader["11000001"] == (3, windows) and loader["21000001"] == (3, windows)
    assert loader["12000002"] == (1, "\\Windows\\system32\\winload.efi")
    assert loader["22000002"] == (1, "\\Windows")
    assert loader["12000005"] == (1, "de-DE")
    assert loader["14000006"] == (7, [sample_bcd.BOOTLOADERSETTINGS])  # inherited defaults
    assert loader["16000060"] == (3, b"\x01")  # the template's isolatedcontext, kept
    assert loader["25000020"] == (3, bytes(8))  # nx as the template has it, not invented
    assert "23000003" not in loader  # no resume object: its template is gone
    assert not [name for name in loader if name[0] == "4"]  # no template-only element
    assert manager["11000001"] == (3, partition_device(TARGET.esp_guid, TARGET.disk_guid))
    assert manager["12000002"] == (1, "\\EFI\\Microsoft\\Boot\\bootmgfw.efi")
    assert manager["25000004"] == (3, (30).to_bytes(8, "little"))  # the template's timeout
    assert not [name for name in manager if name[0] == "4"]


def test_hivexsh_reads_the_store_as_a_bcd(store: Path) -> None:
    listing = subprocess.run(
        ["hivexsh", str(store)],
        input="cd Description\nlsval\ncd \\Objects\nls\n",
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert '"KeyName"="BCD00000000"' in listing
    assert object_name(uuid.UUID(sample_bcd.BOOTMGR[1:-1])) in listing


def test_a_template_without_the_efi_os_template_is_refused(tmp_path: Path) -> None:
    root = Key("NewStoreRoot")
    root.key("Objects").key(sample_bcd.BOOTMGR).key("Description")
    template = tmp_path / "BCD-Template"
    template.write_bytes(build_hive(root))
    with pytest.raises(BuildError, match="no EFI OS loader template"):
        store_from_template(template, tmp_path / "BCD", TARGET)


def _options(store: Path, boot: BootSpec) -> dict[str, dict[str, tuple[int, object]]]:
    with Hive.open(store, write=True) as hive:
        apply_boot_options(hive, loader_guid_for(TARGET.windows_guid), boot)
        hive.commit()
    return _objects(store)


EMS_AND_DEBUG = BootSpec(ems=True, ems_port=1, ems_baud=115200, debug=DebugMethod.SERIAL)


def test_ems_and_serial_debugging_set_the_module_s_elements(store: Path) -> None:
    objects = _options(store, replace(EMS_AND_DEBUG, debug_port=2, debug_baud=57600))
    loader = objects[object_name(loader_guid_for(TARGET.windows_guid))]
    manager = objects[sample_bcd.BOOTMGR]
    ems = objects[sample_bcd.EMSSETTINGS]
    debug = objects[sample_bcd.DBGSETTINGS]
    assert ems["15000022"] == (3, (1).to_bytes(8, "little"))  # EMSPORT
    assert ems["15000023"] == (3, (115200).to_bytes(8, "little"))  # EMSBAUDRATE
    assert loader["260000b0"] == (3, b"\x01") and loader["16000020"] == (3, b"\x01")
    assert manager["16000020"] == (3, b"\x01")  # bootems {bootmgr}
    assert debug["15000011"] == (3, bytes(8))  # debugtype serial
    assert debug["15000013"] == (3, (2).to_bytes(8, "little"))
    assert debug["15000014"] == (3, (57600).to_bytes(8, "little"))
    assert loader["260000a0"] == (3, b"\x01") and loader["16000010"] == (3, b"\x01")
    assert manager["16000010"] == (3, b"\x01")
    # The loader reaches the settings through the template's inheritance, unchanged.
    assert loader["14000006"] == (7, [sample_bcd.BOOTLOADERSETTINGS])


def test_the_minimal_store_gets_the_settings_objects_inherited_directly(tmp_path: Path) -> None:
    store = tmp_path / "BCD"
    store.write_bytes(build_bcd(TARGET))
    objects = _options(store, EMS_AND_DEBUG)
    loader = objects[object_name(loader_guid_for(TARGET.windows_guid))]
    assert loader["14000006"] == (7, [sample_bcd.EMSSETTINGS, sample_bcd.DBGSETTINGS])
    assert objects[sample_bcd.EMSSETTINGS]["type"] == (4, 0x20100000)
    assert objects[sample_bcd.DBGSETTINGS]["15000013"] == (3, (2).to_bytes(8, "little"))
