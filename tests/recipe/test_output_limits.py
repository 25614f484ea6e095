"""Issue 12 §6: sizes beyond the container's limit, and an output that is (or is in)
the source media, never pass."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from nanostudio.recipe import OutputSpec, Recipe, SourceSpec, validate

GIB = 1 << 30
TIB = 1 << 40


def _problems(media: Path, output: Path, size: int = 8 * GIB) -> dict[str, str]:
    recipe = Recipe(source=SourceSpec(media=media), output=OutputSpec(path=output, size=size))
    return {p.field: p.message for p in validate(recipe)}


@pytest.mark.parametrize(
    ("name", "size", "refused"),
    [
        ("nano.vhd", 2040 * GIB, False),
        ("nano.vhd", 2040 * GIB + 1, True),
        ("nano.vhd", 4 * TIB, True),
        ("nano.vhdx", 64 * TIB, False),
        ("nano.vhdx", 64 * TIB + 1, True),
        ("nano.vhdx", 1 << 62, True),
    ],
)
def test_sizes_beyond_the_format_limit_are_refused(
    tmp_path: Path, name: str, size: int, refused: bool
) -> None:
    problems = _problems(tmp_path / "media", tmp_path / name, size)
    assert ("output.size" in problems) is refused, problems


def test_a_vhd_too_big_is_told_to_use_vhdx(tmp_path: Path) -> None:
    message = _problems(tmp_path / "media", tmp_path / "a.vhd", 3 * TIB)["output.size"]
    assert "2040GiB" in message and ".vhdx" in message


def test_output_equal_to_the_media_is_refused(tmp_path: Path) -> None:
    wim = tmp_path / "NanoServer" / "NanoServer.wim"
    wim.parent.mkdir()
    wim.write_bytes(b"wim")
    assert "output.path" in _problems(wim, tmp_path / "NanoServer" / "NanoServer.wim")
    iso = tmp_path / "server.iso"
    iso.write_bytes(b"iso")
    recipe = Recipe(source=SourceSpec(media=iso), output=OutputSpec(path=iso.with_suffix(".iso")))
    # An ISO cannot be an output name anyway; the same file by another spelling:
    recipe = replace(recipe, output=OutputSpec(path=tmp_path / "x" / ".." / "server.iso"))
    assert "output.path" in {p.field for p in validate(recipe)}


@pytest.mark.parametrize(
    "inside", ["nano.vhdx", "NanoServer/nano.vhdx", "NanoServer/Packages/nano.wim"]
)
def test_output_inside_the_media_folder_is_refused(tmp_path: Path, inside: str) -> None:
    media = tmp_path / "media"
    (media / "NanoServer" / "Packages").mkdir(parents=True)
    (media / "NanoServer" / "NanoServer.wim").write_bytes(b"wim")
    for source in (media, media / "NanoServer", media / "NanoServer" / "NanoServer.wim"):
        output = media / inside
        if source != media and not output.is_relative_to(media / "NanoServer"):
            continue
        assert "output.path" in _problems(source, output), (source, output)


def test_output_next_to_the_media_is_fine(tmp_path: Path) -> None:
    media = tmp_path / "media"
    media.mkdir()
    iso = tmp_path / "server.iso"
    iso.write_bytes(b"iso")
    assert "output.path" not in _problems(media, tmp_path / "nano.vhdx")
    assert "output.path" not in _problems(iso, tmp_path / "nano.vhdx")
    assert "output.path" not in _problems(tmp_path / "media-2", tmp_path / "media-2.vhdx")
