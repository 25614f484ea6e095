"""What goes into the frozen bundle and what is cut, as pure data and functions.

The spec applies these to PyInstaller's tables; keeping them here (not in the
spec, which PyInstaller executes) lets the choices be unit-tested and read on
their own. Qt's hooks collect every plugin of a used module and then every
library those plugins link (GTK for the gtk3 theme, Wayland, EGL...), so after
cutting plugins the libraries that only they needed are pruned by reachability.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable
from pathlib import Path, PurePosixPath

# Python modules never wanted in the app: Qt modules NanoStudio does not use, and
# development tools that must not ride along through some optional import.
EXCLUDED_QT_MODULES: tuple[str, ...] = (
    "PySide6.Qt3DAnimation",
    "PySide6.Qt3DCore",
    "PySide6.Qt3DExtras",
    "PySide6.Qt3DInput",
    "PySide6.Qt3DLogic",
    "PySide6.Qt3DRender",
    "PySide6.QtCharts",
    "PySide6.QtConcurrent",
    "PySide6.QtDataVisualization",
    "PySide6.QtDBus",
    "PySide6.QtDesigner",
    "PySide6.QtHelp",
    "PySide6.QtLabsStyleKit",
    "PySide6.QtMultimedia",
    "PySide6.QtMultimediaWidgets",
    "PySide6.QtNetwork",
    "PySide6.QtOpenGL",
    "PySide6.QtOpenGLWidgets",
    "PySide6.QtPdf",
    "PySide6.QtPdfWidgets",
    "PySide6.QtPrintSupport",
    "PySide6.QtQml",
    "PySide6.QtQmlFeatures",
    "PySide6.QtQuick",
    "PySide6.QtQuick3D",
    "PySide6.QtQuickControls2",
    "PySide6.QtQuickTest",
    "PySide6.QtQuickWidgets",
    "PySide6.QtSql",
    "PySide6.QtTest",
    "PySide6.QtUiTools",
    "PySide6.QtWebChannel",
    "PySide6.QtWebEngineCore",
    "PySide6.QtWebEngineWidgets",
    "PySide6.QtWebSockets",
    "PySide6.QtXml",
)

EXCLUDED_TOOL_MODULES: tuple[str, ...] = (
    "_pytest",
    "hypothesis",
    "mypy",
    "pytest",
    "pytestqt",
    "ruff",
    "tests",
    "tkinter",
    "PyInstaller",
)

# Top-level names whose presence in a finished bundle means a test or dev tool
# leaked in (checked by build.py on the files and on the frozen module archive).
FORBIDDEN_IN_BUNDLE: frozenset[str] = frozenset(
    {"_pytest", "pytest", "pytestqt", "mypy", "hypothesis", "ruff", "tests", "PyInstaller"}
)

# Qt plugins kept, by plugin folder → name fragments. Folders not listed are cut
# whole: platformthemes (gtk3 drags GTK in; Qt's own theme is enough), wayland-*
# (NanoStudio runs on X11/XWayland on Linux), generic input, EGL, networkinformation
# and tls (QtNetwork is not used), xcbglintegrations (widgets draw without GL).
KEPT_PLUGINS: dict[str, tuple[str, ...]] = {
    "platforms": ("offscreen", "windows", "xcb"),
    "imageformats": ("qsvg", "qico"),
    "iconengines": ("qsvgicon",),
    "styles": ("",),  # the Windows 11 / Vista styles make the wizard look native
    "platforminputcontexts": ("compose",),  # dead keys on X11
}


def _plugin_parts(dest: str) -> tuple[str, str] | None:
    """(folder, file name) when ``dest`` is a Qt plugin, else None."""
    parts = PurePosixPath(dest.replace("\\", "/")).parts
    if "plugins" not in parts:
        return None
    index = parts.index("plugins")
    if index == 0 or parts[index - 1] not in ("Qt", "PySide6") or len(parts) != index + 3:
        return None
    return parts[index + 1], parts[index + 2]


def is_qt_plugin(dest: str) -> bool:
    return _plugin_parts(dest) is not None


def keep_qt_plugin(dest: str) -> bool:
    """True unless ``dest`` is a Qt plugin that NanoStudio does not need."""
    found = _plugin_parts(dest)
    if found is None:
        return True
    folder, name = found
    fragments = KEPT_PLUGINS.get(folder)
    if fragments is None:
        return False
    return any(fragment in name.lower() for fragment in fragments)


# Windows-only extras Qt's hook adds for OpenGL: a ~20 MB software renderer and
# the Direct3D shader compiler. Widgets never create a GL context.
UNUSED_WINDOWS_DLLS: tuple[str, ...] = ("opengl32sw.dll", "d3dcompiler_")


def keep_binary(dest: str) -> bool:
    """False for Qt plugins and OpenGL fallbacks NanoStudio does not need."""
    name = PurePosixPath(dest.replace("\\", "/")).name.lower()
    if any(name.startswith(prefix) for prefix in UNUSED_WINDOWS_DLLS):
        return False
    return keep_qt_plugin(dest)


_CATALOGUE = re.compile(r"^(?P<catalogue>[a-z_]+?)_(?P<lang>[a-z]{2,3}(?:_[A-Z]{2})?)\.qm$")


def shipped_languages(folder: Path) -> frozenset[str]:
    """Languages NanoStudio translates itself into (``nanostudio_<lang>.qm`` files)."""
    found = (_CATALOGUE.match(path.name) for path in folder.glob("nanostudio_*.qm"))
    return frozenset(m["lang"] for m in found if m and m["catalogue"] == "nanostudio")


def keep_qt_translation(dest: str, languages: Collection[str]) -> bool:
    """Qt's catalogues (~7 MB) stay only where the app has its own strings too.

    The GUI loads ``qtbase_<lang>`` for the user's language; without a NanoStudio
    catalogue for that language it would mix translated Qt buttons into English
    pages. Files outside PySide6's translations folder are never touched.
    """
    parts = PurePosixPath(dest.replace("\\", "/")).parts
    if len(parts) < 2 or parts[0] != "PySide6" or parts[-2] != "translations":
        return True
    match = _CATALOGUE.match(parts[-1])
    return bool(match and match["catalogue"] == "qtbase" and match["lang"] in languages)


def reachable_binaries(
    entries: Iterable[tuple[str, str]],
    dropped: set[str],
    imports_of: Callable[[str], Iterable[str]],
) -> set[str]:
    """Destination names of the binaries still needed after dropping ``dropped``.

    ``entries`` are (dest, src) pairs; ``imports_of(src)`` gives the file names a
    binary links. Roots are the binaries nobody links (extension modules,
    plugins, the Python library); a linked library stays only while some kept
    binary reaches it.
    """
    entry_list = list(entries)
    by_name: dict[str, list[str]] = {}
    for dest, _src in entry_list:
        by_name.setdefault(PurePosixPath(dest.replace("\\", "/")).name.lower(), []).append(dest)
    links: dict[str, set[str]] = {}
    linked: set[str] = set()
    for dest, src in entry_list:
        targets = {
            target
            for name in imports_of(src)
            for target in by_name.get(PurePosixPath(name.replace("\\", "/")).name.lower(), [])
            if target != dest
        }
        links[dest] = targets
        linked |= targets
    stack = [dest for dest, _src in entry_list if dest not in linked and dest not in dropped]
    kept: set[str] = set()
    while stack:
        dest = stack.pop()
        if dest in kept or dest in dropped:
            continue
        kept.add(dest)
        stack.extend(links.get(dest, ()))
    return kept


# ICU's data library (libicudata, 32 MB on Linux; Windows Qt uses the system's ICU)
# is rebuilt holding only what Qt reads from it for NanoStudio: the core tables,
# the root collation (QCollator: QFileDialog sorts names with it) and time-zone
# names (QTimeZone display names) for the languages shipped. Locale display names,
# currencies, units, transliteration, break iterators, converters (Qt's own UTF
# codecs and CLDR tables cover what the app shows) are cut: about 2.5 MB remain.
ICU_DATA_LIBRARY = re.compile(r"^libicudata\.so\.(?P<major>\d+)$")
ICU_TOP_LEVEL_RESOURCES: frozenset[str] = frozenset(
    {
        "root", "res_index", "pool", "likelySubtags", "supplementalData", "metadata",
        "keyTypeData", "zoneinfo64", "timezoneTypes", "metaZones", "windowsZones",
        "numberingSystems", "icuver", "icustd", "plurals", "pluralRanges", "dayPeriods",
        "genderList", "currencyNumericCodes", "grammaticalFeatures", "units",
    }
)  # fmt: skip
ICU_TREES: dict[str, frozenset[str]] = {
    "coll": frozenset({"root.res", "res_index.res", "ucadata.icu"}),
    "zone": frozenset({"root.res", "res_index.res", "pool.res", "tzdbNames.res"}),
}
ICU_CUT_TABLES: frozenset[str] = frozenset({"unames.icu", "confusables.cfu"})


def _is_locale_of(stem: str, languages: Collection[str]) -> bool:
    return any(stem == lang or stem.startswith(f"{lang}_") for lang in languages)


def keep_icu_item(item: str, languages: Collection[str] = ()) -> bool:
    """Whether an ICU data item (``coll/root.res``, ``nfkc.nrm``...) stays in the bundle.

    ``languages``: NanoStudio's own translations; English is always kept.
    """
    wanted = {"en", *(lang.split("_")[0] for lang in languages)}
    tree, _, name = item.rpartition("/")
    stem, _, suffix = name.rpartition(".")
    if tree == "":
        if name in ICU_CUT_TABLES or suffix in ("cnv", "spp", "cfu", "brk", "dict"):
            return False
        if suffix in ("icu", "nrm"):
            return True
        return suffix == "res" and (stem in ICU_TOP_LEVEL_RESOURCES or _is_locale_of(stem, wanted))
    kept = ICU_TREES.get(tree)
    if kept is None:
        return False
    return name in kept or (suffix == "res" and _is_locale_of(stem, wanted))


# Shown in the Windows version resource and the installer.
PUBLISHER = "The NanoStudio authors"
COPYRIGHT = "Copyright (c) 2026 The NanoStudio authors. MIT License."

# The app icon, relative to the checkout; rendered to .ico at build time.
APP_ICON_SVG = "resources/icons/nanostudio.svg"
