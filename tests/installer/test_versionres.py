"""The Windows version resource text (installer/versionres.py)."""

from __future__ import annotations

import ast
import types
from pathlib import Path

import pytest

from installer.versionres import version_file_text, version_tuple
from nanostudio import APP_NAME, __version__


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("0.1.0", (0, 1, 0, 0)),
        ("1.2", (1, 2, 0, 0)),
        ("2.0.1rc1", (2, 0, 1, 0)),
        ("1.2.3.4.5", (1, 2, 3, 4)),
        ("0.1.0.dev7", (0, 1, 0, 0)),
    ],
)
def test_version_tuple(version: str, expected: tuple[int, int, int, int]) -> None:
    assert version_tuple(version) == expected


@pytest.mark.parametrize("version", ["", "v1.0", "1.70000"])
def test_version_tuple_rejects(version: str) -> None:
    with pytest.raises(ValueError, match="version"):
        version_tuple(version)


def _text(copyright_notice: str = "Copyright (c) 2026 The NanoStudio authors") -> str:
    return version_file_text(
        app_name=APP_NAME,
        version=__version__,
        exe_name=f"{APP_NAME}.exe",
        description=f'{APP_NAME} - it\'s "quoted"',
        company="The NanoStudio authors",
        copyright_notice=copyright_notice,
    )


def test_text_is_one_python_expression_with_quotes_escaped() -> None:
    tree = ast.parse(_text("it's (c) 'x'"), mode="eval")
    assert isinstance(tree.body, ast.Call)
    assert isinstance(tree.body.func, ast.Name) and tree.body.func.id == "VSVersionInfo"


def test_pyinstaller_reads_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """PyInstaller's own loader (Windows-only module; pefile is its one import here)."""
    pytest.importorskip("pefile")
    import PyInstaller.compat

    # The module imports win32api for writing into executables, which we do not do.
    monkeypatch.setattr(PyInstaller.compat, "win32api", types.SimpleNamespace(), raising=False)
    from PyInstaller.utils.win32 import versioninfo

    path = tmp_path / "version.txt"
    path.write_text(_text(), encoding="utf-8")
    info = versioninfo.load_version_info_from_text_file(str(path))
    numbers = version_tuple(__version__)
    assert (info.ffi.fileVersionMS, info.ffi.fileVersionLS) == (
        numbers[0] << 16 | numbers[1],
        numbers[2] << 16 | numbers[3],
    )
    table = info.kids[0].kids[0]
    strings = {entry.name: entry.val for entry in table.kids}
    assert strings["ProductName"] == APP_NAME
    assert strings["ProductVersion"] == __version__
    assert strings["OriginalFilename"] == f"{APP_NAME}.exe"
    assert strings["FileDescription"] == f'{APP_NAME} - it\'s "quoted"'
    assert len(info.toRaw()) > 200
