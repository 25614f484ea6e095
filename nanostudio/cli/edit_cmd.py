"""``nanostudio edit IMAGE``: a new image from an existing VHD, VHDX or WIM, with additions.

Microsoft's Edit-NanoServerImage changes the image in place; NanoStudio never
writes the source: the edited image is a new file (``-o``, by default
``<name>-edited.<ext>`` beside the source), written only when the whole edit has
succeeded. Additions come from the options, or from a recipe (``--recipe``)
whose packages, drivers, updates, files and settings are added. The media
(``--media``) provides the package cabs and driver packages, as
Edit-NanoServerImage's -BasePath does. Exit codes as ``build``.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path
from typing import Any

from nanostudio.cli.build_cmd import build_recipe
from nanostudio.engine.edit.image_facts import ImageFacts, image_facts
from nanostudio.engine.edit.source import inspect_edit_source
from nanostudio.engine.engines import EngineName
from nanostudio.errors import UserFacingError
from nanostudio.recipe import (
    CopyPath,
    DriversSpec,
    EditSpec,
    FilesSpec,
    NetworkSpec,
    OutputSpec,
    Problem,
    Recipe,
    RecipeField,
    Target,
)
from nanostudio.recipe.edit_rules import edited_path
from nanostudio.recipe.toml_io import load_recipe_problems
from nanostudio.secret import ADMIN_PASSWORD_ENV
from nanostudio.sizes import parse_size


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "edit",
        help="make a new image from an existing VHD, VHDX or WIM with packages, drivers, ... added",
        description="Edit-NanoServerImage without touching the original: read IMAGE, add what "
        "the options (or --recipe) name, and write a NEW image (-o). The administrator "
        f"password for the new answer file is read from {ADMIN_PASSWORD_ENV} or asked for.",
    )
    parser.add_argument("image", type=Path, metavar="IMAGE", help="the VHD, VHDX or WIM to edit")
    parser.add_argument("-o", "--output", type=Path, help="the new image (default: IMAGE-edited)")
    parser.add_argument("--media", type=Path, help="the ISO, media folder or WIM with Packages")
    parser.add_argument("--recipe", type=Path, help="take the additions from this recipe")
    parser.add_argument("--index", type=int, default=1, help="the image of a WIM (default 1)")
    parser.add_argument("--package", action="append", default=[], help="add a package (repeat)")
    parser.add_argument("--oem-drivers", action="store_true", help="add the OEM-Drivers package")
    parser.add_argument("--driver-folder", type=Path, action="append", default=[])
    parser.add_argument("--servicing", type=Path, action="append", default=[], help=".cab/.msu")
    parser.add_argument(
        "--copy", action="append", default=[], metavar="SOURCE[=DEST]", help="copy into the image"
    )
    parser.add_argument("--domain-blob", type=Path)
    parser.add_argument("--computer-name", help="the new name (default: the image's own)")
    parser.add_argument("--timezone", help="a Windows time zone ID (default: the image's own)")
    parser.add_argument("--ipv4", help="a static address with prefix, e.g. 192.168.56.10/24")
    parser.add_argument("--gateway")
    parser.add_argument("--dns", action="append", default=[])
    parser.add_argument("--ipv6")
    parser.add_argument("--ipv6-dns", action="append", default=[])
    parser.add_argument("--interface", help="the adapter's name or index (default Ethernet)")
    parser.add_argument("--vlan", type=int)
    parser.add_argument("--winrm", action="store_true", help="open WinRM (HTTP 5985)")
    parser.add_argument("--winrm-https", action="store_true", help="WinRM over HTTPS, pinned")
    parser.add_argument(
        "--target",
        choices=[target.value for target in Target],
        help="put this machine's boot and network drivers into the image offline",
    )
    parser.add_argument("--size", help="make the new disk larger (default: the source's size)")
    parser.add_argument(
        "--engine", choices=[e.value for e in EngineName], default=EngineName.AUTO.value
    )
    parser.add_argument("--json-progress", action="store_true")
    parser.add_argument("--dry-run", action="store_true", help="print the plan; write nothing")
    parser.add_argument("--force", action="store_true", help="overwrite an existing output")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    source = inspect_edit_source(args.image, args.index)  # one line and exit 2 if unusable
    read_problems: list[Problem] = []
    if args.recipe is not None:
        base, read_problems = load_recipe_problems(args.recipe)
    else:
        facts = image_facts(source)
        if facts.read_error is not None and not args.computer_name:
            unread = (
                f"the computer name of {args.image.name} could not be read "
                f"({facts.read_error}), and the edit writes a new answer file: name the "
                "computer with --computer-name"
            )
            read_problems.append(Problem(RecipeField.SYSTEM_COMPUTER_NAME, unread))
        base = image_base(facts)
    recipe = edit_recipe(base, args, source_size=source.size if source.is_disk else None)
    return build_recipe(recipe, read_problems, args)


def image_base(facts: ImageFacts) -> Recipe:
    """What the edit starts from without a recipe: the image's own edition, computer
    name and time zone (its answer file is replaced, and must not rename the server)."""
    recipe = Recipe(network=NetworkSpec(winrm=False))
    return replace(
        recipe,
        source=replace(recipe.source, edition=facts.edition or recipe.source.edition),
        system=replace(
            recipe.system,
            computer_name=facts.computer_name or recipe.system.computer_name,
            timezone=facts.timezone or recipe.system.timezone,
        ),
    )


def edit_recipe(base: Recipe, args: argparse.Namespace, *, source_size: int | None) -> Recipe:
    """``base`` with the image to edit and every option given on the command line."""
    try:
        size = parse_size(args.size) if args.size else source_size
    except ValueError as error:
        raise UserFacingError(f"--size: {error}") from None
    network = base.network
    network = replace(
        network,
        winrm=network.winrm or args.winrm,
        winrm_https=network.winrm_https or args.winrm_https,
        ipv4=args.ipv4 or network.ipv4,
        gateway=args.gateway or network.gateway,
        dns=tuple(args.dns) or network.dns,
        ipv6=args.ipv6 or network.ipv6,
        ipv6_dns=tuple(args.ipv6_dns) or network.ipv6_dns,
        interface=args.interface or network.interface,
        vlan=args.vlan if args.vlan is not None else network.vlan,
    )
    system = replace(
        base.system,
        computer_name=args.computer_name or base.system.computer_name,
        timezone=args.timezone or base.system.timezone,
        domain_blob=args.domain_blob or base.system.domain_blob,
    )
    target = Target(args.target) if args.target else base.output.target
    return replace(
        base,
        source=replace(base.source, media=args.media or base.source.media),
        packages=replace(
            base.packages,
            names=(*base.packages.names, *args.package),
            servicing=(*base.packages.servicing, *args.servicing),
        ),
        drivers=DriversSpec(
            oem=base.drivers.oem or args.oem_drivers,
            virtualbox=base.drivers.virtualbox,
            folders=(*base.drivers.folders, *args.driver_folder),
        ),
        system=system,
        network=network,
        files=FilesSpec((*base.files.copy, *(_copy(text) for text in args.copy))),
        output=OutputSpec(
            path=args.output or edited_path(args.image),
            size=size if size is not None else base.output.size,
            target=target,
        ),
        edit=EditSpec(image=args.image, index=args.index),
    )


def _copy(text: str) -> CopyPath:
    source, equals, destination = text.rpartition("=")
    if not equals:
        return CopyPath(Path(text))
    return CopyPath(Path(source), destination)
