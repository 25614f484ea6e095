"""Plain-string pipeline output read straight from PSRP fragments, without psrpcore.

A console's output arrives as one PSRP message per line (``Out-String -Stream``), and
psrpcore spends about 30 µs of CPU on each (an ElementTree parse, its CLIXML
deserialiser, two UUIDs, a debug line it formats even when logging is off): most of
a session's 0.35 s of CPU per MB of output. Nearly every such message is a one-fragment
PIPELINE_OUTPUT whose data is ``<S>text</S>`` with nothing to unescape; ``split``
reads those directly and leaves every other fragment, in order, to psrpcore.

Formats (MS-PSRP 2.2.4 fragment, 2.2.1 message): fragment = ObjectId (8, big-endian),
FragmentId (8), flags (1: start 0x1, end 0x2), BlobLength (4), blob; message =
Destination (4, little-endian), MessageType (4), RPID (16, GUID bytes_le), PID (16),
data (UTF-8, maybe after a BOM). A text is taken only when psrpcore would give the
same ``str``: no markup, entity, ``_xHHHH_`` escape, carriage return (which an XML
parser rewrites), character XML forbids, or invalid UTF-8 in it. A message skipped
here leaves psrpcore's state as it was: a one-fragment message has a fresh object id,
and psrpcore does nothing for a client's pipeline output but return it.
"""

from __future__ import annotations

import re
import struct
import uuid
from collections.abc import Iterator

_FRAGMENT = struct.Struct(">QQBI")
_MESSAGE = struct.Struct("<II16s16s")
_WHOLE_MESSAGE = 0x3  # start and end: the message is in this one fragment
PIPELINE_OUTPUT = 0x00041004  # MS-PSRP 2.2.1 MessageType
_BOM = b"\xef\xbb\xbf"
_OPEN, _CLOSE = b"<S>", b"</S>"
# Anything psrpcore's XML parse and string deserialiser would change or refuse.
_NEEDS_FULL_DECODE = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\r<&]|_[xX]|\]\]>")


def split(data: bytes, pipeline_id: uuid.UUID) -> Iterator[bytes | str]:
    """``data``'s fragments in order: each plain output line of ``pipeline_id`` as a
    ``str``, and the runs of fragments between them as ``bytes`` for psrpcore.

    Malformed data is not judged here: from the first fragment that does not parse
    on, the rest goes to psrpcore as it is, which raises its own error.
    """
    pid = pipeline_id.bytes_le
    header = _FRAGMENT.size
    end = len(data)
    pos = run_start = 0
    while pos + header <= end:
        _, fragment_id, flags, length = _FRAGMENT.unpack_from(data, pos)
        blob_end = pos + header + length
        if blob_end > end:
            break
        whole = flags == _WHOLE_MESSAGE and fragment_id == 0
        text = _plain_text(data, pos + header, blob_end, pid) if whole else None
        if text is not None:
            if run_start < pos:
                yield data[run_start:pos]
            yield text
            run_start = blob_end
        pos = blob_end
    if run_start < end:
        yield data[run_start:]


def _plain_text(data: bytes, start: int, end: int, pid: bytes) -> str | None:
    """The text of a whole PIPELINE_OUTPUT message of ``pid`` holding a plain <S>, else None."""
    if end - start < _MESSAGE.size + len(_OPEN) + len(_CLOSE):
        return None
    _, message_type, _, message_pid = _MESSAGE.unpack_from(data, start)
    if message_type != PIPELINE_OUTPUT or message_pid != pid:
        return None
    body_start = start + _MESSAGE.size
    if data.startswith(_BOM, body_start):
        body_start += len(_BOM)
    if not data.startswith(_OPEN, body_start) or not data.endswith(_CLOSE, body_start, end):
        return None
    body = data[body_start + len(_OPEN) : end - len(_CLOSE)]
    if _NEEDS_FULL_DECODE.search(body):
        return None
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return None
