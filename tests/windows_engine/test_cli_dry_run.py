"""``nanostudio build RECIPE --engine windows --dry-run`` prints the full plan on any OS."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from nanostudio.cli.main import main
from nanostudio.devtools.sample_media import SampleMedia
from nanostudio.engine.windows.host import system_host
from nanostudio.recipe.toml_io import save_recipe
from tests.windows_engine.builds import E1000_INF, host_recipe, with_drivers


def test_dry_run_prints_every_command_and_script_and_writes_nothing(
    sample_media: SampleMedia,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("NANOSTUDIO_ADMIN_PASSWORD", raising=False)  # a dry run needs none
    drivers = tmp_path / "e1000"
    drivers.mkdir()
    (drivers / "e1000.inf").write_text(E1000_INF)
    out = tmp_path / "out"
    out.mkdir()
    assert sample_media.iso is not None
    recipe_path = tmp_path / "nano.toml"
    save_recipe(
        with_drivers(host_recipe(sample_media.iso, out / "nano.vhdx"), drivers), recipe_path
    )

    code = main(["build", str(recipe_path), "--engine", "windows", "--dry-run"])
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert list(out.iterdir()) == []
    assert printed.startswith("Engine: windows\n")
    steps = re.findall(r"^\d+\. .* \[([a-z0-9-]+)\]$", printed, re.MULTILINE)
    assert steps == [
        "preflight",
        "media",
        "disk",
        "apply",
        "package-host",
        "package-oem-drivers",
        "package-dsc",
        "package-containers",
        "drivers-1",
        "unattend",
        "setupcomplete",
        "boot",
        "detach",
    ]
    # The diskpart scripts in full, Windows command lines, placeholders for the temp folder.
    assert 'create vdisk file="<temp>\\disk.vhdx" maximum=8192 type=expandable' in printed
    assert "create partition efi size=200" in printed and "create partition msr size=128" in printed
    assert "detach vdisk" in printed
    host = system_host()
    text = host.path_text
    assert (
        "/Apply-Image /ImageFile:<temp>\\media\\NanoServer.wim /Index:2 "
        "/ApplyDir:<temp>\\mnt\\windows" in printed
    )
    assert f"/Add-Driver /Driver:{text(drivers)} /Recurse" in printed
    assert "bcdboot W:\\Windows /s S: /f UEFI /l en-us" in printed
    assert "assign letter=W" in printed and "remove letter=W" in printed
    assert printed.count("/Add-Package") == 8
