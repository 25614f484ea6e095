"""The WIM header and XML reader, checked against wimlib's own view of real WIMs."""

from __future__ import annotations

import io
import struct
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nanostudio.catalogue import Edition
from nanostudio.devtools.sample_media import SampleMedia
from nanostudio.errors import MediaError
from nanostudio.media.model import WimImage
from nanostudio.media.wim import (
    HEADER_SIZE,
    WimHeader,
    decode_xml,
    edition_of,
    parse_header,
    parse_xml,
    read_images,
)
from nanostudio.sizes import size_text


def _wimlib_header(wim: Path) -> dict[str, str]:
    out = subprocess.run(
        ["wimlib-imagex", "info", str(wim), "--header"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    fields = {}
    for line in out.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            fields[key.strip()] = value.strip()
    return fields


def _read(wim: Path) -> tuple[WimHeader, tuple[WimImage, ...]]:
    data = wim.read_bytes()
    return read_images(io.BytesIO(data), len(data), name="NanoServer.wim", remedy="copy again")


def test_header_fields_match_wimlib(sample_media: SampleMedia) -> None:
    expected = _wimlib_header(sample_media.wim)
    header = parse_header(sample_media.wim.read_bytes()[:HEADER_SIZE], name="w", remedy="r")
    assert header.image_count == int(expected["Image Count"]) == 2
    assert header.xml.offset == int(expected["XML Data Offset"])
    assert header.xml.size == int(expected["XML Data Size"])
    assert header.blob_table.offset == int(expected["Blob Table Offset"])
    assert header.chunk_size == int(expected["Chunk Size"])
    assert header.required_bytes == sample_media.wim.stat().st_size


def test_images_match_wimlib_xml(sample_media: SampleMedia) -> None:
    raw = subprocess.run(
        ["wimlib-imagex", "info", str(sample_media.wim), "--xml"], capture_output=True, check=True
    ).stdout
    assert raw.startswith(b"\xff\xfe")  # UTF-16LE with a BOM, as DESIGN.md says
    from_wimlib = parse_xml(raw)
    _, ours = _read(sample_media.wim)
    assert ours == from_wimlib
    standard, datacenter = from_wimlib
    assert (standard.index, standard.edition, standard.edition_id) == (
        1,
        Edition.STANDARD,
        "ServerStandardNano",
    )
    assert standard.name == "Windows Server 2016 SERVERSTANDARDNANO"
    assert (datacenter.index, datacenter.edition) == (2, Edition.DATACENTER)
    assert datacenter.flags == "ServerDatacenterNano"
    assert standard.architecture == "amd64"
    assert standard.total_bytes > 700_000  # at least the GRUB boot program


def test_editions_follow_the_xml_not_the_index(sample_media_datacenter_first: SampleMedia) -> None:
    _, images = _read(sample_media_datacenter_first.wim)
    assert [(i.index, i.edition) for i in images] == [
        (1, Edition.DATACENTER),
        (2, Edition.STANDARD),
    ]


@pytest.mark.parametrize(
    ("edition_id", "flags", "name", "expected"),
    [
        ("ServerStandardNano", None, None, Edition.STANDARD),
        ("ServerDatacenterNano", "ServerDatacenterNano", "x", Edition.DATACENTER),
        (None, "ServerDatacenterNano", None, Edition.DATACENTER),
        (None, None, "Windows Server 2016 SERVERSTANDARDNANO", Edition.STANDARD),
        (None, None, "windows server 2016 serverdatacenternano", Edition.DATACENTER),
        # A field naming another edition settles it, whatever NAME says.
        ("ServerStandard", None, "Windows Server 2016 SERVERSTANDARDNANO", None),
        ("ServerDatacenterCor", None, None, None),
        (None, None, "Windows Server 2016 SERVERSTANDARD", None),
        # "Nano" without an edition passes the question on.
        ("ServerNano", None, "Windows Server 2016 SERVERDATACENTERNANO", Edition.DATACENTER),
        (None, None, None, None),
    ],
)
def test_edition_of(
    edition_id: str | None, flags: str | None, name: str | None, expected: Edition | None
) -> None:
    assert edition_of(edition_id, flags, name) is expected


def _xml(body: str) -> bytes:
    return b"\xff\xfe" + f"<WIM>{body}</WIM>".encode("utf-16-le")


def test_parse_xml_orders_by_index_and_tolerates_missing_fields() -> None:
    images = parse_xml(
        _xml(
            '<IMAGE INDEX="2"><NAME>Windows Server 2016 SERVERSTANDARD</NAME>'
            "<WINDOWS><ARCH>12</ARCH><EDITIONID>ServerStandard</EDITIONID></WINDOWS></IMAGE>"
            '<IMAGE INDEX="1"><TOTALBYTES>42</TOTALBYTES></IMAGE>'
        )
    )
    assert [image.index for image in images] == [1, 2]
    assert images[0].name == "Image 1"
    assert images[0].total_bytes == 42
    assert images[0].edition is None
    assert images[1].architecture == "arm64"
    assert images[1].edition is None


def test_decode_xml_without_bom_and_with_padding() -> None:
    assert decode_xml("<WIM/>\0".encode("utf-16-le")) == "<WIM/>"


def test_parse_xml_rejects_other_documents() -> None:
    with pytest.raises(ValueError, match="root element"):
        parse_xml(b"\xff\xfe" + "<NOTWIM/>".encode("utf-16-le"))


def test_text_is_not_a_wim() -> None:
    with pytest.raises(MediaError, match="is not a WIM file"):
        parse_header(b"hello, this is text and not a WIM at all" * 8, name="x.wim", remedy="r")


def test_split_wim_is_refused(sample_media: SampleMedia) -> None:
    header = bytearray(sample_media.wim.read_bytes()[:HEADER_SIZE])
    struct.pack_into("<HH", header, 40, 1, 3)  # part 1 of 3
    with pytest.raises(MediaError, match="split WIM"):
        parse_header(bytes(header), name="x.wim", remedy="r")


def test_interrupted_write_is_refused(sample_media: SampleMedia) -> None:
    header = bytearray(sample_media.wim.read_bytes()[:HEADER_SIZE])
    flags = struct.unpack_from("<I", header, 16)[0]
    struct.pack_into("<I", header, 16, flags | 0x40)
    with pytest.raises(MediaError, match="not completely written"):
        parse_header(bytes(header), name="x.wim", remedy="copy it again")


def test_compressed_or_absurd_xml_is_damage(sample_media: SampleMedia) -> None:
    data = bytearray(sample_media.wim.read_bytes())
    data[72 + 7] |= 0x04  # the XML resource's flags: compressed
    with pytest.raises(MediaError, match="damaged metadata"):
        read_images(io.BytesIO(bytes(data)), len(data), name="w", remedy="r")


def test_garbled_xml_is_damage(sample_media: SampleMedia) -> None:
    data = bytearray(sample_media.wim.read_bytes())
    header = parse_header(bytes(data[:HEADER_SIZE]), name="w", remedy="r")
    data[header.xml.offset + 2 : header.xml.offset + 12] = b"\x00\xd8" * 5  # lone surrogates
    with pytest.raises(MediaError, match="damaged metadata"):
        read_images(io.BytesIO(bytes(data)), len(data), name="w", remedy="r")


@settings(max_examples=40, deadline=None)
@given(fraction=st.floats(min_value=0.0, max_value=0.9999))
def test_any_truncation_is_reported(sample_media: SampleMedia, fraction: float) -> None:
    data = sample_media.wim.read_bytes()
    keep = max(1, int(len(data) * fraction))
    with pytest.raises(MediaError, match=r"NanoServer\.wim is truncated \(read .* of .*\): copy"):
        read_images(io.BytesIO(data[:keep]), keep, name="NanoServer.wim", remedy="copy again")


def test_truncation_message_gives_sizes(sample_media: SampleMedia) -> None:
    data = sample_media.wim.read_bytes()
    keep = len(data) // 2
    with pytest.raises(MediaError) as caught:
        read_images(io.BytesIO(data[:keep]), keep, name="NanoServer.wim", remedy="copy again")
    assert f"(read {size_text(keep)} of {size_text(len(data))})" in str(caught.value)
    assert size_text(keep).endswith(" KB")


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "0 bytes"),
        (999, "999 bytes"),
        (12_345_678, "12 MB"),
        (210_000_000, "210 MB"),
        (1_500_000_000, "1.5 GB"),
        (4_200, "4.2 KB"),
    ],
)
def test_size_text(value: int, text: str) -> None:
    assert size_text(value) == text
