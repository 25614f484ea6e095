"""The .ico writer and the Qt renderer behind it (installer/icon.py)."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from PySide6.QtGui import QImageReader
from PySide6.QtWidgets import QApplication

from installer.icon import ICON_SIZES, ico_bytes, png_size, render_svg_pngs, write_ico

SQUARE_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">'
    '<rect x="8" y="8" width="48" height="48" fill="#1e6fd9"/></svg>'
)


def _fake_png(width: int, height: int) -> bytes:
    """Signature + IHDR header: enough for the ICO directory, which reads no pixels."""
    ihdr = struct.pack(">II", width, height) + bytes([8, 6, 0, 0, 0])
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + ihdr + b"\0\0\0\0"


def test_directory_entries_point_at_each_png() -> None:
    pngs = [_fake_png(16, 16), _fake_png(256, 256)]
    data = ico_bytes(pngs)
    assert struct.unpack("<HHH", data[:6]) == (0, 1, 2)
    first = struct.unpack("<BBBBHHII", data[6:22])
    second = struct.unpack("<BBBBHHII", data[22:38])
    assert first == (16, 16, 0, 0, 1, 32, len(pngs[0]), 38)
    # 256 is written as 0 in the one-byte size fields.
    assert second == (0, 0, 0, 0, 1, 32, len(pngs[1]), 38 + len(pngs[0]))
    assert data[38:] == pngs[0] + pngs[1]


def test_rejects_what_ico_cannot_hold() -> None:
    with pytest.raises(ValueError, match="at least one"):
        ico_bytes([])
    with pytest.raises(ValueError, match="not a PNG"):
        ico_bytes([b"GIF89a" + bytes(40)])
    with pytest.raises(ValueError, match=r"1\.\.256"):
        ico_bytes([_fake_png(512, 512)])


def test_png_size_reads_ihdr() -> None:
    assert png_size(_fake_png(48, 32)) == (48, 32)


def test_rendered_icon_reads_back_in_qt(qapp: QApplication, tmp_path: Path) -> None:
    """Qt's own ICO reader (qico plugin) sees every size, with the SVG's colour inside."""
    svg = tmp_path / "app.svg"
    svg.write_text(SQUARE_SVG, encoding="utf-8")
    ico = tmp_path / "out" / "app.ico"
    write_ico(svg, ico)
    reader = QImageReader(str(ico))
    assert bytes(reader.format().data()) == b"ico"
    assert reader.imageCount() == len(ICON_SIZES)
    sizes = []
    for index in range(reader.imageCount()):
        assert reader.jumpToImage(index)
        image = reader.read()
        assert not image.isNull(), reader.errorString()
        sizes.append(image.width())
        centre = image.pixelColor(image.width() // 2, image.height() // 2)
        assert (centre.red(), centre.green(), centre.blue(), centre.alpha()) == (30, 111, 217, 255)
        assert image.pixelColor(0, 0).alpha() == 0  # outside the square: transparent
    assert sizes == list(ICON_SIZES)


@pytest.mark.qt_log_ignore("^Cannot read file .*broken.svg")  # Qt's own word on the bad file
def test_invalid_svg_is_refused(qapp: QApplication, tmp_path: Path) -> None:
    svg = tmp_path / "broken.svg"
    svg.write_text("<svg", encoding="utf-8")
    with pytest.raises(ValueError, match="not a valid SVG"):
        render_svg_pngs(svg, (16,))
