"""``nanostudio recipe djoin RECIPE --domain D [--reuse]``: harvest the recipe's
offline domain-join blob with djoin on a domain-joined Windows host.

A ``recipe`` action because the blob belongs to one recipe: its computer name is the
/machine given to djoin, and the blob is stored where the recipe's
``system.domain_blob`` points (set to ``<NAME>.djoin`` beside the recipe when it was
unset), so ``nanostudio build`` uses it next. ``--reuse`` is New-NanoServerImage's
-ReuseDomainNode (djoin /reuse)."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

from nanostudio.recipe import djoin_harvest
from nanostudio.recipe.toml_io import load_recipe, save_recipe


def add_parser(actions: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = actions.add_parser(
        "djoin",
        help="harvest the recipe's domain-join blob with djoin (domain-joined Windows host)",
        description="Run djoin /provision /domain D /machine <computer name> on this "
        "domain-joined Windows machine and store the blob where the recipe's "
        "system.domain_blob points; when unset, as <computer name>.djoin beside the recipe, "
        "and the recipe is rewritten to point at it. Your account needs the right to create "
        "computer accounts in D.",
    )
    parser.add_argument("file", type=Path, metavar="RECIPE")
    parser.add_argument("--domain", required=True, help="the domain to join, like corp.example.com")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="reuse an existing computer account, resetting its password "
        "(djoin /reuse; New-NanoServerImage -ReuseDomainNode)",
    )
    parser.set_defaults(func=run_djoin)


def run_djoin(args: argparse.Namespace) -> int:
    recipe_path: Path = args.file
    recipe = load_recipe(recipe_path)
    name = recipe.system.computer_name
    dest = recipe.system.domain_blob or recipe_path.absolute().parent / f"{name}.djoin"
    harvest = djoin_harvest.harvest_blob(args.domain, name, dest, reuse=args.reuse)
    print(
        f"provisioned {name} in {args.domain}; blob stored in {harvest.path} (it holds the "
        "computer account's password: keep it where only you can read it)"
    )
    if recipe.system.domain_blob is None:
        save_recipe(replace(recipe, system=replace(recipe.system, domain_blob=dest)), recipe_path)
        print(f"{recipe_path}: system.domain_blob now points at {dest.name}")
    return 0
