"""Issue 12 §3: no recipe value may smuggle a command into SetupComplete.cmd, netsh,
PowerShell or the unattend XML.

Every text field of a recipe gets every hostile character, through ``validate()``
and through ``nanostudio recipe check`` in a real child process (exit 2, one line per
problem, no traceback).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
import tomli_w

from nanostudio.cli.main import main
from nanostudio.identity import computer_name_problem
from nanostudio.recipe import (
    DriversSpec,
    FirstBootSpec,
    NetworkSpec,
    OutputSpec,
    PackagesSpec,
    Recipe,
    RecipeField,
    SourceSpec,
    SystemSpec,
    validate,
)
from nanostudio.recipe.powershell import quote
from nanostudio.recipe.validate import recipe_texts
from nanostudio.timezones import TIME_ZONES

# One of each kind: CR LF, LF, NUL, ESC, NEL (U+0085), LINE SEPARATOR, PARAGRAPH
# SEPARATOR, a right-to-left override, TAB, DEL.
HOSTILE = ["\r\n", "\n", "\r", "\x00", "\x1b", "\x85", "\u2028", "\u2029", "\u202e", "\t", "\x7f"]

_STATIC = NetworkSpec(ipv4="192.168.56.10/24", gateway="192.168.56.1", dns=("192.168.56.1",))


def _base() -> Recipe:
    return Recipe(
        source=SourceSpec(media=Path("/media/NanoServer")),
        network=_STATIC,
    )


def _set(field: str, value: str) -> Callable[[Recipe], Recipe]:
    """A change that puts ``value`` into ``field`` of a recipe."""

    def change(recipe: Recipe) -> Recipe:
        table, key = field.split(".")
        spec = getattr(recipe, table)
        current = getattr(spec, key)
        if isinstance(current, tuple):
            new: object = (Path(value),) if table == "drivers" else (value,)
        elif isinstance(current, Path) or key == "media":
            new = Path(value)
        else:
            new = value
        return replace(recipe, **{table: replace(spec, **{key: new})})

    return change


_GOOD = {
    "source.media": "/media/NanoServer",
    "source.language": "en-us",
    "packages.names": "Compute",
    "drivers.folders": "/drivers",
    "system.computer_name": "NANO",
    "system.timezone": "UTC",
    "network.ipv4": "192.168.56.10/24",
    "network.gateway": "192.168.56.1",
    "network.dns": "192.168.56.1",
    "network.interface": "Ethernet",
    "firstboot.commands": "ipconfig /all",
    "output.path": "/out/nano.vhdx",
}


def test_every_text_field_of_a_recipe_is_listed_here() -> None:
    """A new field must get a hostile-value case: this list and recipe_texts agree."""
    assert {field for field, _ in recipe_texts(_base())} | {"drivers.folders"} | {
        "packages.names",
        "firstboot.commands",
    } == set(_GOOD)


@pytest.mark.parametrize("field", sorted(_GOOD))
@pytest.mark.parametrize("char", HOSTILE, ids=[f"U+{ord(c[-1]):04X}" for c in HOSTILE])
def test_a_control_character_in_any_field_is_a_problem_of_that_field(field: str, char: str) -> None:
    good = _GOOD[field]
    for hostile in (good + char + "calc.exe", char + good, good + char):
        recipe = _set(field, hostile)(_base())
        problems = [p for p in validate(recipe) if p.field == field]
        assert problems, (field, hostile)
        assert any("U+" in p.message for p in problems)
        assert all("\n" not in str(p) and "\r" not in str(p) for p in problems)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("system.timezone", "UTC\r\nshutdown /s /t 0"),
        ("network.interface", "Ethernet\r\ncalc.exe"),
        ("system.computer_name", "NANO\n"),
        ("firstboot.commands", "ipconfig\r\ncalc.exe"),
    ],
)
def test_the_cases_of_the_break_test_are_refused(field: str, value: str) -> None:
    assert field in {p.field for p in validate(_set(field, value)(_base()))}


def test_computer_name_is_matched_whole_not_up_to_a_trailing_newline() -> None:
    assert computer_name_problem("NANO\n") is not None
    assert computer_name_problem("NANO") is None


def test_time_zone_must_be_a_known_windows_id() -> None:
    assert validate(_set("system.timezone", "W. Europe Standard Time")(_base())) == []
    assert validate(_set("system.timezone", "utc")(_base())) == []  # tzutil ignores case
    for zone in TIME_ZONES:
        assert validate(_set("system.timezone", zone.id)(_base())) == []
    for unknown in ("Europe/Berlin", "Mars Standard Time", " UTC", "UTC & calc", 'UTC" & calc'):
        fields = {p.field: p.message for p in validate(_set("system.timezone", unknown)(_base()))}
        assert "system.timezone" in fields, unknown
    message = {
        p.field: p.message
        for p in validate(_set("system.timezone", "W Europe Standard Time")(_base()))
    }[RecipeField.SYSTEM_TIMEZONE]
    assert '"W. Europe Standard Time"' in message  # the near miss is suggested


@pytest.mark.parametrize(
    "name", ['Ethernet" & calc.exe & "', "Ethernet ", " Ethernet", "x" * 257, "   "]
)
def test_interface_names_cannot_close_their_quotes(name: str) -> None:
    assert "network.interface" in {
        p.field for p in validate(_set("network.interface", name)(_base()))
    }


def test_interface_names_windows_allows_pass() -> None:
    for name in ("Ethernet", "Ethernet 2", "vEthernet (External)", "LAN-1 & Wi-Fi", "x" * 256):
        assert validate(_set("network.interface", name)(_base())) == []


@pytest.mark.parametrize("language", ["../../Windows", "en-us\\..\\x", "en us", "e", ""])
def test_language_is_a_language_tag(language: str) -> None:
    assert "source.language" in {
        p.field for p in validate(_set("source.language", language)(_base()))
    }


def _hostile_recipe_toml(tmp_path: Path) -> Path:
    document = {
        "source": {"media": "missing\x1b[31m.iso", "language": "en-us\u2028"},
        "system": {"computer_name": "NANO\n", "timezone": "UTC\r\nshutdown /s /t 0"},
        "network": {
            "ipv4": "192.168.56.10/24",
            "interface": "Ethernet\r\ncalc.exe",
            "dns": ["192.168.56.1\x00"],
        },
        "firstboot": {"commands": ["ipconfig\x85calc.exe"]},
        "drivers": {"folders": ["drv\u202e"]},
    }
    path = tmp_path / "hostile.toml"
    path.write_text(tomli_w.dumps(document), encoding="utf-8")
    return path


def test_recipe_check_refuses_every_hostile_value_one_line_each(tmp_path: Path) -> None:
    recipe = _hostile_recipe_toml(tmp_path)
    env = {**os.environ, "NANOSTUDIO_ADMIN_PASSWORD": "Nano-Pa55word!"}
    result = subprocess.run(
        [sys.executable, "-m", "nanostudio", "recipe", "check", str(recipe)],
        capture_output=True,
        env=env,
        timeout=60,
        check=False,
    )
    err = result.stderr.decode("utf-8")
    assert result.returncode == 2, err
    assert "Traceback" not in err
    lines = err.splitlines()
    fields = [line.split(":", 1)[0] for line in lines]
    expected = {
        "source.media",
        "source.language",
        "system.computer_name",
        "system.timezone",
        "network.interface",
        "network.dns",
        "firstboot.commands",
        "drivers.folders",
    }
    assert expected <= set(fields), err
    assert set(fields) <= expected | {"source.media"}, err
    # Nothing hostile reaches the terminal raw: no line break inside a line, no escape.
    assert "\x1b" not in err and "\x00" not in err and "\u2028" not in err
    assert "shutdown /s /t 0" not in err.replace("\\r\\nshutdown /s /t 0", "")


def test_build_refuses_the_same_before_any_work(tmp_path: Path) -> None:
    recipe = _hostile_recipe_toml(tmp_path)
    env = {**os.environ, "NANOSTUDIO_ADMIN_PASSWORD": "Nano-Pa55word!"}
    result = subprocess.run(
        [sys.executable, "-m", "nanostudio", "build", str(recipe)],
        capture_output=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert b"Traceback" not in result.stderr
    assert b"system.timezone: " in result.stderr


def test_powershell_quote_doubles_every_quote_powershell_honours() -> None:
    for mark in "'\u2018\u2019\u201a\u201b":
        quoted = quote(f"a{mark}; calc.exe; {mark}b")
        body = quoted[1:-1]
        # Inside, every quote mark comes in pairs: none ends the literal.
        runs = [len(run) for run in _runs(body, "'\u2018\u2019\u201a\u201b")]
        assert all(run % 2 == 0 for run in runs), quoted


def _runs(text: str, marks: str) -> list[str]:
    runs, current = [], ""
    for char in text:
        if char in marks:
            current += char
        elif current:
            runs.append(current)
            current = ""
    return runs + ([current] if current else [])


def test_recipe_powershell_refuses_a_control_character(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "r.toml"
    path.write_text(tomli_w.dumps({"system": {"timezone": "UTC\r\nshutdown /s /t 0"}}))
    assert main(["recipe", "powershell", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: system.timezone: ")
    assert err.count("\n") == 1


def test_recipe_objects_from_specs_are_checked_too() -> None:
    """The wizard builds recipes without TOML: validate() is the choke point."""
    recipe = Recipe(
        source=SourceSpec(media=Path("/m")),
        packages=PackagesSpec(names=("Compute\n",)),
        drivers=DriversSpec(),
        system=SystemSpec(computer_name="NANO", timezone="UTC"),
        network=NetworkSpec(interface="Ethernet\x00"),
        firstboot=FirstBootSpec(),
        output=OutputSpec(path=Path("/o/nano\n.vhdx")),
    )
    fields = {p.field for p in validate(recipe)}
    assert {"packages.names", "network.interface", "output.path"} <= fields
