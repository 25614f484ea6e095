from __future__ import annotations

import zipfile
from dataclasses import replace
from pathlib import Path

import pytest

from nanostudio.catalogue import Deployment, Edition
from nanostudio.recipe import (
    DriversSpec,
    NetworkSpec,
    OutputSpec,
    PackagesSpec,
    Recipe,
    SourceSpec,
    SystemSpec,
    resolved_packages,
    validate,
)


def _recipe(**changes: object) -> Recipe:
    base = Recipe(source=SourceSpec(media=Path("/media/NanoServer")))
    return replace(base, **changes)  # type: ignore[arg-type]


def _fields(recipe: Recipe, password: str | None = None) -> dict[str, str]:
    return {p.field: p.message for p in validate(recipe, password=password)}


def test_default_recipe_with_media_has_no_problems() -> None:
    assert validate(_recipe(), password="Nano-Pa55word!") == []


def test_missing_media_is_a_problem() -> None:
    assert "source.media" in _fields(Recipe())


def test_oem_with_guest_is_refused_with_the_fix() -> None:
    message = _fields(_recipe(drivers=DriversSpec(oem=True)))["drivers.oem"]
    assert "Guest" in message and 'deployment = "Host"' in message


def test_virtualbox_with_guest_is_refused() -> None:
    problems = _fields(_recipe(drivers=DriversSpec(virtualbox=True)))
    assert "VirtualBox is not Hyper-V" in problems["drivers.virtualbox"]


def test_virtualbox_cannot_write_vhdx() -> None:
    recipe = _recipe(
        source=SourceSpec(media=Path("/m"), deployment=Deployment.HOST),
        drivers=DriversSpec(virtualbox=True),
        output=OutputSpec(path=Path("nano.vhdx")),
    )
    assert "VirtualBox cannot write to a VHDX" in _fields(recipe)["output.path"]
    ok = replace(recipe, output=OutputSpec(path=Path("nano.vhd")))
    assert validate(ok) == []


def test_shieldedvm_needs_datacenter() -> None:
    recipe = _recipe(packages=PackagesSpec(names=("ShieldedVM",)))
    assert "Datacenter" in _fields(recipe)["packages.names"]
    datacenter = replace(recipe, source=SourceSpec(media=Path("/m"), edition=Edition.DATACENTER))
    assert validate(datacenter) == []


def test_unknown_and_implicit_packages() -> None:
    problems = validate(_recipe(packages=PackagesSpec(names=("Frobnicator", "OEM-Drivers"))))
    messages = [p.message for p in problems]
    assert any("'Frobnicator' is not a Nano Server 2016 package" in m for m in messages)
    assert any("OEM-Drivers is chosen through drivers.oem" in m for m in messages)


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("", "enter a computer name"),
        ("NANOSERVER-12345", "16 characters"),
        ("nano server", "only letters, digits and hyphens"),
        ("12345", "only digits"),
        ("-nano", "start or end with a hyphen"),
    ],
)
def test_invalid_computer_names(name: str, fragment: str) -> None:
    recipe = _recipe(system=SystemSpec(computer_name=name))
    assert fragment in _fields(recipe)["system.computer_name"]


def test_fifteen_character_name_is_fine() -> None:
    assert validate(_recipe(system=SystemSpec(computer_name="NANOSERVER-1234"))) == []


@pytest.mark.parametrize(
    ("password", "fragment"),
    [
        ("", "enter an administrator password"),
        ("Sh0rt!", "at least 8 characters"),
        ("alllowercase", "three of"),
        ("MyAdministrator1!", "account name"),
    ],
)
def test_weak_passwords(password: str, fragment: str) -> None:
    assert fragment in _fields(_recipe(), password=password)["password"]


@pytest.mark.parametrize(
    ("network", "field", "fragment"),
    [
        (
            NetworkSpec(ipv4="192.168.56.300/24"),
            "network.ipv4",
            "in 192.168.56.300 the fourth number, 300, is more than 255",
        ),
        (NetworkSpec(ipv4="192.168.56.10"), "network.ipv4", "prefix length"),
        (NetworkSpec(ipv4="192.168.56.0/24"), "network.ipv4", "is the network address"),
        (NetworkSpec(gateway="192.168.56.1"), "network.ipv4", "needs a static address"),
        (NetworkSpec(ipv4="10.0.0.5/24", gateway="10.0.1.1"), "network.gateway", "outside"),
        (NetworkSpec(ipv4="10.0.0.5/24", dns=("dns.local",)), "network.dns", "not an IPv4"),
        (NetworkSpec(interface=" "), "network.interface", "name the adapter"),
        (NetworkSpec(ipv4="192.168.56.255/24"), "network.ipv4", "is the broadcast address"),
        (NetworkSpec(ipv4="127.0.0.1/8"), "network.ipv4", "127.0.0.1 is a loopback address"),
        (NetworkSpec(ipv4="0.0.0.0/8"), "network.ipv4", "cannot be a server's address"),
        (NetworkSpec(ipv4="10.0.0.5/33"), "network.ipv4", "not a number from 1 to 32"),
        (NetworkSpec(ipv4="10.0.0/24"), "network.ipv4", "four numbers with dots"),
        (NetworkSpec(ipv4="10.0.x.5/24"), "network.ipv4", "the third number 'x' is not a"),
        (
            NetworkSpec(ipv4="10.0.0.5/24", gateway="10.0.0.5"),
            "network.gateway",
            "10.0.0.5 is the server's own address",
        ),
        (NetworkSpec(ipv4="10.0.0.5/24", dns=("10.0.0.256",)), "network.dns", "more than 255"),
    ],
)
def test_network_problems(network: NetworkSpec, field: str, fragment: str) -> None:
    assert fragment in _fields(_recipe(network=network))[field]


@pytest.mark.parametrize(
    ("path", "size", "fragment"),
    [
        ("nano.iso", 8 * 1024**3, "must end in .vhdx"),
        ("nano.vhdx", 100 * 1024**2, "at least 1GiB"),
    ],
)
def test_output_problems(path: str, size: int, fragment: str) -> None:
    recipe = _recipe(output=OutputSpec(path=Path(path), size=size))
    assert any(fragment in p.message for p in validate(recipe))


def test_resolved_packages_adds_deployment_oem_and_dependencies() -> None:
    recipe = _recipe(
        source=SourceSpec(media=Path("/m"), deployment=Deployment.HOST),
        drivers=DriversSpec(virtualbox=True),
        packages=PackagesSpec(names=("npds", "Microsoft-NanoServer-DSC-Package")),
    )
    shorts = [p.short for p in resolved_packages(recipe)]
    assert shorts == ["Host", "OEM-Drivers", "Defender", "NPDS", "DSC"]


def test_driver_folder_without_inf_is_a_problem(tmp_path: Path) -> None:
    (tmp_path / "readme.txt").write_text("no driver here")
    recipe = _recipe(drivers=DriversSpec(folders=(tmp_path,)))
    assert "has no .inf file" in _fields(recipe)["drivers.folders"]


def _zip(path: Path, *names: str) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name in names:
            archive.writestr(name, b"MZ")
    return path


def test_docker_zip_must_hold_the_daemon_and_the_client(tmp_path: Path) -> None:
    good = _zip(tmp_path / "docker-20.10.24.zip", "docker/dockerd.exe", "docker/docker.exe")
    containers = PackagesSpec(("Containers",), docker_zip=good)
    assert "packages.docker_zip" not in _fields(_recipe(packages=containers))
    client_only = _zip(tmp_path / "client.zip", "docker/docker.exe")
    message = _fields(_recipe(packages=PackagesSpec(("Containers",), docker_zip=client_only)))[
        "packages.docker_zip"
    ]
    assert "has no docker/dockerd.exe" in message and "docker-20.10.24.zip" in message
    (tmp_path / "text.zip").write_text("not a zip")
    bad = PackagesSpec(("Containers",), docker_zip=tmp_path / "text.zip")
    assert "not a readable zip" in _fields(_recipe(packages=bad))["packages.docker_zip"]
    missing = PackagesSpec(("Containers",), docker_zip=tmp_path / "nope.zip")
    assert "does not exist" in _fields(_recipe(packages=missing))["packages.docker_zip"]
    # Docker without the Containers package is refused with the fix.
    no_containers = PackagesSpec(("DSC",), docker_zip=good)
    assert (
        "needs the Containers package"
        in _fields(_recipe(packages=no_containers))["packages.docker_zip"]
    )
