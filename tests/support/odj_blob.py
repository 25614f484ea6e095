"""Synthetic djoin blobs for tests: an ODJ_PROVISION_DATA laid out as Windows lays it
(two parts, ODJ_WIN7BLOB then an OP_PACKAGE stand-in), written by an encoder of our own
so tests need not carry real account data. The real blob (scripts/fetch-test-odj.sh)
checks the reader against Windows' own bytes."""

from __future__ import annotations

import base64
import struct
from pathlib import Path

REAL_BLOB = Path(__file__).parents[2] / ".venv" / "test-data" / "odj-provision-w2k19.bin"


def _headers(body: bytes) -> bytes:
    body += b"\x00" * (-len(body) % 8)  # [MS-RPCE] 2.2.6.2: padded to 8
    return struct.pack("<BBHI", 1, 0x10, 8, 0xCCCCCCCC) + struct.pack("<II", len(body), 0) + body


def _align(buf: bytearray) -> None:
    buf += b"\x00" * (-len(buf) % 4)


def _string(buf: bytearray, text: str) -> None:
    units = (text + "\x00").encode("utf-16-le")
    _align(buf)
    buf += struct.pack("<III", len(units) // 2, 0, len(units) // 2) + units


def win7_blob(machine: str, domain: str, password: str) -> bytes:
    """A serialized ODJ_WIN7BLOB with the strings that matter and empty DC details."""
    body = bytearray(struct.pack("<IIII", 0x20000, 0x20004, 0x20008, 0x2000C))
    netbios = domain.split(".")[0].upper()
    body += struct.pack("<HHI", 2 * len(netbios), 2 * len(netbios) + 2, 0x20010)
    body += struct.pack("<HHI", 0, 0, 0) * 2  # DnsDomainName, DnsForestName: empty
    body += bytes(16) + struct.pack("<I", 0)  # DomainGuid, Sid (null)
    body += struct.pack("<III", 0, 0, 1) + bytes(16)  # DC name, address, type, GUID
    body += struct.pack("<IIIII", 0, 0, 0, 0, 0)  # DomainName, Forest, Flags, sites
    body += struct.pack("<I", 4)  # Options
    _string(body, domain)
    _string(body, machine)
    _string(body, password)
    _align(body)
    units = netbios.encode("utf-16-le")
    body += struct.pack("<III", len(netbios) + 1, 0, len(netbios)) + units
    return _headers(bytes(body))


def provision_data(machine: str, domain: str = "corp.example.com", password: str = "") -> bytes:
    """The decoded bytes of a djoin /savefile blob for ``machine`` in ``domain``."""
    win7 = win7_blob(machine, domain, password or "P@ss-" + machine * 8)
    package = _headers(bytes(24) + bytes(64))  # an OP_PACKAGE stand-in: not read
    return provision_data_of([(1, win7), (2, package)])


def provision_data_of(parts: list[tuple[int, bytes]]) -> bytes:
    """An ODJ_PROVISION_DATA holding ``parts`` (ulODJFormat, serialized bytes)."""
    body = bytearray(struct.pack("<IIII", 0x20000, 1, len(parts), 0x20004))
    body += struct.pack("<I", len(parts))
    for index, (form, part) in enumerate(parts):
        body += struct.pack("<III", form, len(part), 0x20008 + 4 * index)
    for _, part in parts:
        _align(body)
        body += struct.pack("<I", len(part)) + part
    return _headers(bytes(body))


def blob_text(machine: str, domain: str = "corp.example.com") -> str:
    """The base64 text djoin writes for ``machine``."""
    return base64.b64encode(provision_data(machine, domain)).decode("ascii")


def write_blob(path: Path, machine: str, domain: str = "corp.example.com") -> Path:
    """A blob file as djoin /savefile writes it: UTF-16LE text with a BOM, NUL-ended."""
    path.write_bytes(("\ufeff" + blob_text(machine, domain) + "\x00").encode("utf-16-le"))
    return path
