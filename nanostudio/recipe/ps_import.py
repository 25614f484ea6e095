"""Read a ``New-NanoServerImage`` (or ``Edit-NanoServerImage``) call back into a recipe.

What administrators already have is a PowerShell script: the one Nano Server Image
Builder saves (one long line, values in parentheses), one written by hand (backtick
continuations, ``$variables``, a splatted ``@params`` hashtable) or ``nanostudio
recipe powershell``'s output (whose ``# nanostudio:`` comment lines carry what the
module has no parameter for, so that importing it gives back the same recipe).

Only a small, safe part of PowerShell is understood — literals, arrays, hashtables,
variables assigned literals, casts, and the two expressions ``recipe powershell``
writes (``Read-Host`` and ``Mount-DiskImage ... DriveLetter``). Nothing is ever run.
Every parameter that cannot be mapped is returned by name with the reason: the
caller shows it, never drops it silently.

This module puts the pieces together: ``ps_parse`` reads the call, ``ps_mapping``
maps its parameters to recipe fields, ``ps_comments`` reads the ``# nanostudio:`` lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from nanostudio.catalogue import Deployment
from nanostudio.errors import RecipeError
from nanostudio.recipe.edit_rules import edited_path
from nanostudio.recipe.model import Recipe
from nanostudio.recipe.ps_comments import apply_comments, read_comments
from nanostudio.recipe.ps_mapping import (
    RecipeDraft,
    Unmapped,
    finish_network,
    finish_vlan,
    map_parameter,
)
from nanostudio.recipe.ps_parse import find_call
from nanostudio.recipe.toml_io import read_recipe
from nanostudio.recipe.validate import Problem


@dataclass(frozen=True)
class Imported:
    recipe: Recipe
    command: str  # "New-NanoServerImage" or "Edit-NanoServerImage"
    unmapped: tuple[Unmapped, ...] = ()
    notes: tuple[str, ...] = ()


def import_script(text: str, *, base: Path) -> Imported:
    """The recipe a script's New-/Edit-NanoServerImage call describes.

    Raises RecipeError when the script holds no such call (or cannot be read); every
    parameter that cannot be mapped is in ``Imported.unmapped``.
    """
    found = find_call(text)
    if found is None:
        raise RecipeError("the script holds no New-NanoServerImage or Edit-NanoServerImage call")
    command, arguments = found
    mapping = RecipeDraft(command, base)
    mapping.set("network", "winrm", False)  # the module opens WinRM only when asked
    positional = ["DeploymentType", "Edition"] if command == "New-NanoServerImage" else []
    for name, value in arguments:
        if name is None:
            if positional:
                name = positional.pop(0)
            else:
                mapping.refuse(f"value {value!r}", "a value without a parameter name")
                continue
        if name.startswith("@"):
            mapping.refuse(name, f"{name[1:]} is not assigned a hashtable in the script")
            continue
        map_parameter(mapping, name, value)
    finish_network(mapping)
    shorts = list(dict.fromkeys(mapping.shorts))
    if shorts:
        mapping.set("packages", "names", shorts)
    apply_comments(mapping, read_comments(text))
    finish_vlan(mapping)
    image = mapping.data.get("edit", {}).get("image")
    if image is not None and "path" not in mapping.data.get("output", {}):
        mapping.set("output", "path", str(edited_path(Path(image))))
        mapping.notes.append(
            f"Edit-NanoServerImage changes {image} in place; NanoStudio writes the edited "
            f"image to {edited_path(Path(image))} (output.path) and never changes the original"
        )
    if "deployment" not in mapping.data.get("source", {}) and command == "New-NanoServerImage":
        mapping.refuse("-DeploymentType", "missing: New-NanoServerImage needs Guest or Host")
    mapping.data.setdefault("source", {}).setdefault("deployment", Deployment.GUEST.value)
    recipe, problems = read_recipe(mapping.data, base=base)
    for problem in problems:
        mapping.refuse(_parameter_of(problem), problem.message)
    return Imported(recipe, command, tuple(mapping.unmapped), tuple(mapping.notes))


def _parameter_of(problem: Problem) -> str:
    return problem.field


def read_script(path: Path) -> str:
    """A script as PowerShell reads it: UTF-8 (with or without BOM) or UTF-16 with BOM."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise RecipeError(f"{path} does not exist: check the path") from None
    except OSError as error:
        raise RecipeError(f"cannot read {path}: {error.strerror or error}") from None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")
