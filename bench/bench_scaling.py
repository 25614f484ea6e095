"""Benchmark of how a portable build's cost grows (not a test): time, ratio to the floor, RSS.

    python bench/bench_scaling.py [--cases 256,1024,4096,files:30000,files:300000]
                                  [--format vhdx] [--size-gib 8] [--repeat 2]
                                  [--baseline TREE] [--dir PATH]

For each case -- sample media with that many MiB of payload (``--payload-mib``
of the sample), or ``files:N`` with N small files (64 B to 4 KiB) -- it measures
in the same run the floor (``mkntfs`` + ``wimlib-imagex apply`` + sync onto a
fresh file, as ``bench_build.py`` measures it) and full builds, each in a child
process that reports its own peak RSS (``getrusage(RUSAGE_SELF)``, which
excludes the tools it starts). Floors and builds alternate and each keeps its
fastest run. ``--baseline TREE`` also builds with another checkout's code
(its ``bench/bench_build.py --child``) in the same run, for before/after figures.

Read the table for: ratio to the floor at every size (target <= 1.10 for VHDX),
seconds per GiB (or per 10,000 files) roughly constant -- time grows with the
data and no faster -- and peak RSS flat, under 60 MB. Cases that do not fit the
free space of the work folder are skipped with a note.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_build import floor_seconds

from nanostudio.catalogue import Edition
from nanostudio.devtools.sample_media import write_sample_media
from nanostudio.engine.portable.assemble import Format, virtual_disk_size
from nanostudio.media.inspect import inspect_media

GIB = 1 << 30
MIB = 1 << 20
TARGET_RATIO = 1.10
TARGET_RSS_MB = 60
HERE = Path(__file__).resolve().parents[1]


def build_in_child(tree: Path, media: Path, output: Path, size: int) -> dict[str, Any]:
    """One build by ``tree``'s code (its bench_build.py child mode), in a fresh process."""
    env = dict(os.environ, PYTHONPATH=str(tree))
    result = subprocess.run(
        [sys.executable, str(tree / "bench" / "bench_build.py"), "--child", str(media),
         str(output), str(size)],
        check=True, capture_output=True, text=True, env=env, cwd=tree,
    )  # fmt: skip
    figures: dict[str, Any] = json.loads(result.stdout.splitlines()[-1])
    output.unlink(missing_ok=True)
    return figures


def needed_bytes(case: str) -> int:
    """A generous bound of the space a case takes: media, image and output at once."""
    if case.startswith("files:"):
        return int(case.split(":")[1]) * 3 * 8192 + 2 * GIB
    return 3 * int(case) * MIB + GIB


def run_case(
    case: str, work: Path, size: int, fmt: Format, repeat: int, trees: dict[str, Path]
) -> dict[str, Any]:
    folder = work / case.replace(":", "-")
    payload = 0 if case.startswith("files:") else int(case)
    files = int(case.split(":")[1]) if case.startswith("files:") else 0
    sample = write_sample_media(folder, make_iso=False, payload_mib=payload, small_files=files)
    info = inspect_media(sample.root)
    image = info.image_for(Edition.STANDARD)
    assert image is not None
    disk = virtual_disk_size(fmt, size)
    floors: list[float] = []
    builds: dict[str, dict[str, Any]] = {}
    for _ in range(repeat):
        floors.append(floor_seconds(sample.wim, image.index, disk, folder))
        for name, tree in trees.items():
            figures = build_in_child(tree, sample.root, folder / f"nano.{fmt}", disk)
            if name not in builds or figures["seconds"] < builds[name]["seconds"]:
                builds[name] = figures
    shutil.rmtree(folder, ignore_errors=True)
    return {
        "case": case,
        "data_mib": image.total_bytes / MIB,
        "files": files,
        "floor": min(floors),
        "floors": floors,
        "builds": builds,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default="256,1024,4096,files:30000,files:300000")
    parser.add_argument("--format", default="vhdx", choices=("vhdx", "vhd", "raw"))
    parser.add_argument("--size-gib", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=2, help="runs per side (fastest kept)")
    parser.add_argument("--baseline", type=Path, default=None, help="another checkout to compare")
    parser.add_argument("--dir", type=Path, default=None, help="work folder (default: a temp)")
    args = parser.parse_args()
    trees = {"now": HERE}
    if args.baseline is not None:
        trees = {"baseline": args.baseline.resolve(), "now": HERE}
    work = Path(tempfile.mkdtemp(prefix="nanostudio-scaling-", dir=args.dir))
    os.environ.setdefault("NANOSTUDIO_HOME", str(work / "home"))
    rows = []
    try:
        for case in args.cases.split(","):
            free = shutil.disk_usage(work).free
            if free < needed_bytes(case):
                print(f"{case}: skipped, {free / GIB:.1f} GiB free in {work}, "
                      f"{needed_bytes(case) / GIB:.1f} GiB needed")  # fmt: skip
                continue
            print(f"{case}: writing media and measuring ...", flush=True)
            row = run_case(case, work, args.size_gib * GIB, args.format, args.repeat, trees)
            rows.append(row)
            for name, figures in row["builds"].items():
                print(f"  {name:8s} build {figures['seconds']:.2f} s, floor {row['floor']:.2f} s "
                      f"(runs {', '.join(f'{f:.2f}' for f in row['floors'])}), "
                      f"ratio {figures['seconds'] / row['floor']:.2f}, "
                      f"peak RSS {figures['peak_rss_mb']:.0f} MB, steps {figures['steps']}",
                      flush=True)  # fmt: skip
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"\n{args.format}, {args.size_gib} GiB disk, best of {args.repeat}; "
          f"targets: ratio <= {TARGET_RATIO}, peak RSS <= {TARGET_RSS_MB} MB")  # fmt: skip
    print(f"{'case':14} {'data MiB':>9} {'floor s':>8} {'code':9} {'build s':>8} {'ratio':>6} "
          f"{'per unit':>14} {'RSS MB':>7}")  # fmt: skip
    for row in rows:
        for name, figures in row["builds"].items():
            if row["files"]:
                per_unit = f"{figures['seconds'] / row['files'] * 10_000:.2f} s/10k files"
            else:
                per_unit = f"{figures['seconds'] / (row['data_mib'] / 1024):.2f} s/GiB"
            print(f"{row['case']:14} {row['data_mib']:9.0f} {row['floor']:8.2f} {name:9} "
                  f"{figures['seconds']:8.2f} {figures['seconds'] / row['floor']:6.2f} "
                  f"{per_unit:>14} {figures['peak_rss_mb']:7.0f}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
