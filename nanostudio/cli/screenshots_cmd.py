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
    parser.add_argument(
        "--size",
        type=_window_size,
        default=None,
        metavar="WxH",
        help="window size, e.g. 1024x600 (a small laptop screen); default 900x720",
    )
    parser.set_defaults(func=run)


def _window_size(text: str) -> tuple[int, int]:
    width, sep, height = text.lower().partition("x")
    if not sep or not width.isdigit() or not height.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a size like 1024x600")
    return int(width), int(height)


def run(args: argparse.Namespace) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from nanostudio.devtools.screenshots import render_screenshots
    from nanostudio.gui.app import quiet_console_handlers

    quiet_console_handlers()

    from PySide6.QtCore import QSize

    from nanostudio.devtools.screenshots import SIZE

    size = QSize(*args.size) if args.size else SIZE
    for path in render_screenshots(args.dest, size=size, long_strings=args.long_strings):
        print(path)
    return 0
