"""MS-WSMV 2.2.9.1 message encryption: SOAP sealed with the connection's NTLM context.

Wire form of one part (what pywinrm and pypsrp send and expect back):

    --Encrypted Boundary\\r\\n
    \\tContent-Type: application/HTTP-SPNEGO-session-encrypted\\r\\n
    \\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=N\\r\\n
    --Encrypted Boundary\\r\\n
    \\tContent-Type: application/octet-stream\\r\\n
    <uint32 LE signature length><signature><sealed SOAP>
    --Encrypted Boundary--\\r\\n
"""

from __future__ import annotations

import re
import struct
from typing import Any

PROTOCOL = "application/HTTP-SPNEGO-session-encrypted"
CONTENT_TYPE = f'multipart/encrypted;protocol="{PROTOCOL}";boundary="Encrypted Boundary"'
_BOUNDARY = b"--Encrypted Boundary"
_LENGTH = re.compile(rb"Length=(\d+)")


class EncryptionError(ValueError):
    """The body claims to be encrypted but cannot be unsealed."""


def is_encrypted(content_type: str) -> bool:
    """True for the multipart/encrypted bodies of MS-WSMV."""
    return content_type.lower().startswith("multipart/encrypted")


def unwrap(body: bytes, context: Any) -> bytes:
    """The SOAP text sealed in `body`, checked against its signature and stated length."""
    parts = [p for p in body.split(_BOUNDARY + b"\r\n") if p]
    if len(parts) != 2:
        raise EncryptionError("expected one encrypted part")
    header, payload = parts
    length = _LENGTH.search(header)
    if length is None:
        raise EncryptionError("OriginalContent has no Length")
    if payload.endswith(_BOUNDARY + b"--\r\n"):
        payload = payload[: -len(_BOUNDARY + b"--\r\n")]
    prefix = b"\tContent-Type: application/octet-stream\r\n"
    if not payload.startswith(prefix):
        raise EncryptionError("encrypted part has no octet-stream header")
    payload = payload[len(prefix) :]
    if len(payload) < 4:
        raise EncryptionError("encrypted part is truncated")
    (signature_length,) = struct.unpack("<I", payload[:4])
    signature = payload[4 : 4 + signature_length]
    sealed = payload[4 + signature_length :]
    try:
        message: bytes = context.unwrap_winrm(signature, sealed)
    except Exception as exc:  # pyspnego raises several types for a bad seal
        raise EncryptionError(f"cannot unseal the message: {exc}") from exc
    if len(message) != int(length.group(1)):
        raise EncryptionError("unsealed length differs from OriginalContent Length")
    return message


def wrap(message: bytes, context: Any) -> bytes:
    """`message` sealed as a multipart/encrypted body."""
    result = context.wrap_winrm(message)
    header: bytes = result.header
    sealed: bytes = result.data
    return (
        _BOUNDARY
        + b"\r\n\tContent-Type: "
        + PROTOCOL.encode()
        + b"\r\n\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length="
        + str(len(message) + result.padding_length).encode()
        + b"\r\n"
        + _BOUNDARY
        + b"\r\n\tContent-Type: application/octet-stream\r\n"
        + struct.pack("<I", len(header))
        + header
        + sealed
        + _BOUNDARY
        + b"--\r\n"
    )
