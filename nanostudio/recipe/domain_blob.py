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

The machine name inside the blob is **not checked**: the blob is an NDR-serialized
ODJ_PROVISION_DATA structure ([MS-ODJ]), and NanoStudio has no parser for it that it
can trust; a guess could refuse a good blob or pass a wrong one. The blob must have been
made with ``/machine`` equal to the recipe's computer name (README says so).
"""

from __future__ import annotations

import base64
import binascii
from pathlib import Path

from nanostudio.files import NotRegularFileError, open_regular

MAX_BYTES = 64 * 1024  # real blobs are a few KB


class DomainBlobError(ValueError):
    """The blob cannot be used; the message never holds its content."""


def read_domain_blob(path: Path) -> str:
    """The blob's base64 text (one line), or DomainBlobError in plain words."""
    try:
        with open_regular(path) as handle:
            data = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise DomainBlobError(
            f"{path} does not exist: choose the file djoin /provision /savefile wrote"
        ) from None
    except NotRegularFileError as error:
        raise DomainBlobError(f"{path}: {error.strerror}") from None
    except OSError as error:
        raise DomainBlobError(f"cannot read {path}: {error.strerror or error}") from None
    if len(data) > MAX_BYTES:
        raise DomainBlobError(
            f"{path.name} is larger than {MAX_BYTES // 1024} KiB: not a djoin blob"
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
    return compact


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
