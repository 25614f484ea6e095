"""The BCD store NanoStudio writes for a UEFI/GPT Nano Server disk, as registry hive bytes.

What ``bcdboot W:\\Windows /s S: /f UEFI`` would produce for this disk, reduced
to what bootmgr and winload need: the {bootmgr} object (on the ESP, defaulting
to the one loader, no menu) and one Windows Boot Loader object whose device and
osdevice name the Windows partition by its GPT partition GUID and disk GUID.

Store layout: ``Description`` (KeyName, System, TreatAsSystem) and
``Objects\\{guid}\\Description\\Type`` + ``Objects\\{guid}\\Elements\\<type>\\Element``.
Element value types follow the element's format (bits 24-27 of its type):
device and integer/boolean elements are REG_BINARY, strings and single objects
REG_SZ, object lists REG_MULTI_SZ.
"""

from __future__ import annotations

import enum
import struct
import uuid
from dataclasses import dataclass

from nanostudio.engine.portable.hive import (
    Key,
    RegValue,
    build_hive,
)

BOOTMGR_GUID = uuid.UUID("9dea862c-5cdd-4e70-acc1-f32b344d4795")

# Object types (Description\Type)
OBJECT_BOOTMGR = 0x10100002  # firmware-independent Windows Boot Manager application
OBJECT_OSLOADER = 0x10200003  # Windows Boot Loader application

# Element types: class (bits 28-31), format (bits 24-27), subtype. Named as Microsoft's
# BCD WMI provider documents them (BcdLibraryElementTypes, BcdOSLoaderElementTypes,
# BcdBootMgrElementTypes): a subtype means different things in different classes.


class LibraryElement(enum.IntEnum):
    """Elements every boot application reads (class 1)."""

    APPLICATION_DEVICE = 0x11000001
    APPLICATION_PATH = 0x12000002
    DESCRIPTION = 0x12000004
    PREFERRED_LOCALE = 0x12000005
    INHERITED_OBJECTS = 0x14000006


class OsLoaderElement(enum.IntEnum):
    """Elements of a Windows Boot Loader object, read by winload (class 2)."""

    OS_DEVICE = 0x21000001
    SYSTEM_ROOT = 0x22000002
    ASSOCIATED_RESUME_OBJECT = 0x23000003
    NX_POLICY = 0x25000020
    BOOT_MENU_POLICY = 0x250000C2
    DETECT_KERNEL_AND_HAL = 0x26000010


class BootMgrElement(enum.IntEnum):
    """Elements of the {bootmgr} object (class 2 as well: the same subtypes as the
    loader's, so 0x23000003 is the default object here and the resume object there)."""

    DEFAULT_OBJECT = 0x23000003
    DISPLAY_ORDER = 0x24000001
    TIMEOUT = 0x25000004


NX_OPT_IN = 0
BOOT_MENU_POLICY_STANDARD = 1

#: Device element type for a partition identified by GPT partition and disk GUIDs.
DEVICE_TYPE_PARTITION = 6
_PARTITION_STYLE_GPT = 0
#: Bytes of the partition description that follows the 16-byte options GUID and header.
_PARTITION_DATA_SIZE = 0x48

#: Loader object GUIDs are derived from the Windows partition GUID (reproducible builds).
_LOADER_NAMESPACE = uuid.UUID("6f0c3e0e-4a7d-5b1f-9a36-8f2b1c3d4e5f")


@dataclass(frozen=True)
class StoreTarget:
    """Where the store points: the disk and its two partitions, by GPT GUID."""

    disk_guid: uuid.UUID
    esp_guid: uuid.UUID
    windows_guid: uuid.UUID
    locale: str = "en-US"
    description: str = "Windows Server"


def partition_device(partition_guid: uuid.UUID, disk_guid: uuid.UUID) -> bytes:
    """The 88-byte device element for ``partition=`` on a GPT disk.

    Layout: 16-byte additional-options GUID (zero); device type (6), flags,
    size of the rest (0x48), reserved; partition GUID; partition style (0 = GPT);
    disk GUID; 16 reserved bytes. GUIDs are in Windows (mixed-endian) order.
    """
    return (
        bytes(16)
        + struct.pack("<IIII", DEVICE_TYPE_PARTITION, 0, _PARTITION_DATA_SIZE, 0)
        + partition_guid.bytes_le
        + struct.pack("<II", 0, _PARTITION_STYLE_GPT)
        + disk_guid.bytes_le
        + bytes(16)
    )


def object_name(guid: uuid.UUID) -> str:
    """Objects subkey name: the GUID in braces, lower case, as bcdedit writes it."""
    return "{" + str(guid) + "}"


def element_name(element_type: int) -> str:
    return f"{element_type:08x}"


def loader_guid_for(windows_guid: uuid.UUID) -> uuid.UUID:
    return uuid.uuid5(_LOADER_NAMESPACE, str(windows_guid))


def _integer(number: int) -> bytes:
    return struct.pack("<Q", number)


def _boolean(flag: bool) -> bytes:
    return b"\x01" if flag else b"\x00"


def _add_object(objects: Key, guid: uuid.UUID, object_type: int) -> Key:
    obj = objects.key(object_name(guid))
    obj.key("Description").set(RegValue.dword("Type", object_type))
    return obj.key("Elements")


# What an element holds, by its format: text (a string, or one object's {GUID}), a list
# of objects, or bytes (a device, an integer, a boolean, a list of integers).
ElementData = str | list[str] | bytes
_TEXT_FORMATS = (2, 3)
_OBJECT_LIST_FORMAT = 4


def element_value(element_type: int, data: ElementData) -> RegValue:
    """The ``Element`` value of an element: its registry type follows the element's
    format (bits 24-27), so that a caller cannot store one in the wrong type."""
    element_format = (element_type >> 24) & 0xF
    if isinstance(data, str) and element_format in _TEXT_FORMATS:
        return RegValue.sz("Element", data)
    if isinstance(data, list) and element_format == _OBJECT_LIST_FORMAT:
        return RegValue.multi_sz("Element", data)
    binary = element_format not in (*_TEXT_FORMATS, _OBJECT_LIST_FORMAT)
    if isinstance(data, bytes) and binary:
        return RegValue.binary("Element", data)
    raise ValueError(f"element {element_type:08x} cannot hold {data!r}")


def _element(elements: Key, element_type: int, data: ElementData) -> None:
    elements.key(element_name(element_type)).set(element_value(element_type, data))


def build_bcd(target: StoreTarget, *, timeout: int = 0) -> bytes:
    """The BCD hive bytes for \\EFI\\Microsoft\\Boot\\BCD on the ESP, for an image
    without a BCD-Template (the store is otherwise made from it: ``bcd_template``)."""
    if timeout < 0:
        raise ValueError("timeout must be >= 0 seconds")
    disk_guid, esp_guid, windows_guid = target.disk_guid, target.esp_guid, target.windows_guid
    locale, description = target.locale, target.description
    loader = loader_guid_for(windows_guid)
    root = Key("NewStoreRoot")
    store = root.key("Description")
    store.set(RegValue.sz("KeyName", "BCD00000000"))
    store.set(RegValue.dword("System", 1))
    store.set(RegValue.dword("TreatAsSystem", 1))
    objects = root.key("Objects")

    mgr = _add_object(objects, BOOTMGR_GUID, OBJECT_BOOTMGR)
    _element(mgr, LibraryElement.APPLICATION_DEVICE, partition_device(esp_guid, disk_guid))
    _element(mgr, LibraryElement.APPLICATION_PATH, "\\EFI\\Microsoft\\Boot\\bootmgfw.efi")
    _element(mgr, LibraryElement.DESCRIPTION, "Windows Boot Manager")
    _element(mgr, LibraryElement.PREFERRED_LOCALE, locale)
    _element(mgr, BootMgrElement.DEFAULT_OBJECT, object_name(loader))
    _element(mgr, BootMgrElement.DISPLAY_ORDER, [object_name(loader)])
    _element(mgr, BootMgrElement.TIMEOUT, _integer(timeout))

    os_device = partition_device(windows_guid, disk_guid)
    ldr = _add_object(objects, loader, OBJECT_OSLOADER)
    _element(ldr, LibraryElement.APPLICATION_DEVICE, os_device)
    _element(ldr, LibraryElement.APPLICATION_PATH, "\\Windows\\system32\\winload.efi")
    _element(ldr, LibraryElement.DESCRIPTION, description)
    _element(ldr, LibraryElement.PREFERRED_LOCALE, locale)
    _element(ldr, OsLoaderElement.OS_DEVICE, os_device)
    _element(ldr, OsLoaderElement.SYSTEM_ROOT, "\\Windows")
    _element(ldr, OsLoaderElement.NX_POLICY, _integer(NX_OPT_IN))
    _element(ldr, OsLoaderElement.BOOT_MENU_POLICY, _integer(BOOT_MENU_POLICY_STANDARD))
    _element(ldr, OsLoaderElement.DETECT_KERNEL_AND_HAL, _boolean(True))

    return build_hive(root, file_name="\\EFI\\Microsoft\\Boot\\BCD")
