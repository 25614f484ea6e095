"""The syntax of Windows INF files: bytes to text, text to sections of logical lines.

What the lines mean (models, services, strings) is ``inf``'s business; this module
only applies Microsoft's general syntax rules (learn.microsoft.com,
/windows-hardware/drivers/install/general-syntax-rules-for-inf-files): ``;`` starts a
comment unless it is inside double quotes; a ``\\`` at the end of a line joins the
next line to it; section names and keys do not depend on case; values are
comma-separated and a quoted value may hold commas; a section named twice is one
section.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

MAX_INF_BYTES = 4 * 1024 * 1024
"""Real INFs are well under 1 MiB even in UTF-16; anything larger is not an INF."""


@dataclass(frozen=True)
class InfLine:
    """One logical line of a section, comments removed and continuations joined.

    ``key`` is None for lines without ``=`` (file lists, HKR lines); then
    ``value`` is the whole line. ``fields`` is ``value`` split on commas outside
    quotes, each trimmed, quotes kept so that ``Inf.expand`` can apply the rules.
    """

    key: str | None
    value: str
    fields: tuple[str, ...]

    def is_key(self, name: str) -> bool:
        """Keys are case-insensitive in INF files."""
        return self.key is not None and self.key.lower() == name.lower()


class Sections(Mapping[str, tuple[InfLine, ...]]):
    """Section name → its lines in file order; names match without regard to case.

    Iteration gives the names as first spelled in the file, in file order.
    """

    def __init__(self, sections: Mapping[str, tuple[InfLine, ...]]) -> None:
        self._lines: dict[str, tuple[InfLine, ...]] = {}
        self._names: dict[str, str] = {}
        for name, lines in sections.items():
            folded = name.lower()
            self._names.setdefault(folded, name)
            self._lines[folded] = self._lines.get(folded, ()) + tuple(lines)

    def __getitem__(self, name: str) -> tuple[InfLine, ...]:
        return self._lines[name.lower()]

    def __iter__(self) -> Iterator[str]:
        return iter(self._names.values())

    def __len__(self) -> int:
        return len(self._lines)

    def __hash__(self) -> int:
        return hash(tuple(self._lines.items()))

    def __repr__(self) -> str:
        return f"Sections({list(self._names.values())!r})"

    def name(self, name: str) -> str | None:
        """The section's name as spelled in the file, or None when it is absent."""
        return self._names.get(name.lower())


def parse_sections(text: str) -> Sections:
    """Split INF text into sections of logical lines. Never raises on sloppy input."""
    sections: dict[str, list[InfLine]] = {}
    spelled: dict[str, str] = {}  # lower-case name → first spelling; a repeated section merges
    current: list[InfLine] | None = None
    for line in _logical_lines(text):
        if line.startswith("["):
            end = line.find("]")
            if end > 0:
                name = line[1:end].strip()
                name = spelled.setdefault(name.lower(), name)
                current = sections.setdefault(name, [])
                continue
        if current is None:
            continue
        current.append(_inf_line(line))
    return Sections({name: tuple(lines) for name, lines in sections.items()})


def _logical_lines(text: str) -> Iterator[str]:
    """Lines with comments removed, trimmed, continuation lines joined, blanks dropped."""
    pending = ""
    for physical in text.splitlines():
        line = _strip_comment(physical).strip()
        if line.endswith("\\"):
            pending += line[:-1].rstrip() + " "
            continue
        line = (pending + line).strip()
        pending = ""
        if line:
            yield line
    if pending.strip():
        yield pending.strip()


def _inf_line(line: str) -> InfLine:
    equals = _find_outside_quotes(line, "=")
    if equals < 0:
        return InfLine(None, line, _split_fields(line))
    key = line[:equals].strip()
    value = line[equals + 1 :].strip()
    return InfLine(key, value, _split_fields(value))


def _find_outside_quotes(text: str, wanted: str) -> int:
    quoted = False
    for index, char in enumerate(text):
        if char == '"':
            quoted = not quoted
        elif char == wanted and not quoted:
            return index
    return -1


def _split_fields(value: str) -> tuple[str, ...]:
    """Comma-separated fields (commas inside quotes do not split), trimmed."""
    if not value:
        return ()
    fields: list[str] = []
    start = 0
    quoted = False
    for index, char in enumerate(value):
        if char == '"':
            quoted = not quoted
        elif char == "," and not quoted:
            fields.append(value[start:index].strip())
            start = index + 1
    fields.append(value[start:].strip())
    return tuple(fields)


def _strip_comment(line: str) -> str:
    """Drop a ``;`` comment unless it is inside double quotes."""
    index = _find_outside_quotes(line, ";")
    return line if index < 0 else line[:index]


def unquote(text: str) -> str:
    """Remove the quote marks of quoted runs; ``""`` inside quotes is a literal quote."""
    if '"' not in text:
        return text.strip()
    out: list[str] = []
    quoted = False
    index = 0
    while index < len(text):
        char = text[index]
        if char == '"':
            if quoted and text.startswith('""', index):
                out.append('"')
                index += 2
                continue
            quoted = not quoted
        else:
            out.append(char)
        index += 1
    return "".join(out).strip()


def decode_inf(raw: bytes) -> str | None:
    """INF bytes → text: UTF-16 with a BOM, UTF-8 (BOM optional) or ANSI (cp1252).

    None means the bytes are not text (NUL bytes without a UTF-16 BOM, or bad UTF-16).
    """
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            return None
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if b"\x00" in raw:
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def inf_number(text: str) -> int | None:
    """``0x1``, ``1`` or ``%SERVICE_BOOT_START%``-expanded text → int; None if not a number."""
    text = text.strip()
    try:
        if text.lower().startswith("0x"):
            return int(text[2:], 16)
        return int(text, 10)
    except ValueError:
        return None
