"""Sample media for every area's tests, written once per session, plus damaged copies.

The shared sample must never be modified: tests that need a broken or edited
medium take a copy with the helpers below (into their own ``tmp_path``).
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from nanostudio.devtools.sample_media import SampleMedia, write_sample_media
from nanostudio.media.wim import HEADER_SIZE, parse_header


def media_digests(sample: SampleMedia) -> dict[str, str]:
    """SHA-256 and mode of every file of the media (and its ISO), by path."""
    files = [p for p in sample.root.rglob("*") if p.is_file()]
    if sample.iso is not None:
        files.append(sample.iso)
    return {
        str(p): f"{hashlib.sha256(p.read_bytes()).hexdigest()} {p.stat().st_mode:o}"
        for p in sorted(files)
    }


def unchanged_until_the_end(sample: SampleMedia) -> Iterator[SampleMedia]:
    """Yield ``sample``; when the session ends, fail unless every byte is as written.

    Every build, inspection and check in the suite reads the shared media; none may
    change it (the source media is only ever opened read-only, issue 12 §6). A file
    added, removed, rewritten or made writable shows up here.
    """
    before = media_digests(sample)
    yield sample
    after = media_digests(sample)
    changed = sorted(
        path for path in before.keys() | after.keys() if before.get(path) != after.get(path)
    )
    assert not changed, f"the shared sample media changed during the session: {changed}"


@pytest.fixture(scope="session")
def sample_media(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SampleMedia]:
    """Standard at index 1, Datacenter at 2, en-us and de-de cabs, and the ISO."""
    yield from unchanged_until_the_end(write_sample_media(tmp_path_factory.mktemp("sample-media")))


@pytest.fixture(scope="session")
def sample_media_datacenter_first(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[SampleMedia]:
    """The same media with the image order swapped (no ISO): catches index assumptions."""
    yield from unchanged_until_the_end(
        write_sample_media(
            tmp_path_factory.mktemp("sample-media-dc-first"), make_iso=False, datacenter_first=True
        )
    )


@pytest.fixture
def media_copy(sample_media: SampleMedia, tmp_path: Path) -> Path:
    """A private copy of the sample's media folder, free to edit or break."""
    return copy_media_folder(sample_media, tmp_path / "media-copy")


def copy_media_folder(sample: SampleMedia, dest: Path) -> Path:
    """Copy the media root (NanoServer/ and all) to ``dest``; returns ``dest``."""
    shutil.copytree(sample.root, dest)
    return dest


def truncated_copy(source: Path, dest: Path, keep: int) -> Path:
    """The first ``keep`` bytes of ``source`` (a cut-short download or copy)."""
    with source.open("rb") as reader, dest.open("wb") as writer:
        writer.write(reader.read(keep))
    return dest


def damaged_wim_copy(wim: Path, dest: Path) -> Path:
    """A copy whose header and XML are intact but whose file data is garbled.

    Inspection accepts it; applying it must fail (wimlib checks every blob).
    """
    shutil.copyfile(wim, dest)
    with wim.open("rb") as reader:
        header = parse_header(reader.read(HEADER_SIZE), name=str(wim), remedy="-")
    data_end = min(header.blob_table.offset, header.xml.offset)
    with dest.open("r+b") as writer:
        for offset in range(HEADER_SIZE + 64, data_end - 64, 4096):
            writer.seek(offset)
            writer.write(b"\xde\xad\xbe\xef" * 8)
    return dest


def edit_package_cab(media: Path, package: str, edit: Callable[[Path], None]) -> None:
    """Unpack ``package``'s cab of a media copy, let ``edit`` change the files, pack it again.

    For media whose driver packages lack a driver, or carry a broken INF.
    """
    cab = media / "NanoServer" / "Packages" / f"Microsoft-NanoServer-{package}-Package.cab"
    unpacked = media.parent / f"{package}-unpacked"
    subprocess.run(["gcab", "-x", "-C", str(unpacked), str(cab)], check=True)
    edit(unpacked)
    members = [str(p.relative_to(unpacked)) for p in sorted(unpacked.rglob("*")) if p.is_file()]
    cab.unlink()
    subprocess.run(["gcab", "-c", "-z", str(cab), *members], cwd=unpacked, check=True)
    shutil.rmtree(unpacked)


def without_drivers(unpacked: Path) -> None:
    """An ``edit_package_cab`` edit: remove every driver component, keep update.mum."""
    for path in unpacked.iterdir():
        if path.name != "update.mum":
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()
