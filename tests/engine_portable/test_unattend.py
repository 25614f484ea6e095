from __future__ import annotations

import base64
import xml.etree.ElementTree as ET

from nanostudio.engine.content.unattend import encode_password, render_unattend
from nanostudio.recipe import Recipe, SystemSpec
from nanostudio.secret import Secret

NS = {"u": "urn:schemas-microsoft-com:unattend"}
PASSWORD = "P@ss<&>word1"


def passes(text: str) -> list[str]:
    return [s.get("pass", "") for s in ET.fromstring(text).findall("u:settings", NS)]


def test_known_encoding() -> None:
    # base64(UTF-16LE("abc" + "OfflineAdministratorPassword")), computed independently.
    expected = base64.b64encode("abcOfflineAdministratorPassword".encode("utf-16-le")).decode()
    assert encode_password(Secret("abc"), "OfflineAdministratorPassword") == expected


def test_offline_servicing_form_for_dism() -> None:
    recipe = Recipe(system=SystemSpec(computer_name="WEB-01", timezone="Pacific Standard Time"))
    text = render_unattend(recipe, Secret(PASSWORD), offline_servicing=True)
    # Only the pass dism /Apply-Unattend processes offline, as New-NanoServerImage writes.
    assert passes(text) == ["offlineServicing"]
    root = ET.fromstring(text)
    offline = root.find("u:settings[@pass='offlineServicing']/u:component", NS)
    assert offline is not None
    assert offline.get("name") == "Microsoft-Windows-Shell-Setup"
    assert offline.findtext("u:ComputerName", namespaces=NS) == "WEB-01"
    value = offline.findtext(
        "u:OfflineUserAccounts/u:OfflineAdministratorPassword/u:Value", namespaces=NS
    )
    assert value == encode_password(Secret(PASSWORD), "OfflineAdministratorPassword")
    # offlineServicing has no time zone: SetupComplete.cmd sets it for this engine.
    assert root.find(".//u:TimeZone", NS) is None
    assert root.find(".//u:AdministratorPassword", NS) is None
    assert PASSWORD not in text and "P@ss" not in text


def test_first_boot_form_has_only_the_passes_that_run_from_panther() -> None:
    recipe = Recipe(system=SystemSpec(computer_name="WEB-01", timezone="Pacific Standard Time"))
    text = render_unattend(recipe, Secret(PASSWORD), offline_servicing=False)
    # offlineServicing is never processed from Panther: no second copy of the password.
    assert passes(text) == ["specialize", "oobeSystem"]
    assert "Offline" not in text
    root = ET.fromstring(text)
    specialize = root.find("u:settings[@pass='specialize']/u:component", NS)
    assert specialize is not None
    assert specialize.findtext("u:ComputerName", namespaces=NS) == "WEB-01"
    oobe = root.find("u:settings[@pass='oobeSystem']/u:component", NS)
    assert oobe is not None and oobe.get("name") == "Microsoft-Windows-Shell-Setup"
    # Where Microsoft's Nano sample sets it: Shell-Setup TimeZone in oobeSystem.
    assert oobe.findtext("u:TimeZone", namespaces=NS) == "Pacific Standard Time"
    assert specialize.find("u:TimeZone", NS) is None
    value = oobe.findtext("u:UserAccounts/u:AdministratorPassword/u:Value", namespaces=NS)
    assert value is not None
    assert base64.b64decode(value).decode("utf-16-le") == PASSWORD + "AdministratorPassword"
    assert all(
        e.text == "false" for e in root.iter("{urn:schemas-microsoft-com:unattend}PlainText")
    )
    assert PASSWORD not in text and "P@ss" not in text


def test_xml_special_characters_are_escaped() -> None:
    recipe = Recipe(system=SystemSpec(computer_name="A&B", timezone="<Zone> & 'x'"))
    text = render_unattend(recipe, Secret(PASSWORD), offline_servicing=False)
    root = ET.fromstring(text)
    assert root.findtext(".//u:TimeZone", namespaces=NS) == "<Zone> & 'x'"
    assert "A&amp;B" in text
