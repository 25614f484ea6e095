"""The recipe's fields: one enumeration for the loader, validation and the CLI."""

from __future__ import annotations

from pathlib import Path

from nanostudio.recipe import RecipeField
from nanostudio.recipe.fields import file_keys
from nanostudio.recipe.toml_io import read_recipe, recipe_to_toml
from nanostudio.recipe.validate import Problem

# What a recipe file may name but is no field: the key the loader refuses on purpose.
_REFUSED = {"source.password", "system.admin_password"}


def test_the_loader_reads_every_field_of_the_file(tmp_path: Path) -> None:
    """A value of the wrong kind under any key of the file is a problem of that field:
    the loader reads every key it accepts (none is accepted and then ignored)."""
    for field in RecipeField:
        if not field.in_file:
            continue
        data = {field.table: {field.key: {"not": "a value"}}}
        _, problems = read_recipe(data, base=tmp_path)
        assert [problem.field for problem in problems] == [field], field


def test_fields_not_in_the_file_are_unknown_keys(tmp_path: Path) -> None:
    for field in RecipeField:
        if field.in_file or "." not in field.value:
            continue
        _, problems = read_recipe({field.table: {field.key: 1}}, base=tmp_path)
        assert [str(p) for p in problems] == [
            f"{field}: unknown key; expected one of {', '.join(sorted(file_keys()[field.table]))}"
        ]
    for key in _REFUSED:
        table, _, name = key.partition(".")
        _, problems = read_recipe({table: {name: "x"}}, base=tmp_path)
        assert [p.field for p in problems] == [key]
        assert "passwords are never stored" in problems[0].message


def test_every_key_written_is_a_field(tmp_path: Path) -> None:
    import tomllib

    written = tomllib.loads(recipe_to_toml(read_recipe({}, base=tmp_path)[0]))
    for table, values in written.items():
        for key in values:
            assert RecipeField(f"{table}.{key}").in_file


def test_the_cli_line_is_the_dotted_key() -> None:
    problem = Problem(RecipeField.SOURCE_MEDIA, "choose the media")
    assert str(problem) == "source.media: choose the media"
    assert problem.field == "source.media"
