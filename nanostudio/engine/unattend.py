"""``unattend.xml`` for Nano Server: computer name, time zone, administrator password.

Used by both engines. The Windows engine applies it offline (``dism
/Apply-Unattend``), which processes the offlineServicing pass. The portable
engine can only place it at ``Windows\\Panther\\unattend.xml``, which Windows
reads at first boot for the specialize and oobeSystem passes, so there the
password is also given in oobeSystem. Passwords are never in plain text: Windows
takes base64 of UTF-16LE(password + element name) with ``PlainText`` false.
"""

from __future__ import annotations

import base64
import xml.etree.ElementTree as ET

from nanostudio.recipe import Recipe
from nanostudio.secret import Secret

NAMESPACE = "urn:schemas-microsoft-com:unattend"
WCM_NAMESPACE = "http://schemas.microsoft.com/WMIConfig/2002/State"
_SHELL_SETUP = "Microsoft-Windows-Shell-Setup"


def encode_password(password: Secret, element: str) -> str:
    """The value Windows expects in ``<element><Value>`` with ``PlainText`` false."""
    return base64.b64encode((password.reveal() + element).encode("utf-16-le")).decode("ascii")


def render_unattend(recipe: Recipe, password: Secret, *, offline_servicing: bool) -> str:
    """The unattend document (UTF-8 XML text).

    ``offline_servicing`` True: for ``dism /Apply-Unattend`` (offlineServicing +
    specialize). False: for ``Windows\\Panther`` at first boot (specialize +
    oobeSystem; the offlineServicing pass is kept too, for setups that run it).
    """
    ET.register_namespace("", NAMESPACE)
    ET.register_namespace("wcm", WCM_NAMESPACE)
    root = ET.Element(_q("unattend"))

    offline = _shell_setup(root, "offlineServicing")
    _text(offline, "ComputerName", recipe.system.computer_name)
    accounts = ET.SubElement(offline, _q("OfflineUserAccounts"))
    _password(accounts, "OfflineAdministratorPassword", password)

    specialize = _shell_setup(root, "specialize")
    _text(specialize, "ComputerName", recipe.system.computer_name)
    _text(specialize, "TimeZone", recipe.system.timezone)

    if not offline_servicing:
        oobe = _shell_setup(root, "oobeSystem")
        users = ET.SubElement(oobe, _q("UserAccounts"))
        _password(users, "AdministratorPassword", password)

    ET.indent(root, "  ")
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="utf-8"?>\n' + body + "\n"


def _q(tag: str) -> str:
    return f"{{{NAMESPACE}}}{tag}"


def _shell_setup(root: ET.Element, pass_name: str) -> ET.Element:
    settings = ET.SubElement(root, _q("settings"), {"pass": pass_name})
    return ET.SubElement(
        settings,
        _q("component"),
        {
            "name": _SHELL_SETUP,
            "processorArchitecture": "amd64",
            "publicKeyToken": "31bf3856ad364e35",
            "language": "neutral",
            "versionScope": "nonSxS",
        },
    )


def _text(parent: ET.Element, tag: str, value: str) -> None:
    ET.SubElement(parent, _q(tag)).text = value


def _password(parent: ET.Element, element: str, password: Secret) -> None:
    holder = ET.SubElement(parent, _q(element))
    _text(holder, "Value", encode_password(password, element))
    _text(holder, "PlainText", "false")
