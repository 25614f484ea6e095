"""EMS and serial kernel debugging in a boot store: New-NanoServerImage's
``-EnableEMS``/``-EMSPort``/``-EMSBaudRate`` and ``-DebugMethod Serial``/
``-DebugCOMPort``/``-DebugBaudRate``, written as BCD elements.

What the module runs (NanoServerImageGenerator.psm1, *confirmed*; research notes
in the code's history): ``bcdedit /emssettings EMSPORT:p EMSBAUDRATE:b``, ``/ems
{default} on``, ``/bootems {default} on``, ``/bootems {bootmgr} on``; for serial
debugging ``/dbgsettings SERIAL DEBUGPORT:p BAUDRATE:b``, ``/debug {default} on``,
``/bootdebug {default} on``, ``/bootdebug {bootmgr} on``. The element each
switch sets is Microsoft's BcdLibraryElementTypes / BcdOSLoaderElementTypes
reference: EmsEnabled 0x16000020 (bootems), EmsPort 0x15000022, EmsBaudRate
0x15000023, OS loader EmsEnabled 0x260000B0 (ems); DebuggerEnabled 0x16000010
(bootdebug), DebuggerType 0x15000011 (0 = serial), SerialDebuggerPort
0x15000013, SerialDebuggerBaudRate 0x15000014, KernelDebuggerEnabled 0x260000A0
(debug). Integers are 8-byte little-endian binary values, booleans one byte.
"""

from __future__ import annotations

import struct
import uuid

from nanostudio.engine.portable.bcd import BOOTMGR_GUID, element_name, object_name
from nanostudio.engine.tools.hivex import (
    REG_MULTI_SZ,
    Hive,
    RegValue,
)
from nanostudio.recipe import BootSpec, DebugMethod

DBGSETTINGS = uuid.UUID("4636856e-540f-4170-a130-a84776f4c654")
EMSSETTINGS = uuid.UUID("0ce4991b-e6b3-4b16-b23c-5e0d9250e5d9")
GLOBALSETTINGS = uuid.UUID("7ea2e1ac-2e61-4728-aaa3-896d9d0a9f0e")
SETTINGS_TYPE = 0x20100000
INHERIT = 0x14000006
BOOT_EMS = 0x16000020
EMS_PORT = 0x15000022
EMS_BAUD = 0x15000023
LOADER_EMS = 0x260000B0
BOOT_DEBUG = 0x16000010
DEBUG_TYPE = 0x15000011
DEBUG_PORT = 0x15000013
DEBUG_BAUD = 0x15000014
LOADER_DEBUG = 0x260000A0
DEBUG_TYPE_SERIAL = 0


def apply_boot_options(hive: Hive, loader: uuid.UUID, boot: BootSpec) -> None:
    """Set the EMS and debugging elements of ``boot`` on {bootmgr}, the loader and the
    settings objects. A store without {globalsettings} (NanoStudio's minimal one) gets
    the settings objects created and inherited by the loader directly."""
    settings: list[uuid.UUID] = []
    if boot.ems:
        _settings_object(hive, EMSSETTINGS)
        _set(hive, EMSSETTINGS, EMS_PORT, _integer(boot.ems_port))
        _set(hive, EMSSETTINGS, EMS_BAUD, _integer(boot.ems_baud))
        for obj, element in ((loader, LOADER_EMS), (loader, BOOT_EMS), (BOOTMGR_GUID, BOOT_EMS)):
            _set(hive, obj, element, b"\x01")
        settings.append(EMSSETTINGS)
    if boot.debug is DebugMethod.SERIAL:
        _settings_object(hive, DBGSETTINGS)
        _set(hive, DBGSETTINGS, DEBUG_TYPE, _integer(DEBUG_TYPE_SERIAL))
        _set(hive, DBGSETTINGS, DEBUG_PORT, _integer(boot.debug_port))
        _set(hive, DBGSETTINGS, DEBUG_BAUD, _integer(boot.debug_baud))
        for obj, element in (
            (loader, LOADER_DEBUG),
            (loader, BOOT_DEBUG),
            (BOOTMGR_GUID, BOOT_DEBUG),
        ):
            _set(hive, obj, element, b"\x01")
        settings.append(DBGSETTINGS)
    if settings and hive.find(f"Objects\\{object_name(GLOBALSETTINGS)}") is None:
        inherited = _inherited(hive, loader) + [object_name(s) for s in settings]
        node = hive.ensure(f"Objects\\{object_name(loader)}\\Elements\\{element_name(INHERIT)}")
        hive.set_value(node, RegValue.multi_sz("Element", inherited))


def _settings_object(hive: Hive, guid: uuid.UUID) -> None:
    key = f"Objects\\{object_name(guid)}"
    if hive.find(key) is None:
        description = hive.ensure(f"{key}\\Description")
        hive.set_value(description, RegValue.dword("Type", SETTINGS_TYPE))


def _set(hive: Hive, obj: uuid.UUID, element: int, data: bytes) -> None:
    node = hive.ensure(f"Objects\\{object_name(obj)}\\Elements\\{element_name(element)}")
    hive.set_value(node, RegValue.binary("Element", data))


def _inherited(hive: Hive, loader: uuid.UUID) -> list[str]:
    node = hive.find(f"Objects\\{object_name(loader)}\\Elements\\{element_name(INHERIT)}")
    value = hive.value(node, "Element") if node is not None else None
    return value.strings() if value is not None and value.type == REG_MULTI_SZ else []


def _integer(number: int) -> bytes:
    return struct.pack("<Q", number)
