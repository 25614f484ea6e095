"""Benchmark of disk assembly (not a test): splice vs streamed copy vs `cp --sparse=always`.

    python bench/bench_assemble.py [--size-gib 8] [--data-mib 1024] [--dir PATH]

Builds a Windows partition image with DATA MiB of incompressible data spread over
the partition (runs of 1-8 MiB with holes between), then for each format and
path times ``assemble_disk`` against a plain ``cp --sparse=always`` of the same
image made in the same run, and prints the ratio and the peak RSS. Both timings
include an fsync of their result, so data still in the page cache is not free. Run it on the
file system the build will use: splicing needs ext4 or XFS; tmpfs streams.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nanostudio.engine.portable import fileops, gpt
from nanostudio.engine.portable.assemble import (
    Format,
    assemble_disk,
    virtual_disk_size,
)

MIB = 1 << 20


def make_windows_image(path: Path, size: int, data_mib: int, seed: int = 1) -> None:
    """Sparse image with ``data_mib`` MiB of random data in runs, like an applied WIM."""
    rng = random.Random(seed)
    chunk = os.urandom(MIB)
    blocks = size // MIB
    written = 0
    with path.open("wb") as f:
        f.truncate(size)
        position = 1  # leave block 0 to the "boot sector" write below
        f.write(os.urandom(4096))
        while written < data_mib and position < blocks - 1:
            run = min(rng.randint(1, 8), data_mib - written, blocks - 1 - position)
            f.seek(position * MIB)
            for i in range(run):
                f.write(chunk[i:] + chunk[:i])  # distinct, incompressible blocks
            written += run
            position += run + rng.randint(0, 3)


def make_esp(path: Path, size: int) -> None:
    with path.open("wb") as f:
        f.truncate(size)
    if shutil.which("mkfs.fat"):
        subprocess.run(
            ["mkfs.fat", "-F", "32", "-s", "1", str(path)], check=True, capture_output=True
        )


def fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def timed_cp(src: Path, dst: Path) -> float:
    """The floor: one sparse-aware copy of the image, written through to the disk."""
    os.sync()
    start = time.perf_counter()
    subprocess.run(["cp", "--sparse=always", str(src), str(dst)], check=True)
    fsync(dst)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-gib", type=float, default=8.0)
    parser.add_argument("--data-mib", type=int, default=1024)
    parser.add_argument("--dir", type=Path, default=None, help="work folder (default: a temp dir)")
    parser.add_argument("--formats", default="vhdx,vhd,raw")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="nanostudio-bench-", dir=args.dir))
    try:
        can_splice = fileops.can_splice(work)
        print(f"work folder: {work} (splice possible: {can_splice})")
        rows = []
        for fmt_name in args.formats.split(","):
            fmt: Format = fmt_name
            layout = gpt.plan_layout(virtual_disk_size(fmt, int(args.size_gib * (1 << 30))))
            template = work / "windows.template"
            make_windows_image(template, layout.windows.size_bytes, args.data_mib)
            esp = work / "esp.img"
            make_esp(esp, layout.esp.size_bytes)
            for splice in (True, False):
                floor = timed_cp(template, work / "cp-floor.img")
                (work / "cp-floor.img").unlink()
                windows = work / "windows.img"
                subprocess.run(["cp", "--sparse=always", str(template), str(windows)], check=True)
                output = work / f"disk.{fmt}.partial"
                os.sync()
                start = time.perf_counter()
                assemble_disk(output, fmt, layout, esp, windows, splice=splice)
                fsync(output)
                took = time.perf_counter() - start
                stat = output.stat()
                rows.append(
                    (fmt, ("splice" if can_splice else "auto-stream") if splice else "stream",
                     took, floor, took / floor,
                     stat.st_size / MIB, stat.st_blocks * 512 / MIB)
                )  # fmt: skip
                output.unlink()
                windows.unlink(missing_ok=True)
            template.unlink()
            esp.unlink()
        peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"disk {args.size_gib:g} GiB, {args.data_mib} MiB of data in the Windows partition")
        print(f"{'format':7} {'path':12} {'assemble s':>10} {'cp s':>7} {'ratio':>6} "
              f"{'file MiB':>9} {'alloc MiB':>9}")  # fmt: skip
        for fmt_name, path, took, floor, ratio, size, alloc in rows:
            print(f"{fmt_name:7} {path:12} {took:10.2f} {floor:7.2f} {ratio:6.2f} "
                  f"{size:9.0f} {alloc:9.0f}")  # fmt: skip
        print(f"peak RSS of this process: {peak_mib:.0f} MiB")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
