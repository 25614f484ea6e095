"""Issue 16 item 6: a user's answer file (-UnattendPath) merged with NanoStudio's.

Merged, never overwritten; a setting both set is named as a problem; DOCTYPE and
entities are refused before parsing; no value (a password) reaches a message.
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest

from nanostudio.cli.main import main
from nanostudio.engine.content.unattend import (
    render_unattend,
    render_with_user_file,
    user_passes_for_panther,
)
from nanostudio.errors import BuildError
from nanostudio.recipe import Recipe, SystemSpec, validate
from nanostudio.recipe.powershell import to_new_nanoserverimage
from nanostudio.recipe.ps_import import import_script
from nanostudio.recipe.unattend_file import (
    NAMESPACE,
    NANOSTUDIO_SETTINGS,
    UnattendFileError,
    parse_user_unattend,
)
from nanostudio.secret import Secret

SECRET = "Sup3r-Secret-Value"
NS = f"{{{NAMESPACE}}}"


def answer_file(body: str) -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<unattend xmlns="{NAMESPACE}" '
        'xmlns:wcm="http://schemas.microsoft.com/WMIConfig/2002/State">\n'
        f"{body}</unattend>\n"
    )


def component(name: str, inner: str) -> str:
    return (
        f'<component name="{name}" processorArchitecture="amd64" '
        'publicKeyToken="31bf3856ad364e35" language="neutral" versionScope="nonSxS">'
        f"{inner}</component>"
    )


GOOD = answer_file(
    '<settings pass="specialize">'
    + component("Microsoft-Windows-Shell-Setup", "<RegisteredOwner>Ann</RegisteredOwner>")
    + component(
        "Microsoft-Windows-UnattendedJoin",
        "<Identification><JoinWorkgroup>LAB</JoinWorkgroup></Identification>",
    )
    + "</settings>"
    + '<settings pass="offlineServicing">'
    + component(
        "Microsoft-Windows-Shell-Setup", "<RegisteredOrganization>Org</RegisteredOrganization>"
    )
    + "</settings>"
    + '<settings pass="oobeSystem">'
    + component(
        "Microsoft-Windows-Shell-Setup",
        f"<AutoLogon><Password><Value>{SECRET}</Value></Password></AutoLogon>",
    )
    + "</settings>"
)


def recipe_with(tmp_path: Path, text: str) -> Recipe:
    path = tmp_path / "mine.xml"
    path.write_text(text, encoding="utf-8")
    return Recipe(system=SystemSpec("NANO1", unattend=path))


def _unattend_problems(recipe: Recipe) -> list[str]:
    return [p.message for p in validate(recipe) if p.field == "system.unattend"]


def test_passes_and_components_are_merged_not_replaced(tmp_path: Path) -> None:
    recipe = recipe_with(tmp_path, GOOD)
    assert _unattend_problems(recipe) == []
    text = render_with_user_file(recipe, Secret("pw-Pass1!"), offline_servicing=False)
    root = ET.fromstring(text)
    passes = {s.get("pass"): s for s in root.findall(f"{NS}settings")}
    specialize = passes["specialize"]
    shell = specialize.find(f"{NS}component[@name='Microsoft-Windows-Shell-Setup']")
    assert shell is not None
    assert shell.findtext(f"{NS}ComputerName") == "NANO1"  # ours kept
    assert shell.findtext(f"{NS}RegisteredOwner") == "Ann"  # theirs added
    assert specialize.find(f"{NS}component[@name='Microsoft-Windows-UnattendedJoin']") is not None
    oobe = passes["oobeSystem"].find(f"{NS}component")
    assert oobe is not None and oobe.find(f"{NS}UserAccounts") is not None
    assert oobe.find(f"{NS}AutoLogon") is not None
    # The Windows engine: DISM gets the offlineServicing passes merged, Panther the rest.
    offline = render_with_user_file(recipe, Secret("pw-Pass1!"), offline_servicing=True)
    assert "RegisteredOrganization" in offline and "RegisteredOwner" not in offline
    panther = user_passes_for_panther(recipe)
    assert panther is not None
    assert "RegisteredOwner" in panther and "RegisteredOrganization" not in panther
    assert "OfflineAdministratorPassword" not in panther


@pytest.mark.parametrize("pass_name,setting", sorted((p, s) for p, _, s in NANOSTUDIO_SETTINGS))
def test_a_setting_both_set_is_a_named_conflict(
    tmp_path: Path, pass_name: str, setting: str
) -> None:
    body = (
        f'<settings pass="{pass_name}">'
        + component("Microsoft-Windows-Shell-Setup", f"<{setting}>{SECRET}</{setting}>")
        + "</settings>"
    )
    recipe = recipe_with(tmp_path, answer_file(body))
    problems = _unattend_problems(recipe)
    assert len(problems) == 1
    assert f"{pass_name}/Microsoft-Windows-Shell-Setup/{setting}" in problems[0]
    assert SECRET not in problems[0]
    with pytest.raises(BuildError) as raised:
        render_with_user_file(
            recipe, Secret("pw-Pass1!"), offline_servicing=pass_name == "offlineServicing"
        )
    assert setting in str(raised.value) and SECRET not in str(raised.value)


def test_nanostudio_settings_match_what_it_renders() -> None:
    found = set()
    for offline in (True, False):
        root = ET.fromstring(render_unattend(Recipe(), Secret("x"), offline_servicing=offline))
        for settings in root:
            for comp in settings:
                for child in comp:
                    found.add((settings.get("pass"), comp.get("name"), child.tag.split("}")[1]))
    assert found == set(NANOSTUDIO_SETTINGS)


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (
            b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 '
            b'"&lol;&lol;&lol;&lol;">]><unattend xmlns="urn:schemas-microsoft-com:unattend">'
            b"&lol2;</unattend>",
            "DOCTYPE",
        ),
        (
            b'<?xml version="1.0"?><!DOCTYPE u [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b'<unattend xmlns="urn:schemas-microsoft-com:unattend">&x;</unattend>',
            "DOCTYPE",
        ),
        (b"<unattend><settings", "not well-formed"),
        (b"<answers/>", "root element is <answers>"),
        (
            b'<unattend xmlns="urn:schemas-microsoft-com:unattend"><settings/></unattend>',
            "no pass attribute",
        ),
    ],
)
def test_unsafe_or_wrong_files_are_refused(data: bytes, words: str) -> None:
    with pytest.raises(UnattendFileError, match=words):
        parse_user_unattend(data, "mine.xml")


def test_missing_fifo_and_huge_files_are_problems(tmp_path: Path) -> None:
    missing = Recipe(system=SystemSpec(unattend=tmp_path / "nope.xml"))
    assert "does not exist" in _unattend_problems(missing)[0]
    fifo = tmp_path / "pipe.xml"
    os.mkfifo(fifo)
    assert "regular file" in _unattend_problems(Recipe(system=SystemSpec(unattend=fifo)))[0]
    huge = recipe_with(tmp_path, answer_file("<!--" + "x" * 1_100_000 + "-->"))
    assert "larger than" in _unattend_problems(huge)[0]


def test_powershell_and_import_round_trip(tmp_path: Path) -> None:
    recipe = recipe_with(tmp_path, GOOD)
    script = to_new_nanoserverimage(recipe)
    assert "-UnattendPath " in script
    back = import_script(script, base=Path("/x"))
    assert back.unmapped == ()
    assert back.recipe.system.unattend == recipe.system.unattend


def test_cli_recipe_check_names_the_conflict_without_the_value(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = (
        '<settings pass="oobeSystem">'
        + component(
            "Microsoft-Windows-Shell-Setup",
            f"<UserAccounts><AdministratorPassword><Value>{SECRET}</Value>"
            "</AdministratorPassword></UserAccounts>",
        )
        + "</settings>"
    )
    (tmp_path / "mine.xml").write_text(answer_file(body))
    path = tmp_path / "r.nanostudio.toml"
    path.write_text('[system]\nunattend = "mine.xml"\n')
    assert main(["recipe", "check", str(path)]) == 2
    captured = capsys.readouterr()
    lines = [line for line in captured.err.splitlines() if line.startswith("system.unattend")]
    assert len(lines) == 1 and "oobeSystem/Microsoft-Windows-Shell-Setup/UserAccounts" in lines[0]
    assert SECRET not in captured.err + captured.out and "Traceback" not in captured.err


def test_recipe_with_unattend_keeps_it_through_replace(tmp_path: Path) -> None:
    recipe = recipe_with(tmp_path, GOOD)
    assert replace(recipe.system, computer_name="X").unattend == recipe.system.unattend
