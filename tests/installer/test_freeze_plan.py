"""What the frozen bundle keeps and cuts (installer/freeze_plan.py)."""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

import pytest

from installer import freeze_plan

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("dest", "kept"),
    [
        ("PySide6/Qt/plugins/platforms/libqoffscreen.so", True),
        ("PySide6/Qt/plugins/platforms/libqxcb.so", True),
        ("PySide6/Qt/plugins/platforms/libqwayland.so", False),
        ("PySide6/Qt/plugins/platforms/libqvnc.so", False),
        ("PySide6/Qt/plugins/platformthemes/libqgtk3.so", False),
        ("PySide6/Qt/plugins/imageformats/libqsvg.so", True),
        ("PySide6/Qt/plugins/imageformats/libqtiff.so", False),
        ("PySide6/Qt/plugins/iconengines/libqsvgicon.so", True),
        ("PySide6/Qt/plugins/platforminputcontexts/libcomposeplatforminputcontextplugin.so", True),
        ("PySide6/Qt/plugins/platforminputcontexts/libibusplatforminputcontextplugin.so", False),
        ("PySide6/Qt/plugins/xcbglintegrations/libqxcb-glx-integration.so", False),
        ("PySide6/Qt/plugins/tls/libqopensslbackend.so", False),
        (r"PySide6\plugins\platforms\qwindows.dll", True),
        (r"PySide6\plugins\platforms\qdirect2d.dll", False),
        (r"PySide6\plugins\styles\qmodernwindowsstyle.dll", True),
        (r"PySide6\plugins\imageformats\qico.dll", True),
        # Not Qt plugins at all: always kept.
        ("PySide6/Qt/lib/libQt6Core.so.6", True),
        ("somepkg/plugins/platforms/x.so", True),
        ("libpython3.11.so.1.0", True),
    ],
)
def test_keep_qt_plugin(dest: str, kept: bool) -> None:
    assert freeze_plan.keep_qt_plugin(dest) is kept


@pytest.mark.parametrize(
    ("dest", "kept"),
    [
        ("opengl32sw.dll", False),
        (r"PySide6\opengl32sw.dll", False),
        (r"PySide6\d3dcompiler_47.dll", False),
        (r"PySide6\Qt6Gui.dll", True),
        ("PySide6/Qt/plugins/platformthemes/libqgtk3.so", False),
        ("PySide6/Qt/plugins/platforms/libqxcb.so", True),
    ],
)
def test_keep_binary_also_drops_gl_fallbacks(dest: str, kept: bool) -> None:
    assert freeze_plan.keep_binary(dest) is kept


def test_is_qt_plugin_only_for_the_qt_plugin_tree() -> None:
    assert freeze_plan.is_qt_plugin("PySide6/Qt/plugins/platforms/libqxcb.so")
    assert not freeze_plan.is_qt_plugin("PySide6/Qt/plugins/README")
    assert not freeze_plan.is_qt_plugin("PySide6/Qt/lib/libQt6Gui.so.6")


@pytest.mark.parametrize(
    ("dest", "languages", "kept"),
    [
        ("PySide6/Qt/translations/qtbase_de.qm", set(), False),
        ("PySide6/Qt/translations/qtbase_de.qm", {"de"}, True),
        ("PySide6/Qt/translations/qtbase_fr.qm", {"de"}, False),
        ("PySide6/Qt/translations/qt_de.qm", {"de"}, False),  # the app loads qtbase only
        ("PySide6/Qt/translations/qt_help_de.qm", {"de"}, False),
        ("PySide6/Qt/translations/qtbase_pt_BR.qm", {"pt_BR"}, True),
        (r"PySide6\translations\qtbase_de.qm", {"de"}, True),
        (r"PySide6\translations\qtbase_de.qm", set(), False),
        # NanoStudio's own catalogues and other files are never cut.
        ("resources/translations/nanostudio_de.qm", set(), True),
        ("resources/translations/README.md", set(), True),
        ("PySide6/Qt/lib/libQt6Core.so.6", set(), True),
    ],
)
def test_keep_qt_translation(dest: str, languages: set[str], kept: bool) -> None:
    assert freeze_plan.keep_qt_translation(dest, languages) is kept


def test_shipped_languages(tmp_path: Path) -> None:
    for name in ("nanostudio_de.qm", "nanostudio_pt_BR.qm", "nanostudio_de.ts", "other_fr.qm"):
        (tmp_path / name).write_bytes(b"")
    assert freeze_plan.shipped_languages(tmp_path) == {"de", "pt_BR"}
    assert freeze_plan.shipped_languages(tmp_path / "missing") == frozenset()


def _graph(edges: dict[str, list[str]]) -> tuple[list[tuple[str, str]], dict[str, list[str]]]:
    entries = [(dest, f"/src/{dest}") for dest in edges]
    imports = {
        f"/src/{dest}": [name.rsplit("/", 1)[-1] for name in deps] for dest, deps in edges.items()
    }
    return entries, imports


def _reachable(edges: dict[str, list[str]], dropped: set[str]) -> set[str]:
    entries, imports = _graph(edges)

    def imports_of(src: str) -> Iterable[str]:
        return imports[src]

    return freeze_plan.reachable_binaries(entries, dropped, imports_of)


def test_libraries_only_a_dropped_plugin_linked_are_pruned() -> None:
    edges = {
        "PySide6/QtGui.abi3.so": ["PySide6/Qt/lib/libQt6Gui.so.6"],
        "PySide6/Qt/lib/libQt6Gui.so.6": ["PySide6/Qt/lib/libQt6Core.so.6"],
        "PySide6/Qt/lib/libQt6Core.so.6": ["libicudata.so.73"],
        "libicudata.so.73": [],
        "PySide6/Qt/plugins/platformthemes/libqgtk3.so": [
            "libgtk-3.so.0",
            "PySide6/Qt/lib/libQt6Gui.so.6",
        ],
        "libgtk-3.so.0": ["libcairo.so.2"],
        "libcairo.so.2": [],
        "libpython3.11.so.1.0": [],
    }
    kept = _reachable(edges, {"PySide6/Qt/plugins/platformthemes/libqgtk3.so"})
    assert kept == {
        "PySide6/QtGui.abi3.so",
        "PySide6/Qt/lib/libQt6Gui.so.6",
        "PySide6/Qt/lib/libQt6Core.so.6",
        "libicudata.so.73",
        "libpython3.11.so.1.0",
    }


def test_a_library_shared_with_a_kept_binary_stays() -> None:
    edges = {
        "PySide6/Qt/plugins/platforms/libqxcb.so": ["libX11.so.6"],
        "PySide6/Qt/plugins/platformthemes/libqgtk3.so": ["libgtk-3.so.0", "libX11.so.6"],
        "libgtk-3.so.0": ["libX11.so.6"],
        "libX11.so.6": [],
    }
    kept = _reachable(edges, {"PySide6/Qt/plugins/platformthemes/libqgtk3.so"})
    assert kept == {"PySide6/Qt/plugins/platforms/libqxcb.so", "libX11.so.6"}


def test_windows_names_match_case_insensitively() -> None:
    edges = {
        r"PySide6\QtCore.pyd": ["QT6CORE.DLL"],
        r"PySide6\Qt6Core.dll": [],
        "unrelated.dll": [],
    }
    assert _reachable(edges, set()) == set(edges)


def test_nothing_dropped_keeps_everything_even_cycles() -> None:
    edges = {"a.so": ["b.so"], "b.so": ["a.so"], "root.so": ["a.so"]}
    assert _reachable(edges, set()) == set(edges)


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_no_excluded_qt_module_is_used_by_the_app() -> None:
    """Excluding a module the app imports would break only the frozen build."""
    excluded = set(freeze_plan.EXCLUDED_QT_MODULES) | set(freeze_plan.EXCLUDED_TOOL_MODULES)
    offenders = {
        f"{path.relative_to(ROOT)}: {name}"
        for path in (ROOT / "nanostudio").rglob("*.py")
        for name in _imported_modules(path)
        if name in excluded or name.split(".")[0] in excluded
    }
    assert offenders == set()


@pytest.mark.parametrize(
    ("item", "kept"),
    [
        ("root.res", True),
        ("zoneinfo64.res", True),
        ("likelySubtags.res", True),
        ("en.res", True),
        ("en_GB.res", True),
        ("de.res", False),
        ("ucase.icu", True),
        ("nfkc.nrm", True),
        ("unames.icu", False),
        ("ibm-943_P15A-2003.cnv", False),
        ("coll/root.res", True),
        ("coll/ucadata.icu", True),
        ("coll/de.res", False),
        ("zone/root.res", True),
        ("zone/en.res", True),
        ("zone/tzdbNames.res", True),
        ("zone/fr.res", False),
        ("lang/en.res", False),
        ("curr/root.res", False),
        ("brkitr/root.res", False),
        ("translit/root.res", False),
    ],
)
def test_icu_data_keeps_what_qt_reads(item: str, kept: bool) -> None:
    assert freeze_plan.keep_icu_item(item) is kept


def test_icu_data_keeps_the_shipped_languages() -> None:
    assert freeze_plan.keep_icu_item("zone/de.res", ["de"])
    assert freeze_plan.keep_icu_item("coll/de.res", ["de_AT"])
    assert not freeze_plan.keep_icu_item("zone/fr.res", ["de"])


def test_only_the_icu_data_library_is_rebuilt() -> None:
    assert freeze_plan.ICU_DATA_LIBRARY.match("libicudata.so.73")
    assert not freeze_plan.ICU_DATA_LIBRARY.match("libicuuc.so.73")
    assert not freeze_plan.ICU_DATA_LIBRARY.match("icudt73.dll")
