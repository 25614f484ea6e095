"""Which TargetOSVersion decoration of an INF applies to Nano Server 2016.

Restated from Microsoft's documentation (learn.microsoft.com,
/windows-hardware/drivers/install/combining-platform-extensions-with-operating-system-versions):
a decoration is ``NT[arch][.major[.minor[.producttype[.suitemask[.build]]]]]`` (the
build field exists from Windows 10 1607, build 14310); Windows takes the decoration
closest to (and not newer than) the running system.
"""

from __future__ import annotations

from dataclasses import dataclass

from nanostudio.media.inf_syntax import inf_number

# Nano Server 2016 is Windows 10.0 build 14393, product type 3 (VER_NT_SERVER).
TARGET_OS_VERSION = (10, 0, 14393)
_SERVER_PRODUCT_TYPE = 3


@dataclass(frozen=True)
class Decoration:
    """One decoration's parts; a part the decoration leaves out is None."""

    arch: str
    major: int | None
    minor: int | None
    product_type: int | None
    suite_mask: int | None
    build: int | None

    @property
    def applies(self) -> bool:
        """True when Windows 10.0.14393 Server would accept this decoration."""
        version = (self.major or 0, self.minor or 0, self.build or 0)
        if version > TARGET_OS_VERSION:
            return False
        if self.product_type not in (None, 0, _SERVER_PRODUCT_TYPE):
            return False
        # We cannot know the image's suite mask, so a decoration that demands one is skipped.
        return not self.suite_mask

    @property
    def specificity(self) -> tuple[int, ...]:
        return (
            self.major or 0,
            self.minor or 0,
            self.build or 0,
            int(self.product_type is not None),
            1,
        )


def parse_decoration(text: str) -> Decoration | None:
    """``NTamd64.10.0...14393`` → its parts; None when it is not an NT decoration."""
    parts = [p.strip() for p in text.strip().lower().split(".")]
    if not parts[0].startswith("nt"):
        return None
    arch = parts[0][2:] or "x86"
    if not arch.isalnum():
        return None
    numbers: list[int | None] = []
    for part in (parts[1:] + [""] * 5)[:5]:
        numbers.append(inf_number(part) if part else None)
    major, minor, product_type, suite_mask, build = numbers
    return Decoration(arch, major, minor, product_type, suite_mask, build)
