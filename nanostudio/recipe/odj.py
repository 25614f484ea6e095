"""Read the machine and domain names out of djoin's offline domain-join data.

Only what NanoStudio checks is read: the machine name and the domain. The machine
account's password sits between them in the data; it is stepped over by its length and
never decoded, kept or put in a message.

Sources (facts only):
- The structures: Microsoft's "Offline domain join IDL definitions"
  (learn.microsoft.com/windows/win32/netmgmt/odj-idl; ODJ_PROVISION_DATA, ODJ_BLOB,
  ODJ_WIN7BLOB, ODJ_POLICY_DNS_DOMAIN_INFO, ODJ_UNICODE_STRING, OP_PACKAGE,
  OP_PACKAGE_PART_COLLECTION, OP_PACKAGE_PART, OP_BLOB, GUID_JOIN_PROVIDER) and
  DOMAIN_CONTROLLER_INFOW (dsgetdc.h). ``djoin /provision`` writes an
  ODJ_PROVISION_DATA holding one or more ODJ_BLOBs; ulODJFormat 1 is an ODJ_WIN7BLOB,
  2 an OP_PACKAGE whose join provider part holds an ODJ_WIN7BLOB too (read when no
  format 1 part is there; an encrypted package is refused).
- The encoding: [MS-RPCE] 2.2.6 "Type Serialization Version 1": an 8-byte common type
  header (2.2.6.1: version 1, 0x10 little-endian, length 8, filler) and an 8-byte private
  header (2.2.6.2: ObjectBufferLength, filler) before each top-level type, which is then
  NDR ([C706] chapter 14): a top-level pointer's referent ID, then the structure, then
  its pointers' referents in order; a [string] is max count, offset, actual count, then
  the UTF-16 units ending in NUL; a conformant array starts with its max count; every
  4-byte value is aligned on 4 bytes.

Every count and length is bounded before it is used, so a hostile file gives one
``OdjFormatError`` and never a large allocation or another exception.
"""

from __future__ import annotations

import struct
import uuid
from dataclasses import dataclass

ODJ_WIN7_FORMAT = 1  # ODJ_BLOB.ulODJFormat: pBlob holds a serialized ODJ_WIN7BLOB
ODJ_WIN8_FORMAT = 2  # ... a serialized OP_PACKAGE
# OP_PACKAGE_PART.PartType of the part holding an ODJ_WIN7BLOB (the IDL's
# GUID_JOIN_PROVIDER, {631c7621-5289-4321-bc9e-80f843f868c3}), as NDR writes a GUID.
GUID_JOIN_PROVIDER = uuid.UUID("631c7621-5289-4321-bc9e-80f843f868c3").bytes_le
MAX_BLOBS = 16  # djoin writes one or two (Windows 7 and OP_PACKAGE forms)
MAX_NAME_UNITS = 256  # UTF-16 units of a DNS domain name (255) and its NUL
MAX_SECRET_UNITS = 4096  # the machine password: stepped over, never read
_HEADER = struct.Struct("<BBHI")  # [MS-RPCE] 2.2.6.1 common type header
_LITTLE_ENDIAN = 0x10


class OdjFormatError(ValueError):
    """The data is not offline domain-join data NanoStudio can read (no content inside)."""


@dataclass(frozen=True)
class ProvisionedJoin:
    """What a djoin blob says about the computer it provisioned."""

    machine_name: str  # ODJ_WIN7BLOB.lpMachineName, as given to djoin /machine
    domain: str  # ODJ_WIN7BLOB.lpDomain, as given to djoin /domain


def read_provision_data(data: bytes) -> ProvisionedJoin:
    """The machine and domain names in a decoded djoin blob, or OdjFormatError."""
    outer = _Ndr(data)
    outer.serialization_headers()
    if outer.u32() == 0:
        raise OdjFormatError("no provisioning data (null top-level pointer)")
    version, count = outer.u32(), outer.u32()
    if version != 1:  # ODJ_PROVISION_DATA.ulVersion "must be set to 1"
        raise OdjFormatError(f"provisioning data version {version}, not 1")
    if not 1 <= count <= MAX_BLOBS:
        raise OdjFormatError(f"{count} parts (djoin writes 1 to {MAX_BLOBS})")
    if outer.u32() == 0:
        raise OdjFormatError("no parts (null pBlobs)")
    if outer.u32() != count:
        raise OdjFormatError("the parts' count does not match")
    parts = [(outer.u32(), outer.u32(), outer.u32()) for _ in range(count)]
    bodies = [(form, outer.pointee(size, referent)) for form, size, referent in parts]
    win7 = next((b for form, b in bodies if form == ODJ_WIN7_FORMAT and b is not None), None)
    if win7 is None:  # only the Windows 8 form: its join provider part holds the same
        package = next((b for form, b in bodies if form == ODJ_WIN8_FORMAT and b), None)
        win7 = _join_part_of_package(package) if package is not None else None
    if win7 is None:
        raise OdjFormatError("no ODJ_WIN7BLOB (the join data that names the machine)")
    return _read_win7_blob(win7)


def _join_part_of_package(data: bytes) -> bytes | None:
    """The serialized ODJ_WIN7BLOB inside an OP_PACKAGE: its OP_PACKAGE_PART_COLLECTION
    (WrappedPartCollection, itself serialized) has a part of type GUID_JOIN_PROVIDER."""
    ndr = _Ndr(data)
    ndr.serialization_headers()
    if ndr.u32() == 0:
        return None
    if ndr.take(16) != bytes(16):  # EncryptionType: GUID_NULL means not encrypted
        raise OdjFormatError("an encrypted OP_PACKAGE (NanoStudio reads only plain ones)")
    context = (ndr.u32(), ndr.u32())  # EncryptionContext (OP_BLOB)
    wrapped = (ndr.u32(), ndr.u32())  # WrappedPartCollection (OP_BLOB)
    ndr.u32()  # cbDecryptedPartCollection
    ndr.u32(), ndr.u32()  # Extension (OP_BLOB), after what is read here
    ndr.pointee(*context)
    collection = ndr.pointee(*wrapped)
    if collection is None:
        return None
    parts = _Ndr(collection)
    parts.serialization_headers()
    if parts.u32() == 0:
        return None
    count = parts.u32()
    if not 0 <= count <= MAX_BLOBS:
        raise OdjFormatError(f"{count} package parts (at most {MAX_BLOBS} are read)")
    if parts.u32() == 0 or count == 0:
        return None
    parts.u32(), parts.u32()  # the collection's Extension (OP_BLOB)
    if parts.u32() != count:
        raise OdjFormatError("the package parts' count does not match")
    # OP_PACKAGE_PART: PartType (GUID), ulFlags, Part and Extension (OP_BLOBs).
    fixed = [(parts.take(16), parts.u32(), (parts.u32(), parts.u32()), (parts.u32(), parts.u32()))
             for _ in range(count)]  # fmt: skip
    for part_type, _flags, part, extension in fixed:
        body = parts.pointee(*part)
        parts.pointee(*extension)
        if part_type == GUID_JOIN_PROVIDER and body is not None:
            return body
    return None


def _read_win7_blob(data: bytes) -> ProvisionedJoin:
    ndr = _Ndr(data)
    ndr.serialization_headers()
    if ndr.u32() == 0:
        raise OdjFormatError("no join data (null ODJ_WIN7BLOB pointer)")
    domain_ref, machine_ref, secret_ref = ndr.u32(), ndr.u32(), ndr.u32()
    # The rest of the fixed part: ODJ_POLICY_DNS_DOMAIN_INFO (three ODJ_UNICODE_STRINGs
    # of 8 bytes, a 16-byte GUID, a SID pointer), DOMAIN_CONTROLLER_INFOW (2 pointers,
    # a ULONG, a GUID, 2 pointers, a ULONG, 2 pointers) and Options: 96 bytes, all
    # before the strings' referents.
    ndr.take(3 * 8 + 16 + 4 + (2 * 4 + 4 + 16 + 2 * 4 + 4 + 2 * 4) + 4)
    if domain_ref == 0 or machine_ref == 0:
        raise OdjFormatError("the join data names no domain or no machine")
    domain = ndr.string(MAX_NAME_UNITS, "domain")
    machine = ndr.string(MAX_NAME_UNITS, "machine name")
    if secret_ref != 0:
        ndr.skip_string(MAX_SECRET_UNITS)  # the password: length-checked, never decoded
    if not machine or not domain:
        raise OdjFormatError("the join data has an empty machine or domain name")
    return ProvisionedJoin(machine_name=machine, domain=domain)


class _Ndr:
    """A bounded little-endian NDR cursor over one serialized type."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._end = len(data)
        self._at = 0

    def serialization_headers(self) -> None:
        """[MS-RPCE] 2.2.6.1 and 2.2.6.2; afterwards the cursor stops at the type's end."""
        if len(self._data) < 16:
            raise OdjFormatError("too short for a serialization header")
        version, endianness, length, _filler = _HEADER.unpack_from(self._data, 0)
        if version != 1 or length != 8:
            raise OdjFormatError("not NDR type serialization version 1")
        if endianness != _LITTLE_ENDIAN:
            raise OdjFormatError("big-endian NDR data (djoin writes little-endian)")
        self._at = 8
        buffer_length = self.u32()
        self.u32()  # filler
        if buffer_length > len(self._data) - 16:
            raise OdjFormatError("the serialized type is longer than the data")
        self._end = 16 + buffer_length

    def u32(self) -> int:
        self._at += -self._at % 4
        (value,) = struct.unpack_from("<I", self._bytes(4), 0)
        return int(value)

    def take(self, size: int) -> bytes:
        return self._bytes(size)

    def pointee(self, size: int, referent: int) -> bytes | None:
        """A [size_is] byte array's referent: its count (== ``size``), then the bytes."""
        if referent == 0:
            return None
        if self.u32() != size:
            raise OdjFormatError("a part's size does not match")
        return self._bytes(size)

    def string(self, max_units: int, what: str) -> str:
        """A [string] wchar_t* referent: counts, then UTF-16LE units ending in NUL."""
        raw = self._string_units(max_units, what)
        try:
            text = raw.decode("utf-16-le")
        except UnicodeDecodeError:
            raise OdjFormatError(f"the {what} is not valid UTF-16") from None
        if "\x00" in text[:-1] or not text.endswith("\x00"):
            raise OdjFormatError(f"the {what} is not a NUL-terminated string")
        return text[:-1]

    def skip_string(self, max_units: int) -> None:
        self._string_units(max_units, "password")

    def _string_units(self, max_units: int, what: str) -> bytes:
        maximum, offset, actual = self.u32(), self.u32(), self.u32()
        if offset != 0 or actual > maximum or not 1 <= actual <= max_units:
            raise OdjFormatError(f"the {what}'s length is out of bounds")
        return self._bytes(2 * actual)

    def _bytes(self, size: int) -> bytes:
        if size < 0 or size > self._end - self._at:
            raise OdjFormatError("the data ends inside a structure")
        chunk = self._data[self._at : self._at + size]
        self._at += size
        return chunk
