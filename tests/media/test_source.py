"""All four forms of the sample media: same answer, same bytes out, media untouched."""

from __future__ import annotations

import hashlib
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from nanostudio.catalogue import Edition
from nanostudio.devtools.sample_media import SampleMedia
from nanostudio.errors import BuildCancelled
from nanostudio.media import inspect_media, open_media
from tests.support.fixtures_media import copy_media_folder


def _forms(sample: SampleMedia) -> dict[str, Path]:
    assert sample.iso is not None
    return {
        "iso": sample.iso,
        "media-folder": sample.root,
        "nanoserver-folder": sample.nanoserver,
        "wim": sample.wim,
    }


def _snapshot(folder: Path) -> dict[str, tuple[int, int, str]]:
    """Size, mtime and hash of every file: proves nothing was written."""
    return {
        str(path): (
            path.stat().st_size,
            path.stat().st_mtime_ns,
            hashlib.sha256(path.read_bytes()).hexdigest(),
        )
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.fixture
def untouched(sample_media: SampleMedia) -> Iterator[None]:
    """Fails the test if the sample media changed while it ran."""
    top = sample_media.root.parent
    before = _snapshot(top)
    yield
    assert _snapshot(top) == before


def test_all_four_forms_give_the_same_answer(sample_media: SampleMedia, untouched: None) -> None:
    answers = {}
    for kind, path in _forms(sample_media).items():
        info = inspect_media(path)
        assert info.kind == kind
        assert info.source == path
        answer = info.to_json()
        for field in ("wim", "source", "kind"):
            answer.pop(field)
        answers[kind] = answer
    first = answers["iso"]
    assert all(answer == first for answer in answers.values())
    assert inspect_media(sample_media.iso or Path()).wim == "iso:/NanoServer/NanoServer.wim"
    assert inspect_media(sample_media.wim).wim == str(sample_media.wim)


def test_what_the_sample_holds(sample_media: SampleMedia) -> None:
    info = inspect_media(sample_media.root)
    assert info.wim_bytes == sample_media.wim.stat().st_size
    assert len(info.packages) == 17
    assert info.languages == ("de-de", "en-us")
    standard = info.image_for(Edition.STANDARD)
    datacenter = info.image_for(Edition.DATACENTER)
    assert standard is not None and standard.index == 1
    assert datacenter is not None and datacenter.index == 2
    dsc = info.package("microsoft-nanoserver-DSC-package")
    assert dsc is not None and dsc is info.package("dsc")
    assert dsc.location == "Packages/microsoft-nanoserver-dsc-package.cab"
    assert dsc.languages["de-de"] == "Packages/de-DE/Microsoft-NanoServer-DSC-Package_de-de.cab"
    storage = info.package("Storage")
    assert storage is not None
    assert storage.languages["en-us"].endswith("Storage-Package_EN-US.cab")
    assert info.package("NotAPackage") is None
    assert info.unknown_cabs == ("Packages/Microsoft-OneCore-ReverseForwarders-Package.cab",)


def test_image_for_uses_the_xml(sample_media_datacenter_first: SampleMedia) -> None:
    info = inspect_media(sample_media_datacenter_first.nanoserver)
    assert [image.edition for image in info.images] == [Edition.DATACENTER, Edition.STANDARD]
    standard = info.image_for(Edition.STANDARD)
    assert standard is not None and standard.index == 2


def test_inspecting_the_iso_is_fast(sample_media: SampleMedia) -> None:
    assert sample_media.iso is not None
    start = time.monotonic()
    inspect_media(sample_media.iso)
    assert time.monotonic() - start < 1.5


def test_wim_path_of_folders_is_the_file_itself(sample_media: SampleMedia, tmp_path: Path) -> None:
    for path in (sample_media.root, sample_media.nanoserver, sample_media.wim):
        with open_media(path) as source:
            assert source.wim_path(tmp_path) == sample_media.wim
    assert list(tmp_path.iterdir()) == []


def test_wim_extracted_from_the_iso_is_identical(
    sample_media: SampleMedia, tmp_path: Path, untouched: None
) -> None:
    assert sample_media.iso is not None
    reports: list[tuple[int, int]] = []
    with open_media(sample_media.iso) as source:
        path = source.wim_path(tmp_path, progress=lambda done, total: reports.append((done, total)))
        assert source.wim_path(tmp_path) == path  # extracted once
    assert path.parent == tmp_path
    assert path.read_bytes() == sample_media.wim.read_bytes()
    size = sample_media.wim.stat().st_size
    assert reports and reports[-1] == (size, size)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["NanoServer.wim"]
    # wimlib reads the extracted copy as the same WIM.
    subprocess.run(["wimlib-imagex", "verify", str(path)], check=True, capture_output=True)


def test_cancel_during_extraction_leaves_nothing(sample_media: SampleMedia, tmp_path: Path) -> None:
    assert sample_media.iso is not None
    asked = []

    def should_cancel() -> bool:
        asked.append(True)
        return len(asked) > 1

    with open_media(sample_media.iso) as source, pytest.raises(BuildCancelled):
        source.wim_path(tmp_path, should_cancel=should_cancel)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("form", ["iso", "media-folder", "nanoserver-folder", "wim"])
def test_copy_file_gives_the_cab(
    sample_media: SampleMedia, tmp_path: Path, form: str, untouched: None
) -> None:
    with open_media(_forms(sample_media)[form]) as source:
        dsc = source.info.package("DSC")
        assert dsc is not None
        dest = tmp_path / "dsc_de-de.cab"
        source.copy_file(dsc.languages["de-de"], dest)
    expected = sample_media.nanoserver / "Packages/de-DE/Microsoft-NanoServer-DSC-Package_de-de.cab"
    assert dest.read_bytes() == expected.read_bytes()
    listing = subprocess.run(
        ["gcab", "--list", str(dest)], capture_output=True, text=True, check=True
    ).stdout
    assert listing.split() == ["update.mum"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dsc_de-de.cab"]


@pytest.mark.parametrize("location", ["../NanoServer.wim", "/etc/passwd", "", "Packages/../../x"])
def test_copy_file_refuses_locations_outside_the_media(
    sample_media: SampleMedia, tmp_path: Path, location: str
) -> None:
    for path in (sample_media.nanoserver, sample_media.iso):
        assert path is not None
        with open_media(path) as source, pytest.raises(ValueError, match="not a location"):
            source.copy_file(location, tmp_path / "x")


def test_empty_file_on_an_iso_copies_as_empty(sample_media: SampleMedia, tmp_path: Path) -> None:
    media = copy_media_folder(sample_media, tmp_path / "media")
    french = media / "NanoServer" / "Packages" / "fr-fr"
    french.mkdir()
    (french / "Microsoft-NanoServer-DNS-Package_fr-fr.cab").touch()
    iso = tmp_path / "odd.iso"
    subprocess.run(
        ["genisoimage", "-quiet", "-udf", "-o", str(iso), str(media)],
        check=True,
        capture_output=True,
    )
    with open_media(iso) as source:
        assert source.info.languages == ("de-de", "en-us", "fr-fr")
        dns = source.info.package("DNS")
        assert dns is not None
        assert sorted(dns.languages) == ["de-de", "en-us", "fr-fr"]
        dest = tmp_path / "dns_fr-fr.cab"
        source.copy_file(dns.languages["fr-fr"], dest)
    assert dest.read_bytes() == b""
