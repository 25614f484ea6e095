"""The boot store made the way bcdboot makes it: from the image's own BCD-Template.

``bcdboot`` initialises a new store from ``Windows\\System32\\config\\BCD-Template``
(Microsoft, "BCDBoot Command-Line Options": *confirmed*). What exactly it copies
is not documented; what is done here follows a Linux re-implementation
(jpz4085/BCD-SYS) and the public decode of a Windows 10 template
(mattifestation/BCD), both *reported*:

- the inheritable settings objects (object type class 2: {globalsettings},
  {bootloadersettings}, {dbgsettings}, {emssettings}, {badmemory},
  {hypervisorsettings}, …) are kept as the template has them;
- {bootmgr} is kept and pointed at the ESP (device, path), with the new loader
  as default and display order, in the build's locale;
- one Windows Boot Loader is made from the EFI OS target template
  {b012b84d-…} (NANO-FACTS.md §4: *confirmed* in Nano's template): its elements
  are copied, less the template-only ones (element class 4) and its resume
  object, and device/osdevice name the Windows partition by its GPT GUIDs,
  path is ``\\Windows`` + the template's relative path, systemroot ``\\Windows``;
- every other object (the OS and resume templates, Windows Setup, memory
  diagnostics, whose files are not on this ESP) is left out.

Element values NanoStudio does not set (nx, bootstatuspolicy, …) stay as the
template has them: Nano's template values are *unknown*, so none is invented.
"""

from __future__ import annotations

import shutil
import uuid
from dataclasses import replace
from pathlib import Path

from nanostudio.engine.portable.bcd import (
    BOOTMGR_GUID,
    BootMgrElement,
    ElementData,
    LibraryElement,
    OsLoaderElement,
    StoreTarget,
    element_name,
    element_value,
    loader_guid_for,
    object_name,
    partition_device,
)
from nanostudio.engine.tools.hivex import (
    REG_DWORD,
    REG_SZ,
    Hive,
    RegValue,
)
from nanostudio.errors import BuildError

TEMPLATE_PATH = "/Windows/System32/config/BCD-Template"
OS_TEMPLATE_EFI = uuid.UUID("b012b84d-c47c-4ed5-b722-c0c42163e569")
BOOTLOADERSETTINGS = uuid.UUID("6efb52bf-1766-41db-a6b3-0ee5eff72bd7")
ELEMENT_APP_RELATIVE_PATH = 0x42000002  # template-only: path below the Windows folder
_TEMPLATE_CLASS = 4  # element class of template-only elements
_SETTINGS_CLASS = 2  # object type class of inheritable settings objects
_DEFAULT_RELATIVE_PATH = "\\system32\\winload.efi"


def store_from_template(template: Path, dest: Path, target: StoreTarget) -> None:
    """Write the BCD store ``dest`` from the image's ``template`` (left unchanged)."""
    shutil.copyfile(template, dest)
    with Hive.open(dest, write=True) as hive:
        objects = hive.find("Objects")
        os_template = hive.find(f"Objects\\{object_name(OS_TEMPLATE_EFI)}")
        if objects is None or os_template is None:
            raise BuildError(
                "the image's BCD-Template has no EFI OS loader template: it is not a Windows "
                "Server 2016 image"
            )
        loader_type = _object_type(hive, os_template)
        loader_elements = [
            value
            for value in _elements(hive, os_template)
            if value.name and int(value.name, 16) >> 28 != _TEMPLATE_CLASS
        ]
        relative = _element_text(hive, os_template, ELEMENT_APP_RELATIVE_PATH)
        for child in hive.children(objects):
            keep = hive.name(child).lower() == object_name(BOOTMGR_GUID)
            if not keep and _object_type(hive, child) >> 28 != _SETTINGS_CLASS:
                hive.delete(child)
        loader = loader_guid_for(target.windows_guid)
        _write_loader(hive, loader, loader_type, loader_elements, relative, target)
        _write_bootmgr(hive, loader, target)
        description = hive.ensure("Description")
        hive.set_value(description, RegValue.sz("KeyName", "BCD00000000"))
        hive.set_value(description, RegValue.dword("System", 1))
        hive.set_value(description, RegValue.dword("TreatAsSystem", 1))
        hive.commit()


def _write_loader(
    hive: Hive,
    loader: uuid.UUID,
    loader_type: int,
    template_elements: list[RegValue],
    relative: str | None,
    target: StoreTarget,
) -> None:
    key = f"Objects\\{object_name(loader)}"
    hive.set_value(hive.ensure(f"{key}\\Description"), RegValue.dword("Type", loader_type))
    for value in template_elements:
        if int(value.name, 16) != OsLoaderElement.ASSOCIATED_RESUME_OBJECT:
            node = hive.ensure(f"{key}\\Elements\\{element_name(int(value.name, 16))}")
            hive.set_value(node, replace(value, name="Element"))
    os_device = partition_device(target.windows_guid, target.disk_guid)
    path = "\\Windows" + (relative or _DEFAULT_RELATIVE_PATH)
    _set_element(hive, key, LibraryElement.APPLICATION_DEVICE, os_device)
    _set_element(hive, key, OsLoaderElement.OS_DEVICE, os_device)
    _set_element(hive, key, LibraryElement.APPLICATION_PATH, path)
    _set_element(hive, key, OsLoaderElement.SYSTEM_ROOT, "\\Windows")
    _set_element(hive, key, LibraryElement.DESCRIPTION, target.description)
    _set_element(hive, key, LibraryElement.PREFERRED_LOCALE, target.locale)
    settings = object_name(BOOTLOADERSETTINGS)
    if not any(
        int(v.name, 16) == LibraryElement.INHERITED_OBJECTS for v in template_elements
    ) and hive.find(f"Objects\\{settings}"):
        _set_element(hive, key, LibraryElement.INHERITED_OBJECTS, [settings])


def _write_bootmgr(hive: Hive, loader: uuid.UUID, target: StoreTarget) -> None:
    key = f"Objects\\{object_name(BOOTMGR_GUID)}"
    if hive.find(key) is None:
        hive.set_value(hive.ensure(f"{key}\\Description"), RegValue.dword("Type", 0x10100002))
    elements = hive.ensure(f"{key}\\Elements")
    for child in hive.children(elements):
        name = hive.name(child)
        if _is_hex(name) and int(name, 16) >> 28 == _TEMPLATE_CLASS:
            hive.delete(child)
    esp = partition_device(target.esp_guid, target.disk_guid)
    _set_element(hive, key, LibraryElement.APPLICATION_DEVICE, esp)
    _set_element(hive, key, LibraryElement.APPLICATION_PATH, "\\EFI\\Microsoft\\Boot\\bootmgfw.efi")
    _set_element(hive, key, LibraryElement.PREFERRED_LOCALE, target.locale)
    _set_element(hive, key, BootMgrElement.DEFAULT_OBJECT, object_name(loader))
    _set_element(hive, key, BootMgrElement.DISPLAY_ORDER, [object_name(loader)])
    if _element_text(hive, hive.find(key), LibraryElement.DESCRIPTION) is None:
        _set_element(hive, key, LibraryElement.DESCRIPTION, "Windows Boot Manager")


def _set_element(hive: Hive, key: str, element: int, data: ElementData) -> None:
    node = hive.ensure(f"{key}\\Elements\\{element_name(element)}")
    hive.set_value(node, element_value(element, data))


def _object_type(hive: Hive, obj: int) -> int:
    description = hive.child(obj, "Description")
    value = hive.value(description, "Type") if description is not None else None
    return value.number() if value is not None and value.type == REG_DWORD else 0


def _elements(hive: Hive, obj: int) -> list[RegValue]:
    """The object's elements as (element type as hex text, value type, data)."""
    elements = hive.child(obj, "Elements")
    found: list[RegValue] = []
    for child in hive.children(elements) if elements is not None else []:
        value = hive.value(child, "Element")
        name = hive.name(child)
        if value is not None and _is_hex(name):
            found.append(RegValue(name, value.type, value.data))
    return found


def _element_text(hive: Hive, obj: int | None, element: int) -> str | None:
    if obj is None:
        return None
    elements = hive.child(obj, "Elements")
    node = hive.child(elements, element_name(element)) if elements is not None else None
    value = hive.value(node, "Element") if node is not None else None
    return value.text() if value is not None and value.type == REG_SZ else None


def _is_hex(name: str) -> bool:
    try:
        int(name, 16)
    except ValueError:
        return False
    return len(name) == 8
