"""Disk sizes as people write them ("8GiB", "8 GB", "4096MiB") and back."""

from __future__ import annotations

import re
from fractions import Fraction

_UNITS = {
    "": 1024**3,  # a bare number is GiB, as in Image Builder's size box
    "b": 1,
    "byte": 1,
    "bytes": 1,
    "k": 1024,
    "kb": 1024,
    "kib": 1024,
    "m": 1024**2,
    "mb": 1024**2,
    "mib": 1024**2,
    "g": 1024**3,
    "gb": 1024**3,
    "gib": 1024**3,
    "t": 1024**4,
    "tb": 1024**4,
    "tib": 1024**4,
}
# Like New-NanoServerImage's -MaxSize, "GB" means 2**30 bytes: that is what
# Windows administrators type and what Hyper-V shows. A number without a unit is
# GiB (Image Builder's box); bytes must say so ("512B"). An int (a TOML integer)
# is a count of bytes.
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$")


def parse_size(text: str | int) -> int:
    """Bytes for a size; raises ValueError with a message fit for users.

    Text without a unit is GiB ("8" is 8 GiB); an int is bytes."""
    if isinstance(text, int):
        if text <= 0:
            raise ValueError("the size must be positive")
        return text
    match = _SIZE.match(text)
    unit = match.group(2).lower() if match else ""
    if match is None or unit not in _UNITS:
        raise ValueError(f"{text!r} is not a size: write it like 8 (GiB), 8GiB, 8192MiB or 8 GB")
    # Fraction, not float: exact, and no OverflowError for a number with 400 digits.
    value = int(Fraction(match.group(1)) * _UNITS[unit])
    if value <= 0:
        raise ValueError("the size must be positive")
    return value


_BINARY_UNITS = (("TiB", 1024**4), ("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024))
_DECIMAL_UNITS = (("GB", 1000**3), ("MB", 1000**2), ("KB", 1000))


def format_size(value: int) -> str:
    """The shortest exact form: 8GiB, 300MiB, or bytes with their unit (1000B:
    a bare number would be read back as GiB)."""
    for unit, factor in _BINARY_UNITS:
        if value % factor == 0:
            return f"{value // factor}{unit}"
    return f"{value}B"


def disk_size_text(value: int) -> str:
    """A disk's size as a user would type it, never smaller than ``value``.

    A VHD's size is rounded down to its CHS geometry (8GiB becomes 8GiB - 32KiB), so an
    existing disk is shown as the whole MiB above it, or the whole GiB when that is at
    most 16MiB more (VHD geometry loses under 8MiB)."""
    mib = -(-value // 1024**2) * 1024**2
    gib = -(-value // 1024**3) * 1024**3
    return format_size(gib if gib - value <= 16 * 1024**2 else mib)


def _rounded(value: float, units: tuple[tuple[str, int], ...]) -> str:
    for unit, factor in units:
        if value >= factor:
            shown = value / factor
            return f"{shown:.1f} {unit}" if shown < 10 else f"{shown:.0f} {unit}"
    return f"{value:.0f} bytes"


def human_size(value: float) -> str:
    """Rounded for display: 1.5 GiB, 210 MiB."""
    return _rounded(value, _BINARY_UNITS)


def size_text(value: int) -> str:
    """Sizes in messages about media, rounded the way people say them (12 MB)."""
    return _rounded(value, _DECIMAL_UNITS)
