"""Read a WIM's header and XML directly, without extracting or decompressing it.

Inspection must answer in a second for a WIM inside an ISO, so we parse the
fixed 208-byte header ourselves and read only the XML resource (stored
uncompressed, UTF-16LE) from wherever the WIM lives. The header also tells us
how long the file must be, which is how a truncated copy is caught early.
"""

from __future__ import annotations

import re
import struct
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import BinaryIO

from nanostudio.catalogue import Edition
from nanostudio.errors import MediaError
from nanostudio.media.model import WimImage
from nanostudio.sizes import size_text

HEADER_SIZE = 208
MAGIC = b"MSWIM\0\0\0"
# Header flags (wimlib's wim_header.h / Microsoft's WIM format document).
FLAG_WRITE_IN_PROGRESS = 0x40
FLAG_SPANNED = 0x08
# Resource header flags.
RESOURCE_COMPRESSED = 0x04
# The versions wimlib (and Windows) accept: 1.13 ("default") and 3584 (solid/ESD).
KNOWN_VERSIONS = frozenset({0x10D00, 0xE00})
# No WIM is a petabyte: a table said to lie beyond this is a damaged header, not a
# truncated file.
MAX_WIM_BYTES = 1 << 50
# Real XML is a few KB per image; anything this large is damage, not metadata.
MAX_XML_BYTES = 64 * 1024 * 1024

_HEADER = struct.Struct("<8sIIII16sHHI24s24s24sI24s60s")
_RESOURCE = struct.Struct("<7sBQQ")

# WINDOWS/ARCH values (PROCESSOR_ARCHITECTURE_*).
ARCHITECTURES = {0: "x86", 5: "arm", 6: "ia64", 9: "amd64", 12: "arm64"}


@dataclass(frozen=True)
class Resource:
    """A resource header: where a blob lies in the file and how big it is."""

    size: int
    flags: int
    offset: int
    original_size: int

    @property
    def end(self) -> int:
        return self.offset + self.size if self.size else 0

    @property
    def compressed(self) -> bool:
        return bool(self.flags & RESOURCE_COMPRESSED)


@dataclass(frozen=True)
class WimHeader:
    """The fields of the 208-byte header that inspection relies on."""

    version: int
    flags: int
    chunk_size: int
    part_number: int
    total_parts: int
    image_count: int
    blob_table: Resource
    xml: Resource
    boot_metadata: Resource
    boot_index: int
    integrity: Resource

    @property
    def required_bytes(self) -> int:
        """The file must be at least this long: every table lies inside it."""
        resources = (self.blob_table, self.xml, self.boot_metadata, self.integrity)
        return max([HEADER_SIZE, *(resource.end for resource in resources)])


def _resource(raw: bytes) -> Resource:
    size_bytes, flags, offset, original_size = _RESOURCE.unpack(raw)
    return Resource(int.from_bytes(size_bytes, "little"), flags, offset, original_size)


def parse_header(data: bytes, *, name: str, remedy: str) -> WimHeader:
    """The header of ``name``; raises MediaError saying what is wrong and ``remedy``."""
    if not data.startswith(MAGIC[: len(data)]) or not data:
        raise MediaError(
            f"{name} is not a WIM file (it does not start with the MSWIM signature): "
            "choose NanoServer.wim from the NanoServer folder of a Windows Server 2016 ISO"
        )
    if len(data) < HEADER_SIZE:
        raise MediaError(
            f"{name} is truncated (read {size_text(len(data))} of at least "
            f"{HEADER_SIZE} bytes): {remedy}"
        )
    fields = _HEADER.unpack(data[:HEADER_SIZE])
    (_, header_size, version, flags, chunk_size, _, part, parts, count) = fields[:9]
    header = WimHeader(
        version=version,
        flags=flags,
        chunk_size=chunk_size,
        part_number=part,
        total_parts=parts,
        image_count=count,
        blob_table=_resource(fields[9]),
        xml=_resource(fields[10]),
        boot_metadata=_resource(fields[11]),
        boot_index=fields[12],
        integrity=_resource(fields[13]),
    )
    if header_size != HEADER_SIZE:
        raise MediaError(f"{name} has a damaged header (size {header_size}): {remedy}")
    if version not in KNOWN_VERSIONS:
        raise MediaError(
            f"{name} has a damaged header (format version 0x{version:x}, not a WIM version "
            f"Windows writes): {remedy}"
        )
    for label, resource in (("blob table", header.blob_table), ("XML description", header.xml)):
        if resource.size and (resource.offset < HEADER_SIZE or resource.end > MAX_WIM_BYTES):
            raise MediaError(
                f"{name} has a damaged header (its {label} is said to lie at byte "
                f"{resource.offset:,}, size {resource.size:,}, which no WIM has): {remedy}"
            )
    if parts > 1 or flags & FLAG_SPANNED:
        raise MediaError(
            f"{name} is part {part} of a split WIM (.swm): NanoStudio needs a single "
            "NanoServer.wim; join the parts with 'wimlib-imagex join' or use the one from the ISO"
        )
    if flags & FLAG_WRITE_IN_PROGRESS:
        raise MediaError(f"{name} was not completely written (a copy was interrupted): {remedy}")
    return header


def check_complete(header: WimHeader, file_size: int, *, name: str, remedy: str) -> None:
    """Raise if tables the header points at lie past the end of the file."""
    if file_size < header.required_bytes:
        raise MediaError(
            f"{name} is truncated (read {size_text(file_size)} of "
            f"{size_text(header.required_bytes)}): {remedy}"
        )


def read_images(
    stream: BinaryIO, file_size: int, *, name: str, remedy: str
) -> tuple[WimHeader, tuple[WimImage, ...]]:
    """Header and images of the WIM open in ``stream`` (any seekable binary file)."""
    stream.seek(0)
    header = parse_header(stream.read(HEADER_SIZE), name=name, remedy=remedy)
    check_complete(header, file_size, name=name, remedy=remedy)
    xml = header.xml
    damaged = f"{name} has damaged metadata (its XML description cannot be read): {remedy}"
    if xml.size == 0 or xml.compressed or xml.size > MAX_XML_BYTES:
        raise MediaError(damaged)
    stream.seek(xml.offset)
    data = stream.read(xml.size)
    if len(data) != xml.size:
        raise MediaError(
            f"{name} is truncated (read {size_text(xml.offset + len(data))} of "
            f"{size_text(header.required_bytes)}): {remedy}"
        )
    try:
        images = parse_xml(data)
    except (ValueError, ET.ParseError) as error:
        raise MediaError(damaged) from error
    if header.image_count != len(images):
        raise MediaError(
            f"{name} has a damaged header (it counts {header.image_count} images, its XML "
            f"describes {len(images)}): {remedy}"
        )
    return header, images


def decode_xml(data: bytes) -> str:
    """WIM XML is UTF-16LE, normally with a BOM; trailing NULs are padding."""
    if data.startswith(b"\xff\xfe"):
        data = data[2:]
    return data.decode("utf-16-le").rstrip("\0")


def parse_xml(data: bytes) -> tuple[WimImage, ...]:
    """The images described by a WIM's XML (raw bytes as stored in the WIM)."""
    root = ET.fromstring(decode_xml(data))
    if root.tag != "WIM":
        raise ValueError(f"unexpected XML root element {root.tag!r}")
    images = [_image(element) for element in root.findall("IMAGE")]
    return tuple(sorted(images, key=lambda image: image.index))


def _text(element: ET.Element, path: str) -> str | None:
    found = element.find(path)
    if found is None or found.text is None or not found.text.strip():
        return None
    return found.text.strip()


def _image(element: ET.Element) -> WimImage:
    index = int(element.get("INDEX", "0"))
    if index < 1:
        raise ValueError("an IMAGE element has no valid INDEX")
    name = _text(element, "NAME") or _text(element, "DISPLAYNAME") or f"Image {index}"
    edition_id = _text(element, "WINDOWS/EDITIONID")
    flags = _text(element, "FLAGS")
    arch = _text(element, "WINDOWS/ARCH")
    total = _text(element, "TOTALBYTES")
    return WimImage(
        index=index,
        name=name,
        edition=edition_of(edition_id, flags, name),
        edition_id=edition_id,
        flags=flags,
        architecture=ARCHITECTURES.get(int(arch), arch) if arch and arch.isdigit() else arch,
        total_bytes=int(total) if total and total.isdigit() else 0,
    )


def edition_of(edition_id: str | None, flags: str | None, name: str | None) -> Edition | None:
    """The Nano Server edition an image holds, or None if it is not Nano Server.

    EDITIONID is asked first, then FLAGS, then NAME ("Windows Server 2016
    SERVERSTANDARDNANO"). A field that names another edition (ServerStandard,
    ServerDatacenterCor) settles it as not Nano; a field that is absent, or says
    Nano without saying which, passes the question on to the next one.
    """
    for value in (edition_id, flags, name):
        if not value:
            continue
        letters = re.sub(r"[^a-z]", "", value.lower())
        if "nano" not in letters:
            return None
        if "datacenter" in letters:
            return Edition.DATACENTER
        if "standard" in letters:
            return Edition.STANDARD
    return None
