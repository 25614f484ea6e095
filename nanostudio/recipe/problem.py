"""What a recipe rule reports: a :class:`Problem` per field, in the recipe's keys and,
where they differ, in the wizard's words. Its own module so every rule module and
the recipe readers share it without importing the rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field

from nanostudio.recipe.fields import RawKey, RecipeField
from nanostudio.text import control_character, printable


@dataclass(frozen=True)
class Problem:
    """``message`` speaks the recipe's keys (the CLI); ``in_wizard``, where the two
    differ, the same advice in the names of the wizard's controls."""

    field: RecipeField | RawKey
    message: str
    in_wizard: str | None = dataclass_field(default=None, compare=False)

    def __str__(self) -> str:
        """One line, whatever the message quotes."""
        return printable(f"{self.field}: {self.message}")

    def for_wizard(self) -> Problem:
        return self if self.in_wizard is None else Problem(self.field, self.in_wizard)


def has_control(text: str) -> bool:
    """A value with a control character is said once (``text_problems``); the other
    rules skip it and never open it as a path."""
    return control_character(text) is not None
