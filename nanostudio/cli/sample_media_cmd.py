"""``nanostudio sample-media DIR``: synthetic 2016 media to try NanoStudio without an ISO."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from nanostudio.devtools.sample_media import write_sample_media


def _non_negative(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "sample-media",
        help="write synthetic Windows Server 2016 media (folder and ISO) for try-outs",
        description="Write DIR/media/NanoServer/... (a WIM with a Standard and a Datacenter "
        "Nano Server image, package cabs) and DIR/nanoserver-sample.iso, made with the real "
        "tools. Nothing in it is Windows; its bootmgfw.efi is a GRUB program that reports "
        "on the serial port what it finds on a built disk.",
    )
    parser.add_argument("dest", type=Path, metavar="DIR")
    parser.add_argument("--no-iso", action="store_true", help="write only the media folder")
    parser.add_argument(
        "--payload-mib",
        type=_non_negative,
        default=0,
        metavar="N",
        help="add N MiB of file data to each image (for benchmarks)",
    )
    parser.add_argument(
        "--datacenter-first",
        action="store_true",
        help="put the Datacenter image at index 1",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    sample = write_sample_media(
        args.dest,
        make_iso=not args.no_iso,
        payload_mib=args.payload_mib,
        datacenter_first=args.datacenter_first,
    )
    print(f"media folder: {sample.root}")
    print(f"WIM:          {sample.wim}")
    if sample.iso is not None:
        print(f"ISO:          {sample.iso}")
    print(f"Try: nanostudio inspect {sample.iso or sample.root}")
    return 0
