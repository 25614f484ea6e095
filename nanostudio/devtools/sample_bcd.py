"""A ``Windows\\System32\\config\\BCD-Template`` for the sample media.

Nano Server's own template has not been published (NANO-FACTS.md §4: *unknown*
beyond its two OS target templates). The sample's is modelled on the public
decode of a Windows 10 BCD-Template (mattifestation/BCD, *reported*): the
inheritable settings objects ({globalsettings}, {bootloadersettings},
{dbgsettings}, {emssettings}, {badmemory}, {hypervisorsettings},
{resumeloadersettings}), {bootmgr}, {memdiag}, Windows Setup, the resume
templates and the PCAT and EFI OS target templates, with the template-only
elements (class 4: the application-relative path, the device kind, the elements
to migrate). The well-known object GUIDs are Windows' own (bcdedit's
identifiers); element values are NanoStudio's choice where no source gives one.
"""

from __future__ import annotations

import struct

from nanostudio.engine.portable.bcd import ElementData, element_name, element_value
from nanostudio.engine.portable.hive import (
    Key,
    RegValue,
    build_hive,
)

BOOTMGR = "{9dea862c-5cdd-4e70-acc1-f32b344d4795}"
GLOBALSETTINGS = "{7ea2e1ac-2e61-4728-aaa3-896d9d0a9f0e}"
BOOTLOADERSETTINGS = "{6efb52bf-1766-41db-a6b3-0ee5eff72bd7}"
RESUMELOADERSETTINGS = "{1afa9c49-16ab-4a5c-901b-212802da9460}"
HYPERVISORSETTINGS = "{7ff607e0-4395-11db-b0de-0800200c9a66}"
DBGSETTINGS = "{4636856e-540f-4170-a130-a84776f4c654}"
EMSSETTINGS = "{0ce4991b-e6b3-4b16-b23c-5e0d9250e5d9}"
BADMEMORY = "{5189b25c-5558-4bf2-bca4-289b11bd29e2}"
MEMDIAG = "{b2721d73-1db4-4c62-bf78-c548a880142d}"
OS_TEMPLATE_EFI = "{b012b84d-c47c-4ed5-b722-c0c42163e569}"
OS_TEMPLATE_PCAT = "{a1943bbc-ea85-487c-97c7-c9ede908a38a}"
RESUME_TEMPLATE_EFI = "{0c334284-9a41-4de1-99b3-a7e87e8ff07e}"
RESUME_TEMPLATE_PCAT = "{98b02a23-0674-4ce7-bdad-e0a15a8ff97b}"
SETUP_EFI = "{7254a080-1510-4e85-ac0f-e7fb3d444736}"

_SETTINGS = 0x20100000  # inheritable library settings
_LOADER_SETTINGS = 0x20200003
_RESUME_SETTINGS = 0x20200004
_BOOTMGR = 0x10100002
_OSLOADER = 0x10200003
_RESUME = 0x10200004
_MEMDIAG = 0x10200005


def _integer(number: int) -> bytes:
    return struct.pack("<Q", number)


def _integers(numbers: list[int]) -> bytes:
    return b"".join(struct.pack("<Q", number) for number in numbers)


def _add(objects: Key, guid: str, object_type: int, elements: dict[int, ElementData]) -> None:
    obj = objects.key(guid)
    obj.key("Description").set(RegValue.dword("Type", object_type))
    keys = obj.key("Elements")
    for element, data in elements.items():
        keys.key(element_name(element)).set(element_value(element, data))


def _bool(flag: bool) -> bytes:
    return b"\x01" if flag else b"\x00"


def bcd_template() -> bytes:
    """The sample image's BCD-Template hive."""
    root = Key("NewStoreRoot")
    description = root.key("Description")
    description.set(RegValue.sz("KeyName", "BCD00000001"))
    description.set(RegValue.dword("System", 1))
    objects = root.key("Objects")
    _add(objects, DBGSETTINGS, _SETTINGS, {0x15000011: _integer(0), 0x15000013: _integer(1)})
    _add(objects, EMSSETTINGS, _SETTINGS, {0x16000020: _bool(False)})
    _add(objects, BADMEMORY, _SETTINGS, {})
    _add(objects, GLOBALSETTINGS, _SETTINGS, {0x14000006: [DBGSETTINGS, EMSSETTINGS, BADMEMORY]})
    _add(
        objects,
        HYPERVISORSETTINGS,
        _LOADER_SETTINGS,
        {0x250000F3: _integer(0), 0x250000F4: _integer(1)},
    )
    _add(
        objects,
        BOOTLOADERSETTINGS,
        _LOADER_SETTINGS,
        {0x14000006: [GLOBALSETTINGS, HYPERVISORSETTINGS]},
    )
    _add(objects, RESUMELOADERSETTINGS, _RESUME_SETTINGS, {0x14000006: [GLOBALSETTINGS]})
    _add(
        objects,
        BOOTMGR,
        _BOOTMGR,
        {
            0x12000004: "Windows Boot Manager",
            0x12000005: "en-US",
            0x14000006: [GLOBALSETTINGS],
            0x25000004: _integer(30),
            0x45000001: _integer(1),
            0x47000006: _integers([0x16000010, 0x26000020, 0x25000004]),
        },
    )
    _add(
        objects,
        MEMDIAG,
        _MEMDIAG,
        {
            0x12000002: "\\EFI\\Microsoft\\Boot\\memtest.efi",
            0x12000004: "Windows Memory Diagnostic",
            0x14000006: [GLOBALSETTINGS],
        },
    )
    for guid, path, resume in (
        (OS_TEMPLATE_EFI, "\\system32\\winload.efi", RESUME_TEMPLATE_EFI),
        (OS_TEMPLATE_PCAT, "\\system32\\winload.exe", RESUME_TEMPLATE_PCAT),
    ):
        elements: dict[int, ElementData] = {
            0x14000006: [BOOTLOADERSETTINGS],
            0x23000003: resume,
            0x25000020: _integer(0),
            0x42000002: path,
            0x45000001: _integer(2),
            0x47000006: _integers([0x16000010, 0x260000A0, 0x16000049]),
        }
        if guid == OS_TEMPLATE_EFI:
            elements[0x16000060] = _bool(True)  # isolatedcontext
        _add(objects, guid, _OSLOADER, elements)
    for guid, path in (
        (RESUME_TEMPLATE_EFI, "\\system32\\winresume.efi"),
        (RESUME_TEMPLATE_PCAT, "\\system32\\winresume.exe"),
    ):
        _add(
            objects,
            guid,
            _RESUME,
            {0x14000006: [RESUMELOADERSETTINGS], 0x42000002: path, 0x45000001: _integer(2)},
        )
    _add(
        objects,
        SETUP_EFI,
        _OSLOADER,
        {
            0x12000002: "\\windows\\system32\\boot\\winload.efi",
            0x12000004: "Windows Setup",
            0x14000006: [BOOTLOADERSETTINGS],
            0x22000002: "\\windows",
            0x26000022: _bool(True),  # winpe
        },
    )
    return build_hive(root, file_name="\\Windows\\System32\\config\\BCD-Template")
