"""An edit's ``--target`` is judged against the image's own drivers before any work.

A target whose boot or network device would have no driver is refused in one line
with exit 2 (nothing written, the source unchanged), by ``edit`` and ``recipe
check`` alike; an image that already carries the target's drivers (an earlier
edit for KVM) needs nothing more from the media.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from nanostudio.cli.main import main
from nanostudio.engine.edit.image_facts import image_facts
from nanostudio.engine.edit.source import inspect_edit_source
from nanostudio.recipe import OutputSpec, Recipe, SourceSpec, Target
from nanostudio.recipe.model import EditSpec
from nanostudio.recipe.toml_io import save_recipe
from tests.engine_edit.conftest import Original, sha256
from tests.engine_portable.helpers import PASSWORD

GIB = 1 << 30


@pytest.fixture(autouse=True)
def password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NANOSTUDIO_ADMIN_PASSWORD", PASSWORD)


def _refused_before_any_work(
    capsys: pytest.CaptureFixture[str], source: Path, args: list[str]
) -> list[str]:
    """The problems ``edit`` prints (a line each), checking nothing was written."""
    digest = sha256(source)
    before = sorted(p.name for p in source.parent.iterdir())
    assert main(["edit", str(source), *args]) == 2
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert sha256(source) == digest
    assert sorted(p.name for p in source.parent.iterdir()) == before
    return lines


@pytest.mark.parametrize("kind", ["vhdx", "wim"])
def test_a_target_without_its_drivers_is_refused_up_front(
    kind: str,
    original_vhdx: Original,
    original_wim: Original,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    original = original_vhdx if kind == "vhdx" else original_wim
    source = Path(shutil.copyfile(original.path, tmp_path / f"source.{kind}"))
    lines = _refused_before_any_work(
        capsys, source, ["--media", str(original.media), "--target", "kvm"]
    )
    # One line per device: the disk controller and the network adapter.
    assert [line.split(" needs a driver for ")[0] for line in lines] == [
        "output.target: KVM / QEMU",
        "output.target: KVM / QEMU",
    ], lines
    assert "SATA AHCI controller" in lines[0] and "network adapter" in lines[1]


def test_recipe_check_reads_the_image_to_edit(
    original_vhdx: Original, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    recipe = Recipe(
        source=SourceSpec(media=original_vhdx.media),
        output=OutputSpec(path=tmp_path / "edited.vhdx", size=2 * GIB, target=Target.KVM),
        edit=EditSpec(image=original_vhdx.path),
    )
    path = tmp_path / "edit.toml"
    save_recipe(recipe, path)
    assert main(["recipe", "check", str(path)]) == 2
    problems = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert any(line.startswith("output.target:") for line in problems), problems
    assert not list(tmp_path.glob("edited*"))


def test_an_image_with_the_targets_drivers_needs_none_from_the_media(
    original_vhdx: Original, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The first edit adds KVM's drivers from OEM-Drivers; editing its result for KVM
    again, without OEM-Drivers, is accepted: the drivers are in the image's hive."""
    media = ["--media", str(original_vhdx.media)]
    for_kvm = tmp_path / "for-kvm.vhdx"
    first = [str(original_vhdx.path), *media, "--oem-drivers", "--target", "kvm"]
    assert main(["edit", *first, "-o", str(for_kvm)]) == 0
    assert Target.KVM in (image_facts(inspect_edit_source(for_kvm)).drivable or ())
    again = tmp_path / "again.vhdx"
    assert main(["edit", str(for_kvm), *media, "--target", "kvm", "-o", str(again)]) == 0
    assert again.is_file()
    capsys.readouterr()
