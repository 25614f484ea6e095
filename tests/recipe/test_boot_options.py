"""EMS and serial kernel debugging in recipes: TOML, validation, New-NanoServerImage."""

from __future__ import annotations

from pathlib import Path

import pytest

from nanostudio.errors import RecipeError
from nanostudio.recipe import BootSpec, DebugMethod, Recipe, validate
from nanostudio.recipe.powershell import to_new_nanoserverimage
from nanostudio.recipe.toml_io import parse_recipe, recipe_to_toml

BASE = Path("/recipes")


def test_boot_options_round_trip_and_defaults_are_not_written() -> None:
    assert "[boot]" not in recipe_to_toml(Recipe())
    recipe = parse_recipe(
        '[boot]\nems = true\nems_port = 3\ndebug = "serial"\ndebug_baud = 57600\n', base=BASE
    )
    assert recipe.boot == BootSpec(ems=True, ems_port=3, debug=DebugMethod.SERIAL, debug_baud=57600)
    assert parse_recipe(recipe_to_toml(recipe), base=BASE).boot == recipe.boot


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[boot]\nems_port = "1"\n', "boot.ems_port: expected a whole number"),
        ('[boot]\ndebug = "net"\n', 'boot.debug: \'net\' is not valid; use "none" or "serial"'),
        ("[boot]\nkey = 1\n", "boot.key"),
    ],
)
def test_bad_boot_values_are_refused_when_read(text: str, message: str) -> None:
    with pytest.raises(RecipeError, match=message.replace("(", r"\(")):
        parse_recipe(text, base=BASE)


@pytest.mark.parametrize(
    ("boot", "field", "message"),
    [
        (BootSpec(ems=True, ems_port=0), "boot.ems_port", "COM0 is not a port"),
        (BootSpec(ems=True, ems_baud=12345), "boot.ems_baud", "12345 is not a rate"),
        (BootSpec(debug=DebugMethod.SERIAL, debug_port=300), "boot.debug_port", "COM300"),
        (
            BootSpec(ems=True, ems_port=2, debug=DebugMethod.SERIAL, debug_port=2),
            "boot.debug_port",
            "COM2 is already the EMS console's port",
        ),
    ],
)
def test_boot_options_are_validated(boot: BootSpec, field: str, message: str) -> None:
    problems = [p for p in validate(Recipe(boot=boot)) if p.field.startswith("boot.")]
    assert [(p.field, message in p.message) for p in problems] == [(field, True)]


def test_unused_ports_are_not_judged() -> None:
    """A debug port only matters when debugging is on."""
    problems = validate(Recipe(boot=BootSpec(debug_port=999, ems_port=0)))
    assert not [p for p in problems if p.field.startswith("boot.")]


def test_powershell_names_the_module_s_switches() -> None:
    recipe = Recipe(boot=BootSpec(ems=True, debug=DebugMethod.SERIAL, debug_port=3))
    command = to_new_nanoserverimage(recipe)
    for switch in (
        "-EnableEMS",
        "-EMSPort 1",
        "-EMSBaudRate 115200",
        "-DebugMethod Serial",
        "-DebugCOMPort 3",
        "-DebugBaudRate 115200",
    ):
        assert switch in command
    assert "-EnableEMS" not in to_new_nanoserverimage(Recipe())
