"""Rebuild Qt's ICU data library with only the items ``freeze_plan.keep_icu_item`` keeps.

    python -m installer.icu_data LIBICUDATA OUT_DIR

Linux only (Windows Qt uses the system's ICU). Needs ICU's ``icupkg`` and
``genccode`` (Debian: icu-devtools) and a C compiler: the data is read out of the
library's ``icudt<N>_dat`` symbol, filtered with ``icupkg``, turned into assembly
by ``genccode`` and linked into a library of the same soname. Returns None (and the
caller ships the library as it is) where a tool is missing.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Collection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from installer import freeze_plan  # noqa: E402

TOOLS = ("icupkg", "genccode", "cc", "nm", "strip")


def missing_tools() -> list[str]:
    return [tool for tool in TOOLS if shutil.which(tool) is None]


def _run(argv: list[str]) -> str:
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed: {done.stderr.strip()}")
    return done.stdout


def _data_blob(library: Path, symbol: str) -> bytes:
    """The bytes of ``symbol`` (ICU's common data) in ``library``, via nm and the ELF sections."""
    size = address = None
    for line in _run(["nm", "-D", "-S", str(library)]).splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[3] == symbol:
            address, size = int(parts[0], 16), int(parts[1], 16)
    if address is None or size is None:
        raise RuntimeError(f"{library} has no {symbol}")
    for line in _run(["readelf", "-S", "-W", str(library)]).splitlines():
        found = re.search(r"\]\s+(\S+)\s+\S+\s+([0-9a-f]{16})\s+([0-9a-f]+)\s+([0-9a-f]+)", line)
        if found:
            start, offset, length = (int(found[i], 16) for i in (2, 3, 4))
            if start <= address and address + size <= start + length:
                with library.open("rb") as f:
                    f.seek(offset + address - start)
                    return f.read(size)
    raise RuntimeError(f"no section of {library} holds {symbol}")


def trim(library: Path, out_dir: Path, languages: Collection[str] = ()) -> Path | None:
    """A trimmed copy of ``library`` (libicudata.so.<N>) in ``out_dir``; None without tools."""
    match = freeze_plan.ICU_DATA_LIBRARY.match(library.name)
    if match is None or missing_tools() or shutil.which("readelf") is None:
        return None
    major = match["major"]
    package = f"icudt{major}l"
    out_dir.mkdir(parents=True, exist_ok=True)
    full = out_dir / "full" / f"{package}.dat"
    full.parent.mkdir(exist_ok=True)
    full.write_bytes(_data_blob(library, f"icudt{major}_dat"))
    items = _run(["icupkg", "-l", str(full)]).split()
    cut = [item for item in items if not freeze_plan.keep_icu_item(item, languages)]
    listing = out_dir / "cut.txt"
    listing.write_text("\n".join(cut) + "\n", encoding="ascii")
    small = out_dir / f"{package}.dat"
    small.unlink(missing_ok=True)
    # --ignore-deps: the cut break-iterator and locale trees are never opened.
    _run(["icupkg", "--ignore-deps", "-r", str(listing), str(full), str(small)])
    _run(["genccode", "-a", "gcc", "-e", f"icudt{major}", "-d", str(out_dir), str(small)])
    target = out_dir / library.name
    _run(["cc", "-shared", "-nostdlib", f"-Wl,-soname,{library.name}", "-o", str(target),
          str(out_dir / f"{package}_dat.S")])  # fmt: skip
    _run(["strip", str(target)])
    shutil.rmtree(full.parent)
    return target


def main(argv: list[str]) -> int:
    library, out_dir = Path(argv[0]), Path(argv[1])
    result = trim(library, out_dir)
    if result is None:
        print(f"not trimmed (missing: {', '.join(missing_tools()) or 'nothing'})")
        return 1
    print(f"{library} ({library.stat().st_size / 1e6:.1f} MB) -> {result} "
          f"({result.stat().st_size / 1e6:.1f} MB)")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
