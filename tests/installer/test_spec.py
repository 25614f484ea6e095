"""The PyInstaller spec, executed with recording stand-ins for PyInstaller's build classes.

The real build (slow) is ``python installer/build.py --skip-installer --dist DIR``;
here the spec's own logic runs: names, console flags, UAC, version resource,
icon, and the pruning of Qt plugins wired to PyInstaller's tables.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from installer import freeze_plan
from nanostudio import APP_NAME, __version__

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "installer" / "nanostudio.spec"

BINARIES = [
    ("PySide6/QtGui.abi3.so", "/src/QtGui.abi3.so", "EXTENSION"),
    ("PySide6/Qt/lib/libQt6Gui.so.6", "/src/libQt6Gui.so.6", "BINARY"),
    ("PySide6/Qt/plugins/platforms/libqxcb.so", "/src/libqxcb.so", "BINARY"),
    ("PySide6/Qt/plugins/platformthemes/libqgtk3.so", "/src/libqgtk3.so", "BINARY"),
    ("libgtk-3.so.0", "/src/libgtk-3.so.0", "BINARY"),
    ("PySide6/opengl32sw.dll", "/src/opengl32sw.dll", "BINARY"),
]
LINKS = {
    "/src/QtGui.abi3.so": ["libQt6Gui.so.6"],
    "/src/libqxcb.so": ["libQt6Gui.so.6"],
    "/src/libqgtk3.so": ["libgtk-3.so.0", "libQt6Gui.so.6"],
}


@dataclass
class Recorded:
    analysis: list[dict[str, Any]] = field(default_factory=list)
    exes: list[dict[str, Any]] = field(default_factory=list)
    collect: list[tuple[tuple[Any, ...], dict[str, Any]]] = field(default_factory=list)
    commands: list[list[str]] = field(default_factory=list)


def _run_spec(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, windows: bool
) -> tuple[Recorded, dict[str, Any]]:
    import PyInstaller.compat
    import PyInstaller.depend.bindepend
    import PyInstaller.utils.hooks

    seen = Recorded()

    class Analysis:
        def __init__(self, scripts: Sequence[str], **kwargs: Any) -> None:
            seen.analysis.append({"scripts": list(scripts), **kwargs})
            self.binaries = list(BINARIES)
            self.datas = [
                ("resources/icons/nanostudio.svg", "/src/nanostudio.svg", "DATA"),
                ("PySide6/Qt/translations/qtbase_de.qm", "/src/qtbase_de.qm", "DATA"),
                ("PySide6/Qt/translations/qtbase_fr.qm", "/src/qtbase_fr.qm", "DATA"),
            ]
            self.pure = ["pure-modules"]
            self.scripts = ["script"]

    def pyz(pure: Sequence[str]) -> str:
        return f"PYZ({pure})"

    def exe(*args: Any, **kwargs: Any) -> str:
        seen.exes.append({"args": args, **kwargs})
        return f"EXE({kwargs['name']})"

    def collect(*args: Any, **kwargs: Any) -> None:
        seen.collect.append((args, kwargs))

    def fake_run(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        seen.commands.append(command)
        return subprocess.CompletedProcess(command, 0)

    def imports_of(src: str, search_paths: Iterable[str] | None = None) -> set[tuple[str, str]]:
        return {(name, f"/src/{name}") for name in LINKS.get(src, [])}

    monkeypatch.setattr(PyInstaller.compat, "is_win", windows)
    monkeypatch.setattr(PyInstaller.depend.bindepend, "get_imports", imports_of)
    monkeypatch.setattr(
        PyInstaller.utils.hooks, "collect_submodules", lambda package: [f"{package}.cli.main"]
    )
    monkeypatch.setattr(subprocess, "run", fake_run)
    # As if NanoStudio shipped a German catalogue: Qt's German one must come along.
    monkeypatch.setattr(freeze_plan, "shipped_languages", lambda folder: frozenset({"de"}))
    monkeypatch.setattr(sys, "path", list(sys.path))  # the spec prepends the checkout
    namespace: dict[str, Any] = {
        "Analysis": Analysis,
        "PYZ": pyz,
        "EXE": exe,
        "COLLECT": collect,
        "SPECPATH": str(SPEC.parent),
        "workpath": str(tmp_path / "work"),
        "os": os,
    }
    exec(compile(SPEC.read_text(encoding="utf-8"), str(SPEC), "exec"), namespace)
    return seen, namespace


def test_two_executables_one_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen, _ = _run_spec(tmp_path, monkeypatch, windows=False)
    assert [(exe["name"], exe["console"]) for exe in seen.exes] == [
        (APP_NAME, False),
        (f"{APP_NAME}-debug", True),
    ]
    assert all(exe["exclude_binaries"] for exe in seen.exes)  # one-folder, not one-file
    ((args, kwargs),) = seen.collect
    assert args[:2] == (f"EXE({APP_NAME})", f"EXE({APP_NAME}-debug)")
    assert kwargs["name"] == APP_NAME


def test_analysis_bundles_resources_and_excludes_dev_and_unused_qt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen, _ = _run_spec(tmp_path, monkeypatch, windows=False)
    (analysis,) = seen.analysis
    assert analysis["scripts"] == [str(ROOT / "nanostudio" / "__main__.py")]
    assert (str(ROOT / "resources"), "resources") in analysis["datas"]
    assert "nanostudio.cli.main" in analysis["hiddenimports"]
    for module in ("pytest", "mypy", "PySide6.QtQml", "PySide6.QtQuick", "PySide6.QtNetwork"):
        assert module in analysis["excludes"]


def test_qt_plugins_translations_and_orphaned_libraries_are_cut(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, namespace = _run_spec(tmp_path, monkeypatch, windows=False)
    kept = [dest for dest, _src, _kind in namespace["a"].binaries]
    assert kept == [
        "PySide6/QtGui.abi3.so",
        "PySide6/Qt/lib/libQt6Gui.so.6",
        "PySide6/Qt/plugins/platforms/libqxcb.so",
    ]
    assert [dest for dest, _src, _kind in namespace["a"].datas] == [
        "resources/icons/nanostudio.svg",
        "PySide6/Qt/translations/qtbase_de.qm",
    ]


def test_icon_is_rendered_from_the_svg_resource(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen, _ = _run_spec(tmp_path, monkeypatch, windows=False)
    (command,) = seen.commands
    assert command[1:3] == ["-m", "installer.icon"]
    assert command[3:] == [
        str(ROOT / "resources" / "icons" / "nanostudio.svg"),
        str(tmp_path / "work" / f"{APP_NAME}.ico"),
    ]
    # Off Windows and macOS, PyInstaller would only warn about these options.
    assert not any("icon" in exe or "uac_admin" in exe for exe in seen.exes)


def test_windows_options_uac_version_and_icon(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen, _ = _run_spec(tmp_path, monkeypatch, windows=True)
    gui, debug = seen.exes
    assert gui["uac_admin"] is True  # the Windows engine runs dism/diskpart
    assert debug["uac_admin"] is False  # console twin runs as invoker
    assert gui["strip"] is False and debug["strip"] is False
    for exe in (gui, debug):
        assert exe["icon"] == str(tmp_path / "work" / f"{APP_NAME}.ico")
        text = Path(exe["version"]).read_text(encoding="utf-8")
        assert f"StringStruct('OriginalFilename', '{exe['name']}.exe')" in text
        assert f"StringStruct('ProductVersion', '{__version__}')" in text
