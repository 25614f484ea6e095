"""``nanostudio inspect MEDIA [--json]``: what editions and packages the media holds."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from nanostudio.catalogue import PackageInfo, not_offered
from nanostudio.media.inspect import inspect_media
from nanostudio.media.model import MediaInfo
from nanostudio.sizes import size_text
from nanostudio.text import printable_lines

_KINDS = {
    "iso": "ISO image",
    "media-folder": "media folder",
    "nanoserver-folder": "NanoServer folder",
    "wim": "WIM file",
}


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "inspect",
        help="list the Nano Server editions and packages on an ISO, media folder or WIM",
        description="Show the Nano Server images (editions) and package cabs of Windows "
        "Server 2016 media. MEDIA is the ISO, the media root folder, its NanoServer "
        "folder, or NanoServer.wim. The media is only read.",
    )
    parser.add_argument("media", type=Path, metavar="MEDIA")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    info = inspect_media(args.media)
    if args.json:
        print(json.dumps(info.to_json(), indent=2))
    else:
        print(printable_lines(render(info)))
    return 0


def _table(headers: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(cell) for cell in column) for column in zip(headers, *rows, strict=True)]

    def line(cells: tuple[str, ...]) -> str:
        return "  " + "  ".join(
            cell.ljust(width) for cell, width in zip(cells, widths, strict=True)
        )

    return [line(headers).rstrip(), *(line(row).rstrip() for row in rows)]


def render(info: MediaInfo) -> str:
    """The human-readable report: source, images table, packages table."""
    lines = [
        f"Source:    {info.source} ({_KINDS[info.kind]})",
        f"WIM:       {info.wim} ({size_text(info.wim_bytes)})",
        f"Languages: {', '.join(info.languages) or 'none'}",
        "",
        f"Images ({len(info.images)})",
    ]
    lines += _table(
        ("Index", "Edition", "Edition ID", "Arch", "Size", "Name"),
        [
            (
                str(image.index),
                image.edition.value if image.edition else "(not Nano)",
                image.edition_id or "-",
                image.architecture or "-",
                size_text(image.total_bytes),
                image.name,
            )
            for image in info.images
        ],
    )
    lines += ["", f"Packages ({len(info.packages)})"]
    if info.packages:
        lines += _table(
            ("Package", "Languages", "Notes", "Description"),
            [
                (
                    cab.info.short,
                    ", ".join(cab.languages) or "-",
                    _notes(cab.info),
                    cab.info.description,
                )
                for cab in info.packages
            ],
        )
    else:
        lines.append("  none (no Packages folder beside the WIM)")
    known = [(loc, entry) for loc in info.unknown_cabs if (entry := not_offered(loc))]
    unknown = [loc for loc in info.unknown_cabs if not_offered(loc) is None]
    if known:
        lines += ["", "Known, not offered:"]
        lines += [f"  {location}: {entry.reason}" for location, entry in known]
    if unknown:
        lines += ["", "Not in NanoStudio's catalogue (listed only, never installed):"]
        lines += [f"  {location}" for location in unknown]
    return "\n".join(lines)


def _notes(package: PackageInfo) -> str:
    notes = []
    if package.requires:
        notes.append("needs " + ", ".join(package.requires))
    if len(package.editions) == 1:
        notes.append(f"{next(iter(package.editions)).value} only")
    return "; ".join(notes) or "-"
