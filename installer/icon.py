"""Windows .ico from the SVG app icon, rendered by Qt at build time.

A committed .ico would drift from the SVG; Pillow is not a dependency. So Qt
(already required) renders PNGs and this module packs them as PNG-in-ICO, the
format Windows reads since Vista. Run as ``python -m installer.icon SVG ICO``.
"""

from __future__ import annotations

import argparse
import os
import struct
import sys
from collections.abc import Sequence
from pathlib import Path

ICON_SIZES: tuple[int, ...] = (16, 20, 24, 32, 40, 48, 64, 128, 256)
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk (which must come first)."""
    if not png.startswith(_PNG_SIGNATURE) or png[12:16] != b"IHDR":
        raise ValueError("not a PNG image")
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def ico_bytes(pngs: Sequence[bytes]) -> bytes:
    """An ICO file holding each PNG as one image (sizes up to 256×256)."""
    if not pngs:
        raise ValueError("an icon needs at least one image")
    header = struct.pack("<HHH", 0, 1, len(pngs))
    offset = len(header) + 16 * len(pngs)
    entries = b""
    for png in pngs:
        width, height = png_size(png)
        if not (1 <= width <= 256 and 1 <= height <= 256):
            raise ValueError(f"icon images must be 1..256 pixels, got {width}x{height}")
        # 0 stands for 256 in the one-byte width/height fields.
        entries += struct.pack(
            "<BBBBHHII", width % 256, height % 256, 0, 0, 1, 32, len(png), offset
        )
        offset += len(png)
    return header + entries + b"".join(pngs)


def render_svg_pngs(svg: Path, sizes: Sequence[int] = ICON_SIZES) -> list[bytes]:
    """PNG bytes of ``svg`` drawn square at each size, on a transparent background."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication([sys.argv[0]])
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise ValueError(f"{svg} is not a valid SVG image")
    pngs: list[bytes] = []
    for size in sizes:
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        # PySide6 (6.11, 6.12) accepts only str here although its stub says bytes.
        if not image.save(buffer, "PNG"):  # type: ignore[call-overload]
            raise RuntimeError(f"Qt could not encode the {size}px icon as PNG")
        buffer.close()
        pngs.append(bytes(data.data()))
    return pngs


def write_ico(svg: Path, ico: Path) -> None:
    ico.parent.mkdir(parents=True, exist_ok=True)
    ico.write_bytes(ico_bytes(render_svg_pngs(svg)))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Render an SVG icon into a Windows .ico file.")
    parser.add_argument("svg", type=Path)
    parser.add_argument("ico", type=Path)
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    write_ico(args.svg, args.ico)
    return 0


if __name__ == "__main__":
    sys.exit(main())
