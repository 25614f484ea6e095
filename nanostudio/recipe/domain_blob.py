"""An offline domain-join blob (``djoin /provision ... /savefile F``), read and checked.

The file is the base64 text of djoin's binary provisioning data (``djoin`` writes it
as UTF-16LE text; a blob pasted into an ASCII file also works). It holds the new
computer account's password, so nothing here ever puts its content in a message, a
log or an argv; it goes only into the answer file, which first boot deletes.

Applied through the answer file, which both engines can do:
- ``offlineServicing``: Microsoft-Windows-UnattendedJoin / OfflineIdentification /
  Provisioning / AccountData (learn.microsoft.com, unattend reference
  "microsoft-windows-unattendedjoin-offlineidentification", valid pass offlineServicing;
  Deploy-Nano-Server.md's domain-join sample): the Windows engine's ``dism
  /Apply-Unattend``.
- ``specialize``: Microsoft-Windows-UnattendedJoin / Identification / Provisioning /
  AccountData (learn.microsoft.com "microsoft-windows-unattendedjoin-identification-
  provisioning", valid pass specialize): the portable engine's Windows\\Panther copy,
  where no offlineServicing pass runs. Whether Nano Server 2016 processes it from
  Panther is not confirmed (as for the other specialize settings).

The blob is an NDR-serialized ODJ_PROVISION_DATA; ``odj.py`` reads the machine and
domain names out of it (never the password), so a blob made for another computer is
refused before a build (``machine_name_problem``) rather than joining the wrong account.
"""

from __future__ import annotations

import base64
import binascii
import string
from dataclasses import dataclass
from pathlib import Path

from nanostudio.files import read_small_file
from nanostudio.recipe.odj import OdjFormatError, ProvisionedJoin, read_provision_data

MAX_BYTES = 64 * 1024  # real blobs are a few KB


class DomainBlobError(ValueError):
    """The blob cannot be used; the message never holds its content."""


@dataclass(frozen=True)
class DomainBlob:
    text: str  # the base64 text, one line: it holds the machine password
    join: ProvisionedJoin  # the names inside it, without the password

    def __repr__(self) -> str:  # never the text, even in a traceback or a debug log
        return f"DomainBlob(join={self.join!r})"


def read_domain_blob(path: Path) -> str:
    """The blob's base64 text (one line), or DomainBlobError in plain words."""
    return load_domain_blob(path).text


def load_domain_blob(path: Path) -> DomainBlob:
    """The blob's text and the names inside it, or DomainBlobError in plain words."""
    data = read_small_file(
        path,
        MAX_BYTES,
        what="djoin blob",
        remedy="choose the file djoin /provision /savefile wrote",
        error=DomainBlobError,
    )
    text = _decode(data)
    if text is None:
        raise DomainBlobError(
            f"{path.name} is not text: choose the file djoin /provision /savefile wrote"
        )
    compact = "".join(text.split()).rstrip("\x00")
    if not compact:
        raise DomainBlobError(f"{path.name} is empty: provision the computer again with djoin")
    try:
        raw = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        raise DomainBlobError(
            f"{path.name} is not a djoin blob (not base64 text): choose the file "
            "djoin /provision /savefile wrote"
        ) from None
    if len(raw) < 64:
        raise DomainBlobError(f"{path.name} is too short to be a djoin blob")
    try:
        join = read_provision_data(raw)
    except OdjFormatError as error:
        raise DomainBlobError(
            f"{path.name} is not djoin provisioning data NanoStudio can read ({error}): "
            "choose the file djoin /provision /savefile wrote"
        ) from None
    return DomainBlob(compact, join)


def blob_names(path: Path) -> ProvisionedJoin | str:
    """The names in the blob at ``path``, or why it cannot be used (for a worker thread)."""
    try:
        return load_domain_blob(path).join
    except DomainBlobError as error:
        return str(error)


def netbios_equal(first: str, second: str) -> bool:
    """Whether two computer names are one NetBIOS name: compared case-insensitively
    (NetBIOS names are upper-cased), a name longer than 15 characters equal to none.

    Only ASCII letters are folded: str.upper() would make 'ß' 'SS', 'ſ' 'S' and the
    dotless 'ı' 'I', so a blob made for another account could pass for this computer
    (computer names NanoStudio accepts are ASCII; anything else must match exactly)."""
    return (
        len(first) <= 15
        and len(second) <= 15
        and first.translate(_ASCII_UPPER) == second.translate(_ASCII_UPPER)
    )


_ASCII_UPPER = str.maketrans(string.ascii_lowercase, string.ascii_uppercase)


def machine_name_problem(join: ProvisionedJoin, computer_name: str, file_name: str) -> str | None:
    """Why a blob made for ``join.machine_name`` cannot join ``computer_name``, or None."""
    if netbios_equal(join.machine_name, computer_name):
        return None
    return (
        f"{file_name} was made for the computer {join.machine_name!r} in {join.domain!r}, "
        f"not {computer_name!r}: rename the computer or provision it again with "
        f"djoin /machine {computer_name}"
    )


def _decode(data: bytes) -> str | None:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    elif len(data) > 1 and data[1:2] == b"\x00":
        encoding = "utf-16-le"
    else:
        encoding = "utf-8-sig"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None
