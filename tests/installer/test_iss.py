"""The Inno Setup script: required settings, and agreement with what build.py passes.

ISCC runs only on Windows (see .github/workflows/windows.yml); here the script is
read as the INI-like text it is.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest

from installer import build

ISS = Path(__file__).resolve().parents[2] / "installer" / "nanostudio.iss"


def _sections(text: str) -> dict[str, list[str]]:
    """Section name → its lines, without comments and preprocessor lines."""
    sections: dict[str, list[str]] = {}
    current = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith((";", "#")):
            continue
        header = re.fullmatch(r"\[(\w+)\]", line)
        if header:
            current = header.group(1)
            sections.setdefault(current, [])
        else:
            sections.setdefault(current, []).append(line)
    return sections


def _unquote(value: str) -> str:
    """Inno Setup quoting: a value in double quotes, with "" standing for one quote."""
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1].replace('""', '"')
    return value


def _entries(lines: list[str]) -> list[dict[str, str]]:
    """``Name: "x"; Flags: y`` lines as dicts of unquoted values."""
    return [
        {
            key: _unquote(value)
            for key, value in re.findall(r'(\w+):\s*("(?:[^"]|"")*"|[^;]*)', line)
        }
        for line in lines
    ]


@pytest.fixture(scope="module")
def iss_text() -> str:
    return ISS.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def sections(iss_text: str) -> dict[str, list[str]]:
    return _sections(iss_text)


@pytest.fixture(scope="module")
def setup(sections: dict[str, list[str]]) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in sections["Setup"])
    return {key.strip(): value.strip() for key, value in pairs}


def test_fixed_app_id_for_upgrades_in_place(setup: dict[str, str]) -> None:
    app_id = setup["AppId"]
    # "{{" is Inno's escape for a literal brace.
    assert app_id.startswith("{{") and app_id.endswith("}")
    assert uuid.UUID(app_id[2:-1]).version == 4
    assert setup["UsePreviousAppDir"] == "yes"


def test_per_machine_admin_install_into_program_files(setup: dict[str, str]) -> None:
    assert setup["PrivilegesRequired"] == "admin"
    assert setup["DefaultDirName"] == r"{autopf}\{#AppName}"
    assert setup["AppVersion"] == "{#AppVersion}"
    assert setup["Uninstallable"] == "yes"
    assert setup["UninstallDisplayIcon"] == r"{app}\{#AppExe}"
    assert setup["ChangesAssociations"] == "yes"


def test_start_menu_and_optional_desktop_shortcuts(sections: dict[str, list[str]]) -> None:
    icons = _entries(sections["Icons"])
    assert {"Name": r"{autoprograms}\{#AppName}", "Filename": r"{app}\{#AppExe}"}.items() <= (
        icons[0].items()
    )
    desktop = next(icon for icon in icons if icon["Name"].startswith("{autodesktop}"))
    assert desktop["Tasks"] == "desktopicon"
    task = _entries(sections["Tasks"])[0]
    assert task["Name"] == "desktopicon" and task["Flags"] == "unchecked"


def test_whole_bundle_is_installed(sections: dict[str, list[str]]) -> None:
    (files,) = _entries(sections["Files"])
    assert files["Source"] == r"{#BundleDir}\*"
    assert set(files["Flags"].split()) >= {"recursesubdirs", "createallsubdirs", "ignoreversion"}


def test_recipe_association_opens_the_file_in_nanostudio(sections: dict[str, list[str]]) -> None:
    registry = _entries(sections["Registry"])
    commands = [entry for entry in registry if entry["Subkey"].endswith(r"shell\open\command")]
    assert commands
    for entry in commands:
        assert entry["ValueData"] == r'"{app}\{#AppExe}" "%1"'
    progid = next(e for e in registry if e["Subkey"] == r"Software\Classes\{#RecipeProgId}")
    assert "uninsdeletekey" in progid["Flags"]
    open_with = next(e for e in registry if e["Subkey"].endswith("OpenWithProgids"))
    assert open_with["ValueName"] == "{#RecipeProgId}"
    assert open_with["ValueType"] == "none"  # OpenWithProgids values are REG_NONE
    assert "uninsdeletevalue" in open_with["Flags"]
    assert all(entry["Root"] == "HKA" for entry in registry)


def test_signing_hook_is_conditional(iss_text: str) -> None:
    block = re.search(r"#ifdef SignInstaller\n(.*?)#endif", iss_text, re.S)
    assert block is not None
    assert "SignTool=nanostudio" in block.group(1)
    assert "SignedUninstaller=yes" in block.group(1)


def test_defines_agree_with_build_py(iss_text: str, tmp_path: Path) -> None:
    """Every define the script insists on is passed by build.py, and nothing else."""
    required = set(re.findall(r"#ifndef (\w+)\n\s*#error", iss_text))
    optional = set(re.findall(r"#ifndef (\w+)\n\s*#define", iss_text)) | {"SignInstaller"}
    command = build.iscc_command(
        "ISCC.exe",
        version="0.1.0",
        source_dir=tmp_path,
        output_dir=tmp_path,
        icon=tmp_path / "x.ico",
        sign_command="signtool sign /sha1 AB",
    )
    passed = {m.group(1) for arg in command if (m := re.match(r"/D(\w+)", arg))}
    assert required <= passed
    assert passed <= required | optional
    sign_tools = {m.group(1) for arg in command if (m := re.match(r"/S(\w+)=", arg))}
    assert sign_tools == {"nanostudio"}


def test_post_install_launch_keeps_setups_elevation(sections: dict[str, list[str]]) -> None:
    """A requireAdministrator exe started as the original user fails with error 740."""
    (launch,) = _entries(sections["Run"])
    assert launch["Filename"] == r"{app}\{#AppExe}"
    assert {"postinstall", "runascurrentuser", "nowait"} <= set(launch["Flags"].split())
