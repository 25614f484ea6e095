"""The sample media, checked with wimlib, gcab and the raw bytes — not with our reader."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

import nanostudio
from nanostudio.catalogue import PACKAGES
from nanostudio.cli.main import main
from nanostudio.devtools.sample_boot import sample_bootmgfw
from nanostudio.devtools.sample_media import ISO_LABEL, SampleMedia, _run, write_sample_media
from nanostudio.errors import OutputError

REPO = str(Path(nanostudio.__file__).resolve().parents[1])
BOOT_PATHS = (
    "/Windows/Boot/EFI/bootmgfw.efi",
    "/Windows/Boot/EFI/bootmgr.efi",
    "/Windows/Boot/Fonts/segmono_boot.ttf",
    "/Windows/Boot/Fonts/wgl4_boot.ttf",
    "/Windows/Boot/Resources/bootres.dll",
    "/Windows/Boot/PCAT/bootmgr",
    "/Windows/System32/winload.efi",
    "/Windows/System32/winload.exe",
    "/Windows/System32/config/SYSTEM",
    "/Windows/System32/NanoStudio-sample-edition.txt",
)


def wimlib(*args: str) -> bytes:
    return subprocess.run(["wimlib-imagex", *args], capture_output=True, check=True).stdout


def image_info(wim: Path, index: int) -> dict[str, str]:
    fields = {}
    for line in wimlib("info", str(wim), str(index)).decode().splitlines():
        key, sep, value = line.partition(":")
        if sep:
            fields[key.strip()] = value.strip()
    return fields


def test_images_look_like_the_real_media(sample_media: SampleMedia) -> None:
    standard = image_info(sample_media.wim, 1)
    datacenter = image_info(sample_media.wim, 2)
    assert standard["Name"] == "Windows Server 2016 SERVERSTANDARDNANO"
    assert standard["Edition ID"] == standard["Flags"] == "ServerStandardNano"
    assert standard["Architecture"] == "x86_64"
    assert standard["Build"] == "14393"
    assert standard["Installation Type"] == "Nano Server"
    assert datacenter["Name"] == "Windows Server 2016 SERVERDATACENTERNANO"
    assert datacenter["Edition ID"] == datacenter["Flags"] == "ServerDatacenterNano"
    assert datacenter["Description"] == datacenter["Name"]


def test_datacenter_first_swaps_the_order(sample_media_datacenter_first: SampleMedia) -> None:
    assert sample_media_datacenter_first.iso is None
    wim = sample_media_datacenter_first.wim
    assert image_info(wim, 1)["Edition ID"] == "ServerDatacenterNano"
    assert image_info(wim, 2)["Edition ID"] == "ServerStandardNano"


@pytest.mark.parametrize("index", [1, 2])
def test_boot_files_are_at_their_real_paths(sample_media: SampleMedia, index: int) -> None:
    listing = set(wimlib("dir", str(sample_media.wim), str(index)).decode().splitlines())
    for path in BOOT_PATHS:
        assert path in listing


def _extract(wim: Path, index: int, path: str) -> bytes:
    return wimlib("extract", str(wim), str(index), path, "--to-stdout")


def test_the_marker_tells_the_editions_apart(sample_media: SampleMedia) -> None:
    marker = "/" + sample_media.marker_path
    assert _extract(sample_media.wim, 1, marker).decode().strip() == sample_media.standard_marker
    assert _extract(sample_media.wim, 2, marker).decode().strip() == sample_media.datacenter_marker
    assert sample_media.standard_marker != sample_media.datacenter_marker


def test_bootmgfw_is_an_x64_efi_application(sample_media: SampleMedia) -> None:
    data = _extract(sample_media.wim, 2, "/Windows/Boot/EFI/bootmgfw.efi")
    assert data == sample_bootmgfw()
    assert data[:2] == b"MZ"
    pe = struct.unpack_from("<I", data, 0x3C)[0]
    assert data[pe : pe + 4] == b"PE\0\0"
    machine = struct.unpack_from("<H", data, pe + 4)[0]
    optional = pe + 24
    assert struct.unpack_from("<H", data, optional)[0] == 0x20B  # PE32+
    subsystem = struct.unpack_from("<H", data, optional + 68)[0]
    assert (machine, subsystem) == (0x8664, 10)  # x86-64, EFI application


def _mum_identity(cab: Path, work: Path) -> dict[str, str]:
    work.mkdir()
    subprocess.run(["gcab", "--extract", "--directory", str(work), str(cab)], check=True)
    assert (work / "update.mum").is_file()
    root = ET.parse(work / "update.mum").getroot()
    identity = root.find("{urn:schemas-microsoft-com:asm.v3}assemblyIdentity")
    assert identity is not None
    return dict(identity.attrib)


def test_every_cab_holds_an_update_mum_naming_it(sample_media: SampleMedia, tmp_path: Path) -> None:
    packages = sample_media.nanoserver / "Packages"
    cabs = sorted(packages.rglob("*.cab"))
    assert len(cabs) == 1 + len(PACKAGES) * 3
    by_name = {cab.relative_to(packages).as_posix().lower(): cab for cab in cabs}
    for number, package in enumerate(PACKAGES):
        base = by_name[f"{package.name.lower()}.cab"]
        assert _mum_identity(base, tmp_path / f"b{number}") == {
            "name": package.name,
            "version": "10.0.14393.0",
            "processorArchitecture": "amd64",
            "publicKeyToken": "31bf3856ad364e35",
            "language": "neutral",
            "buildType": "release",
        }
        for language in ("en-us", "de-de"):
            cab = by_name[f"{language}/{package.name.lower()}_{language}.cab"]
            identity = _mum_identity(cab, tmp_path / f"{language}{number}")
            assert (identity["name"], identity["language"]) == (package.name, language)


def test_driver_packages_hold_components_and_a_catalog(
    sample_media: SampleMedia, tmp_path: Path
) -> None:
    """Guest and OEM-Drivers carry driver components laid out as CBS cabs lay them out:
    a folder per component holding its INF and files, its manifest and the package
    catalog at the root. Language cabs and the other packages carry none."""
    packages = sample_media.nanoserver / "Packages"
    for short, infs in (
        ("Guest", {"wvmbus.inf", "wstorvsc.inf", "wnetvsc.inf"}),
        ("OEM-Drivers", {"mshdc.inf", "lsi_sas.inf", "net1ic64.inf"}),
        ("Host", set()),
    ):
        work = tmp_path / short
        work.mkdir()
        cab = packages / f"Microsoft-NanoServer-{short}-Package.cab"
        subprocess.run(["gcab", "-x", "-C", str(work), str(cab)], check=True)
        found = {inf.name for inf in work.rglob("*.inf")}
        assert found == infs
        for inf in work.rglob("*.inf"):
            stem = inf.parent.name
            assert stem.startswith(f"amd64_dual_{inf.name}_31bf3856ad364e35_10.0.14393.0_none_")
            assert (work / f"{stem}.manifest").is_file()
            assert any(p.suffix == ".sys" for p in inf.parent.iterdir())
        assert (work / "update.cat").is_file() == bool(infs)


def test_some_names_are_in_odd_case(sample_media: SampleMedia) -> None:
    packages = sample_media.nanoserver / "Packages"
    assert (packages / "microsoft-nanoserver-dsc-package.cab").is_file()
    assert (packages / "de-DE").is_dir()
    assert (packages / "en-us" / "Microsoft-NanoServer-Storage-Package_EN-US.cab").is_file()


def test_the_iso_is_a_udf_disc_of_the_media(sample_media: SampleMedia) -> None:
    assert sample_media.iso is not None
    data = sample_media.iso.read_bytes()
    sectors = {data[n * 2048 + 1 : n * 2048 + 6] for n in range(16, 24)}
    assert {b"CD001", b"BEA01", b"NSR02", b"TEA01"} <= sectors  # UDF recognition sequence
    assert struct.unpack_from("<H", data, 256 * 2048)[0] == 2  # anchor volume descriptor
    assert data[16 * 2048 + 40 : 16 * 2048 + 72].decode().strip() == ISO_LABEL
    # The WIM's bytes are on the disc, unchanged.
    assert sample_media.wim.read_bytes() in data


def test_payload_adds_shared_incompressible_data(sample_media: SampleMedia, tmp_path: Path) -> None:
    sample = write_sample_media(tmp_path, make_iso=False, payload_mib=4, languages=("fr-fr",))
    for index in (1, 2):
        plain = int(image_info(sample_media.wim, index)["Total Bytes"])
        total = int(image_info(sample.wim, index)["Total Bytes"])
        assert total == plain + 4 * 1024 * 1024
    size = sample.wim.stat().st_size
    # Mostly incompressible, and stored once for both images like real editions.
    assert 2 * 1024 * 1024 < size < 5 * 1024 * 1024
    files = [p for p in wimlib("dir", str(sample.wim), "1").decode().splitlines() if ".bin" in p]
    assert len(files) > 3
    folders = [p.name for p in (sample.nanoserver / "Packages").iterdir() if p.is_dir()]
    assert folders == ["fr-fr"]
    assert not (tmp_path / ".nanostudio-sample-work").exists()


def test_cli_writes_without_iso(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sample-media", str(tmp_path / "s"), "--no-iso"]) == 0
    out = capsys.readouterr().out
    assert f"media folder: {tmp_path / 's' / 'media'}" in out
    assert sorted(p.name for p in (tmp_path / "s").iterdir()) == ["media"]
    assert main(["sample-media", str(tmp_path / "s")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "already exists" in err


def test_cli_into_a_file_is_an_error_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "afile").touch()
    assert main(["sample-media", str(tmp_path / "afile"), "--no-iso"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: cannot write the sample media in {tmp_path / 'afile'}")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"]


def test_a_failing_tool_is_an_output_error_with_its_message() -> None:
    fake_full_disk = "import sys; sys.stderr.write('No space left on device\\n'); sys.exit(3)"
    with pytest.raises(OutputError) as caught:
        _run([sys.executable, "-c", fake_full_disk])
    assert "failed (exit code 3) writing the sample media: No space left on device" in str(
        caught.value
    )


def test_cli_says_which_tool_is_missing(tmp_path: Path) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    result = subprocess.run(
        [sys.executable, "-m", "nanostudio", "sample-media", str(tmp_path / "s")],
        capture_output=True,
        text=True,
        env={**os.environ, "PATH": str(empty), "PYTHONPATH": REPO},
        check=False,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "is not installed: install it with 'apt-get install" in result.stderr
    assert not (tmp_path / "s" / "media").exists()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"payload_mib": -1}, "must not be negative"),
        ({"languages": ("en-US",)}, "language tag"),
        ({"languages": ("english",)}, "language tag"),
    ],
)
def test_bad_arguments_write_nothing(tmp_path: Path, options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        write_sample_media(tmp_path / "s", **options)
    assert not (tmp_path / "s").exists()
