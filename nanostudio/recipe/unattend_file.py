"""A user's answer file (New-NanoServerImage -UnattendPath) merged with NanoStudio's.

Merged, never overwritten: the user's settings passes and components are added to the
document NanoStudio writes; a setting both set (the same element in the same component
of the same pass) is a conflict, named, and the build refuses until the user removes it
from one side. Nothing is replaced silently.

The file is parsed safely. Python's ElementTree (expat) does not fetch external
entities, but it does expand internal ones (only bounded by expat's amplification
limits), so any DOCTYPE or entity declaration is refused before parsing: an answer
file has no use for one (Windows SIM writes none). Files over ``MAX_BYTES`` are refused.

No message here ever holds a setting's value: answer files carry passwords (plain or
base64-encoded, which is reversible), so only pass, component and element names are
named.
"""

from __future__ import annotations

import copy
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from xml.parsers import expat

from nanostudio.files import read_small_file

NAMESPACE = "urn:schemas-microsoft-com:unattend"
WCM_NAMESPACE = "http://schemas.microsoft.com/WMIConfig/2002/State"
SHELL_SETUP = "Microsoft-Windows-Shell-Setup"
UNATTENDED_JOIN = "Microsoft-Windows-UnattendedJoin"
# What NanoStudio's own answer file sets (engine/content/unattend.py, both engines):
# (pass, component, setting). A user's file setting one of these is a conflict.
NANOSTUDIO_SETTINGS = frozenset(
    {
        ("offlineServicing", SHELL_SETUP, "ComputerName"),
        ("offlineServicing", SHELL_SETUP, "OfflineUserAccounts"),
        ("specialize", SHELL_SETUP, "ComputerName"),
        ("oobeSystem", SHELL_SETUP, "TimeZone"),
        ("oobeSystem", SHELL_SETUP, "UserAccounts"),
    }
)
MAX_BYTES = 1024 * 1024
_UNATTEND = f"{{{NAMESPACE}}}unattend"
_SETTINGS = f"{{{NAMESPACE}}}settings"
_COMPONENT = f"{{{NAMESPACE}}}component"


class UnattendFileError(ValueError):
    """The user's file cannot be used; the message says why and what to do."""


@dataclass(frozen=True)
class Conflict:
    pass_name: str
    component: str
    setting: str

    def __str__(self) -> str:
        return f"{self.pass_name}/{self.component}/{self.setting}"


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def read_user_unattend(path: Path) -> ET.Element:
    """The file's root element, or UnattendFileError in plain words."""
    data = read_small_file(
        path,
        MAX_BYTES,
        what="answer file",
        remedy="choose the answer file (.xml)",
        error=UnattendFileError,
    )
    return parse_user_unattend(data, path.name)


def parse_user_unattend(data: bytes, name: str) -> ET.Element:
    _refuse_declarations(data, name)
    try:
        root = ET.fromstring(data)
    except ET.ParseError as error:
        raise UnattendFileError(f"{name} is not well-formed XML ({error})") from None
    if root.tag != _UNATTEND:
        raise UnattendFileError(
            f"{name} is not an answer file: its root element is <{_local(root.tag)}>, "
            f'not <unattend xmlns="{NAMESPACE}">'
        )
    for settings in root.iter(_SETTINGS):
        if not settings.get("pass"):
            raise UnattendFileError(f"{name}: a <settings> element has no pass attribute")
    return root


def _refuse_declarations(data: bytes, name: str) -> None:
    """DOCTYPE and ENTITY declarations are refused before any parse expands them."""

    def refuse(*_: object) -> None:
        raise UnattendFileError(
            f"{name} declares a DOCTYPE or entities, which answer files never need and "
            "which can expand without end or read other files: remove the <!DOCTYPE ...> "
            "part"
        )

    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.UnparsedEntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse  # type: ignore[assignment]
    try:
        parser.Parse(data, True)
    except expat.ExpatError as error:
        raise UnattendFileError(f"{name} is not well-formed XML ({error})") from None


def _key(component: ET.Element) -> tuple[str, str]:
    return component.get("name", ""), component.get("processorArchitecture", "")


def merge(ours: ET.Element, theirs: ET.Element) -> list[Conflict]:
    """Add ``theirs``' passes, components and settings to ``ours`` (in place); the
    conflicts, in document order. With conflicts ``ours`` is left unchanged."""
    merged = copy.deepcopy(ours)
    conflicts: list[Conflict] = []
    for settings in theirs.findall(_SETTINGS):
        pass_name = settings.get("pass", "")
        target = next((s for s in merged.findall(_SETTINGS) if s.get("pass") == pass_name), None)
        if target is None:
            merged.append(copy.deepcopy(settings))
            continue
        for component in settings.findall(_COMPONENT):
            mine = next((c for c in target.findall(_COMPONENT) if _key(c) == _key(component)), None)
            if mine is None:
                target.append(copy.deepcopy(component))
                continue
            taken = {child.tag for child in mine}
            for child in component:
                if child.tag in taken:
                    conflicts.append(Conflict(pass_name, _key(component)[0], _local(child.tag)))
                else:
                    mine.append(copy.deepcopy(child))
    if not conflicts:
        ours[:] = list(merged)
    return conflicts


JOIN_SETTINGS = frozenset(
    {
        ("offlineServicing", UNATTENDED_JOIN, "OfflineIdentification"),
        ("specialize", UNATTENDED_JOIN, "Identification"),
    }
)


def conflicts_with_nanostudio(theirs: ET.Element, *, joins_domain: bool = False) -> list[Conflict]:
    """The user's settings NanoStudio also sets, whichever engine builds (with a domain
    blob, the UnattendedJoin identification too)."""
    ours = NANOSTUDIO_SETTINGS | (JOIN_SETTINGS if joins_domain else frozenset())
    found = []
    for settings in theirs.findall(_SETTINGS):
        pass_name = settings.get("pass", "")
        for component in settings.findall(_COMPONENT):
            for child in component:
                key = (pass_name, component.get("name", ""), _local(child.tag))
                if key in ours:
                    found.append(Conflict(*key))
    return found


def merge_text(ours_text: str, theirs: ET.Element) -> tuple[str, list[Conflict]]:
    """NanoStudio's rendered unattend text merged with the user's; conflicts named."""
    ET.register_namespace("", NAMESPACE)
    ET.register_namespace("wcm", WCM_NAMESPACE)
    root = ET.fromstring(ours_text.encode("utf-8"))
    conflicts = merge(root, theirs)
    ET.indent(root, "  ")
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="utf-8"?>\n' + body + "\n", conflicts
