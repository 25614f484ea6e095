"""Reads back the ``# nanostudio:`` comment lines ``recipe powershell`` writes.

They carry what New-NanoServerImage has no parameter for, so that importing the
script gives back the same recipe; this module parses them (TOML after the prefix)
and decides, field by field, whether the comment or the command wins.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from nanostudio.catalogue import find_package, with_dependencies
from nanostudio.errors import RecipeError
from nanostudio.recipe.powershell import COMMENT_PREFIX, media_root
from nanostudio.recipe.ps_mapping import RecipeDraft, host_path


def read_comments(text: str) -> dict[str, Any]:
    """The ``# nanostudio: table.key = value`` lines, as {"table.key": value}."""
    found: dict[str, Any] = {}
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped.startswith(COMMENT_PREFIX.strip()):
            continue
        body = stripped[len(COMMENT_PREFIX.strip()) :].strip()
        try:
            parsed = tomllib.loads(body)
        except tomllib.TOMLDecodeError:
            raise RecipeError(
                f"cannot read the line {stripped!r}: write it like "
                '# nanostudio: output.target = "kvm"'
            ) from None
        for table, values in parsed.items():
            if isinstance(values, dict):
                for key, value in values.items():
                    found[f"{table}.{key}"] = value
    return found


def apply_comments(mapping: RecipeDraft, comments: Mapping[str, Any]) -> None:
    """What only the comments can say; where the command says it too, the command wins
    unless both mean the same (a WIM's root folder, the same packages in another order)."""
    for dotted, value in comments.items():
        table, _, key = dotted.partition(".")
        current = mapping.data.get(table, {}).get(key)
        if dotted == "packages.names":
            names = [str(v) for v in value] if isinstance(value, list) else []
            if _resolved(names) == _resolved(mapping.data.get("packages", {}).get("names", [])):
                mapping.set(table, key, names)
            else:
                mapping.notes.append(
                    "the '# nanostudio: packages.names' line differs from the command's "
                    "packages: the command's are used"
                )
        elif dotted == "source.media":
            given = mapping.data.get("source", {}).get("media")
            if given is None or (
                isinstance(value, str) and media_root(Path(host_path(value))) == Path(given)
            ):
                mapping.set(table, key, host_path(value) if isinstance(value, str) else value)
        elif dotted == "drivers.oem" and comments.get("drivers.virtualbox") is True:
            mapping.set(table, key, value)  # -OEMDrivers stood for VirtualBox's drivers
        elif current is None:
            if isinstance(value, str) and dotted in ("packages.docker_zip", "output.path"):
                value = host_path(value)
            mapping.set(table, key, value)


def _resolved(names: list[str]) -> set[str]:
    shorts = [p.short for name in names if (p := find_package(name)) is not None]
    return {package.short for package in with_dependencies(shorts)}
