"""``nanostudio screenshots DIR``: every wizard page as a PNG, rendered offscreen."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "screenshots",
        help="render every wizard page (with sample media and a real build) to PNG files",
        description="Render every wizard page, filled with the sample media, plus the Build "
        "page mid-build and the Done page, to PNG files. Runs offscreen; needs the portable "
        "engine's tools (wimlib-imagex, mkntfs, mtools, mkfs.fat).",
    )
    parser.add_argument("dest", type=Path, metavar="DIR", help="folder for the PNG files")
    parser.add_argument(
        "--long-strings",
        action="store_true",
        help="show every text twice, to check that layouts survive longer translations",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from nanostudio.devtools.screenshots import render_screenshots
    from nanostudio.gui.app import quiet_console_handlers

    quiet_console_handlers()

    for path in render_screenshots(args.dest, long_strings=args.long_strings):
        print(path)
    return 0
