"""Property: whatever a recipe holds, loading and validating it raises nothing but the
project's own ``UserFacingError`` family (issue 12, "Done when")."""

from __future__ import annotations

import contextlib
import string
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from nanostudio.errors import UserFacingError
from nanostudio.recipe.toml_io import _KNOWN, parse_recipe, recipe_from_mapping
from nanostudio.recipe.validate import validate

BASE = Path("/nonexistent-recipe-folder")
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Values of every TOML type, hostile text included (controls, surrogates, bidi, NUL).
_text = st.text(
    alphabet=st.characters(codec=None, exclude_categories=()), max_size=40
) | st.sampled_from(
    [
        "",
        "~nosuchuser/x",
        "\0",
        "a\nb",
        "../../etc",
        "8GiB",
        "-1",
        "1e400",
        "UTC",
        "Ethernet",
        "192.168.56.10/24",
        "127.0.0.1",
        "hyperv-gen2",
        "serial",
        "C:\\x.vhd",
        "x.vhdx",
        "\ud800",
    ]
)
_scalar = (
    _text
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.booleans()
    | st.dates()
    | st.datetimes()
)
_value = st.recursive(
    _scalar,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_text, inner, max_size=3),
    max_leaves=12,
)


@st.composite
def _recipe_mapping(draw: st.DrawFn) -> dict[str, Any]:
    """Mostly known tables and keys (so the reader's paths are reached), some unknown."""
    data: dict[str, Any] = {}
    for table in draw(st.lists(st.sampled_from(sorted(_KNOWN)), max_size=5, unique=True)):
        keys = draw(st.lists(st.sampled_from(sorted(_KNOWN[table])), max_size=4, unique=True))
        data[table] = {key: draw(_value) for key in keys}
    if draw(st.booleans()):
        data[draw(_text)] = draw(_value)
    return data


def _check(build: Any) -> None:
    try:
        recipe = build()
    except UserFacingError:
        return
    with contextlib.suppress(UserFacingError):
        validate(recipe, password=None)


@FUZZ
@given(_recipe_mapping())
@example({"source": {"media": "~nosuchuser-nanostudio/x.iso"}})
@example({"drivers": {"folders": ["a\0b"]}})
@example({"output": {"path": "\0"}})
def test_any_mapping_loads_or_says_why(data: dict[str, Any]) -> None:
    _check(lambda: recipe_from_mapping(data, base=BASE))


@FUZZ
@given(st.dictionaries(_text, _value, max_size=4))
def test_any_top_level_mapping(data: dict[str, Any]) -> None:
    _check(lambda: recipe_from_mapping(data, base=BASE))


_toml_lines = st.lists(
    st.sampled_from(
        [
            "[source]",
            "[output]",
            "[network]",
            "[system]",
            "[packages]",
            "[drivers]",
            "[boot]",
            "[[x]]",
            "[a.b]",
            'media = "m.iso"',
            'path = "x.vhdx"',
            'size = "8GiB"',
            "size = -1",
            'ipv4 = "10.0.0.1/8"',
            "names = [",
            "]",
            "{",
            "}",
            "=",
            '"',
            "'''",
            '"""',
            "# c",
            "a = [[[[1]]]]",
            "x = {y = {z = 1}}",
            "t = 1979-05-27T07:32:00Z",
            "n = nan",
            "i = inf",
            "\ufeff",
            "\0",
            "\r",
            "computer_name = 12",
            "folders = [1, 2]",
        ]
    )
    | st.text(alphabet=string.printable, max_size=30),
    max_size=12,
)


@FUZZ
@given(_toml_lines)
def test_toml_ish_text_loads_or_says_why(lines: list[str]) -> None:
    _check(lambda: parse_recipe("\n".join(lines), base=BASE))


@FUZZ
@given(st.text(max_size=200))
@example("[output]\nsize = " + "9" * 5000)
@example("\ufeff[system]\n")
def test_any_text_loads_or_says_why(text: str) -> None:
    _check(lambda: parse_recipe(text, base=BASE))


def test_deep_nesting_is_a_recipe_error() -> None:
    for opener, closer in (("[", "]"), ("{a = ", "}")):
        text = "k = " + opener * 5000 + ("1" if opener != "[" else "") + closer * 5000
        _check(lambda text=text: parse_recipe(text, base=BASE))
