"""``unattend.xml`` for Nano Server: computer name, time zone, administrator password.

Used by both engines, each getting only the passes that will run:

- Windows engine: ``dism /Apply-Unattend`` on the offline image processes the
  offlineServicing pass, which is where New-NanoServerImage puts ComputerName and
  OfflineUserAccounts/OfflineAdministratorPassword (NanoServerImageGenerator.psm1,
  Add-ServicingDescriptor). The file is deleted right after; nothing goes to Panther.
- Portable engine: the file can only be placed at ``Windows\\Panther\\unattend.xml``.
  No setup pass processes offlineServicing from there (it runs only when DISM
  applies it to an offline image, or from Windows PE), so that pass is left out and
  with it a second reversible copy of the password. Microsoft's documented Nano
  domain-join flow copies an answer file with specialize and oobeSystem passes to
  Windows\\Panther and says the first boot applies them (Deploy-Nano-Server.md);
  a VirtualBox Packer template for Nano set the administrator password from an
  oobeSystem answer file there (mwrock/packer-templates, reported). So: specialize
  (ComputerName) and oobeSystem (AdministratorPassword, TimeZone).

Time zone: Microsoft's Nano domain-join sample sets Microsoft-Windows-Shell-Setup
``<TimeZone>`` in oobeSystem (Deploy-Nano-Server.md appendix); whether Nano applies it
is not confirmed anywhere (unknown). The offlineServicing pass has no TimeZone, so the
Windows engine sets the time zone from SetupComplete.cmd instead (see setupcomplete).

Passwords are never in plain text, but the encoding is reversible: Windows takes
base64 of UTF-16LE(password + element name) with ``PlainText`` false. Every copy of
the answer file is deleted at the end of first boot (setupcomplete.ANSWER_FILES).
"""

from __future__ import annotations

import base64
import xml.etree.ElementTree as ET

from nanostudio.errors import BuildError
from nanostudio.recipe import Recipe
from nanostudio.recipe.domain_blob import DomainBlobError, read_domain_blob
from nanostudio.recipe.unattend_file import (
    NAMESPACE,
    UNATTENDED_JOIN,
    WCM_NAMESPACE,
    Conflict,
    UnattendFileError,
    merge_text,
    read_user_unattend,
)
from nanostudio.recipe.unattend_file import SHELL_SETUP as _SHELL_SETUP
from nanostudio.secret import Secret


def encode_password(password: Secret, element: str) -> str:
    """The value Windows expects in ``<element><Value>`` with ``PlainText`` false."""
    return base64.b64encode((password.reveal() + element).encode("utf-16-le")).decode("ascii")


def render_unattend(recipe: Recipe, password: Secret, *, offline_servicing: bool) -> str:
    """The unattend document (UTF-8 XML text).

    ``offline_servicing`` True: for ``dism /Apply-Unattend`` (the offlineServicing
    pass only). False: for ``Windows\\Panther`` at first boot (specialize + oobeSystem).
    """
    ET.register_namespace("", NAMESPACE)
    ET.register_namespace("wcm", WCM_NAMESPACE)
    root = ET.Element(_q("unattend"))

    if offline_servicing:
        offline = _shell_setup(root, "offlineServicing")
        _text(offline, "ComputerName", recipe.system.computer_name)
        accounts = ET.SubElement(offline, _q("OfflineUserAccounts"))
        _password(accounts, "OfflineAdministratorPassword", password)
    else:
        specialize = _shell_setup(root, "specialize")
        _text(specialize, "ComputerName", recipe.system.computer_name)
        oobe = _shell_setup(root, "oobeSystem")
        _text(oobe, "TimeZone", recipe.system.timezone)
        users = ET.SubElement(oobe, _q("UserAccounts"))
        _password(users, "AdministratorPassword", password)

    if recipe.system.domain_blob is not None:
        _domain_join(root, recipe, offline_servicing=offline_servicing)
    ET.indent(root, "  ")
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="utf-8"?>\n' + body + "\n"


def _domain_join(root: ET.Element, recipe: Recipe, *, offline_servicing: bool) -> None:
    """The djoin blob in Microsoft-Windows-UnattendedJoin (recipe/domain_blob.py cites
    both element paths): OfflineIdentification in offlineServicing for DISM, else
    Identification in specialize."""
    assert recipe.system.domain_blob is not None
    try:
        blob = read_domain_blob(recipe.system.domain_blob)
    except DomainBlobError as error:
        raise BuildError(f"system.domain_blob: {error}") from None
    pass_name = "offlineServicing" if offline_servicing else "specialize"
    settings = next(s for s in root if s.get("pass") == pass_name)
    component = ET.SubElement(
        settings, _q("component"), {**_COMPONENT_ATTRIBUTES, "name": UNATTENDED_JOIN}
    )
    identity = ET.SubElement(
        component, _q("OfflineIdentification" if offline_servicing else "Identification")
    )
    provisioning = ET.SubElement(identity, _q("Provisioning"))
    _text(provisioning, "AccountData", blob)


def _q(tag: str) -> str:
    return f"{{{NAMESPACE}}}{tag}"


_COMPONENT_ATTRIBUTES = {
    "processorArchitecture": "amd64",
    "publicKeyToken": "31bf3856ad364e35",
    "language": "neutral",
    "versionScope": "nonSxS",
}


def _shell_setup(root: ET.Element, pass_name: str) -> ET.Element:
    settings = ET.SubElement(root, _q("settings"), {"pass": pass_name})
    return ET.SubElement(settings, _q("component"), {"name": _SHELL_SETUP, **_COMPONENT_ATTRIBUTES})


def _text(parent: ET.Element, tag: str, value: str) -> None:
    ET.SubElement(parent, _q(tag)).text = value


def _password(parent: ET.Element, element: str, password: Secret) -> None:
    holder = ET.SubElement(parent, _q(element))
    _text(holder, "Value", encode_password(password, element))
    _text(holder, "PlainText", "false")


def render_with_user_file(recipe: Recipe, password: Secret, *, offline_servicing: bool) -> str:
    """``render_unattend``, merged with the recipe's own answer file (system.unattend).

    ``offline_servicing`` True (the Windows engine's ``dism /Apply-Unattend``): only
    the user's offlineServicing pass is merged, the rest goes to Windows\\Panther by
    ``user_passes_for_panther``. False (the portable engine's Panther copy): every pass
    of the user's file. A conflict raises BuildError naming the setting, never its value
    (``recipe check`` names them first)."""
    ours = render_unattend(recipe, password, offline_servicing=offline_servicing)
    if recipe.system.unattend is None:
        return ours
    theirs = _user_file(recipe)
    if offline_servicing:
        for settings in list(theirs):
            if settings.get("pass") != "offlineServicing":
                theirs.remove(settings)
    text, conflicts = merge_text(ours, theirs)
    if conflicts:
        raise BuildError(_conflict_message(recipe, conflicts))
    return text


def user_passes_for_panther(recipe: Recipe) -> str | None:
    """The Windows engine: the user's passes other than offlineServicing, for
    ``Windows\\Panther\\unattend.xml`` (New-NanoServerImage also copies -UnattendPath
    there); None when there are none."""
    if recipe.system.unattend is None:
        return None
    theirs = _user_file(recipe)
    for settings in list(theirs):
        if settings.get("pass") == "offlineServicing":
            theirs.remove(settings)
    if not len(theirs):
        return None
    ET.register_namespace("", NAMESPACE)
    ET.register_namespace("wcm", WCM_NAMESPACE)
    ET.indent(theirs, "  ")
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(theirs, encoding="unicode") + "\n"
    )


def _user_file(recipe: Recipe) -> ET.Element:
    assert recipe.system.unattend is not None
    try:
        return read_user_unattend(recipe.system.unattend)
    except UnattendFileError as error:
        raise BuildError(f"system.unattend: {error}") from None


def _conflict_message(recipe: Recipe, conflicts: list[Conflict]) -> str:
    named = ", ".join(str(c) for c in conflicts)
    return (
        f"system.unattend: {recipe.system.unattend} sets what NanoStudio sets too ({named}): "
        "remove those settings from the file (NanoStudio sets them from the recipe)"
    )
