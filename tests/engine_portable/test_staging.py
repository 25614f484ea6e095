from __future__ import annotations

from dataclasses import replace
from pathlib import Path, PurePosixPath

import pytest

from nanostudio.catalogue import Deployment, Edition, find_package
from nanostudio.devtools.sample_media import SampleMedia
from nanostudio.engine.content.staging import (
    describe_staging,
    docker_files,
    extract_docker,
    first_boot_features,
    plan_staging,
    windows_path,
)
from nanostudio.errors import MediaError, RecipeError
from nanostudio.media.inspect import inspect_media
from nanostudio.media.model import MediaInfo
from nanostudio.recipe import DriversSpec, PackagesSpec, Recipe, SourceSpec
from tests.engine_portable.conftest import write_docker_zip, write_driver_folder


@pytest.fixture(scope="module")
def media(sample_media: SampleMedia) -> MediaInfo:
    return inspect_media(sample_media.root)


def recipe(*names: str, deployment: Deployment = Deployment.HOST, **drivers: object) -> Recipe:
    return Recipe(
        source=SourceSpec(edition=Edition.DATACENTER, deployment=deployment, language="de-de"),
        packages=PackagesSpec(names),
        drivers=DriversSpec(**drivers),  # type: ignore[arg-type]
    )


def test_packages_in_dependency_order_with_language_cabs(media: MediaInfo) -> None:
    staged = plan_staging(recipe("NPDS", "DSC"), media)
    assert [p.info.short for p in staged.packages] == ["Host", "Defender", "NPDS", "DSC"]
    for package in staged.packages:
        assert package.target.parent == PurePosixPath("NanoStudio/Packages")
        assert package.language_target is not None
        assert package.language_target.parent == PurePosixPath("NanoStudio/Packages/de-de")
        assert package.language_source is not None and "de-de" in package.language_source.lower()
    assert not staged.docker


def test_guest_is_staged_and_iis_is_refused_never_dropped(media: MediaInfo) -> None:
    staged = plan_staging(recipe("Containers", deployment=Deployment.GUEST), media)
    assert [p.info.short for p in staged.packages] == ["Guest", "Containers"]
    assert staged.docker
    notes = " ".join(describe_staging(staged))
    assert "installed at first boot" in notes and "Containers" in notes
    assert "Docker" in notes
    with pytest.raises(RecipeError, match="IIS must be installed offline by DISM"):
        plan_staging(recipe("IIS", deployment=Deployment.GUEST), media)


def test_driver_folder_without_unusable_infs(media: MediaInfo, tmp_path: Path) -> None:
    folder = write_driver_folder(tmp_path)
    staged = plan_staging(recipe(folders=(folder,)), media)
    (driver,) = staged.drivers
    assert driver.target == PurePosixPath("NanoStudio/Drivers/01-e1000_driver")
    assert driver.infs == ("x64/e1g6032e.inf",)
    targets = sorted(str(target) for _, target in driver.files)
    assert targets == [
        "NanoStudio/Drivers/01-e1000_driver/x64/e1g6032e.inf",
        "NanoStudio/Drivers/01-e1000_driver/x64/e1g6032e.sys",
    ]
    assert "pnputil" in " ".join(describe_staging(staged))


def test_unusable_driver_folder_is_refused(media: MediaInfo, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(MediaError, match=r"no \.inf file"):
        plan_staging(recipe(folders=(empty,)), media)


def test_windows_path() -> None:
    assert windows_path(PurePosixPath("NanoStudio/Packages/a.cab")) == (
        "%SystemDrive%\\NanoStudio\\Packages\\a.cab"
    )


def test_dns_gets_its_feature_and_storage_a_note(media: MediaInfo) -> None:
    staged = plan_staging(recipe("DNS", "Storage"), media)
    assert staged.features == ("DNS-Server-Full-Role",)
    notes = " ".join(describe_staging(staged))
    assert "enables the DNS-Server-Full-Role feature at first boot" in notes
    assert "File Services is not enabled" in notes
    assert plan_staging(recipe("DSC"), media).features == ()


def test_first_boot_features_of_packages() -> None:
    packages = [find_package(name) for name in ("IIS", "DNS", "Containers", "Storage")]
    assert first_boot_features(p for p in packages if p is not None) == ("DNS-Server-Full-Role",)


def test_docker_zip_is_staged_only_with_containers(media: MediaInfo, tmp_path: Path) -> None:
    zip_path = write_docker_zip(tmp_path)
    with_containers = replace(
        recipe("Containers"), packages=PackagesSpec(("Containers",), docker_zip=zip_path)
    )
    staged = plan_staging(with_containers, media)
    assert staged.docker and staged.docker_zip == zip_path
    notes = " ".join(describe_staging(staged))
    assert "Docker from docker-20.10.24.zip is put in %SystemDrive%\\Program Files\\docker" in notes
    without = plan_staging(recipe("Containers"), media)
    assert without.docker and without.docker_zip is None
    notes = " ".join(describe_staging(without))
    assert "Docker is NOT included (no packages.docker_zip)" in notes
    assert "docker-20.10.24.zip" in notes
    dsc = replace(recipe("DSC"), packages=PackagesSpec(("DSC",), docker_zip=zip_path))
    assert plan_staging(dsc, media).docker_zip is None
    assert describe_staging(plan_staging(dsc, media)) == describe_staging(
        plan_staging(recipe("DSC"), media)
    )


def test_docker_files_are_extracted_into_program_files(tmp_path: Path) -> None:
    zip_path = write_docker_zip(tmp_path)
    assert docker_files(zip_path) == [
        ("docker/dockerd.exe", PurePosixPath("Program Files/docker/dockerd.exe")),
        ("docker/docker.exe", PurePosixPath("Program Files/docker/docker.exe")),
        ("docker/licenses/LICENSE", PurePosixPath("Program Files/docker/licenses/LICENSE")),
    ]
    root = tmp_path / "image"
    assert extract_docker(zip_path, root) == 3
    assert (root / "Program Files/docker/dockerd.exe").read_bytes() == (
        b"MZ fake docker/dockerd.exe"
    )
    assert sorted(p.name for p in (root / "Program Files/docker").iterdir()) == [
        "docker.exe",
        "dockerd.exe",
        "licenses",
    ]


def test_bad_docker_zips_are_refused(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    no_daemon = write_docker_zip(tmp_path / "a", ("docker/docker.exe",))
    with pytest.raises(MediaError, match=r"has no docker/dockerd\.exe"):
        docker_files(no_daemon)
    not_zip = tmp_path / "docker.zip"
    not_zip.write_bytes(b"not a zip")
    with pytest.raises(MediaError, match="not a readable zip"):
        docker_files(not_zip)
    evil = write_docker_zip(
        tmp_path, ("docker/dockerd.exe", "docker/docker.exe", "docker/../../x.exe")
    )
    with pytest.raises(MediaError, match="unsafe name"):
        docker_files(evil)
    assert not (tmp_path / "x.exe").exists()
