"""Disks built once per session from the sample media, shared by the read-only checks."""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from nanostudio.catalogue import Deployment, Edition
from nanostudio.devtools.sample_media import SampleMedia, write_sample_media
from nanostudio.engine.events import BuildOutcome
from nanostudio.recipe import (
    DriversSpec,
    FirstBootSpec,
    NetworkSpec,
    OutputSpec,
    PackagesSpec,
    Recipe,
    SourceSpec,
    SystemSpec,
)
from tests.conftest import nanostudio_home
from tests.engine_portable.helpers import build
from tests.support.fixtures_media import unchanged_until_the_end

GIB = 1 << 30

USABLE_INF = """\
[Version]
Signature="$WINDOWS NT$"
Class=Net
Provider=%Mfg%
DriverVer=06/21/2016,12.15.22.6
[Manufacturer]
%Mfg%=Models,NTamd64
[Models.NTamd64]
%Desc%=Install,PCI\\VEN_8086&DEV_100E
[Strings]
Mfg="NanoStudio test"
Desc="Test adapter"
"""
X86_ONLY_INF = USABLE_INF.replace("%Mfg%=Models,NTamd64", "%Mfg%=Models").replace(
    "[Models.NTamd64]", "[Models]"
)


def write_docker_zip(root: Path, members: tuple[str, ...] | None = None) -> Path:
    """A small stand-in for docker-20.10.24.zip: docker/dockerd.exe and docker/docker.exe."""
    path = root / "docker-20.10.24.zip"
    names = members or ("docker/dockerd.exe", "docker/docker.exe", "docker/licenses/LICENSE")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("docker/", b"")
        for name in names:
            archive.writestr(name, f"MZ fake {name}".encode())
    return path


def write_driver_folder(root: Path) -> Path:
    """A driver with one usable amd64 INF (and its .sys) plus an x86-only INF."""
    folder = root / "e1000 driver"
    (folder / "x64").mkdir(parents=True)
    (folder / "x64" / "e1g6032e.inf").write_text(USABLE_INF)
    (folder / "x64" / "e1g6032e.sys").write_bytes(b"MZ driver binary")
    (folder / "old.inf").write_text(X86_ONLY_INF)
    return folder


@dataclass(frozen=True)
class Built:
    recipe: Recipe
    outcome: BuildOutcome
    fmt: str
    folder: Path


@pytest.fixture(scope="session")
def session_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Session builds log outside the real home too (the per-test home is not set yet)."""
    with nanostudio_home(tmp_path_factory.mktemp("build-home")) as home:
        yield home


def full_recipe(media: Path, output: Path, drivers: Path, docker_zip: Path | None = None) -> Recipe:
    """Datacenter (index 2 on the sample) with roles, a driver, a static address."""
    return Recipe(
        source=SourceSpec(media=media, edition=Edition.DATACENTER, deployment=Deployment.HOST),
        packages=PackagesSpec(("DSC", "Containers", "NPDS"), docker_zip=docker_zip),
        drivers=DriversSpec(oem=True, folders=(drivers,)),
        system=SystemSpec(computer_name="NANO-TEST", timezone="W. Europe Standard Time"),
        network=NetworkSpec(
            winrm=True, ipv4="192.168.56.10/24", gateway="192.168.56.1", dns=("192.168.56.1",)
        ),
        firstboot=FirstBootSpec(("echo first & echo boot",)),
        output=OutputSpec(path=output, size=2 * GIB),
    )


@pytest.fixture(scope="session")
def payload_media(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SampleMedia]:
    """Sample media with ~100 MiB of file data: wimlib runs long enough to be interrupted."""
    yield from unchanged_until_the_end(
        write_sample_media(tmp_path_factory.mktemp("payload-media"), make_iso=False, payload_mib=96)
    )


@pytest.fixture(scope="session")
def media_digest_before(sample_media: SampleMedia) -> dict[str, str]:
    """SHA-256 of every media file before any build here reads it."""
    return media_digests(sample_media)


def media_digests(sample: SampleMedia) -> dict[str, str]:
    files = [p for p in sample.root.rglob("*") if p.is_file()]
    if sample.iso is not None:
        files.append(sample.iso)
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(files)}


@pytest.fixture(scope="session")
def vhdx_build(
    sample_media: SampleMedia,
    tmp_path_factory: pytest.TempPathFactory,
    session_home: Path,
    media_digest_before: dict[str, str],
) -> Built:
    """A VHDX built from the sample ISO with everything the recipe can ask for."""
    folder = tmp_path_factory.mktemp("vhdx-build")
    drivers = write_driver_folder(tmp_path_factory.mktemp("drivers"))
    assert sample_media.iso is not None
    docker = write_docker_zip(tmp_path_factory.mktemp("docker"))
    recipe = full_recipe(sample_media.iso, folder / "nano.vhdx", drivers, docker)
    outcome = build(recipe)
    assert outcome.was_successful(), outcome
    return Built(recipe, outcome, "vhdx", folder)


@pytest.fixture(scope="session")
def vhd_build(
    sample_media: SampleMedia,
    tmp_path_factory: pytest.TempPathFactory,
    session_home: Path,
    media_digest_before: dict[str, str],
) -> Built:
    """A fixed VHD built from the media folder, Standard edition, defaults elsewhere."""
    folder = tmp_path_factory.mktemp("vhd-build")
    recipe = Recipe(
        source=SourceSpec(
            media=sample_media.root, edition=Edition.STANDARD, deployment=Deployment.HOST
        ),
        network=NetworkSpec(winrm=False),
        output=OutputSpec(path=folder / "nano.vhd", size=GIB + 7 * 512),
    )
    outcome = build(recipe)
    assert outcome.was_successful(), outcome
    return Built(recipe, outcome, "vhd", folder)
