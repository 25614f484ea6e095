from __future__ import annotations

from pathlib import Path

import pytest

from nanostudio.catalogue import Deployment, Edition
from nanostudio.errors import RecipeError
from nanostudio.recipe import Recipe
from nanostudio.recipe.toml_io import load_recipe, parse_recipe, save_recipe

FULL = """
[source]
media = "media/NanoServer"
edition = "datacenter"
deployment = "Host"
language = "DE-de"
[packages]
names = ["Compute", "Microsoft-NanoServer-DSC-Package"]
[drivers]
oem = true
virtualbox = false
folders = ["drivers/e1000"]
[system]
computer_name = "NANO1"
timezone = "Pacific Standard Time"
[network]
winrm = true
ipv4 = "192.168.56.10/24"
gateway = "192.168.56.1"
dns = ["192.168.56.1"]
interface = "Ethernet"
[firstboot]
commands = ["echo hello"]
[output]
path = "out/nano.vhdx"
size = "8GiB"
"""


def test_full_recipe_is_read_with_paths_relative_to_its_folder(tmp_path: Path) -> None:
    recipe = parse_recipe(FULL, base=tmp_path)
    assert recipe.source.media == tmp_path / "media/NanoServer"
    assert recipe.source.edition is Edition.DATACENTER
    assert recipe.source.deployment is Deployment.HOST
    assert recipe.source.language == "de-de"
    assert recipe.packages.names == ("Compute", "Microsoft-NanoServer-DSC-Package")
    assert recipe.drivers.folders == (tmp_path / "drivers/e1000",)
    assert recipe.network.dns == ("192.168.56.1",)
    assert recipe.output.path == tmp_path / "out/nano.vhdx"
    assert recipe.output.size == 8 * 1024**3


def test_save_then_load_round_trips(tmp_path: Path) -> None:
    recipe = parse_recipe(FULL, base=tmp_path)
    target = tmp_path / "saved.nanostudio.toml"
    save_recipe(recipe, target)
    assert load_recipe(target) == recipe
    text = target.read_text()
    assert 'path = "out/nano.vhdx"' in text  # relative, so the folder can move
    assert not list(tmp_path.glob("*.partial"))


def test_home_is_expanded_in_every_path(tmp_path: Path) -> None:
    text = (
        '[source]\nmedia = "~/iso"\n[drivers]\nfolders = ["~/drv"]\n[output]\npath = "~/n.vhdx"\n'
    )
    recipe = parse_recipe(text, base=tmp_path)
    assert recipe.source.media == Path.home() / "iso"
    assert recipe.drivers.folders == (Path.home() / "drv",)
    assert recipe.output.path == Path.home() / "n.vhdx"


def test_virtualbox_implies_host_deployment_unless_stated(tmp_path: Path) -> None:
    recipe = parse_recipe("[drivers]\nvirtualbox = true\n", base=tmp_path)
    assert recipe.source.deployment is Deployment.HOST
    assert parse_recipe("", base=tmp_path).source.deployment is Deployment.GUEST


def test_defaults_are_a_usable_recipe(tmp_path: Path) -> None:
    recipe = parse_recipe("", base=tmp_path)
    assert recipe.output.size == 8 * 1024**3
    assert recipe.output.path == tmp_path / "nano.vhdx"
    assert recipe.network.winrm is True


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "[source]\nedition = 'Enterprise'",
            'source.edition: \'Enterprise\' is not valid; use "Standard" or "Datacenter"',
        ),
        ("[system]\npassword = 'x'", "system.password: passwords are never stored in a recipe"),
        ("[output]\nsize = 'huge'", "output.size: 'huge' is not a size"),
        ("[packages]\nnames = 'DSC'", "packages.names: expected a list of texts"),
        ("[drivers]\noem = 'yes'", "drivers.oem: expected true or false"),
        ("[sauce]\nx = 1", "unknown table [sauce]"),
        ("[system]\ncomputername = 'x'", "system.computername: unknown key"),
        ("[system\n", "is not valid TOML"),
    ],
)
def test_malformed_recipes_name_the_key(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(RecipeError) as caught:
        parse_recipe(text, base=tmp_path)
    assert expected in str(caught.value)


def test_missing_recipe_file_is_a_recipe_error(tmp_path: Path) -> None:
    with pytest.raises(RecipeError, match="does not exist"):
        load_recipe(tmp_path / "nope.toml")


def test_recipe_below_a_file_is_a_recipe_error(tmp_path: Path) -> None:
    (tmp_path / "afile").touch()
    with pytest.raises(RecipeError, match="does not exist"):
        load_recipe(tmp_path / "afile" / "r.toml")


def test_unreadable_recipe_is_a_recipe_error(tmp_path: Path) -> None:
    with pytest.raises(RecipeError, match="cannot read recipe"):
        load_recipe(tmp_path)


def test_saved_recipe_never_holds_a_password(tmp_path: Path) -> None:
    target = tmp_path / "r.toml"
    save_recipe(Recipe(), target)
    assert "password" not in target.read_text().split("\n", 1)[1].lower()


def test_save_to_unwritable_place_keeps_nothing(tmp_path: Path) -> None:
    target = tmp_path / "missing-folder" / "r.toml"
    with pytest.raises(RecipeError, match="cannot save recipe"):
        save_recipe(Recipe(), target)
    assert not target.parent.exists()


def test_docker_zip_is_read_relative_and_saved_back(tmp_path: Path) -> None:
    text = '[packages]\nnames = ["Containers"]\ndocker_zip = "downloads/docker-20.10.24.zip"\n'
    recipe = parse_recipe(text, base=tmp_path)
    assert recipe.packages.docker_zip == tmp_path / "downloads/docker-20.10.24.zip"
    path = tmp_path / "r.toml"
    save_recipe(recipe, path)
    assert 'docker_zip = "downloads/docker-20.10.24.zip"' in path.read_text()
    assert load_recipe(path) == recipe
    assert "docker_zip" not in path.read_text().replace("docker_zip", "", 1)
    assert parse_recipe("", base=tmp_path).packages.docker_zip is None
    with pytest.raises(RecipeError, match=r"packages\.docker_zip: expected text"):
        parse_recipe("[packages]\ndocker_zip = 1\n", base=tmp_path)


def test_save_into_a_read_only_folder_says_so_and_never_raises_oserror(
    read_only_dir: Path,
) -> None:
    with pytest.raises(RecipeError) as raised:
        save_recipe(Recipe(), read_only_dir / "r.toml")
    assert str(raised.value) == (
        f"cannot write to {read_only_dir}: choose a folder you can write to"
    )
